"""Integration tests of the class records over HTTP (issue 12): the whole
flow from a teacher's login to a deleted class, every 4xx, the teacher's
credential, learners' privacy, self-paced use, and hostile names.

Run with Debian's python3: `LESSOND_BIN=build/lessond /usr/bin/python3
tests/integration/test_classes.py` (make integration does this). The
database files themselves (migrations, backup, retention, durability, a
full disk) are test_class_data.py's.
"""

import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from classroom import (ALPHABET, EXAMPLE, PIXEL, TOKEN, ClassServer, Learner,  # noqa: E402
                       csv_dicts, learner_named)

NOW_MS = lambda: int(time.time() * 1000)  # noqa: E731
BEA = '=HYPERLINK("http://evil.example/","Bea")'


def cookie_of(headers, name):
    """The value a Set-Cookie header gives cookie `name`, and the whole header."""
    header = headers.get("Set-Cookie", "")
    m = re.search(r"(?:^|[;,]\s*)%s=([^;]*)" % name, header)
    return (m.group(1) if m else None), header


class Flow(unittest.TestCase):
    """A class from a teacher's login to its deletion, on one server."""

    def setUp(self):
        self.server = ClassServer().__enter__()

    def tearDown(self):
        self.server.__exit__(None, None, None)

    def login(self):
        """POST /api/teach/session; returns the teacher session cookie."""
        s = self.server
        status, headers, raw = s.request("POST", "/api/teach/session",
                                         json.dumps({"token": TOKEN}).encode(),
                                         {"Content-Type": "application/json"})
        self.assertEqual((status, json.loads(raw)), (200, {"teacher": True}))
        value, header = cookie_of(headers, "lessond_teacher")
        self.assertTrue(value, header)
        for attribute in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(attribute, header)
        self.assertNotIn("Secure", header)  # plain HTTP, no X-Forwarded-Proto
        self.assertNotIn(TOKEN, header)
        return "lessond_teacher=" + value

    def test_the_whole_flow(self):
        s = self.server
        # The teacher logs in once; the session cookie alone is enough.
        teacher = {"Cookie": self.login()}
        status, _, raw = s.request("GET", "/api/teach/session", headers=teacher)
        self.assertEqual((status, json.loads(raw)), (200, {"teacher": True}))
        status, _, raw = s.request("GET", "/api/teach/session")
        self.assertEqual(status, 401, raw)
        status, c = s.teacher_json("POST", "/api/classes", {"name": "Year 9 slots"},
                                   headers=teacher, token=None)
        self.assertEqual(status, 201, c)
        code = c["code"]
        self.assertRegex(code, "^[%s]{6}$" % ALPHABET)
        self.assertEqual(c["display"], code[:3] + "-" + code[3:])
        self.assertEqual(c["name"], "Year 9 slots")
        self.assertEqual(c["join_url"], "http://127.0.0.1:%d/join/%s" % (s.port, code))
        self.assertLessEqual(abs(c["created"] - NOW_MS()), 60_000)
        # ... and a Bearer token works as well.
        status, listing = s.teacher_json("GET", "/api/classes")
        self.assertEqual(status, 200, listing)
        self.assertEqual(listing["classes"], [{"code": code, "display": c["display"],
                                               "name": "Year 9 slots", "created": c["created"],
                                               "learners": 0}])

        # A learner's browser gets its cookie on a first GET and joins with
        # the code as typed: lower case, a dash.
        ada = Learner(s)
        self.assertEqual(ada.membership(), (200, {"class": None, "name": None}))
        joined = ada.join_ok(c["display"].lower(), "Ada")
        short = {"code": code, "display": c["display"], "name": "Year 9 slots"}
        self.assertEqual(joined, {"class": short, "name": "Ada"})
        self.assertEqual(ada.membership(), (200, {"class": short, "name": "Ada"}))

        # What the server sees is recorded: runs (queued), checks (saved).
        r = ada.run(EXAMPLE, step="define")
        self.assertEqual((r["status"], r["progress"]), ("ok", "queued"), r)
        a = ada.check("has-dict", answer="True")
        self.assertEqual((a["correct"], a["progress"]), (False, "saved"), a)
        r = ada.run("origin.z = 1", step="assign-z")
        self.assertEqual((r["exception"]["type"], r["progress"]), ("AttributeError", "queued"))
        a = ada.check("slot-it", code=PIXEL)
        self.assertEqual((a["correct"], a["progress"]), (False, "saved"), a)
        failed_check = a["message"]
        edited = PIXEL.replace("class Pixel:\n", "class Pixel:\n    # thinking\n")
        self.assertEqual(ada.progress("slot-it", "code", code=edited),
                         (200, {"progress": "saved"}))
        a = ada.check("has-dict", answer="False")
        self.assertEqual((a["correct"], a["progress"]), (True, "saved"), a)
        # What only the page knows: the example marked done.
        self.assertEqual(ada.progress("define", "done"), (200, {"progress": "saved"}))
        bea = Learner(s)
        bea.join_ok(code, BEA)  # a name that is a spreadsheet formula
        self.assertEqual(bea.check("has-dict", answer="True")["progress"], "saved")

        # The class view: every event above, the run queued before the
        # saved check included (the writer commits in order).
        v = s.view_ok(code)
        self.assertEqual((v["code"], v["display"], v["name"], v["created"]),
                         (code, c["display"], "Year 9 slots", c["created"]))
        self.assertLessEqual(abs(v["now"] - NOW_MS()), 60_000)
        self.assertEqual([l["name"] for l in v["learners"]], ["Ada", BEA])
        me = learner_named(v, "Ada")
        self.assertIsInstance(me["learner"], int)
        self.assertNotIn(ada.id, json.dumps(v))  # the cookie never leaves the learner
        self.assertLessEqual(me["joined"], me["last_seen"])
        steps = me["steps"]["points"]
        self.assertEqual(set(steps), {"define", "has-dict", "assign-z", "slot-it"})  # not scale
        self.assertEqual(steps["define"]["state"], "done")
        self.assertEqual(steps["define"]["attempts"], 1)
        self.assertNotIn("code", steps["define"])  # the poll is light: has_code says there is
        self.assertTrue(steps["define"]["has_code"])
        self.assertEqual(s.code_ok(code, me["learner"], "define")["code"], EXAMPLE)
        d = steps["has-dict"]
        self.assertEqual((d["state"], d["attempts"], d["failures"], d["wrong_answers"]),
                         ("done", 2, 1, ["True"]))
        self.assertFalse(d["stuck"])
        z = steps["assign-z"]
        self.assertEqual((z["state"], z["attempts"], z["exceptions"]),
                         ("tried", 1, ["AttributeError"]))
        g = steps["slot-it"]
        self.assertEqual((g["state"], g["attempts"], g["failures"]), ("tried", 1, 1))
        self.assertEqual(g["failed_checks"], [failed_check])  # what the learner was told
        self.assertIn("Pixel instances have no __dict__", failed_check)
        latest = s.code_ok(code, me["learner"], "slot-it")
        self.assertEqual(latest, {"code": edited, "at": g["code_at"]})  # the latest, from the page
        full = learner_named(s.view_ok(code, with_code=True), "Ada")["steps"]["points"]
        self.assertEqual((full["define"]["code"], full["slot-it"]["code"]), (EXAMPLE, edited))
        self.assertIsNone(full["has-dict"]["code"])  # a prediction's checks carry no code
        for step in steps.values():
            self.assertLessEqual(step["last"], v["now"])
        summary = v["summary"]["points"]["has-dict"]
        self.assertEqual(summary["wrong_answers"], [{"text": "True", "count": 2, "learners": 2}])
        self.assertEqual((summary["done"], summary["tried"]), (1, 1))
        self.assertEqual(v["summary"]["points"]["assign-z"]["exceptions"],
                         [{"text": "AttributeError", "count": 1, "learners": 1}])

        # The export: a row per learner and touched step, as the view says.
        headers, rows = s.export_ok(code)
        self.assertRegex(headers.get("Content-Type", ""), r"^text/csv; charset=utf-8(;|$)")
        self.assertRegex(headers.get("Content-Disposition", ""), r'^attachment; filename="[^"/]+"')
        table = csv_dicts(rows)
        self.assertEqual(rows[0], ["learner", "name", "joined", "last_seen", "lesson", "step",
                                   "state", "stuck", "attempts", "failures", "last",
                                   "wrong_answers", "exceptions", "failed_checks",
                                   "latest_code"])
        self.assertEqual(sorted((r["name"], r["step"]) for r in table),
                         sorted([("Ada", "assign-z"), ("Ada", "define"), ("Ada", "has-dict"),
                                 ("Ada", "slot-it"), ("'" + BEA, "has-dict")]))
        ada_dict = [r for r in table if r["name"] == "Ada" and r["step"] == "has-dict"][0]
        self.assertEqual((ada_dict["state"], ada_dict["attempts"], ada_dict["lesson"]),
                         ("done", "2", "points"))

        self.assertEqual(
            [r["latest_code"] for r in table if r["step"] == "slot-it"], [edited])

        # Ada leaves: her records go with her; Bea's stay.
        self.assertEqual(ada.leave(), (200, {"class": None, "name": None}))
        self.assertEqual(ada.membership(), (200, {"class": None, "name": None}))
        self.assertNotIn("progress", ada.run(EXAMPLE, step="define"))
        self.assertEqual(ada.progress("define", "done"), (200, {"progress": "off"}))
        v = s.view_ok(code)
        self.assertEqual([l["name"] for l in v["learners"]], [BEA])
        self.assertEqual(s.teacher_json("GET", "/api/classes")[1]["classes"][0]["learners"], 1)

        # The teacher deletes the class: everything recorded for it goes.
        self.assertEqual(s.teacher_json("DELETE", "/api/classes/" + code),
                         (200, {"deleted": code}))
        self.assertEqual(s.teacher_json("GET", "/api/classes/" + code)[0], 404)
        self.assertEqual(s.teacher_json("GET", "/api/classes"), (200, {"classes": []}))
        self.assertEqual(bea.membership(), (200, {"class": None, "name": None}))
        self.assertEqual(bea.progress("has-dict", "done"), (200, {"progress": "off"}))
        self.assertEqual(bea.join(code, BEA)[0], 404)
        self.assertEqual(s.teacher_json("DELETE", "/api/classes/" + code)[0], 404)

    def test_joining_again_renames_and_another_class_moves(self):
        s = self.server
        first, second = s.create_class_ok("A"), s.create_class_ok("B")
        ada = Learner(s, 1)
        ada.join_ok(first["code"], "Ada")
        self.assertEqual(ada.check("has-dict", answer="True")["progress"], "saved")
        ada.join_ok(first["code"], "Ada L.")
        v = s.view_ok(first["code"])
        self.assertEqual([l["name"] for l in v["learners"]], ["Ada L."])
        self.assertEqual(v["learners"][0]["steps"]["points"]["has-dict"]["attempts"], 1)
        ada.join_ok(second["code"], "Ada")
        self.assertEqual(ada.membership()[1]["class"]["code"], second["code"])
        self.assertEqual(s.view_ok(first["code"])["learners"], [])
        self.assertEqual(ada.check("has-dict", answer="True")["progress"], "saved")
        steps = learner_named(s.view_ok(second["code"]), "Ada")["steps"]
        self.assertEqual(steps["points"]["has-dict"]["attempts"], 1)

    def test_codes_as_learners_type_them(self):
        s = self.server
        code = s.create_class_ok()["code"]
        typed = [("%s-%s" % (code[:3], code[3:])).lower(), "%s %s" % (code[:3], code[3:]),
                 " %s " % code.lower(), "%s_%s" % (code[:2], code[2:]), code]
        for n, form in enumerate(typed):
            status, answer = Learner(s, n).join(form.replace(" ", "%20"), "L%d" % n)
            self.assertEqual(status, 200, (form, answer))
            self.assertEqual(answer["class"]["code"], code)
        self.assertEqual(len(s.view_ok(code)["learners"]), len(typed))

    def test_stuck_learner_is_flagged(self):
        s = self.server
        code = s.create_class_ok()["code"]
        ada = Learner(s, 1)
        ada.join_ok(code, "Ada")
        for guess in ("True", "None", "1"):
            ada.check("has-dict", answer=guess)
        step = learner_named(s.view_ok(code), "Ada")["steps"]["points"]["has-dict"]
        self.assertEqual((step["state"], step["failures"], step["stuck"]), ("tried", 3, True))
        self.assertEqual(step["wrong_answers"], ["1", "None", "True"])  # newest first
        v = s.view_ok(code)
        self.assertEqual(v["summary"]["points"]["has-dict"]["stuck"], 1)
        self.assertEqual([(x["name"], x["lesson"], x["step"], x["failures"]) for x in v["stuck"]],
                         [("Ada", "points", "has-dict", 3)])
        ada.check("has-dict", answer="False")  # right at last: no longer stuck
        self.assertEqual(s.view_ok(code)["stuck"], [])


