#!/usr/bin/env python3
"""A classroom against lessond: many learners, a few of them hostile.

Each learner is a thread with its own keep-alive connection and its own
cookies, all from 127.0.0.1 (a class behind a NAT). It loads the course page
like a browser (GET /, the assets the page references, GET /api/lessons, GET
/api/lessons/<id>), then every --think-min..--think-max seconds (uniform;
start times staggered over --ramp seconds) does one thing:

  - mostly POST /api/run: a lesson example's code with {"lesson", "step"}
    (the server supplies the earlier steps as setup), or plain {"code"};
  - sometimes POST /api/check: a prediction answer, or a goal's code (the
    starting code, or the solution fetched from /api/solution);
  - sometimes it opens another lesson (GET /api/lessons/<id>).

--hostile (default 5 %) of its runs are hostile instead: a CPU loop, a long
sleep, two memory bombs, an output flood. Every Set-Cookie the server sends a
learner is kept for that learner and sent back, as a browser would.

Latency is client-side: from the first byte of the request written to the
last byte of the answer read, on the learner's own connection (a request that
finds its idle keep-alive connection closed by the server is retried once on
a new one, and the time of both attempts counts). It prints the latency of
honest runs and checks (p50/p90/p99/max), honest failures (any non-200,
connection error or time-out, or a run status other than ok/error), hostile
runs by status, 503s, runs per second and page loads. To show where honest
latency comes from it also splits honest runs into time inside the child
(the run report's time.wall_ms) and outside it (queueing, HTTP, fork), gives
the latency of "light" snippets alone, lists the honest snippets that took
longer than the target inside the child, sums the children's wall and CPU
time by kind (honest, each hostile kind), samples /api/health's pool every
second, and says how late the load test's own threads woke up (its noise).
The exit status is 1 when an honest request (page loads included) failed or
the honest p99 is over --p99-target-ms, 2 when the test itself could not run
(bad arguments, server did not start or died).

By default the learners are a class (bench/loadclass.py): a teacher
creates one class, every learner joins it once its page is loaded and
works through the steps in order (runs, checks, steps marked done, edited
code sent), and a teacher's dashboard polls GET /api/classes/{code} every
--poll-s second; the report adds the dashboard's latency, the joins and
progress posts, and the store's events per second and commits (/metrics).
--no-class plays the self-paced classroom instead, as before issue #12.

Without --url it starts build/lessond on a free port (as the integration
tests do: --port 0 --port-file, the default configuration plus
--server-args, and a data directory and teacher token of its own), waits
for its pool, and stops it at the end. With --url and the class, give the
server's --teacher-token-file. That server
serves the repository's own course, lessons/ (the report counts its lessons
and steps). Experiments are never sent: they run a chart of fresh children,
seconds by nature, and make bench measures the headline one. The honest p99
is over the runs (examples, typed snippets) and checks (predictions, goals).

Standard library only, Debian's /usr/bin/python3:
  make loadtest LOADTEST_ARGS="--learners 50 --seconds 30"
  /usr/bin/python3 bench/loadtest.py --url http://127.0.0.1:8080 --json -
"""

import argparse
import datetime
import html.parser
import http.client
import json
import os
import random
import shlex
import signal
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# make bench's memory example, its server starter and its percentile.
from run import (MEMORY_EXAMPLE, REPO, Server, keeps_classes, log,  # noqa: E402
                 percentile)
from run import BenchError as LoadError  # noqa: E402  (the test could not run)
import classbench  # noqa: E402  (the teacher token of the servers run.py starts)
import loadclass  # noqa: E402  (the class: joins, steps in order, the dashboard)

# Honest snippets a learner types into a scratch cell (plain {"code"} runs).
PLAIN_SNIPPETS = [
    "1 + 1",
    "class Point:\n    __slots__ = ('x', 'y')\n    def __init__(self, x, y):\n"
    "        self.x = x\n        self.y = y\n\np = Point(1, 2)\np.x + p.y\n",
    "class User:\n    def __init__(self, name):\n        self.name = name\n\n"
    "u = User('Amir')\nu.__dict__\n",
    "import sys\nclass A:\n    __slots__ = ('a',)\nclass B:\n    pass\n"
    "sys.getsizeof(A()), sys.getsizeof(B())\n",
    MEMORY_EXAMPLE,  # make bench's RegularUser/SlotsUser example
    "class P:\n    __slots__ = ('x',)\n\np = P()\np.y = 1\n",  # AttributeError: status error
    "squares = {n: n * n for n in range(10)}\nprint(squares)\nsum(squares.values())\n",
]

# Hostile snippets, by name (README: timeout, memory_limit, output_limit).
HOSTILE_SNIPPETS = [
    ("cpu-loop", "while True: pass\n"),
    ("sleep", "import time; time.sleep(30)\n"),
    ("bytearray-bomb", "x = bytearray(10**10)\n"),
    ("list-bomb", "l=[]\nwhile True: l.append('x'*10**6)\n"),
    ("output-flood", "while True: print('x' * 1000)\n"),
]

