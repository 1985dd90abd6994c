"""Fairness and observability against the real server: the learner cookie,
per-learner caps (429), a class behind one address, CPU hogs dropped to
SCHED_IDLE, and GET /metrics.

Run with Debian's python3: LESSOND_BIN=build/lessond /usr/bin/python3 tests/integration/test_fairness.py
"""

import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from lessond import Server  # noqa: E402

SLEEP = "import time\ntime.sleep({secs})\n'slept'"


def learner(n):
    """A well-formed learner cookie header for learner number n."""
    return {"Cookie": "lessond_learner=%032x" % (n + 1)}


class Background:
    """Runs one POST /api/run in a thread; .result is (status, body) when done."""

    def __init__(self, srv, code, headers=None):
        self.result = None
        body = json.dumps({"code": code}).encode()
        hdrs = {"Content-Type": "application/json", **(headers or {})}

        def go():
            status, _, raw = srv.request("POST", "/api/run", body, hdrs, timeout=60)
            self.result = (status, json.loads(raw))

        self.thread = threading.Thread(target=go)
        self.thread.start()

    def join(self):
        self.thread.join(60)
        return self.result


def wait_for(predicate, timeout=10.0):
    """Polls predicate until true; returns its last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(0.02)
        value = predicate()
    return value


def process_tree(root):
    """Pids of every descendant of root (read from /proc)."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            out.append(child)
            todo.append(child)
    return out