class Errors(unittest.TestCase):
    """Every 4xx of the class routes, each with a JSON {"error"} body."""

    @classmethod
    def setUpClass(cls):
        cls.server = ClassServer().__enter__()
        cls.code = cls.server.create_class_ok("Errors")["code"]
        cls.learner = Learner(cls.server, 1)
        cls.learner.join_ok(cls.code, "Ada")

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def error(self, expected, status, headers, raw):
        """Asserts the status and a JSON error sentence; returns the sentence."""
        self.assertEqual(status, expected, raw[:300])
        body = json.loads(raw)
        self.assertEqual(set(body), {"error"}, body)
        self.assertIsInstance(body["error"], str)
        self.assertTrue(body["error"])
        return body["error"]

    def teacher(self, expected, method, path, body=None):
        return self.error(expected, *self.server.teacher(method, path, body))

    def as_learner(self, expected, method, path, body=None):
        return self.error(expected, *self.learner.request(method, path, body))

    def test_malformed_json(self):
        # The sentence says what a body should look like, not "a name is needed".
        for bad in (b"{", b"[]", b"\"name\"", b"{\"name\": \"a\"} trailing", b"\xff\xfe",
                    b"{\"name\": \"a\", \"name\": \"b\"}"):
            whys = [self.teacher(400, "POST", "/api/classes", bad),
                    self.as_learner(400, "POST", "/api/classes/%s/join" % self.code, bad),
                    self.as_learner(400, "POST", "/api/progress", bad),
                    self.error(400, *self.server.request("POST", "/api/teach/session", bad))]
            for why in whys:
                self.assertIn("JSON object", why, bad)

    def test_oversized_body(self):
        huge = json.dumps({"name": "x" * (1 << 20)}).encode()
        self.teacher(413, "POST", "/api/classes", huge)
        self.as_learner(413, "POST", "/api/classes/%s/join" % self.code, huge)
        self.as_learner(413, "POST", "/api/progress", huge)

    def test_missing_empty_too_long_or_not_text_name(self):
        for body in ({}, {"name": ""}, {"name": "x" * 41}, {"name": 42}, {"name": None},
                     {"name": ["Ada"]}):
            self.teacher(400, "POST", "/api/classes", body)
            self.as_learner(400, "POST", "/api/classes/%s/join" % self.code, body)
        self.assertEqual(self.learner.membership()[1]["name"], "Ada")  # unchanged

    def test_bad_code_characters(self):
        good = self.code
        for bad in (good[:5] + "0", good[:5] + "O", good[:5] + "1", good[:5] + "I",
                    good[:5] + "l", "A" * 6):
            why = self.as_learner(400, "POST", "/api/classes/%s/join" % bad, {"name": "Ada"})
            if bad[-1] in "0O1Il":
                self.assertRegex(why, r"0.*O.*1.*I.*L|no 0, O, 1, I or L", why)
        for bad in (good[:5], good + "2", "%C3%A9" * 3, "x" * 20):
            self.as_learner(400, "POST", "/api/classes/%s/join" % bad, {"name": "Ada"})
        self.assertEqual(self.learner.membership()[1]["class"]["code"], good)  # unchanged

    def test_unknown_code_is_404_with_a_plain_message(self):
        unknown = next(c * 6 for c in ALPHABET if c * 6 != self.code)
        why = self.as_learner(404, "POST", "/api/classes/%s/join" % unknown, {"name": "Ada"})
        display = unknown[:3] + "-" + unknown[3:]
        self.assertEqual(why, "There is no class with the code %s; check it with your "
                              "teacher." % display)
        for method, path in (("GET", "/api/classes/" + unknown),
                             ("DELETE", "/api/classes/" + unknown),
                             ("GET", "/api/classes/%s/export.csv" % unknown)):
            self.teacher(404, method, path)

    def test_progress_body_and_unknown_step(self):
        for body in ({"lesson": "points", "step": "define"},
                     {"lesson": "points", "step": "define", "kind": "sleep"},
                     {"lesson": "points", "step": "define", "kind": "code"},
                     {"lesson": "points", "step": "define", "kind": "code", "code": 7},
                     {"lesson": 1, "step": "define", "kind": "done"},
                     {"step": "define", "kind": "done"}):
            self.as_learner(400, "POST", "/api/progress", body)
        self.as_learner(404, "POST", "/api/progress",
                        {"lesson": "points", "step": "nope", "kind": "done"})
        self.as_learner(404, "POST", "/api/progress",
                        {"lesson": "nope", "step": "define", "kind": "done"})

    def test_wrong_method_is_405_with_allow(self):
        code = self.code
        for method, path, allow in (
                ("PUT", "/api/classes", {"GET", "POST"}),
                ("POST", "/api/classes/" + code, {"GET", "DELETE"}),
                ("GET", "/api/classes/%s/join" % code, {"POST"}),
                ("POST", "/api/classes/%s/export.csv" % code, {"GET"}),
                ("PATCH", "/api/membership", {"GET", "DELETE"}),
                ("GET", "/api/progress", {"POST"}),
                ("PUT", "/api/teach/session", {"GET", "POST", "DELETE"})):
            status, headers, raw = self.server.teacher(method, path)
            self.error(405, status, headers, raw)
            allowed = {m.strip() for m in headers.get("Allow", "").split(",")} - {"HEAD"}
            self.assertEqual(allowed, allow, (method, path))