# Guesses a learner types for a prediction with no declared exception.
PREDICT_GUESSES = ["True", "False", "None", "{'name': 'Bea'}", "AttributeError", "48",
                   "('x', 'y')", "0", "I am not sure"]

HONEST_RUN_STATUSES = ("ok", "error")
# A snippet whose fastest in-child wall time during the test is under this is
# "light": what it waits beyond that is the server's doing, not its own work.
LIGHT_MS = 20.0
STALE_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                ConnectionAbortedError)


def summary(values):
    """{count, p50, p90, p99, max} of a list of milliseconds (None figures
    when it is empty)."""
    s = sorted(values)
    return {"count": len(s), "p50_ms": percentile(s, 50), "p90_ms": percentile(s, 90),
            "p99_ms": percentile(s, 99), "max_ms": s[-1] if s else None}


class CookieJar:
    """One learner's cookies: name -> (value, path, expiry or None). Keeps
    what Set-Cookie says (Max-Age and Expires honoured, Max-Age=0 deletes),
    ignores the Domain attribute (every request goes to one host) and skips
    headers it cannot parse rather than failing the learner."""

    def __init__(self):
        self.cookies = {}
        self.received = 0

    def update(self, set_cookie_headers, request_path):
        """Stores every cookie of the answer's Set-Cookie headers."""
        for header in set_cookie_headers:
            parts = [p.strip() for p in header.split(";")]
            if not parts or "=" not in parts[0]:
                continue
            name, value = (x.strip() for x in parts[0].split("=", 1))
            if not name:
                continue
            path = request_path.rsplit("/", 1)[0] or "/"
            expiry = None
            for attr in parts[1:]:
                key, _, val = attr.partition("=")
                key = key.strip().lower()
                if key == "path" and val.startswith("/"):
                    path = val.strip()
                elif key == "max-age":
                    try:
                        expiry = time.time() + int(val)
                    except ValueError:
                        pass
                elif key == "expires" and expiry is None:
                    try:
                        expiry = datetime.datetime.strptime(
                            val.strip(), "%a, %d %b %Y %H:%M:%S GMT").replace(
                                tzinfo=datetime.timezone.utc).timestamp()
                    except ValueError:
                        pass
            self.received += 1
            if expiry is not None and expiry <= time.time():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = (value, path, expiry)

    def header(self, path):
        """The Cookie header for a request to path, or None."""
        now = time.time()
        pairs = []
        for name, (value, cpath, expiry) in self.cookies.items():
            if expiry is not None and expiry <= now:
                continue
            if path == cpath or path.startswith(cpath.rstrip("/") + "/") or cpath == "/":
                pairs.append("%s=%s" % (name, value))
        return "; ".join(pairs) or None


class AssetFinder(html.parser.HTMLParser):
    """Collects the same-origin paths a page references in <link href> and
    <script src> (stylesheet, icon, module script); ignores everything else."""

    def __init__(self):
        super().__init__()
        self.paths = []

    def handle_starttag(self, tag, attrs):
        """Adds a local href/src of a link or script tag."""
        a = dict(attrs)
        ref = a.get("href") if tag == "link" else a.get("src") if tag == "script" else None
        if ref and ref.startswith("/") and not ref.startswith("//") and ref not in self.paths:
            self.paths.append(ref)


