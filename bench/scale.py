"""make bench's measurements at the seeds' scale (issue #11), run by bench/run.py.

Three parts, each against one or more lessond servers measured in the same run
(a baseline and the build under test, alternated so that load from elsewhere
weighs on both alike):

  points      the 1M-points workload (plain and __slots__ `Point(i, i)`) timed
              inside the child through POST /api/run in three modes: untraced,
              under the runner's own memory instrument, and under tracemalloc
              started by the snippet itself; medians, ratios, and whether the
              instrument's peak equals tracemalloc's;
  experiment  the headline experiment slots-at-scale/scale end to end through
              POST /api/check: wall time, every point ran, correct;
  steps       every step of the course (GET /api/lessons), run as a learner
              runs it, ranked by the time the child itself reports.

Nothing here fails on a target: a missed target is printed as NOT MET. A part
raises BenchError only when it cannot measure (a server that does not answer,
an HTTP error, a workload that does not run under the bench's own limits).
Standard library only.
"""

import ast
import http.client
import json
import statistics
import time

from run import BenchError

# The 1M-points workload: both classes of the issue, the size it names.
POINTS_N = 1_000_000
POINT_CLASSES = [
    ("plain", "class Point:\n    def __init__(self, x, y):\n        self.x = x\n"
              "        self.y = y\n"),
    ("__slots__", "class Point:\n    __slots__ = (\"x\", \"y\")\n\n    def __init__(self, x, y):\n"
                  "        self.x = x\n        self.y = y\n"),
]
MODES = ("untraced", "instrument", "tracemalloc")

# The limits of the server the points part runs against: generous enough
# for 1M plain points under tracemalloc, so the part measures speed, not
# limits; no CPU demotion, so a shared machine's other load does not starve
# the long runs (SCHED_IDLE) and skew one mode against another.
POINTS_SERVER_ARGS = ["--cpu-seconds", "20", "--wall-ms", "60000",
                      "--memory-bytes", str(2 << 30), "--demote-cpu-ms", "0", "--idle-cpu-ms", "0"]

HEADLINE = ("slots-at-scale", "scale")

# Targets (issue #11).
TARGET_INSTRUMENT_RATIO = 1.3
TARGET_EXPERIMENT_S = 2.0
TARGET_STEP_MS = 100.0
HEAVIEST = 5
# Step kinds a learner runs and waits for; experiments are long by nature
# (a chart of fresh children) and are reported apart from them.
HONEST_KINDS = ("example", "predict", "goal")