class LearnerCode(unittest.TestCase):
    """GET /api/classes/{code}/code: one learner's latest code for one step,
    fetched when the teacher opens a cell, while the polled view only says
    has_code and code_at."""

    @classmethod
    def setUpClass(cls):
        s = cls.server = ClassServer().__enter__()
        cls.code = s.create_class_ok("Code")["code"]
        cls.other = s.create_class_ok("Other")["code"]
        cls.ada, cls.bea = Learner(s, 1), Learner(s, 2)
        cls.ada.join_ok(cls.code, "Ada")
        cls.bea.join_ok(cls.code, "Bea")
        cls.edited = EXAMPLE + "# edited\n"
        assert cls.ada.run(EXAMPLE, step="define")["progress"] == "queued"
        assert cls.ada.progress("define", "code", code=cls.edited)[1] == {"progress": "saved"}
        assert cls.bea.check("has-dict", answer="True")["progress"] == "saved"
        v = s.view_ok(cls.code)
        cls.ada_no = learner_named(v, "Ada")["learner"]
        cls.bea_no = learner_named(v, "Bea")["learner"]

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def error(self, expected, path, *words, method="GET", **kw):
        """Asserts a JSON error with expected status whose sentence has words."""
        status, _, raw = self.server.teacher(method, path, **kw)
        self.assertEqual(status, expected, (path, raw[:300]))
        body = json.loads(raw)
        self.assertEqual(set(body), {"error"}, body)
        for word in words:
            self.assertIn(word, body["error"], path)
        return body["error"]

    def test_the_poll_has_no_code_and_the_route_gives_it(self):
        s = self.server
        status, _, raw = s.teacher("GET", "/api/classes/" + self.code)
        self.assertEqual(status, 200)
        self.assertNotIn(b"__slots__", raw)  # no learner's code in the polled body
        v = json.loads(raw)
        define = learner_named(v, "Ada")["steps"]["points"]["define"]
        self.assertNotIn("code", define)
        self.assertTrue(define["has_code"])
        self.assertLessEqual(define["code_at"], define["last"])
        has_dict = learner_named(v, "Bea")["steps"]["points"]["has-dict"]
        self.assertEqual((has_dict["has_code"], has_dict["code_at"]), (False, None))
        got = s.code_ok(self.code, self.ada_no, "define")
        self.assertEqual(got, {"code": self.edited, "at": define["code_at"]})
        # Through HEAD too, and with the code as learners type it.
        status, _, raw = s.teacher("HEAD", s.code_path(self.code, self.ada_no, "define"))
        self.assertEqual((status, raw), (200, b""))
        typed = "%s-%s" % (self.code[:3].lower(), self.code[3:])
        self.assertEqual(s.code_ok(typed, self.ada_no, "define"), got)
        # ?code=all is the full view of before, code and all.
        full = learner_named(s.view_ok(self.code, with_code=True), "Ada")
        self.assertEqual(full["steps"]["points"]["define"]["code"], self.edited)
        # The export keeps its latest_code column.
        _, rows = s.export_ok(self.code)
        table = csv_dicts(rows)
        self.assertEqual([r["latest_code"] for r in table if r["step"] == "define"],
                         [self.edited])

    def test_new_code_moves_code_at_and_is_what_the_route_gives(self):
        s = self.server
        self.assertEqual(self.ada.run("origin.z = 1", step="assign-z")["progress"], "queued")
        self.assertEqual(self.ada.progress("assign-z", "code", code="origin.z = 2"),
                         (200, {"progress": "saved"}))
        first = learner_named(s.view_ok(self.code), "Ada")["steps"]["points"]["assign-z"]
        self.assertEqual(s.code_ok(self.code, self.ada_no, "assign-z"),
                         {"code": "origin.z = 2", "at": first["code_at"]})
        self.assertEqual(self.ada.progress("assign-z", "code", code="origin.z = 3"),
                         (200, {"progress": "saved"}))
        self.assertEqual(self.ada.progress("assign-z", "done"), (200, {"progress": "saved"}))
        now = learner_named(s.view_ok(self.code), "Ada")["steps"]["points"]["assign-z"]
        self.assertGreaterEqual(now["code_at"], first["code_at"])
        self.assertLessEqual(now["code_at"], now["last"])
        self.assertEqual(s.code_ok(self.code, self.ada_no, "assign-z"),
                         {"code": "origin.z = 3", "at": now["code_at"]})

    def test_unknown_class_learner_step_or_no_code_is_404(self):
        s = self.server
        unknown = next(c * 6 for c in ALPHABET if c * 6 not in (self.code, self.other))
        self.error(404, s.code_path(unknown, self.ada_no, "define"), "no class")
        self.error(404, s.code_path(self.other, self.ada_no, "define"),
                   "no learner %d in this class" % self.ada_no)
        self.error(404, s.code_path(self.code, self.ada_no + self.bea_no + 50, "define"),
                   "no learner")
        self.error(404, s.code_path(self.code, self.ada_no, "nope"), "no such lesson step")
        self.error(404, s.code_path(self.code, self.ada_no, "define", lesson="nope"),
                   "no such lesson step")
        self.error(404, s.code_path(self.code, self.bea_no, "has-dict"),
                   "learner %d has no code recorded for this step" % self.bea_no)
        self.error(404, s.code_path(self.code, self.ada_no, "slot-it"), "no code recorded")

    def test_malformed_params_are_400(self):
        s = self.server
        base = "/api/classes/%s/code" % self.code
        ada = self.ada_no
        for query in ("", "?lesson=points&step=define", "?learner=&lesson=points&step=define",
                      "?learner=abc&lesson=points&step=define",
                      "?learner=0&lesson=points&step=define",
                      "?learner=-1&lesson=points&step=define",
                      "?learner=%2B1&lesson=points&step=define",
                      "?learner=1e3&lesson=points&step=define",
                      "?learner=%%20%d&lesson=points&step=define" % ada,
                      "?learner=99999999999999999999&lesson=points&step=define",
                      "?learner=%d&learner=%d&lesson=points&step=define" % (ada, ada)):
            self.error(400, base + query, "learner must be given once")
        for query in ("?learner=%d&step=define" % ada, "?learner=%d&lesson=&step=define" % ada,
                      "?learner=%d&lesson=points&lesson=points&step=define" % ada,
                      "?learner=%d&lesson=%%ff&step=define" % ada):
            self.error(400, base + query, "lesson must be given once")
        for query in ("?learner=%d&lesson=points" % ada,
                      "?learner=%d&lesson=points&step=%s" % (ada, "s" * 129)):
            self.error(400, base + query, "step must be given once")
        many = "&".join("x%d=1" % i for i in range(9))
        self.error(400, base + "?learner=%d&lesson=points&step=define&" % ada + many,
                   "too many query arguments")
        self.error(400, "/api/classes/0O0O0O/code?learner=%d&lesson=points&step=define" % ada)
        # The class view takes code=all alone.
        for query in ("?code=", "?code=some", "?code=all&code=all", "?code"):
            self.error(400, "/api/classes/%s%s" % (self.code, query), "code=all")
        self.error(405, base, method="POST")

    def test_the_teacher_only(self):
        path = self.server.code_path(self.code, self.ada_no, "define")
        self.error(401, path, "for the teacher", token=None)
        self.error(401, path, token=None, headers={"Cookie": self.ada.cookie})
        self.error(403, path, "not the teacher token", token="z" * 64)