class Stats:
    """Every request's record, shared by the learner threads (appends are
    under a lock). A record is a dict: what, honest, latency_ms, http, status
    (the run's), error (a connection error or time-out), wall_ms (in-child)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.records = []
        self.page_loads = 0
        self.retries = 0

    def add(self, **record):
        """Appends one record."""
        with self.lock:
            self.records.append(record)

    def count(self, field, n=1):
        """Adds n to a counter attribute (page_loads, retries)."""
        with self.lock:
            setattr(self, field, getattr(self, field) + n)


class Learner(threading.Thread):
    """One learner: own connection, own cookies, own random stream. Never
    raises: every failure becomes a record in Stats."""

    def __init__(self, index, args, host, port, deadline, stats, seed):
        super().__init__(name="learner-%d" % index, daemon=True)
        self.index = index
        self.args = args
        self.host, self.port = host, port
        self.deadline = deadline
        self.stats = stats
        self.rng = random.Random(seed)
        self.jar = CookieJar()
        self.conn = None
        self.conn_uses = 0
        self.lessons = []           # ids in course order
        self.lesson = None          # the open lesson's JSON
        self.solutions = {}         # (lesson, step) -> solution code
        self.guesses = PREDICT_GUESSES
        self.step_pos = self.tries = 0  # in the class: where it is in the open lesson

    # -- HTTP ---------------------------------------------------------------

    def request(self, method, path, body=None):
        """Sends one request on the learner's keep-alive connection, cookies
        and all. Returns (HTTP status or None, body bytes, latency ms, error
        text or None). A reused connection that the server had closed is
        retried once on a new one; any other failure closes the connection
        (the next request opens a new one) and is returned as the error."""
        headers = {"Accept": "application/json, text/html, */*"}
        if body is not None:
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        cookie = self.jar.header(path)
        if cookie:
            headers["Cookie"] = cookie
        t0 = time.perf_counter()
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port,
                                                       timeout=self.args.timeout)
                self.conn_uses = 0
            reused = self.conn_uses > 0
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
            except STALE_ERRORS as e:
                self.close()
                if reused and attempt == 0:
                    self.stats.count("retries")
                    continue
                return None, b"", (time.perf_counter() - t0) * 1e3, describe_error(e)
            except (OSError, http.client.HTTPException) as e:
                self.close()
                return None, b"", (time.perf_counter() - t0) * 1e3, describe_error(e)
            latency = (time.perf_counter() - t0) * 1e3
            self.conn_uses += 1
            self.jar.update(resp.msg.get_all("Set-Cookie") or [], path)
            if resp.will_close:
                self.close()
            return resp.status, data, latency, None
        raise AssertionError("unreachable")

    def close(self):
        """Closes the connection, if any; never fails."""
        if self.conn is not None:
            try:
                self.conn.close()
            except OSError:
                pass
            self.conn = None

    def get_json(self, what, path):
        """GETs a JSON document and records it as a page request. Returns the
        decoded body, or None when it failed (recorded as a page failure)."""
        status, data, latency, error = self.request("GET", path)
        doc = None
        if status == 200:
            try:
                doc = json.loads(data)
            except ValueError:
                error = "malformed JSON"
        self.stats.add(what=what, honest=True, latency_ms=latency, http=status, status=None,
                       error=error, wall_ms=None)
        return doc

    # -- what a learner does -------------------------------------------------

    def load_page(self):
        """The browser's first visit: the page, its assets, the course, one
        lesson. Returns False when the course or the lesson could not be read
        (the learner then retries later)."""
        status, data, latency, error = self.request("GET", "/")
        self.stats.add(what="page", honest=True, latency_ms=latency, http=status, status=None,
                       error=error, wall_ms=None)
        if status == 200:
            finder = AssetFinder()
            finder.feed(data.decode("utf-8", "replace"))
            for asset in finder.paths:
                st, _, lat, err = self.request("GET", asset)
                self.stats.add(what="asset", honest=True, latency_ms=lat, http=st, status=None,
                               error=err, wall_ms=None)
        course = self.get_json("page", "/api/lessons")
        if not course or not course.get("lessons"):
            return False
        self.lessons = [l["id"] for l in course["lessons"]]
        # A class starts near the beginning of the course.
        first = self.lessons[min(len(self.lessons) - 1, int(self.rng.expovariate(0.5)))]
        ok = self.open_lesson(first)
        if ok:
            self.stats.count("page_loads")
        return ok

    def open_lesson(self, lesson_id):
        """GET /api/lessons/<id>; keeps it as the open lesson. Returns False
        when it could not be read."""
        doc = self.get_json("lesson", "/api/lessons/" + urllib.parse.quote(lesson_id))
        if doc and isinstance(doc.get("steps"), list):
            self.lesson = doc
            return True
        return False

    def other_lesson(self):
        """Opens the next lesson (or, sometimes, any other one)."""
        i = self.lessons.index(self.lesson["id"]) if self.lesson["id"] in self.lessons else 0
        if self.rng.random() < 0.7 and i + 1 < len(self.lessons):
            nxt = self.lessons[i + 1]
        else:
            nxt = self.rng.choice(self.lessons)
        self.open_lesson(nxt)

    def steps(self, *kinds):
        """The open lesson's steps of the given kinds."""
        return [s for s in self.lesson["steps"] if s.get("kind") in kinds and s.get("id")]

    def run(self):
        """Thread body: staggered start, page load, then one action per think
        time until the deadline."""
        time.sleep(self.rng.uniform(0, self.args.ramp))
        while time.monotonic() < self.deadline and not self.load_page():
            self.think()
        klass = self.args.class_code
        if klass and time.monotonic() < self.deadline:
            loadclass.join(self, klass)
        while True:
            self.think()
            if time.monotonic() >= self.deadline:
                break
            if klass:
                loadclass.act(self)
                continue
            r = self.rng.random()
            if r < 0.70:
                self.do_run()
            elif r < 0.90:
                self.do_check()
            else:
                self.other_lesson()
        self.close()

    def think(self):
        """Sleeps one think time, cut short at the deadline."""
        pause = self.rng.uniform(self.args.think_min, self.args.think_max)
        time.sleep(max(0.0, min(pause, self.deadline - time.monotonic())))

    def do_run(self, step=None):
        """POST /api/run: hostile with probability --hostile, else the
        example `step` or, without one, a lesson example (with lesson and
        step) or a plain snippet."""
        if self.rng.random() < self.args.hostile:
            name, code = self.rng.choice(HOSTILE_SNIPPETS)
            self.post("run", "/api/run", {"code": code}, honest=False, hostile=name, label=name)
            return
        examples = self.steps("example")
        if step is not None or (examples and self.rng.random() < 0.8):
            step = step or self.rng.choice(examples)
            body = {"code": step.get("code", ""), "lesson": self.lesson["id"], "step": step["id"]}
            label = "%s/%s" % (self.lesson["id"], step["id"])
        else:
            i = self.rng.randrange(len(PLAIN_SNIPPETS))
            body, label = {"code": PLAIN_SNIPPETS[i]}, "plain #%d" % i
        self.post("run", "/api/run", body, honest=True, label=label)

    def do_check(self):
        """POST /api/check: a prediction (a guess, or the declared exception)
        or a goal (its starting code, or the solution the learner revealed).
        Runs instead when the lesson has neither."""
        candidates = self.steps("predict", "goal")
        if not candidates:
            self.do_run()
            return
        step = self.rng.choice(candidates)
        if step["kind"] == "predict":
            if step.get("raises") and self.rng.random() < 0.5:
                self.check_step(step, answer=step["raises"])
            else:
                self.check_step(step, answer=self.rng.choice(PREDICT_GUESSES))
        else:
            self.check_step(step, code=step.get("code", ""), solution=self.rng.random() < 0.4)

    def check_step(self, step, answer=None, code=None, solution=False):
        """POST /api/check of a step of the open lesson: a prediction's
        answer, or a goal's code (its solution when solution is set and the
        server gives one, fetched once and kept)."""
        body = {"lesson": self.lesson["id"], "step": step["id"]}
        if step["kind"] == "predict":
            body["answer"] = answer
        else:
            body["code"] = code if code is not None else step.get("code", "")
            if solution:
                key = (self.lesson["id"], step["id"])
                if key not in self.solutions:
                    status, data, latency, error = self.request(
                        "POST", "/api/solution", {"lesson": key[0], "step": key[1]})
                    self.stats.add(what="solution", honest=True, latency_ms=latency, http=status,
                                   status=None, error=error, wall_ms=None)
                    try:
                        self.solutions[key] = json.loads(data)["solution"] if status == 200 else None
                    except (ValueError, KeyError, TypeError):
                        self.solutions[key] = None
                if self.solutions[key]:
                    body["code"] = self.solutions[key]
        self.post("check", "/api/check", body, honest=True,
                  label="%s/%s" % (self.lesson["id"], step["id"]))

    def post(self, what, path, body, honest, hostile=None, label=None):
        """POSTs a run or a check and records its latency, HTTP status, run
        status and in-child wall time (the check's run, for a check); label
        names the snippet (lesson/step, plain #i, or the hostile kind)."""
        status, data, latency, error = self.request("POST", path, body)
        run_status = wall = cpu = progress = None
        if status == 200:
            try:
                doc = json.loads(data)
                progress = doc.get("progress")
                report = doc if what == "run" else doc.get("run")
                if isinstance(report, dict):
                    run_status = report.get("status")
                    wall = (report.get("time") or {}).get("wall_ms")
                    cpu = (report.get("time") or {}).get("cpu_ms")
                elif what == "check":
                    run_status = "(no run)"
            except (ValueError, AttributeError):
                error = "malformed JSON"
        self.stats.add(what=what, honest=honest, hostile=hostile, latency_ms=latency,
                       http=status, status=run_status, error=error, wall_ms=wall, cpu_ms=cpu,
                       label=label, progress=progress)


