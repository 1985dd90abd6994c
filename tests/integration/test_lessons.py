"""Integration tests of the lesson endpoints against the real server.

The server loads tests/integration/lessons/ (a fixture course).
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lessond import BIN, Server  # noqa: E402

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

    def check_dir(self, directory):
        return subprocess.run([BIN, "--check-lessons", "--log-level", "warn",
                               "--lessons-dir", directory],
                              capture_output=True, text=True, timeout=120)

    def check_text(self, body):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "01-t.md")
            with open(path, "w") as f:
                f.write(LESSON_HEAD + body)
            return path, self.check_dir(tmp)

    def test_fixture_course_agrees(self):
        out = self.check_dir(FIXTURES)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("1 lessons, 5 steps agree", out.stdout)

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

    def test_declared_exception_must_happen(self):
        _, out = self.check_text("```python predict id=p raises=KeyError\n{}.get('a')\n```\n")
        self.assertEqual(out.returncode, 1)
        self.assertIn("did not raise", out.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