class Auth(unittest.TestCase):
    """The teacher credential: none, wrong, a learner's, throttled guesses.
    Each test has its own server: wrong guesses from 127.0.0.1 count
    against every later request from it."""

    def setUp(self):
        self.server = ClassServer().__enter__()
        self.code = self.server.create_class_ok("Private")["code"]
        self.ada = Learner(self.server, 1)
        self.ada.join_ok(self.code, "Ada")
        self.assertEqual(self.ada.check("has-dict", answer="True")["progress"], "saved")

    def tearDown(self):
        self.server.__exit__(None, None, None)

    def teacher_routes(self):
        """(method, path, body) of every teacher route, for a real class."""
        c = self.code
        return [("GET", "/api/classes", None), ("POST", "/api/classes", {"name": "Mine"}),
                ("GET", "/api/classes/" + c, None), ("DELETE", "/api/classes/" + c, None),
                ("GET", "/api/classes/%s/export.csv" % c, None),
                ("GET", self.server.code_path(c, 1, "has-dict"), None)]

    def assert_untouched(self):
        """The class is still there with Ada's record, and no other class."""
        status, listing = self.server.teacher_json("GET", "/api/classes")
        self.assertEqual([x["code"] for x in listing["classes"]], [self.code])
        learner_named(self.server.view_ok(self.code), "Ada")

    def test_no_credential_is_401_on_every_teacher_route(self):
        for method, path, body in self.teacher_routes():
            status, _, raw = self.server.teacher(method, path, body, token=None)
            self.assertEqual(status, 401, (method, path, raw))
            self.assertNotIn(b"Ada", raw)
        self.assert_untouched()

    def test_wrong_bearer_is_403(self):
        for method, path, body in self.teacher_routes()[:4]:  # 4 < the 5 wrong guesses allowed
            status, _, raw = self.server.teacher(method, path, body, token="x" * 64)
            self.assertEqual(status, 403, (method, path, raw))
        self.assert_untouched()

    def test_a_learner_cookie_never_authorises_a_teacher_route(self):
        forged = [self.ada.cookie, "lessond_teacher=" + self.ada.id,
                  "lessond_teacher=" + TOKEN, "%s; lessond_teacher=" % self.ada.cookie]
        for cookie in forged:
            for method, path, body in self.teacher_routes():
                status, _, raw = self.server.teacher(method, path, body, token=None,
                                                     headers={"Cookie": cookie})
                self.assertIn(status, (401, 403), (cookie, method, path, raw))
                self.assertNotIn(b"Ada", raw)
            status, _, _ = self.server.request("GET", "/api/teach/session",
                                               headers={"Cookie": cookie})
            self.assertEqual(status, 401, cookie)
        self.assert_untouched()

    def test_wrong_guesses_are_throttled(self):
        s = self.server
        answers = [s.request("POST", "/api/teach/session",
                             json.dumps({"token": "guess-%016d" % i}).encode())
                   for i in range(5)]
        self.assertEqual([a[0] for a in answers], [401] * 5)
        status, headers, raw = s.request("POST", "/api/teach/session",
                                         json.dumps({"token": "guess-again-000000"}).encode())
        self.assertEqual(status, 429, raw)
        self.assertTrue(1 <= int(headers["Retry-After"]) <= 60, headers)
        # Throttled means throttled: a Bearer guess too, even the right token.
        self.assertEqual(s.teacher("GET", "/api/classes", token="y" * 64)[0], 429)
        status, _, raw = s.request("POST", "/api/teach/session",
                                   json.dumps({"token": TOKEN}).encode())
        self.assertEqual(status, 429, raw)
        _, headers, _ = s.request("POST", "/api/teach/session",
                                  json.dumps({"token": TOKEN}).encode())
        self.assertIsNone(cookie_of(headers, "lessond_teacher")[0], headers)

    def test_a_guessed_code_sees_nothing_of_the_class(self):
        s = self.server
        mallory = Learner(s, 2)
        # Joining is what a code is for; the answer names only the class
        # and the joiner, never who else is in it or what they did.
        status, answer = mallory.join(self.code, "Mallory")
        self.assertEqual(status, 200, answer)
        self.assertEqual(set(answer), {"class", "name"})
        self.assertEqual(set(answer["class"]), {"code", "display", "name"})
        for method, path, body in self.teacher_routes():
            status, _, raw = mallory.request(method, path, body)
            self.assertIn(status, (401, 403), (method, path))
            self.assertNotIn(b"Ada", raw)
        for method, path, body in (("GET", "/api/membership", None),
                                   ("POST", "/api/progress",
                                    {"lesson": "points", "step": "has-dict", "kind": "done"}),
                                   ("POST", "/api/check", {"lesson": "points",
                                                           "step": "has-dict",
                                                           "answer": "True"})):
            status, _, raw = mallory.request(method, path, body)
            self.assertEqual(status, 200)
            self.assertNotIn(b"Ada", raw)
            self.assertNotIn(b"True", raw.replace(b"\"correct\": true", b""))
        self.assertEqual(mallory.leave(), (200, {"class": None, "name": None}))
        self.assert_untouched()

    def test_session_cookie_secure_over_tls_and_cleared_on_logout(self):
        s = self.server
        status, headers, _ = s.request("POST", "/api/teach/session",
                                       json.dumps({"token": TOKEN}).encode(),
                                       {"X-Forwarded-Proto": "https"})
        self.assertEqual(status, 200)
        value, header = cookie_of(headers, "lessond_teacher")
        self.assertIn("Secure", header)
        cookie = {"Cookie": "lessond_teacher=" + value}
        status, headers, raw = s.request("DELETE", "/api/teach/session", headers=cookie)
        self.assertEqual((status, json.loads(raw)), (200, {"teacher": False}))
        cleared, header = cookie_of(headers, "lessond_teacher")
        self.assertEqual(cleared, "", header)
        self.assertRegex(header, r"Max-Age=0|Expires=Thu, 01 Jan 1970")
        # Logging out ends the session itself, not just the browser's copy.
        for path in ("/api/teach/session", "/api/classes"):
            self.assertEqual(s.request("GET", path, headers=cookie)[0], 401, path)

    def test_a_non_teacher_learns_nothing_from_the_code_in_the_path(self):
        unknown = next(c * 6 for c in ALPHABET if c * 6 != self.code)
        for code in (self.code, unknown, "0" * 6):
            for method, path in (("GET", "/api/classes/" + code),
                                 ("DELETE", "/api/classes/" + code),
                                 ("GET", "/api/classes/%s/export.csv" % code)):
                self.assertEqual(self.ada.request(method, path)[0], 401, (method, path))
        self.assert_untouched()

    def test_guessing_join_codes_is_throttled(self):
        s = self.server
        guesser = Learner(s, 3)
        misses = [c * 6 for c in ALPHABET if c * 6 != self.code][:20]
        self.assertEqual([guesser.join(code, "G")[0] for code in misses], [404] * 20)
        status, headers, raw = guesser.request("POST", "/api/classes/%s/join" % self.code,
                                               {"name": "G"})
        self.assertEqual(status, 429, raw)  # even the right code, while throttled
        self.assertTrue(1 <= int(headers["Retry-After"]) <= 60, headers)
        self.assertEqual(guesser.membership(), (200, {"class": None, "name": None}))
        self.assert_untouched()