def describe_error(e):
    """A short name for a connection error or time-out."""
    if isinstance(e, TimeoutError) or "timed out" in str(e):
        return "client time-out"
    return "%s: %s" % (type(e).__name__, e) if str(e) else type(e).__name__


def honest_failure(r):
    """Why an honest record failed, or None when it did not."""
    if r["error"]:
        return r["error"]
    if r["http"] != 200:
        return "HTTP %s" % r["http"]
    if r["what"] in ("run", "check") and r["status"] not in HONEST_RUN_STATUSES + ("(no run)",):
        return "run status %s" % r["status"]
    return None


def failure(r):
    """Why a record failed (honest_failure, or for a learner in the class,
    a progress answer that breaks the class's promise), or None."""
    return honest_failure(r) or loadclass.progress_failure(r)


def health(host, port, timeout=5.0):
    """GET /api/health on a fresh connection; None when it fails."""
    return get_json(host, port, "/api/health", timeout)


def course(host, port):
    """{lessons, steps, by_kind} of the course the server serves (GET
    /api/lessons, then each lesson); None when it cannot be read."""
    doc = get_json(host, port, "/api/lessons")
    if not doc or not isinstance(doc.get("lessons"), list):
        return None
    by_kind = {}
    for lesson in doc["lessons"]:
        one = get_json(host, port, "/api/lessons/" + urllib.parse.quote(lesson.get("id", "")))
        for st in (one or {}).get("steps") or []:
            by_kind[st.get("kind")] = by_kind.get(st.get("kind"), 0) + 1
    return {"lessons": len(doc["lessons"]), "steps": sum(by_kind.values()), "by_kind": by_kind}


