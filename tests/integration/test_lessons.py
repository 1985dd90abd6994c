"""Integration tests of the lesson endpoints against the real server.

The server loads tests/integration/lessons/ (a fixture course).
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lessond import BIN, Server  # noqa: E402
from pythons import installed, missing  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "lessons")


class LessonEndpoints(unittest.TestCase):
    """GET /api/lessons, GET /api/lessons/{id}, POST /api/check, /api/solution."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("--lessons-dir", FIXTURES).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def get(self, path):
        status, _, body = self.server.request("GET", path)
        return status, json.loads(body)

    def check(self, **body):
        status, answer = self.server.post_json("/api/check", dict(lesson="points", **body))
        self.assertEqual(status, 200, answer)
        return answer

    def test_index_lists_lessons_in_order_with_step_counts(self):
        status, body = self.get("/api/lessons")
        self.assertEqual(status, 200)
        self.assertEqual(body["lessons"], [{"id": "points", "title": "Points with and without slots",
                                            "summary": "A fixture lesson for the integration tests.",
                                            "order": 10, "steps": 5}])

    def test_detail_has_rendered_prose_and_public_steps_only(self):
        status, body = self.get("/api/lessons/points")
        self.assertEqual(status, 200)
        self.assertIn("<strong>bold</strong>", body["html"])
        self.assertIn("Outro prose", body["outro_html"])
        kinds = [(s["id"], s["kind"]) for s in body["steps"]]
        self.assertEqual(kinds, [("define", "example"), ("has-dict", "predict"),
                                 ("assign-z", "predict"), ("slot-it", "goal"),
                                 ("scale", "experiment")])
        self.assertIn("prediction", body["steps"][1]["html"])
        self.assertNotIn("setup", body["steps"][1])  # supplied by the server
        goal = body["steps"][3]
        self.assertEqual(goal["hints"], ["Declare __slots__ in the class body.\n",
                                         '__slots__ = ("x", "y")\n'])
        self.assertEqual(goal["checks"], 3)
        text = json.dumps(body)
        for secret in ("not hasattr(Pixel", "raises(AttributeError", "Slotted instances have"):
            self.assertNotIn(secret, text)
        self.assertNotIn("class Pixel:\\n    __slots__", text)  # the solution
        exp = body["steps"][4]
        self.assertEqual([v["name"] for v in exp["variants"]], ["plain", "slots"])
        self.assertEqual(exp["sizes"], [100, 1000])

    def test_version_prose_is_rendered_for_the_page_to_choose(self):
        # Each ```text python=SPEC block is its own Markdown, in a div the
        # page shows only on a matching Python; blocks in a row are one group.
        _, body = self.get("/api/lessons/points")
        self.assertEqual(body["outro_html"], (
            "<p>Outro prose.</p>\n"
            '<div class="python-group">\n'
            '<div class="python-prose" data-python="3.11">\n'
            "<p>Outro for Python <strong>3.11</strong>.</p>\n</div>\n"
            '<div class="python-prose" data-python="3.12+">\n'
            "<p>Outro for Python 3.12 and later.</p>\n</div>\n"
            "</div>\n"
            "<p>More outro.</p>\n"
            '<div class="python-group">\n'
            '<div class="python-prose" data-python="3.13">\n'
            "<p>An addition for 3.13 alone.</p>\n</div>\n"
            "</div>\n"))
        self.assertNotIn("```", json.dumps(body))  # no fence of the blocks is left

    def test_unknown_lesson_is_404_json(self):
        status, body = self.get("/api/lessons/nope")
        self.assertEqual(status, 404)
        self.assertIn("error", body)

    def test_right_prediction_with_python_equivalent_spelling(self):
        a = self.check(step="has-dict", answer="False")
        self.assertTrue(a["correct"], a)
        self.assertEqual(a["expected"], {"repr": "False", "type": "bool"})

    def test_wrong_prediction_gets_real_value_and_explanation(self):
        a = self.check(step="has-dict", answer="True")
        self.assertFalse(a["correct"])
        self.assertIn("False", a["message"])
        self.assertIn("no __dict__", a["explain"])
        self.assertEqual(a["run"]["result"]["repr"], "False")
        self.assertNotIn("verdict", a["run"])

    def test_exception_prediction(self):
        self.assertTrue(self.check(step="assign-z", answer="AttributeError")["correct"])
        self.assertFalse(self.check(step="assign-z", answer="TypeError")["correct"])
        self.assertFalse(self.check(step="assign-z", answer="None")["correct"])

    def test_goal_fails_with_hint_then_passes(self):
        starter = "class Pixel:\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n"
        a = self.check(step="slot-it", code=starter)
        self.assertFalse(a["correct"])
        # The third check compares the peak() helper (the runner's memory
        # instrument) with tracemalloc itself: equal, and for either code.
        self.assertEqual([c["passed"] for c in a["checks"]], [False, False, True])
        self.assertIn("no __dict__", a["message"])
        self.assertEqual(a["hint"], "Declare __slots__ in the class body.\n")
        solved = starter.replace("class Pixel:\n", "class Pixel:\n    __slots__ = ('x', 'y')\n")
        b = self.check(step="slot-it", code=solved)
        self.assertTrue(b["correct"], b)
        self.assertEqual([c["passed"] for c in b["checks"]], [True, True, True])

    def test_goal_with_broken_code_reports_the_run(self):
        a = self.check(step="slot-it", code="class Pixel(:\n    pass")
        self.assertFalse(a["correct"])
        self.assertEqual(a["run"]["exception"]["type"], "SyntaxError")

    def test_experiment_series(self):
        a = self.check(step="scale")
        self.assertTrue(a["correct"], a)
        points = [(p["variant"], p["n"]) for p in a["series"]]
        self.assertEqual(points, [("plain", 100), ("plain", 1000), ("slots", 100), ("slots", 1000)])
        peak = {(p["variant"], p["n"]): p["peak_bytes"] for p in a["series"]}
        # Experiments get a larger heap limit (512 MiB, a plain run 256 MiB),
        # and the address-space backstop that goes with it.
        r = self.check(step="scale", code="big = bytes(300 << 20)\n"
                       "items = [Thing(i) for i in range(N)]")
        self.assertTrue(r["correct"], r)
        self.assertEqual(self.server.run("big = bytes(300 << 20)")["status"], "memory_limit")
        if os.environ.get("SANITIZER") != "address":  # no RLIMIT_AS under ASan
            r = self.check(step="scale", code="import resource\n"
                           "assert resource.getrlimit(resource.RLIMIT_AS)[0] == 1536 << 20\n"
                           "items = [Thing(i) for i in range(N)]")
            self.assertTrue(r["correct"], r)
        self.assertLess(peak[("slots", 1000)], peak[("plain", 1000)])
        self.assertLess(peak[("plain", 100)], peak[("plain", 1000)])

    def test_experiment_points_have_their_own_cpu_budget(self):
        # A point may use more CPU than a plain run (--experiment-cpu-seconds).
        burn = ("import time\nt = time.process_time()\n"
                "while time.process_time() - t < 1.3:\n    pass\n")
        with Server("--lessons-dir", FIXTURES, "--cpu-seconds", "1",
                    "--experiment-cpu-seconds", "4", "--wall-ms", "20000") as s:
            self.assertEqual(s.health()["limits"]["experiment_cpu_seconds"], 4)
            status, a = s.post_json("/api/check", {"lesson": "points", "step": "scale",
                                                   "code": burn + "items = [Thing(i) for i in range(N)]"})
            self.assertEqual(status, 200, a)
            self.assertTrue(a["correct"], a)
            self.assertEqual({p["status"] for p in a["series"]}, {"ok"})
            r = s.run(burn)
            self.assertEqual(r["status"], "timeout", r)
            self.assertIn("1 s of CPU", r["message"])

    def test_experiment_points_have_their_own_wall_limit(self):
        # A point may take longer than a plain run (--experiment-wall-ms).
        nap = "import time\ntime.sleep(1.2)\n"
        with Server("--lessons-dir", FIXTURES, "--wall-ms", "700",
                    "--experiment-wall-ms", "8000") as s:
            self.assertEqual(s.health()["limits"]["experiment_wall_ms"], 8000)
            status, a = s.post_json("/api/check", {"lesson": "points", "step": "scale",
                                                   "code": nap + "items = [Thing(i) for i in range(N)]"})
            self.assertEqual(status, 200, a)
            self.assertEqual({p["status"] for p in a["series"]}, {"ok"}, a)
            r = s.run(nap)
            self.assertEqual(r["status"], "timeout", r)
            self.assertIn("wall-clock", r["message"])

    def test_run_in_lesson_context_gets_earlier_definitions(self):
        r = self.server.run_body({"code": "type(origin).__slots__", "lesson": "points",
                                  "step": "has-dict"})
        self.assertEqual(r["result"]["repr"], "('x', 'y')")
        r = self.server.run_body({"code": "Pixel.__slots__", "lesson": "points",
                                  "step": "scale"})
        self.assertEqual(r["status"], "ok")  # a later step sees the goal's definitions
        status, body = self.server.post_json("/api/run", {"code": "1", "lesson": "points",
                                                          "step": "nope"})
        self.assertEqual(status, 404)
        status, body = self.server.post_json("/api/run", {"code": "1", "lesson": "points",
                                                          "step": "has-dict", "setup": "x=1"})
        self.assertEqual(status, 400)

    def test_solution_on_request(self):
        status, body = self.server.post_json("/api/solution", {"lesson": "points", "step": "slot-it"})
        self.assertEqual(status, 200)
        self.assertIn("__slots__", body["solution"])
        status, body = self.server.post_json("/api/solution", {"lesson": "points", "step": "has-dict"})
        self.assertEqual(status, 400)

    def test_bad_check_requests(self):
        for body, want in (({"step": "has-dict", "answer": "1"}, 400),
                           ({"lesson": "points", "step": "nope", "answer": "1"}, 404),
                           ({"lesson": "nope", "step": "x", "answer": "1"}, 404),
                           ({"lesson": "points", "step": "has-dict"}, 400),
                           ({"lesson": "points", "step": "define", "code": "1"}, 400),
                           ({"lesson": "points", "step": "has-dict", "answer": 5}, 400)):
            status, answer = self.server.post_json("/api/check", body)
            self.assertEqual(status, want, (body, answer))
            self.assertIn("error", answer)