class Privacy(unittest.TestCase):
    """A learner never reads another learner's records, and self-paced use
    records nothing at all."""

    def setUp(self):
        self.server = ClassServer().__enter__()

    def tearDown(self):
        self.server.__exit__(None, None, None)

    def test_a_learner_reads_only_their_own_membership(self):
        s = self.server
        one, two = s.create_class_ok("One")["code"], s.create_class_ok("Two")["code"]
        ada, bea, cal = Learner(s, 1), Learner(s, 2), Learner(s, 3)
        ada.join_ok(one, "Ada")
        bea.join_ok(one, "Bea")
        cal.join_ok(two, "Cal")
        ada.check("has-dict", answer="'ada-secret'")
        for other, mine in ((bea, "Bea"), (cal, "Cal")):
            status, answer = other.membership()
            self.assertEqual((status, answer["name"]), (200, mine))
            for method, path in (("GET", "/api/membership"), ("GET", "/api/lessons/points"),
                                 ("GET", "/api/classes/" + one),
                                 ("GET", "/api/classes/%s/export.csv" % one)):
                status, _, raw = other.request(method, path)
                self.assertNotIn(b"ada-secret", raw)
                self.assertNotIn(b"Ada", raw)
        # A cookie is the learner: another id, another (empty) membership.
        self.assertEqual(Learner(s, 4).membership(), (200, {"class": None, "name": None}))

    def test_self_paced_use_records_nothing(self):
        s = self.server
        code = s.create_class_ok()["code"]
        before = s.metrics()
        solo = Learner(s)
        self.assertNotIn("progress", solo.run(EXAMPLE, step="define"))
        self.assertNotIn("progress", solo.run("1 + 1"))
        self.assertNotIn("progress", solo.check("has-dict", answer="True"))
        self.assertNotIn("progress", solo.check("slot-it", code=PIXEL))
        self.assertEqual(solo.progress("define", "done"), (200, {"progress": "off"}))
        self.assertEqual(solo.progress("slot-it", "code", code=PIXEL), (200, {"progress": "off"}))
        anonymous = s.post_json("/api/check", {"lesson": "points", "step": "has-dict",
                                               "answer": "True"})
        self.assertNotIn("progress", anonymous[1])
        self.assertEqual(s.view_ok(code)["learners"], [])
        after = s.metrics()
        counted = ['lessond_store_writes_total{outcome="written"}',
                   'lessond_store_writes_total{outcome="failed"}',
                   'lessond_progress_events_total{outcome="saved"}',
                   'lessond_progress_events_total{outcome="queued"}',
                   'lessond_progress_events_total{outcome="unsaved"}']
        self.assertEqual({k: after[k] for k in counted}, {k: before[k] for k in counted})
        self.assertEqual(after["lessond_class_members"], 0)