def stat_field(pid, field):
    """Field number `field` (1-based, as in proc(5)) of /proc/pid/stat, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[field - 3])
    except (OSError, IndexError, ValueError):
        return None


def policy(pid):
    """The scheduling policy of a process (5 is SCHED_IDLE), or None."""
    return stat_field(pid, 41)


def nice(pid):
    """The nice value of a process, or None."""
    return stat_field(pid, 19)


class LearnerCookie(unittest.TestCase):
    def test_cookie_handed_out_once_and_kept(self):
        with Server("--log-level", "warn") as srv:
            status, headers, _ = srv.request("GET", "/")
            self.assertEqual(status, 200)
            cookie = headers.get("Set-Cookie", "")
            self.assertRegex(cookie, r"^lessond_learner=[0-9a-f]{32}; ")
            self.assertIn("HttpOnly", cookie)
            self.assertIn("SameSite=Strict", cookie)
            value = cookie.split(";")[0]
            _, again, _ = srv.request("GET", "/api/lessons", headers={"Cookie": value})
            self.assertNotIn("Set-Cookie", again)
            _, other, _ = srv.request("GET", "/api/lessons",
                                      headers={"Cookie": "lessond_learner=forged"})
            self.assertIn("Set-Cookie", other)  # malformed: a fresh one


class PerLearnerCaps(unittest.TestCase):
    def test_second_run_of_a_learner_waits_while_others_go(self):
        with Server("--log-level", "warn", "--client-runs", "1", "--runs-max", "8") as srv:
            first = Background(srv, SLEEP.format(secs=4), learner(0))
            self.assertTrue(wait_for(lambda: srv.health()["pool"]["in_flight"] == 1))
            second = Background(srv, SLEEP.format(secs=0.1), learner(0))
            self.assertTrue(wait_for(lambda: srv.health()["pool"]["queued"] == 1))
            # Another learner from the same address is not held up.
            status, _, raw = srv.request("POST", "/api/run", json.dumps({"code": "1+1"}).encode(),
                                         {"Content-Type": "application/json", **learner(1)})
            self.assertEqual(status, 200)
            self.assertEqual(json.loads(raw)["result"]["repr"], "2")
            health = srv.health()["pool"]
            self.assertEqual(health["queued"], 1)  # learner 0's second still waits
            self.assertIsNone(first.result)
            self.assertEqual(first.join()[1]["status"], "ok")
            self.assertEqual(second.join()[1]["status"], "ok")

    def test_too_many_waiting_runs_get_429(self):
        with Server("--log-level", "warn", "--client-runs", "1", "--client-queue", "1") as srv:
            running = Background(srv, SLEEP.format(secs=4), learner(0))
            self.assertTrue(wait_for(lambda: srv.health()["pool"]["in_flight"] == 1))
            waiting = Background(srv, "2+2", learner(0))
            self.assertTrue(wait_for(lambda: srv.health()["pool"]["queued"] == 1))
            status, headers, raw = srv.request(
                "POST", "/api/run", json.dumps({"code": "3+3"}).encode(),
                {"Content-Type": "application/json", **learner(0)})
            self.assertEqual(status, 429)
            self.assertEqual(headers.get("Retry-After"), "1")
            self.assertIn("too many runs", json.loads(raw)["error"])
            self.assertEqual(running.join()[0], 200)
            self.assertEqual(waiting.join()[1]["result"]["repr"], "4")

    def test_class_behind_one_address_runs_side_by_side(self):
        # Every request comes from 127.0.0.1, like a class behind a NAT: the
        # cookie, not the address, is the learner.
        with Server("--log-level", "warn", "--client-runs", "1", "--runs-max", "8") as srv:
            runs = [Background(srv, SLEEP.format(secs=3.0), learner(i)) for i in range(4)]
            self.assertTrue(wait_for(lambda: srv.health()["pool"]["in_flight"] == 4))
            self.assertEqual(srv.health()["fairness"]["clients"], 4)
            for r in runs:
                self.assertEqual(r.join()[1]["status"], "ok")

    def test_runs_in_flight_are_not_limited_to_the_prefork_pool(self):
        with Server("--log-level", "warn", "--pool-size", "1", "--runs-max", "3") as srv:
            # One child waits ready; the others are forked as runs arrive.
            runs = [Background(srv, SLEEP.format(secs=3.0), learner(i)) for i in range(4)]
            pool = lambda: srv.health()["pool"]  # noqa: E731
            self.assertTrue(wait_for(lambda: (pool()["in_flight"], pool()["queued"]) == (3, 1)),
                            pool())
            for r in runs:
                self.assertEqual(r.join()[1]["status"], "ok")


class Demotion(unittest.TestCase):
    def test_heavy_run_drops_to_nice_10_and_no_further(self):
        # Some tens of ms of CPU (more under sanitizers): a heavy lesson
        # step, not a hog.
        code = "x = 0\nfor i in range(3_000_000):\n    x += i\nx"
        with Server("--log-level", "warn", "--idle-cpu-ms", "600000", "--cpu-seconds", "60",
                    "--wall-ms", "60000") as srv:
            run = Background(srv, code, learner(0))
            niced = wait_for(lambda: [p for p in process_tree(srv.proc.pid) if nice(p) == 10])
            self.assertTrue(niced, "no process of the server went to nice 10")
            self.assertFalse([p for p in process_tree(srv.proc.pid) if policy(p) == 5])
            self.assertEqual(run.join()[1]["status"], "ok")
            fairness = srv.health()["fairness"]
            self.assertEqual((fairness["demoted"], fairness["idled"]), (1, 0))
            self.assertEqual(nice(srv.proc.pid), 0)

    def test_cpu_hog_drops_to_sched_idle_and_short_runs_do_not(self):
        with Server("--log-level", "warn") as srv:
            for _ in range(5):
                srv.run("sum(range(100))")
            self.assertEqual(srv.health()["fairness"]["demoted"], 0)
            hog = Background(srv, "while True: pass", learner(0))
            idle = wait_for(lambda: [p for p in process_tree(srv.proc.pid) if policy(p) == 5])
            self.assertTrue(idle, "no process of the server went to SCHED_IDLE")
            self.assertGreaterEqual(srv.health()["fairness"]["demoted"], 1)
            self.assertGreaterEqual(srv.health()["fairness"]["idled"], 1)
            self.assertNotEqual(policy(srv.proc.pid), 5)
            self.assertEqual(hog.join()[1]["status"], "timeout")

    def test_experiment_points_drop_to_nice_10_but_never_to_sched_idle(self):
        # A lesson's experiment may rightly run long: its points stop at nice 10.
        fixtures = os.path.join(os.path.dirname(__file__), "lessons")
        body = json.dumps({"lesson": "points", "step": "scale",
                           "code": "x = 0\nfor i in range(3_000_000):\n    x += i"}).encode()
        with Server("--log-level", "warn", "--lessons-dir", fixtures, "--idle-cpu-ms", "20",
                    "--cpu-seconds", "60", "--wall-ms", "60000") as srv:
            answer = {}

            def check():
                status, _, raw = srv.request("POST", "/api/check", body,
                                             {"Content-Type": "application/json",
                                              **learner(0)}, timeout=120)
                answer["r"] = (status, json.loads(raw))

            t = threading.Thread(target=check)
            t.start()
            seen_nice = seen_idle = False
            while t.is_alive():
                tree = process_tree(srv.proc.pid)
                seen_nice |= any(nice(p) == 10 for p in tree)
                seen_idle |= any(policy(p) == 5 for p in tree)
                time.sleep(0.01)
            t.join()
            self.assertEqual(answer["r"][0], 200, answer)
            self.assertTrue(seen_nice, "no experiment point went to nice 10")
            self.assertFalse(seen_idle, "an experiment point went to SCHED_IDLE")
            self.assertEqual(srv.health()["fairness"]["idled"], 0)
            # A plain run of the same code does go all the way down.
            srv.run("x = 0\nfor i in range(3_000_000):\n    x += i", timeout=120)
            self.assertEqual(srv.health()["fairness"]["idled"], 1)

    def test_demotion_can_be_switched_off(self):
        with Server("--log-level", "warn", "--demote-cpu-ms", "0", "--cpu-seconds", "1") as srv:
            hog = Background(srv, "while True: pass", learner(0))
            time.sleep(0.3)
            self.assertFalse([p for p in process_tree(srv.proc.pid) if policy(p) == 5])
            hog.join()
            self.assertEqual(srv.health()["fairness"]["demoted"], 0)


class Metrics(unittest.TestCase):
    def metric(self, text, line_start):
        """The value of the first sample line starting with line_start."""
        for line in text.splitlines():
            if line.startswith(line_start + " "):
                return float(line.rsplit(" ", 1)[1])
        self.fail(f"no sample {line_start!r} in:\n{text}")

    def test_prometheus_text(self):
        with Server("--log-level", "warn") as srv:
            srv.run("1+1")
            srv.run("1/0")
            srv.request("GET", "/api/nope")
            status, headers, raw = srv.request("GET", "/metrics")
            self.assertEqual(status, 200)
            self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
            text = raw.decode()
            self.assertEqual(self.metric(text, 'lessond_runs_total{status="ok"}'), 1)
            self.assertEqual(self.metric(text, 'lessond_runs_total{status="error"}'), 1)
            self.assertEqual(
                self.metric(text, 'lessond_http_requests_total{route="run",code="200"}'), 2)
            self.assertEqual(
                self.metric(text, 'lessond_http_requests_total{route="api_other",code="404"}'), 1)
            self.assertEqual(self.metric(text, 'lessond_run_duration_seconds_count'), 2)
            self.assertEqual(self.metric(text, 'lessond_run_duration_seconds_bucket{le="+Inf"}'), 2)
            # Every Python's pool adds its children (two each by default).
            self.assertEqual(self.metric(text, "lessond_pool_size"), 2 * len(srv.pythons()))
            self.assertEqual(self.metric(text, "lessond_queue_depth"), 0)
            self.assertEqual(self.metric(text, "lessond_zygote_restarts_total"), 0)
            self.assertEqual(self.metric(text, 'lessond_sandbox_layer_active{layer="seccomp"}'), 1)
            self.assertEqual(self.metric(text, 'lessond_sandbox_layer_active{layer="landlock"}'), 1)
            # Every sample belongs to a declared metric family.
            families = {line.split()[2] for line in text.splitlines()
                        if line.startswith("# TYPE ")}
            for line in text.splitlines():
                if line and not line.startswith("#"):
                    name = line.split("{")[0].split()[0]
                    base = name.removesuffix("_bucket").removesuffix("_sum").removesuffix("_count")
                    self.assertTrue(name in families or base in families, line)

    def test_zygote_restart_is_counted(self):
        with Server("--log-level", "warn") as srv:
            os.kill(srv.health()["pool"]["zygote_pid"], 9)
            self.assertTrue(wait_for(lambda: srv.health()["pool"]["zygote_restarts"] == 1))
            _, _, raw = srv.request("GET", "/metrics")
            self.assertIn("lessond_zygote_restarts_total 1\n", raw.decode())

    def test_wrong_method(self):
        with Server("--log-level", "warn") as srv:
            status, headers, _ = srv.request("POST", "/metrics", b"")
            self.assertEqual(status, 405)
            self.assertEqual(headers.get("Allow"), "GET, HEAD")


if __name__ == "__main__":
    unittest.main(verbosity=1)