def get_json(host, port, path, timeout=5.0):
    """GET path on a fresh connection and decode its JSON; None when it fails."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        return json.loads(body) if resp.status == 200 else None
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        conn.close()


class PoolMonitor(threading.Thread):
    """Samples /api/health's pool every second on its own connection (not
    counted as learner traffic): the most runs queued and in flight, and
    how often samples failed. It also notes how late each of its wake-ups
    is: the load test's own delay (GIL, CPU shared with the server), which
    every latency it measures may carry too. Stops when stop is set."""

    def __init__(self, host, port):
        super().__init__(name="pool-monitor", daemon=True)
        self.host, self.port = host, port
        self.stop = threading.Event()
        self.samples = []
        self.failed = 0
        self.late_ms = []

    def run(self):
        """Thread body: one sample a second until stopped."""
        while True:
            t = time.monotonic()
            if self.stop.wait(1.0):
                break
            self.late_ms.append((time.monotonic() - t - 1.0) * 1e3)
            h = health(self.host, self.port, timeout=2.0)
            if h and isinstance(h.get("pool"), dict):
                self.samples.append(h["pool"])
            else:
                self.failed += 1

    def figures(self):
        """{samples, max_queued, max_in_flight, mean_queued, failed}."""
        q = [s.get("queued", 0) for s in self.samples]
        f = [s.get("in_flight", 0) for s in self.samples]
        return {"samples": len(self.samples), "failed": self.failed,
                "max_queued": max(q) if q else None,
                "mean_queued": sum(q) / len(q) if q else None,
                "max_in_flight": max(f) if f else None,
                "client_wakeup_late": summary(self.late_ms)}


def analyse(args, stats, elapsed, learners, monitor, health_before, health_after):
    """Every figure of the report, as one JSON-able dict."""
    recs = stats.records
    honest = [r for r in recs if r["honest"] and r["what"] in ("run", "check")]
    hostile = [r for r in recs if not r["honest"]]
    gets = [r for r in recs if r["what"] in ("page", "asset", "lesson", "solution")]
    class_recs = [r for r in recs if r["what"] in ("join", "progress")]
    failures = {}
    for r in honest + gets + class_recs:
        why = failure(r)
        if why:
            key = "%s: %s" % (r["what"], why)
            failures[key] = failures.get(key, 0) + 1
    honest_failed = sum(1 for r in honest if failure(r))
    class_failed = sum(1 for r in class_recs if failure(r))
    ok_latency = {w: [r["latency_ms"] for r in honest if r["what"] == w] for w in ("run", "check")}
    hostile_by = {}
    for r in hostile:
        by = hostile_by.setdefault(r["hostile"], {})
        key = r["status"] or r["error"] or "HTTP %s" % r["http"]
        by[key] = by.get(key, 0) + 1
    walls = [r["wall_ms"] for r in honest if r["what"] == "run" and r["wall_ms"] is not None]
    outside = [r["latency_ms"] - r["wall_ms"] for r in honest
               if r["what"] == "run" and r["wall_ms"] is not None]
    # Where the runs' time went, honest and by hostile kind: in-child wall
    # time (a slot held; a share of elapsed x the runs the server lets run at
    # once) and CPU time (a share of elapsed x the machine's CPUs).
    h = health_before or {}
    slots = (h.get("fairness") or {}).get("runs_max") or h.get("pool", {}).get("size")
    occupancy = {}
    for r in honest + hostile:
        o = occupancy.setdefault("honest" if r["honest"] else r["hostile"],
                                 {"wall_s": 0.0, "cpu_s": 0.0})
        o["wall_s"] += (r["wall_ms"] or 0) / 1e3
        o["cpu_s"] += (r.get("cpu_ms") or 0) / 1e3
    for o in occupancy.values():
        o["slot_share"] = o["wall_s"] / (elapsed * slots) if slots and elapsed else None
        o["cpu_share"] = o["cpu_s"] / (elapsed * (os.cpu_count() or 1)) if elapsed else None
    # Honest snippets that by themselves take longer than the target in the
    # child: no scheduling can bring their latency under it.
    slow = {}
    for r in honest:
        if r["wall_ms"] is not None and r["wall_ms"] > args.p99_target_ms:
            s = slow.setdefault("%s %s" % (r["what"], r["label"]), [0, 0.0])
            s[0] += 1
            s[1] = max(s[1], r["wall_ms"])
    best = {}
    for r in honest:
        if r["wall_ms"] is not None:
            key = (r["what"], r["label"])
            best[key] = min(best.get(key, r["wall_ms"]), r["wall_ms"])
    light = [r["latency_ms"] for r in honest
             if best.get((r["what"], r["label"]), float("inf")) < LIGHT_MS]
    answered = [r for r in recs if r["what"] in ("run", "check") and r["http"] == 200]
    runs_before = (health_before or {}).get("pool", {}).get("runs")
    runs_after = (health_after or {}).get("pool", {}).get("runs")
    all_honest = summary(ok_latency["run"] + ok_latency["check"])
    p99 = all_honest["p99_ms"]
    return {
        "learners": args.learners, "seconds": args.seconds, "elapsed_s": elapsed,
        "url": args.url_used, "server_argv": args.server_argv,
        "think_s": [args.think_min, args.think_max], "hostile_fraction": args.hostile,
        "course": args.course,
        "honest": {"run": summary(ok_latency["run"]), "check": summary(ok_latency["check"]),
                   "combined": all_honest, "requests": len(honest), "failed": honest_failed,
                   "in_child_wall": summary(walls), "outside_child": summary(outside),
                   "light": summary(light), "light_ms": LIGHT_MS},
        "failures": failures,
        "hostile": {"runs": len(hostile), "by_kind": hostile_by,
                    "latency": summary([r["latency_ms"] for r in hostile])},
        "run_time": occupancy, "slots": slots,
        "slow_in_child": {k: {"count": v[0], "max_wall_ms": v[1]} for k, v in slow.items()},
        "http_503": {"honest": sum(1 for r in honest if r["http"] == 503),
                     "hostile": sum(1 for r in hostile if r["http"] == 503)},
        "runs_per_s": {"answered": len(answered) / elapsed if elapsed else 0.0,
                       "server": ((runs_after - runs_before) / elapsed
                                  if runs_before is not None and runs_after is not None
                                  and elapsed else None)},
        "page_loads": stats.page_loads,
        "gets": {"requests": len(gets), "latency": summary([r["latency_ms"] for r in gets]),
                 "failed": sum(1 for r in gets if honest_failure(r))},
        "retries_on_closed_connection": stats.retries,
        "cookies": {"learners_with_cookie": sum(1 for l in learners if l.jar.cookies),
                    "names": sorted({n for l in learners for n in l.jar.cookies}),
                    "set_cookie_headers": sum(l.jar.received for l in learners)},
        "pool": {"size": (health_before or {}).get("pool", {}).get("size"),
                 "queue_max": (health_before or {}).get("pool", {}).get("queue_max"),
                 **monitor.figures()},
        "limits": (health_before or {}).get("limits"),
        # The server's fairness settings and counters, when it reports them.
        "fairness": (health_after or health_before or {}).get("fairness"),
        "p99_target_ms": args.p99_target_ms,
        "class_failed": class_failed,
        "passed": (honest_failed == 0 and class_failed == 0 and p99 is not None
                   and p99 <= args.p99_target_ms and not any(failure(r) for r in gets)),
    }


def fmt(x):
    """Milliseconds for the table: '-' for none, 3 significant-ish digits."""
    if x is None:
        return "-"
    return "%.2f" % x if x < 10 else "%.1f" % x if x < 1000 else "%.0f" % x


def print_report(f):
    """The human report of analyse()'s figures, on stdout."""
    print()
    print("lessond load test: %d learners for %g s (ran %.1f s), think %g-%g s, hostile %g %%"
          % (f["learners"], f["seconds"], f["elapsed_s"], f["think_s"][0], f["think_s"][1],
             f["hostile_fraction"] * 100))
    print("machine: %d CPUs, 1-min load average %.2f before, %.2f after"
          % (os.cpu_count(), f["loadavg_1min"][0], f["loadavg_1min"][1]))
    print("server: %s%s" % (f["url"], " (started: %s)" % " ".join(f["server_argv"])
                            if f["server_argv"] else ""))
    crs = f["course"]
    print("course: %s" % ("%d lessons, %d steps (%s); learners run examples and check "
                          "predictions and goals, never experiments"
                          % (crs["lessons"], crs["steps"], ", ".join(
                              "%d %s" % (n, k) for k, n in sorted(crs["by_kind"].items())))
                          if crs else "could not be read"))
    pool = f["pool"]
    print("pool: size %s, queue max %s; sampled each second: queued max %s (mean %s), "
          "in flight max %s" % (pool["size"], pool["queue_max"], pool["max_queued"],
                                "%.1f" % pool["mean_queued"] if pool["mean_queued"] is not None
                                else "-", pool["max_in_flight"]))
    if f["fairness"]:
        print("fairness (/api/health after the test): " + ", ".join(
            "%s %s" % kv for kv in f["fairness"].items()))
    print()
    head = "%-36s %7s %8s %8s %8s %8s" % ("latency in ms", "count", "p50", "p90", "p99", "max")
    print(head)
    print("-" * len(head))
    h = f["honest"]
    for label, s in (("honest /api/run", h["run"]), ("honest /api/check", h["check"]),
                     ("honest run + check", h["combined"]),
                     ("  light snippets (best < %g ms)" % h["light_ms"], h["light"]),
                     ("  honest runs, in the child (wall)", h["in_child_wall"]),
                     ("  honest runs, outside the child", h["outside_child"]),
                     ("hostile runs", f["hostile"]["latency"]),
                     ("page, assets, lessons, solutions", f["gets"]["latency"])):
        print("%-36s %7d %8s %8s %8s %8s" % (label, s["count"], fmt(s["p50_ms"]),
                                             fmt(s["p90_ms"]), fmt(s["p99_ms"]),
                                             fmt(s["max_ms"])))
    print()
    print("honest requests: %d (run %d, check %d); failed: %d"
          % (h["requests"], h["run"]["count"], h["check"]["count"], h["failed"]))
    for why, n in sorted(f["failures"].items(), key=lambda kv: -kv[1]):
        print("  %5d  %s" % (n, why))
    print("hostile runs: %d" % f["hostile"]["runs"])
    for kind, by in sorted(f["hostile"]["by_kind"].items()):
        print("  %-16s %s" % (kind, ", ".join("%s %d" % kv for kv in sorted(by.items()))))
    print("time in the children (wall: %% of %s run slots x elapsed; CPU: %% of %d CPUs "
          "x elapsed):" % (f["slots"], os.cpu_count() or 1))
    for k, v in sorted(f["run_time"].items(), key=lambda kv: -kv[1]["wall_s"]):
        print("  %-16s wall %6.1f s (%s)  CPU %6.1f s (%.0f %%)"
              % (k, v["wall_s"], "%.0f %%" % (v["slot_share"] * 100)
                 if v["slot_share"] is not None else "-", v["cpu_s"], v["cpu_share"] * 100))
    slow = f["slow_in_child"]
    if slow:
        print("honest snippets over %g ms inside the child itself (%d requests): %s"
              % (f["p99_target_ms"], sum(v["count"] for v in slow.values()), ", ".join(
                  "%s x%d (max %s ms)" % (k, v["count"], fmt(v["max_wall_ms"]))
                  for k, v in sorted(slow.items(), key=lambda kv: -kv[1]["count"]))))
    print("503 answers: %d honest, %d hostile" % (f["http_503"]["honest"], f["http_503"]["hostile"]))
    rps = f["runs_per_s"]
    print("runs per second: %.1f answered runs and checks%s"
          % (rps["answered"], "; %.1f counted by the server's pool (/api/health runs)"
             % rps["server"] if rps["server"] is not None else ""))
    print("page loads: %d of %d learners; %d GET/solution requests, %d failed"
          % (f["page_loads"], f["learners"], f["gets"]["requests"], f["gets"]["failed"]))
    c = f["cookies"]
    print("cookies: %d Set-Cookie headers, %d learners hold a cookie%s; "
          "%d retries on a closed keep-alive connection"
          % (c["set_cookie_headers"], c["learners_with_cookie"],
             " (%s)" % ", ".join(c["names"]) if c["names"] else "",
             f["retries_on_closed_connection"]))
    late = pool["client_wakeup_late"]
    print("load test client: %.1f s of CPU (%.0f %% of one core); its wake-ups late by "
          "p50 %s, p99 %s, max %s ms" % (f["client_cpu_s"], 100 * f["client_cpu_s"] / f["elapsed_s"],
                                          fmt(late["p50_ms"]), fmt(late["p99_ms"]),
                                          fmt(late["max_ms"])))
    if f.get("class"):
        print()
        loadclass.print_lines(f["class"], fmt)
    print()
    p99 = h["combined"]["p99_ms"]
    print("target: honest p99 %s ms <= %g ms: %s; honest failures %d: %s"
          % (fmt(p99), f["p99_target_ms"],
             "met" if p99 is not None and p99 <= f["p99_target_ms"] else "NOT MET",
             h["failed"], "met" if h["failed"] == 0 else "NOT MET"))
    if f.get("class"):
        bad = f["class_failed"] + f["class"]["dashboard"]["failed"]
        print("class: joins, progress posts and dashboard polls failed %d: %s"
              % (bad, "met" if bad == 0 else "NOT MET"))