class BrokenLessons(unittest.TestCase):
    """A broken lesson stops the server at start-up with file:line."""

    def test_refuses_to_start_with_file_and_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "01-broken.md")
            with open(path, "w") as f:
                f.write("---\nid: b\ntitle: B\norder: 1\nsummary: s\n---\n\n"
                        "```python exampel id=x\n1\n```\n")
            out = subprocess.run([BIN, "--port", "0", "--lessons-dir", tmp],
                                 capture_output=True, text=True, timeout=30)
            self.assertNotEqual(out.returncode, 0)
            self.assertIn(path + ":8:", out.stderr)
            self.assertIn("exampel", out.stderr)


LESSON_HEAD = "---\nid: t\ntitle: T\norder: 1\nsummary: s\n---\n\n"


class CheckLessons(unittest.TestCase):
    """lessond --check-lessons: the interpreter is the truth."""

    def check_dir(self, directory, *args):
        return subprocess.run([BIN, "--check-lessons", "--log-level", "warn",
                               "--lessons-dir", directory, *args],
                              capture_output=True, text=True, timeout=120)

    def check_text(self, body, *args):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "01-t.md")
            with open(path, "w") as f:
                f.write(LESSON_HEAD + body)
            return path, self.check_dir(tmp, *args)

    def sections(self, stdout):
        """{version: its part of check-lessons' report}, one per Python."""
        parts = re.split(r"(?m)^check-lessons: Python (\d+\.\d+)\n", stdout)
        return dict(zip(parts[1::2], parts[2::2]))

    def test_every_installed_python_checks_every_step(self):
        out = self.check_dir(FIXTURES)
        self.assertEqual(out.returncode, 0, out.stderr)
        sections = self.sections(out.stdout)
        self.assertEqual(list(sections), installed())
        for version, text in sections.items():
            self.assertIn("check-lessons: Python %s: 1 lessons, 5 steps agree" % version, text)
        self.assertIn("check-lessons: every step agrees on Python " + ", ".join(installed()),
                      out.stdout)
        out = self.check_dir(FIXTURES, "--pythons", "3.11")
        self.assertEqual(list(self.sections(out.stdout)), ["3.11"])

    def test_each_step_is_reported_with_its_figures_and_limits(self):
        out = self.check_dir(FIXTURES, "--cpu-seconds", "3", "--wall-ms", "6500",
                             "--memory-bytes", str(200 << 20), "--experiment-cpu-seconds", "7",
                             "--experiment-wall-ms", "15000",
                             "--experiment-memory-bytes", str(300 << 20))
        self.assertEqual(out.returncode, 0, out.stderr)
        fig = r"cpu \d+ ms, wall \d+ ms, peak \d+(\.\d)? (bytes|KiB|MiB)"
        limited = (r"cpu \d+ ms \(limit 3 s\), wall \d+ ms \(limit 6500 ms\), "
                   r"peak \d+(\.\d)? (bytes|KiB|MiB) \(limit 200 MiB\)")
        path = os.path.join(FIXTURES, "10-points.md")
        for version, text in self.sections(out.stdout).items():
            with self.subTest(python=version):
                for line, kind, step in ((11, "example", "define"), (22, "predict", "has-dict"),
                                         (30, "predict", "assign-z"), (34, "goal", "slot-it")):
                    self.assertRegex(text, rf"(?m)^{path}:{line} {kind} {step}: {limited}$")
                self.assertRegex(text, rf"(?m)^{path}:\d+ experiment scale, 4 points, worst "
                                 r"'\w+' at N = \d+: cpu \d+ ms \(limit 7 s\), wall \d+ ms "
                                 r"\(limit 15 s\), peak [\d.]+ (bytes|KiB|MiB) \(limit 300 MiB\)$")
                for variant in ("plain", "slots"):
                    for n in (100, 1000):
                        self.assertRegex(text, rf"(?m)^  '{variant}' at N = {n}: {fig}$")
                top = text.split("the 4 heaviest steps by CPU (experiments apart):\n", 1)
                self.assertEqual(len(top), 2, text)
                self.assertEqual(len(re.findall(rf"(?m)^  {path}:\d+ \w+ [\w-]+: {fig}$",
                                                top[1])), 4)

    def test_a_step_that_measures_itself_has_no_peak(self):
        _, out = self.check_text("```python example id=own\nimport tracemalloc\n"
                                 "tracemalloc.start()\nx = [1] * 10\n```\n")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRegex(out.stdout, r"example own: cpu \d+ ms \(limit \d+ s\), "
                         r"wall \d+ ms \(limit \d+ s\), peak n/a\n")

    def test_step_past_half_the_cpu_limit_fails(self):
        burn = ("import time\nt = time.process_time()\n"
                "while time.process_time() - t < 0.6:\n    pass\n")
        path, out = self.check_text("```python example id=burn\n" + burn + "```\n",
                                    "--cpu-seconds", "1")
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertRegex(out.stderr, re.escape(path) + r":8: example step 'burn': too close to "
                         r"the limit: it will fail on a slower machine: it used \d+ ms of CPU, "
                         r"more than half of the 1 s limit \(--cpu-seconds\)")
        _, out = self.check_text("```python example id=burn\n" + burn + "```\n",
                                 "--cpu-seconds", "2")
        self.assertEqual(out.returncode, 0, out.stderr)  # 0.6 s of 2 s is fine

    def test_cpu_of_the_whole_child_counts(self):
        # A goal's hidden check runs after the snippet's own time.cpu_ms is
        # taken; RLIMIT_CPU counts it all, and so does the margin.
        _, out = self.check_text(
            "```python goal id=g\nx = 1\n```\n\n```python check\n"
            "import time\nt = time.process_time()\n"
            "while time.process_time() - t < 0.6:\n    pass\nx == 2\n```\n\n"
            "```python solution\nx = 2\n```\n", "--cpu-seconds", "1")
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertRegex(out.stderr, r"goal step 'g': too close to the limit: it will fail on a "
                         r"slower machine: it used \d+ ms of CPU, more than half of the 1 s limit")

    def test_step_past_half_the_wall_limit_fails(self):
        _, out = self.check_text("```python example id=nap\nimport time\ntime.sleep(0.5)\n```\n",
                                 "--wall-ms", "800")
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertRegex(out.stderr, r"too close to the limit: it will fail on a slower machine: "
                         r"it used \d+ ms of wall time, more than half of the 800 ms limit "
                         r"\(--wall-ms\)")

    def test_step_past_half_the_memory_limit_fails(self):
        _, out = self.check_text("```python predict id=big answer=\"314572800\"\n"
                                 "data = bytearray(300 << 20)\nlen(data)\n```\n",
                                 "--memory-bytes", str(512 << 20))
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertRegex(out.stderr, r"predict step 'big': too close to the limit: it will fail "
                         r"on a slower machine: it used a peak of 300\.0 MiB, more than half of "
                         r"the 512 MiB limit \(--memory-bytes\)")

    def test_experiment_point_past_half_its_limit_fails_and_is_named(self):
        body = ("```python experiment id=grow sizes=\"10,1000\"\nitems = [Thing(i) for i in range(N)]\n"
                "```\n\n```python variant name=\"quick\"\nclass Thing:\n"
                "    def __init__(self, v):\n        self.v = v\n```\n\n"
                "```python variant name=\"slow\"\nimport time\nclass Thing:\n"
                "    def __init__(self, v):\n        t = time.process_time()\n"
                "        while v == 999 and time.process_time() - t < 0.6:\n            pass\n```\n")
        _, out = self.check_text(body, "--experiment-cpu-seconds", "1")
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertRegex(out.stderr, r"experiment step 'grow': too close to the limit: it will "
                         r"fail on a slower machine: point 'slow' at N = 1000 used \d+ ms of CPU, "
                         r"more than half of the 1 s limit \(--experiment-cpu-seconds\)")
        self.assertEqual(out.stderr.count("too close"), 1, out.stderr)
        # Points run under the experiment limits, not the ordinary ones.
        _, out = self.check_text(body, "--cpu-seconds", "1", "--experiment-cpu-seconds", "4")
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_experiment_with_a_failing_point_names_it(self):
        _, out = self.check_text(
            "```python experiment id=grow sizes=\"10,1000\"\nitems = [Thing(i) for i in range(N)]\n"
            "```\n\n```python variant name=\"sturdy\"\nclass Thing:\n"
            "    def __init__(self, v):\n        self.v = v\n```\n\n"
            "```python variant name=\"fragile\"\nclass Thing:\n"
            "    def __init__(self, v):\n        if v == 500:\n            raise ValueError(v)\n```\n")
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertIn("experiment step 'grow': point 'fragile' at N = 1000 did not run "
                      "(status error)", out.stderr)
        self.assertEqual(out.stderr.count("' at N = "), 1, out.stderr)
        self.assertIn("some points did not run", out.stderr)

    def test_wrong_declared_answer(self):
        path, out = self.check_text("```python predict id=p answer=\"3\"\n1 + 1\n```\n")
        self.assertEqual(out.returncode, 1)
        self.assertIn(path + ":8: predict step 'p'", out.stderr)
        self.assertIn("declared answer", out.stderr)

    def test_example_with_unexpected_exception(self):
        path, out = self.check_text("x\n\n```python example id=e\n1 / 0\n```\n")
        self.assertEqual(out.returncode, 1)
        self.assertIn(path + ":10: example step 'e'", out.stderr)
        self.assertIn("ZeroDivisionError", out.stderr)

    def test_example_output_block_must_match(self):
        path, out = self.check_text("```python example id=e\nprint('hi')\n```\n\n"
                                    "```text output\nbye\n```\n")
        self.assertEqual(out.returncode, 1)
        self.assertIn("output block differs", out.stderr)

    def test_goal_whose_starter_already_passes(self):
        _, out = self.check_text("```python goal id=g\nx = 1\n```\n\n"
                                 "```python check\nx == 1\n```\n\n"
                                 "```python solution\nx = 1\n```\n")
        self.assertEqual(out.returncode, 1)
        self.assertIn("starter code already passes", out.stderr)

    def test_goal_whose_solution_fails(self):
        _, out = self.check_text("```python goal id=g\nx = 1\n```\n\n"
                                 "```python check\nx == 2\n```\n\n"
                                 "```python solution\nx = 3\n```\n")
        self.assertEqual(out.returncode, 1)
        self.assertIn("solution does not pass", out.stderr)

    def test_version_alternatives_must_cover_every_python(self):
        # Blocks in a row are alternatives: one for each Python checked.
        path, out = self.check_text("```text python=3.12\nA.\n```\n\n"
                                    "```text python=3.13+\nB.\n```\n\n"
                                    "```python example id=e\nx = 1\n```\n")
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertIn("Python 3.11: %s:8: the version blocks here (python=3.12, "
                      "python=3.13+) are alternatives, and none is for Python 3.11: add a "
                      "python=3.11 block, or widen one with a plus" % path, out.stderr)
        _, out = self.check_text("```text python=3.11\nA.\n```\n\n"
                                 "```text python=3.12+\nB.\n```\n\n"
                                 "```python example id=e\nx = 1\n```\n")
        self.assertEqual(out.returncode, 0, out.stderr)
        # One block alone is an addition: the other Pythons read nothing there.
        _, out = self.check_text("```python example id=e\nx = 1\n```\n\n"
                                 "```text python=3.14\nSoon.\n```\n")
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_declared_exception_must_happen(self):
        _, out = self.check_text("```python predict id=p raises=KeyError\n{}.get('a')\n```\n")
        self.assertEqual(out.returncode, 1)
        self.assertIn("did not raise", out.stderr)