class HostileNames(unittest.TestCase):
    """Names are stored byte for byte, capped at 40 characters, and come
    back the same from membership, the view and the export."""

    NAMES = ["<img src=x onerror=alert(1)>",
             "\u202eevil\u202c.exe",                       # an RTL override
             "\U0001F600" * 40,                             # 40 characters, 160 bytes
             "=HYPERLINK(\"http://evil.example/\",\"x\")",  # a formula
             "+1", "-1", "@SUM(A1)",
             "Quote \" comma , semicolon ;",
             "O'Brien; DROP TABLE learners;--",
             "\u00e9\u0301 combining, \u200b zero width"]

    @classmethod
    def setUpClass(cls):
        cls.server = ClassServer().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def test_hostile_learner_names_round_trip(self):
        s = self.server
        klass = s.create_class_ok("<b>Year 9</b> \u202eRTL")
        code = klass["code"]
        self.assertEqual(klass["name"], "<b>Year 9</b> \u202eRTL")
        for n, name in enumerate(self.NAMES):
            learner = Learner(s, 100 + n)
            self.assertEqual(learner.join_ok(code, name)["name"], name)
            self.assertEqual(learner.membership()[1]["name"], name)
            learner.progress("define", "done")
        v = s.view_ok(code)
        self.assertEqual(v["name"], "<b>Year 9</b> \u202eRTL")
        self.assertEqual([l["name"] for l in v["learners"]], self.NAMES)
        _, rows = s.export_ok(code)
        names = [r["name"] for r in csv_dicts(rows)]
        self.assertEqual(len(names), len(self.NAMES))
        for sent, cell in zip(self.NAMES, names):
            if sent[0] in "=+-@\t\r":
                self.assertEqual(cell, "'" + sent)  # neutralised: text, not a formula
            else:
                self.assertEqual(cell, sent)

    def test_over_the_cap_is_refused(self):
        s = self.server
        code = s.create_class_ok("Caps")["code"]
        for name in ("x" * 41, "\U0001F600" * 41, "x" * 10240, "\u202e" * 5000):
            status, answer = Learner(s, 1).join(code, name)
            self.assertIn(status, (400, 413), answer)
            status, answer = s.teacher_json("POST", "/api/classes", {"name": name})
            self.assertIn(status, (400, 413), answer)
        self.assertEqual(s.view_ok(code)["learners"], [])

    def test_control_characters_nul_and_bad_utf8_are_refused_not_cut(self):
        s = self.server
        code = s.create_class_ok("NUL")["code"]
        learner = Learner(s, 2)
        for name in ("Ada\u0000Mallory", "\tTab", "two\nlines", "cr\r", "del\x7f", " "):
            status, answer = learner.join(code, name)
            self.assertEqual(status, 400, (name, answer))
            status, answer = s.teacher_json("POST", "/api/classes", {"name": name})
            self.assertEqual(status, 400, (name, answer))
        raw = b'{"name": "Ada\xff"}'
        status, _, _ = learner.request("POST", "/api/classes/%s/join" % code, raw)
        self.assertEqual(status, 400)
        self.assertEqual(s.view_ok(code)["learners"], [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