class Api:
    """One keep-alive HTTP connection to a lessond on 127.0.0.1. Requests are
    timed from the request written to the answer read. Raises BenchError
    when the server cannot be reached or answers what is not JSON."""

    def __init__(self, port, timeout=300.0, headers=None, python=None):
        self.port = port
        self.timeout = timeout
        self.headers = dict(headers or {})  # sent with every request (a cookie, a token)
        self.python = python  # every run and check asks for it ("3.11"); None: the default
        self.conn = None

    def request(self, method, path, body=None):
        """Returns (HTTP status, decoded JSON body, latency in ms). Retries
        once on a new connection when the kept one was closed by the server."""
        if self.python and path in ("/api/run", "/api/check") and body is not None:
            body = dict(body, python=self.python)
        data = json.dumps(body).encode() if body is not None else None
        headers = dict(self.headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=self.timeout)
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                self.close()
                if attempt == 0:
                    continue
                raise BenchError("%s %s on port %d: %s" % (method, path, self.port, e))
            except (OSError, http.client.HTTPException) as e:
                self.close()
                raise BenchError("%s %s on port %d: %s" % (method, path, self.port, e))
            latency = (time.perf_counter() - t0) * 1e3
            if resp.will_close:
                self.close()
            try:
                return resp.status, json.loads(raw), latency
            except ValueError:
                raise BenchError("%s %s on port %d: HTTP %d, not JSON: %r"
                                 % (method, path, self.port, resp.status, raw[:200]))
        raise AssertionError("unreachable")

    def ok(self, method, path, body=None, expect=200):
        """request() that raises BenchError unless the answer is HTTP expect."""
        status, doc, latency = self.request(method, path, body)
        if status != expect:
            raise BenchError("%s %s on port %d: HTTP %d %s"
                             % (method, path, self.port, status, json.dumps(doc)[:300]))
        return doc, latency

    def close(self):
        """Closes the connection, if any."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def alternate(labels, i):
    """The servers' order for repetition i: as given, then reversed, so two
    builds take turns going first."""
    return list(labels) if i % 2 == 0 else list(reversed(labels))


def median(values):
    """The median of a list, None when it is empty."""
    return statistics.median(values) if values else None


# -- points ----------------------------------------------------------------

def points_snippets(cls):
    """The three snippets of one class. The workload times itself with
    time.perf_counter() and ends with the elapsed ms. `instrument` is the
    workload alone: the runner measures it with its own instrument.
    `untraced` adds a comment with the word tracemalloc, so the runner does
    not trace it. `tracemalloc` starts tracemalloc around an exec() of the
    same workload in a fresh __main__-like namespace (as a standalone
    reference does), and returns (elapsed ms, tracemalloc's peak): that peak
    is what the instrument's memory.peak_bytes must equal, byte for byte."""
    workload = ("import time\n_t0 = time.perf_counter()\n" + cls +
                "points = [Point(i, i) for i in range(%d)]\n" % POINTS_N +
                "_ms = (time.perf_counter() - _t0) * 1e3\n_ms\n")
    untraced = workload + "# this comment names tracemalloc, so the runner does not trace\n"
    traced = ("import tracemalloc, types\n"
              "_ns = types.ModuleType('__main__').__dict__\n"
              "_ns['__builtins__'] = __builtins__\n"
              "_code = compile(%r, '<snippet>', 'exec')\n"
              "tracemalloc.start()\n"
              "exec(_code, _ns)\n"
              "_peak = tracemalloc.get_traced_memory()[1]\n"
              "tracemalloc.stop()\n"
              "(_ns['_ms'], _peak)\n") % workload
    return {"untraced": untraced, "instrument": workload, "tracemalloc": traced}


def points_sample(api, mode, code):
    """Runs one points snippet; returns {workload_ms, wall_ms, cpu_ms,
    peak_bytes}. peak_bytes is the runner's memory.peak_bytes, or for the
    tracemalloc mode the snippet's own tracemalloc peak (None if absent)."""
    doc, _ = api.ok("POST", "/api/run", {"code": code})
    repr_ = (doc.get("result") or {}).get("repr")
    if doc.get("status") != "ok" or repr_ is None:
        raise BenchError("the %s points workload did not run (port %d): status %s, %s"
                         % (mode, api.port, doc.get("status"),
                            doc.get("message") or json.dumps(doc.get("exception"))[:300]))
    value = ast.literal_eval(repr_)
    if mode == "tracemalloc":
        workload_ms, peak = value
    else:
        workload_ms, peak = value, (doc.get("memory") or {}).get("peak_bytes")
    t = doc.get("time") or {}
    return {"workload_ms": workload_ms, "wall_ms": t.get("wall_ms"), "cpu_ms": t.get("cpu_ms"),
            "peak_bytes": peak}


def measure_points(apis, reps, progress):
    """The points part on every server ({label: Api}), `reps` repetitions in
    the order ABC, CBA, ABC, ... of the modes, servers alternated too.
    Returns {label: {class: {mode: [sample, ...]}}}."""
    out = {label: {name: {m: [] for m in MODES} for name, _ in POINT_CLASSES} for label in apis}
    for i in range(reps):
        modes = MODES if i % 2 == 0 else tuple(reversed(MODES))
        progress("points: repetition %d of %d (%s)" % (i + 1, reps,
                                                       ", ".join(m for m in modes)))
        for name, cls in POINT_CLASSES:
            snippets = points_snippets(cls)
            for mode in modes:
                for label in alternate(apis, i):
                    out[label][name][mode].append(points_sample(apis[label], mode, snippets[mode]))
    return out


def points_summary(samples):
    """Medians, ratios and the peaks' agreement of one class on one server."""
    med = {m: {k: median([s[k] for s in samples[m] if s[k] is not None])
               for k in ("workload_ms", "wall_ms", "cpu_ms")} for m in MODES}
    peaks = {m: sorted({s["peak_bytes"] for s in samples[m] if s["peak_bytes"] is not None})
             for m in MODES}
    base = med["untraced"]["workload_ms"]
    ratios = {m: med[m]["workload_ms"] / base if base else None
              for m in ("instrument", "tracemalloc")}
    equal = bool(peaks["instrument"]) and peaks["instrument"] == peaks["tracemalloc"] \
        and len(peaks["instrument"]) == 1
    return {"median": med, "peaks": peaks, "ratios": ratios, "peaks_equal": equal,
            "reps": len(samples["untraced"])}


def fmt_peaks(values):
    """The distinct peaks of a mode's repetitions, or '-' when absent."""
    return " / ".join("{:,}".format(v) for v in values) if values else "-"


def print_points(results, reps):
    """The points part: a table per server, the ratios against the target and
    whether instrument and tracemalloc agree on the peak."""
    print("1M points inside the child: POST /api/run, `[Point(i, i) for i in range(%s)]`, "
          "median of %d, modes alternated %s"
          % ("{:_}".format(POINTS_N), reps, "ABC CBA ..." if reps > 1 else "once"))
    print("  server: %s" % " ".join(POINTS_SERVER_ARGS))
    print("  workload ms: the snippet's own time.perf_counter() around the workload; "
          "child ms: the run's time.wall_ms / cpu_ms")
    head = "  %-22s %12s %9s %9s %9s  %s" % ("", "workload ms", "min", "max", "child ms",
                                             "memory.peak_bytes (tracemalloc: its own peak)")
    for label, per_class in results.items():
        print()
        if len(results) > 1:
            print("  %s" % label)
        print(head)
        print("  " + "-" * (len(head) - 2))
        for name, samples in per_class.items():
            s = points_summary(samples)
            for m in MODES:
                w = [x["workload_ms"] for x in samples[m]]
                print("  %-22s %12.1f %9.1f %9.1f %9.1f  %s"
                      % ("%s, %s" % (name, m), s["median"][m]["workload_ms"], min(w), max(w),
                         s["median"][m]["wall_ms"] or 0.0, fmt_peaks(s["peaks"][m])))
            ri, rt = s["ratios"]["instrument"], s["ratios"]["tracemalloc"]
            print("  %-22s instrument/untraced %.2fx (target <= %.1fx: %s), "
                  "tracemalloc/untraced %.2fx; peaks instrument == tracemalloc: %s"
                  % ("  " + name, ri, TARGET_INSTRUMENT_RATIO,
                     "met" if ri <= TARGET_INSTRUMENT_RATIO else "NOT MET", rt,
                     "yes" if s["peaks_equal"] else "NO (%s vs %s)"
                     % (fmt_peaks(s["peaks"]["instrument"]), fmt_peaks(s["peaks"]["tracemalloc"]))))


# -- the headline experiment -----------------------------------------------

def experiment_sample(api):
    """One POST /api/check of the headline experiment: {wall_ms, points,
    ran, correct, message}. A point ran when its status is ok and it has a
    peak."""
    doc, latency = api.ok("POST", "/api/check", {"lesson": HEADLINE[0], "step": HEADLINE[1]})
    series = doc.get("series") or []
    ran = sum(1 for p in series if p.get("status") == "ok" and isinstance(p.get("peak_bytes"), int))
    return {"wall_ms": latency, "points": len(series), "ran": ran,
            "correct": doc.get("correct") is True, "message": doc.get("message"),
            "statuses": sorted({p.get("status") for p in series})}


def measure_experiment(apis, reps, progress):
    """The headline experiment `reps` times on every server, alternated.
    Returns {label: [sample, ...]}."""
    out = {label: [] for label in apis}
    for i in range(reps):
        progress("experiment %s/%s: repetition %d of %d" % (HEADLINE + (i + 1, reps)))
        for label in alternate(apis, i):
            out[label].append(experiment_sample(apis[label]))
    return out


def print_experiment(results):
    """The headline experiment per server against its target."""
    print("headline experiment %s/%s: POST /api/check end to end, default limits"
          % HEADLINE)
    for label, samples in results.items():
        walls = [s["wall_ms"] / 1e3 for s in samples]
        med = median(walls)
        every = all(s["ran"] == s["points"] and s["points"] > 0 for s in samples)
        correct = all(s["correct"] for s in samples)
        print("  %s%.2f s median of %d (%s s); points that ran: %s; correct: %s"
              % ("%s: " % label if len(results) > 1 else "", med, len(samples),
                 ", ".join("%.2f" % w for w in walls),
                 ", ".join("%d/%d" % (s["ran"], s["points"]) for s in samples),
                 ", ".join(str(s["correct"]).lower() for s in samples)))
        if not (every and correct):
            bad = next(s for s in samples if not (s["correct"] and s["ran"] == s["points"]))
            print("    message: %s" % bad["message"])
        met = med <= TARGET_EXPERIMENT_S and every and correct
        print("    target: every point, correct, <= %.0f s end to end: %s"
              % (TARGET_EXPERIMENT_S, "met" if met else "NOT MET"))


# -- every lesson step -----------------------------------------------------

def course_steps(api):
    """Every step of the course in course order: a list of {lesson, id,
    kind, code}, from GET /api/lessons and /api/lessons/{id}."""
    course, _ = api.ok("GET", "/api/lessons")
    steps = []
    for lesson in course.get("lessons") or []:
        doc, _ = api.ok("GET", "/api/lessons/" + lesson["id"])
        for st in doc.get("steps") or []:
            if st.get("id") and st.get("kind"):
                steps.append({"lesson": lesson["id"], "id": st["id"], "kind": st["kind"],
                              "code": st.get("code", "")})
    if not steps:
        raise BenchError("the course on port %d has no steps" % api.port)
    return steps


def step_request(api, step, solutions):
    """The request a learner sends for a step: an example is run with its
    own code (the server adds the earlier steps as setup), a prediction is
    checked (the answer, None, costs the same whatever it is), a goal is
    checked with its author's solution (/api/solution, asked once), an
    experiment is checked. Returns (path, body)."""
    key = (step["lesson"], step["id"])
    if step["kind"] == "example":
        return "/api/run", {"code": step["code"], "lesson": key[0], "step": key[1]}
    body = {"lesson": key[0], "step": key[1]}
    if step["kind"] == "predict":
        body["answer"] = "None"
    elif step["kind"] == "goal":
        if key not in solutions:
            solutions[key] = api.ok("POST", "/api/solution", body)[0]["solution"]
        body["code"] = solutions[key]
    return "/api/check", body


def step_sample(api, step, solutions):
    """Runs one step once: {wall_ms, cpu_ms (the child's, from the run
    contract), latency_ms (end to end), status, correct (checks only)}."""
    path, body = step_request(api, step, solutions)
    doc, latency = api.ok("POST", path, body)
    run = doc if path == "/api/run" else doc.get("run") or {}
    t = run.get("time") or {}
    return {"wall_ms": t.get("wall_ms"), "cpu_ms": t.get("cpu_ms"), "latency_ms": latency,
            "status": run.get("status"), "correct": doc.get("correct")}


def measure_steps(apis, reps, progress):
    """Every step of the course `reps` times on every server (the course is
    read from the first; experiments once each). Returns {label: [{step,
    samples}]} in course order."""
    first = next(iter(apis.values()))
    steps = course_steps(first)
    solutions = {label: {} for label in apis}
    out = {label: [{"step": st, "samples": []} for st in steps] for label in apis}
    for i in range(reps):
        progress("steps: repetition %d of %d, %d steps" % (i + 1, reps, len(steps)))
        for k, st in enumerate(steps):
            if st["kind"] not in HONEST_KINDS and i > 0:
                continue
            for label in alternate(apis, i + k):
                out[label][k]["samples"].append(step_sample(apis[label], st, solutions[label]))
    return out


def step_summary(entry):
    """Medians of one step's samples and its statuses."""
    s = entry["samples"]
    return {"name": "%s/%s" % (entry["step"]["lesson"], entry["step"]["id"]),
            "kind": entry["step"]["kind"],
            "wall_ms": median([x["wall_ms"] for x in s if x["wall_ms"] is not None]),
            "cpu_ms": median([x["cpu_ms"] for x in s if x["cpu_ms"] is not None]),
            "latency_ms": median([x["latency_ms"] for x in s]),
            "statuses": sorted({str(x["status"]) for x in s}),
            "correct": [x["correct"] for x in s]}


def print_steps(results, reps):
    """The heaviest honest steps per server, the experiments apart, and any
    step that did not run."""
    for n, (label, entries) in enumerate(results.items()):
        if n:
            print()
        rows = [step_summary(e) for e in entries]
        honest = [r for r in rows if r["kind"] in HONEST_KINDS]
        ranked = sorted((r for r in honest if r["wall_ms"] is not None),
                        key=lambda r: -r["wall_ms"])
        kinds = {}
        for r in rows:
            kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
        print("lesson steps%s: %d steps (%s), the honest ones run %d time%s each (medians), "
              "ranked by the child's own wall time"
              % (" (%s)" % label if len(results) > 1 else "", len(rows),
                 ", ".join("%d %s" % (n, k) for k, n in sorted(kinds.items())), reps,
                 "" if reps == 1 else "s"))
        print("  examples: POST /api/run; predictions: /api/check; goals: /api/check with the "
              "solution; experiments: /api/check, once")
        head = "  %-46s %-8s %9s %9s %12s" % ("heaviest honest steps", "kind", "child ms",
                                               "CPU ms", "end to end")
        print(head)
        print("  " + "-" * (len(head) - 2))
        for r in ranked[:HEAVIEST]:
            print("  %-46s %-8s %9.1f %9.1f %12.1f" % (r["name"], r["kind"], r["wall_ms"],
                                                       r["cpu_ms"] or 0.0, r["latency_ms"]))
        slowest = sorted(honest, key=lambda r: -r["latency_ms"])[:HEAVIEST]
        print("  heaviest end to end: " + ", ".join(
            "%s %.0f ms" % (r["name"], r["latency_ms"]) for r in slowest))
        print("    (a check's child ms leaves out its verdict: the answer and the hidden "
              "checks run in the child after the run's time is taken)")
        for r in rows:
            if r["kind"] not in HONEST_KINDS:
                print("  experiment %-36s %6.2f s end to end, last point's child %s ms, "
                      "statuses %s, correct %s"
                      % (r["name"], r["latency_ms"] / 1e3,
                         "%.0f" % r["wall_ms"] if r["wall_ms"] is not None else "-",
                         "/".join(r["statuses"]), "/".join(str(c).lower() for c in r["correct"])))
        odd = [r for r in honest if set(r["statuses"]) - {"ok", "error"}
               or (r["kind"] == "goal" and not all(r["correct"]))]
        for r in odd:
            print("  did not run as written: %s: statuses %s%s"
                  % (r["name"], "/".join(r["statuses"]),
                     ", solution correct %s" % r["correct"] if r["kind"] == "goal" else ""))
        top = ranked[0]["wall_ms"] if ranked else None
        print("  target: heaviest honest step <= %.0f ms in the child: %s (%s, %.1f ms)"
              % (TARGET_STEP_MS, "met" if top is not None and top <= TARGET_STEP_MS
                 else "NOT MET", ranked[0]["name"] if ranked else "-", top or 0.0))