SIZE_STEP = ("```python predict id=size {answers}\nimport sys\n\nclass P:\n"
             "    def __init__(self):\n        self.x = 1\n        self.y = 2\n\n"
             "sys.getsizeof(P())\n```\n")
MESSAGE_STEP = ("```python example id=msg\nclass P:\n    __slots__ = ('x',)\n\ntry:\n"
                "    P().z = 1\nexcept AttributeError as e:\n    print(e)\n```\n\n{outputs}")


class PerVersionExpectations(unittest.TestCase):
    """A step declares what each Python gives: answer@X.Y= on a prediction,
    `output python=X.Y` blocks on an example; check-lessons holds every
    Python to its own."""

    check_text = CheckLessons.check_text
    check_dir = CheckLessons.check_dir

    @classmethod
    def setUpClass(cls):
        reason = missing("3.13")
        if reason:
            raise unittest.SkipTest(reason)

    def test_each_python_is_held_to_its_own_answer(self):
        # answer= serves the Pythons without one of their own: none here.
        _, out = self.check_text(SIZE_STEP.format(
            answers='answer="0" answer@3.11="56" answer@3.13="48"'))
        self.assertEqual(out.returncode, 0, out.stderr)
        _, out = self.check_text(SIZE_STEP.format(answers='answer@3.11="56" answer="56"'))
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertRegex(out.stderr, r"Python 3\.13: .*:8: predict step 'size': the interpreter "
                         r"does not accept the declared answer")

    def test_each_python_is_held_to_its_own_output(self):
        ours = "'P' object has no attribute 'z'\n"
        newer = "'P' object has no attribute 'z' and no __dict__ for setting new attributes\n"
        _, out = self.check_text(MESSAGE_STEP.format(
            outputs="```text output\n%s```\n\n```text output python=3.13\n%s```\n"
            % (ours, newer)))
        self.assertEqual(out.returncode, 0, out.stderr)
        _, out = self.check_text(MESSAGE_STEP.format(outputs="```text output\n%s```\n" % ours))
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertRegex(out.stderr, r"Python 3\.13: .*: example step 'msg': its output block "
                         r"differs from what it prints")


if __name__ == "__main__":
    unittest.main(verbosity=2)
