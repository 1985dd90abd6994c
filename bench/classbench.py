"""make bench's class part (issue #12), run by bench/run.py: what recording
a learner's runs for a class costs on the run path.

The lessond of the other parts (run.Server keeps its class records and
teacher token in the bench's temporary directory) and two learners, each with its own cookie,
POSTing the same lesson example to /api/run with its lesson and step: one
joined to a class, whose every run the server records (queued for the
store's writer thread, committed in groups, answered "progress": "queued"),
and one in no class, whose runs record nothing. The bench client (C, one
keep-alive connection) measures them in halves, out, in, in, out, so that
load from elsewhere weighs on both alike; the latencies of the halves are
pooled. It prints the medians (and p90/p99) side by side with the in/out
ratio, and what the store did meanwhile (events written, commits, from
/metrics). The target (issue #12: recording adds no measurable latency)
is reported, never fatal.

Standard library only.
"""

import json
import os
import urllib.parse
import urllib.request

import scale
from run import BenchError

TOKEN = "bench-teacher-token-0123456789abcdef"
IN_CLASS = "c1a55000000000000000000000000001"   # learner cookies of our own
NO_CLASS = "5e1f0000000000000000000000000002"
# The ratio of medians, in class over not, under which recording counts as
# not measurable on these shared machines.
TARGET_RATIO = 1.10


def token_args(directory):
    """["--teacher-token-file", FILE]: TOKEN, written to FILE in `directory`
    at mode 0600, the teacher token of every server the bench starts."""
    token_file = os.path.join(directory, "teacher-token")
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(TOKEN + "\n")
    return ["--teacher-token-file", token_file]


def store_counters(port, host="127.0.0.1"):
    """{metric name: value} of the store's counters in /metrics (the
    lessond_store_ lines)."""
    try:
        with urllib.request.urlopen("http://%s:%d/metrics" % (host, port), timeout=30) as r:
            text = r.read().decode()
    except OSError as e:
        raise BenchError("GET /metrics: %s" % e)
    out = {}
    for line in text.splitlines():
        if line.startswith("lessond_store_"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


def first_example(api):
    """(lesson id, step id, code) of the course's first example step."""
    course, _ = api.ok("GET", "/api/lessons")
    for lesson in course["lessons"]:
        doc, _ = api.ok("GET", "/api/lessons/" + urllib.parse.quote(lesson["id"]))
        for step in doc["steps"]:
            if step.get("kind") == "example" and step.get("code"):
                return lesson["id"], step["id"], step["code"]
    raise BenchError("the course has no example step")


def measure_class(server, client, tmp, requests, warmup, log):
    """Measures the two learners on `server` (a run.Server: TOKEN is its
    teacher's),
    `requests` runs each after `warmup`. Returns the figures: {"step",
    "in_class", "no_class" (pooled client reports), "ratio_p50", "store":
    {counter: its increase}, "events_per_commit"}."""
    from run import pooled, run_client  # run.py imports this module first
    teacher = scale.Api(server.port, headers={"Authorization": "Bearer " + TOKEN})
    learner_in = scale.Api(server.port, headers={"Cookie": "lessond_learner=" + IN_CLASS})
    learner_out = scale.Api(server.port, headers={"Cookie": "lessond_learner=" + NO_CLASS})
    lesson, step, code = first_example(teacher)
    klass, _ = teacher.ok("POST", "/api/classes", {"name": "Bench"}, expect=201)
    learner_in.ok("POST", "/api/classes/%s/join" % klass["code"], {"name": "In class"})
    body = {"code": code, "lesson": lesson, "step": step}
    answer_in, _ = learner_in.ok("POST", "/api/run", body)
    answer_out, _ = learner_out.ok("POST", "/api/run", body)
    if answer_in.get("status") != "ok" or answer_in.get("progress") != "queued":
        raise BenchError("the learner in a class got %s" % json.dumps(answer_in)[:300])
    if answer_out.get("status") != "ok" or "progress" in answer_out:
        raise BenchError("the learner in no class got %s" % json.dumps(answer_out)[:300])
    body_file = os.path.join(tmp, "class-run.json")
    with open(body_file, "w") as f:
        json.dump(body, f)
    who = {"in_class": ("Cookie: lessond_learner=" + IN_CLASS, '"progress":"queued"'),
           "no_class": ("Cookie: lessond_learner=" + NO_CLASS, '"status":"ok"')}
    before = store_counters(server.port)
    reports = {label: [] for label in who}
    half = max(1, requests // 2)
    for label in ("no_class", "in_class", "in_class", "no_class"):
        log("class: %s, %d runs of %s/%s" % (label, half, lesson, step))
        cookie, expect = who[label]
        reports[label].append(run_client(client, server.port, body_file, 1, half, warmup,
                                         headers=[cookie], expect=expect))
    after = store_counters(server.port)
    for api in (teacher, learner_in, learner_out):
        api.close()
    figures = {label: pooled(r) for label, r in reports.items()}
    for r in figures.values():
        r.pop("samples", None)
    delta = store_delta(before, after)
    return {"step": "%s/%s" % (lesson, step), "in_class": figures["in_class"],
            "no_class": figures["no_class"],
            "ratio_p50": figures["in_class"]["p50_ms"] / figures["no_class"]["p50_ms"],
            "store": delta, "events_per_commit": events_per_commit(delta)}


COMMITS = "lessond_store_commits_total"
WRITTEN = 'lessond_store_writes_total{outcome="written"}'


def store_delta(before, after):
    """How much each store counter grew, by its /metrics name."""
    return {k: v - before.get(k, 0) for k, v in after.items()}


def events_per_commit(delta):
    """Events written per commit in a store_delta, or None without commits."""
    return delta.get(WRITTEN, 0) / delta[COMMITS] if delta.get(COMMITS) else None


def describe_store(delta):
    """'commits +N, written +N, ...' of a store_delta."""
    short = {COMMITS: "commits", WRITTEN: "written",
             'lessond_store_writes_total{outcome="failed"}': "failed",
             'lessond_store_writes_total{outcome="rejected"}': "rejected"}
    return ", ".join("%s +%d" % (short.get(k, k), v) for k, v in sorted(delta.items())) or \
        "no store counters"


def print_class(f, fmt_ms):
    """The class part's lines: both learners, the ratio, the store's work."""
    print("class: /api/run of %s, 1 connection, halves alternated no/in/in/no class;"
          % f["step"])
    print("       the learner in a class has every run recorded (progress \"queued\")")
    head = "%-34s %8s %8s %8s %8s %9s" % ("latency in ms", "p50", "p90", "p99", "max", "runs/s")
    print(head)
    print("-" * len(head))
    for label, key in (("learner in no class", "no_class"), ("learner in a class", "in_class")):
        m = f[key]
        print("  %-32s %8s %8s %8s %8s %9.0f" % (label, fmt_ms(m["p50_ms"]), fmt_ms(m["p90_ms"]),
                                                fmt_ms(m["p99_ms"]), fmt_ms(m["max_ms"]),
                                                m["rps"]))
    print("in class / no class, p50: %.2fx; the store meanwhile: %s; %s events per commit"
          % (f["ratio_p50"], describe_store(f["store"]),
             "%.2f" % f["events_per_commit"] if f["events_per_commit"] else "-"))
    print("  %-8s recording adds no measurable latency to /api/run (p50 ratio <= %.2fx): %.2fx"
          % ("met" if f["ratio_p50"] <= TARGET_RATIO else "NOT MET", TARGET_RATIO,
             f["ratio_p50"]))