def main():
    """Parses the arguments, runs the classroom, reports. Returns the exit
    status (0 passed, 1 target missed or honest failures, 2 could not run)."""
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="a running lessond (default: start --lessond on a free port)")
    ap.add_argument("--lessond", default=os.path.join(REPO, "build", "lessond"),
                    help="server binary to start when no --url (build/lessond)")
    ap.add_argument("--server-args", default="",
                    help="extra arguments for the started lessond, one string "
                         "(e.g. \"--pool-size 4 --log-level warn\")")
    ap.add_argument("--learners", type=int, default=200, help="learners (200)")
    ap.add_argument("--seconds", type=float, default=60.0, help="duration (60)")
    ap.add_argument("--think-min", type=float, default=5.0, help="shortest think time, s (5)")
    ap.add_argument("--think-max", type=float, default=15.0, help="longest think time, s (15)")
    ap.add_argument("--ramp", type=float, default=10.0,
                    help="learners arrive spread over this many seconds (10)")
    ap.add_argument("--hostile", type=float, default=0.05, help="hostile share of runs (0.05)")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="client time-out per request, s (60); a time-out is a failure")
    ap.add_argument("--p99-target-ms", type=float, default=100.0,
                    help="honest p99 target (100 ms)")
    ap.add_argument("--seed", type=int, help="random seed (default: from the clock)")
    ap.add_argument("--json", metavar="FILE",
                    help="also write every figure to FILE as JSON ('-': stdout, no text report)")
    ap.add_argument("--no-class", action="store_true",
                    help="self-paced learners: no class, no dashboard (before issue #12)")
    ap.add_argument("--teacher-token-file", metavar="FILE",
                    help="with --url: the server's teacher token file, to create the class")
    ap.add_argument("--poll-s", type=float, default=1.0,
                    help="the teacher dashboard's poll interval, s (1)")
    args = ap.parse_args()
    if (args.learners < 1 or args.seconds <= 0 or not 0 <= args.think_min <= args.think_max
            or not 0 <= args.hostile <= 1 or args.ramp < 0 or args.timeout <= 0
            or args.poll_s <= 0):
        ap.error("need learners >= 1, seconds > 0, 0 <= think-min <= think-max, "
                 "0 <= hostile <= 1, ramp >= 0, timeout > 0, poll-s > 0")
    if args.url and not args.no_class and not args.teacher_token_file:
        ap.error("--url with the class needs --teacher-token-file (or --no-class)")
    seed = args.seed if args.seed is not None else int(time.time())
    threading.stack_size(512 * 1024)

    server = None
    args.server_argv = []
    args.class_code = None
    klass = dashboard = None
    token = classbench.TOKEN
    try:
        if args.url:
            u = urllib.parse.urlsplit(args.url)
            if u.scheme != "http" or not u.hostname:
                raise LoadError("--url must be http://HOST[:PORT]")
            host, port = u.hostname, u.port or 80
            if args.teacher_token_file:
                try:
                    with open(args.teacher_token_file) as f:
                        token = f.read().strip()
                except OSError as e:
                    raise LoadError("--teacher-token-file: %s" % e)
        else:
            tmp = tempfile.TemporaryDirectory(prefix="lessond-loadtest-")
            binary = os.path.abspath(args.lessond)
            if not args.no_class and not keeps_classes(binary):
                raise LoadError("%s keeps no class records: run with --no-class" % binary)
            server = Server(binary, None, tmp.name, shlex.split(args.server_args))
            args.server_argv = server.args
            log("starting %s" % " ".join(server.args))
            server.start()
            host, port = "127.0.0.1", server.port
        args.url_used = "http://%s:%d" % (host, port)
        health_before = health(host, port)
        if health_before is None:
            raise LoadError("GET %s/api/health failed: is lessond running there?" % args.url_used)
        args.course = course(host, port)
        if not args.no_class:
            klass = loadclass.create_class(host, port, token, args.learners)
            args.class_code = klass["code"]
            dashboard = loadclass.Dashboard(host, port, token, klass["code"], args.poll_s)
        log("%d learners for %g s against %s (seed %d)%s"
            % (args.learners, args.seconds, args.url_used, seed,
               ", all in class %s with a dashboard" % klass["display"] if klass else ""))
        store_before = loadclass.store_counters(host, port)
        stats = Stats()
        monitor = PoolMonitor(host, port)
        load_before = os.getloadavg()[0]
        t0 = time.monotonic()
        cpu0 = sum(os.times()[:2])
        deadline = t0 + args.seconds
        learners = [Learner(i, args, host, port, deadline, stats, seed * 100003 + i)
                    for i in range(args.learners)]
        monitor.start()
        if dashboard:
            dashboard.start()
        for learner in learners:
            learner.start()
        for learner in learners:
            learner.join(max(0.0, deadline - time.monotonic()) + args.timeout * 2 + 5)
        elapsed = time.monotonic() - t0
        monitor.stop.set()
        monitor.join()
        if dashboard:
            dashboard.stop.set()
            dashboard.join()
        store_after = loadclass.store_counters(host, port)
        stuck = sum(1 for l in learners if l.is_alive())
        if stuck:
            log("%d learners still waiting after their time-out; reported as they are" % stuck)
        health_after = health(host, port)
        if server is not None and not server.alive():
            raise LoadError("lessond died during the test (status %s)\n%s"
                            % (server.proc.returncode, server.log_tail()))
        figures = analyse(args, stats, elapsed, learners, monitor, health_before, health_after)
        if dashboard:
            figures["class"] = loadclass.figures(stats, dashboard, store_before, store_after,
                                                 elapsed, klass, summary)
            figures["passed"] = figures["passed"] and figures["class"]["dashboard"]["failed"] == 0
        figures["seed"] = seed
        figures["loadavg_1min"] = [load_before, os.getloadavg()[0]]
        cpu = os.times()
        figures["client_cpu_s"] = cpu.user + cpu.system - cpu0
    except LoadError as e:
        log("loadtest.py: %s" % e)
        if server is not None:
            server.stop()
        return 2
    except KeyboardInterrupt:
        if server is not None:
            server.stop()
        return 2
    if server is not None:
        code = server.stop()
        figures["server_exit"] = code
        if code not in (0, -signal.SIGTERM):
            log("lessond on SIGTERM: status %s (expected a clean exit)\n%s"
                % (code, server.log_tail()))
    if args.json == "-":
        json.dump(figures, sys.stdout, indent=1)
        print()
    else:
        print_report(figures)
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(figures, fh, indent=1)
    return 0 if figures["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
