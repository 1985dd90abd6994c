"""make loadtest's class (issue #12), used by bench/loadtest.py: every
learner joins one class and works through the lessons' steps in order,
while a teacher's dashboard polls the class view every second.

A learner in the class, once its page is loaded, POSTs
/api/classes/{code}/join with a display name, then takes one step of work
per think time: an example is run (with its lesson and step, so the server
records it) and then marked done (POST /api/progress kind "done"); a
prediction gets a guess, then a second answer (the declared exception
when there is one); a goal is checked with its starting code, the edited
code is sent (kind "code"), then the solution is checked. Past the last
step it opens the next lesson. --hostile of its runs are still hostile
(plain snippets, which record nothing).

The dashboard is one thread with one keep-alive connection and the
teacher's Bearer token, GETting /api/classes/{code} at a fixed rate: the
latency of each poll, its size, and how many learners it showed.

What counts as an honest failure here besides loadtest's own: a join or a
progress post that fails or does not answer "saved", a run or check of a
learner in the class that answers "not_saved", a failed dashboard poll.
The store's own counters (/metrics) before and after give the events
written per second and the commits. Standard library only.
"""

import http.client
import json
import threading
import time

import classbench
from run import BenchError as LoadError

# What each answer should say about progress, for a learner in the class.
EXPECTED_PROGRESS = {"run": "queued", "check": "saved", "progress": "saved"}


def create_class(host, port, token, learners):
    """POSTs /api/classes as the teacher; returns the class (code, display,
    join_url). Raises LoadError when the server refuses."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request("POST", "/api/classes",
                     json.dumps({"name": "Load test, %d learners" % learners}).encode(),
                     {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        resp = conn.getresponse()
        body = resp.read()
    except (OSError, http.client.HTTPException) as e:
        raise LoadError("POST /api/classes: %s" % e)
    finally:
        conn.close()
    if resp.status != 201:
        raise LoadError("POST /api/classes: HTTP %d %r (is the teacher token right?)"
                        % (resp.status, body[:200]))
    return json.loads(body)


def join(learner, code):
    """The learner joins the class as "Learner NNN"; recorded as "join"."""
    status, data, latency, error = learner.request(
        "POST", "/api/classes/%s/join" % code, {"name": "Learner %03d" % learner.index})
    if status is not None and status != 200 and not error:
        error = "HTTP %d %s" % (status, data[:120].decode("utf-8", "replace"))
    learner.stats.add(what="join", honest=True, latency_ms=latency, http=status, status=None,
                      error=error, wall_ms=None)


def progress(learner, step, kind, code=None):
    """POST /api/progress for a step of the open lesson; recorded as
    "progress" with the answer's progress value."""
    body = {"lesson": learner.lesson["id"], "step": step["id"], "kind": kind}
    if code is not None:
        body["code"] = code
    status, data, latency, error = learner.request("POST", "/api/progress", body)
    value = None
    if status == 200:
        try:
            value = json.loads(data).get("progress")
        except (ValueError, AttributeError):
            error = "malformed JSON"
    learner.stats.add(what="progress", honest=True, latency_ms=latency, http=status,
                      status=None, error=error, wall_ms=None, progress=value)


def workable_steps(lesson):
    """The steps of a lesson a learner works on, in order (no experiments)."""
    return [s for s in lesson["steps"] if s.get("kind") in ("example", "predict", "goal")
            and s.get("id")]


def act(learner):
    """One step of work for a learner in the class (see the module's text).
    learner.step_pos and learner.tries say where it stands in the open
    lesson; they start again at 0 in the next lesson."""
    steps = workable_steps(learner.lesson)
    if learner.step_pos >= len(steps):
        learner.other_lesson()
        learner.step_pos = learner.tries = 0
        return
    step = steps[learner.step_pos]
    tries = learner.tries
    learner.tries += 1
    done = False
    if step["kind"] == "example":
        if tries == 0:
            learner.do_run(step)
        else:
            progress(learner, step, "done")
            done = True
    elif step["kind"] == "predict":
        answer = learner.rng.choice(learner.guesses)
        if tries > 0 and step.get("raises"):
            answer = step["raises"]
        learner.check_step(step, answer=answer)
        done = tries > 0
    elif tries == 0:  # a goal: the starting code, edited code, the solution
        learner.check_step(step, code=step.get("code", ""))
    elif tries == 1:
        progress(learner, step, "code", code=step.get("code", "") + "\n# trying\n")
    else:
        learner.check_step(step, solution=True)
        done = True
    if done:
        learner.step_pos += 1
        learner.tries = 0


def progress_failure(record):
    """Why a class learner's record breaks the class's promise, or None."""
    want = EXPECTED_PROGRESS.get(record["what"])
    if not want or not record.get("honest") or record.get("http") != 200:
        return None
    got = record.get("progress")
    if record["what"] == "progress":
        return None if got == want else "progress %s" % got
    if record["what"] == "run" and record.get("label", "").startswith("plain"):
        return None  # a plain snippet belongs to no step
    return "progress not_saved" if got == "not_saved" else None


class Dashboard(threading.Thread):
    """The teacher's dashboard: GET /api/classes/{code} every poll_s on one
    keep-alive connection with the Bearer token, until stop is set. Keeps
    (latency ms, HTTP status or None, bytes, learners shown, error)."""

    def __init__(self, host, port, token, code, poll_s):
        super().__init__(name="dashboard", daemon=True)
        self.host, self.port = host, port
        self.headers = {"Authorization": "Bearer " + token}
        self.path = "/api/classes/" + code
        self.poll_s = poll_s
        self.stop = threading.Event()
        self.polls = []

    def run(self):
        """Thread body: one poll at each multiple of poll_s from the start."""
        conn = None
        start = time.monotonic()
        k = 0
        while not self.stop.wait(max(0.0, start + k * self.poll_s - time.monotonic())):
            k += 1
            if conn is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            t0 = time.perf_counter()
            try:
                conn.request("GET", self.path, headers=self.headers)
                resp = conn.getresponse()
                body = resp.read()
                latency = (time.perf_counter() - t0) * 1e3
                shown = len(json.loads(body).get("learners", [])) if resp.status == 200 else 0
                self.polls.append((latency, resp.status, len(body), shown, None))
                if resp.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException, ValueError) as e:
                self.polls.append(((time.perf_counter() - t0) * 1e3, None, 0, 0,
                                   "%s: %s" % (type(e).__name__, e)))
                conn.close()
                conn = None
        if conn is not None:
            conn.close()


def figures(stats, dashboard, store_before, store_after, elapsed, klass, summary):
    """The class's figures: the dashboard's polls, the joins, the progress
    posts, the progress answers by value, and the store's counters."""
    recs = stats.records
    polls = dashboard.polls
    delta = classbench.store_delta(store_before, store_after)
    by_value = {}
    for r in recs:
        if r["what"] in EXPECTED_PROGRESS and r["http"] == 200 and r.get("honest"):
            key = "%s %s" % (r["what"], r.get("progress") or "(none)")
            by_value[key] = by_value.get(key, 0) + 1
    written, commits = delta.get(classbench.WRITTEN, 0), delta.get(classbench.COMMITS, 0)
    return {"code": klass["code"], "display": klass.get("display"),
            "dashboard": {"poll_s": dashboard.poll_s, "latency": summary([p[0] for p in polls]),
                          "failed": sum(1 for p in polls if p[1] != 200),
                          "max_bytes": max((p[2] for p in polls), default=0),
                          "max_learners_shown": max((p[3] for p in polls), default=0)},
            "joins": summary([r["latency_ms"] for r in recs if r["what"] == "join"]),
            "progress_posts": summary([r["latency_ms"] for r in recs
                                       if r["what"] == "progress"]),
            "progress_answers": by_value,
            "store": delta, "events_per_s": written / elapsed if elapsed else None,
            "commits_per_s": commits / elapsed if elapsed else None,
            "events_per_commit": classbench.events_per_commit(delta)}


def store_counters(host, port):
    """The store's counters from /metrics, or {} when they cannot be read."""
    try:
        return classbench.store_counters(port, host)
    except LoadError:
        return {}


def print_lines(c, fmt):
    """The class's lines of the report."""
    d = c["dashboard"]
    lat = d["latency"]
    print("class %s: dashboard polled every %g s: %d polls, p50 %s, p99 %s, max %s ms, "
          "%d failed; up to %d learners and %d KB per view"
          % (c["display"], d["poll_s"], lat["count"], fmt(lat["p50_ms"]), fmt(lat["p99_ms"]),
             fmt(lat["max_ms"]), d["failed"], d["max_learners_shown"], d["max_bytes"] // 1024))
    j, p = c["joins"], c["progress_posts"]
    print("joins: %d, p50 %s, max %s ms; progress posts: %d, p50 %s, p99 %s ms"
          % (j["count"], fmt(j["p50_ms"]), fmt(j["max_ms"]), p["count"], fmt(p["p50_ms"]),
             fmt(p["p99_ms"])))
    print("progress answers: %s" % (", ".join("%s %d" % kv for kv in
                                              sorted(c["progress_answers"].items())) or "none"))
    print("store: %s; %.1f events/s recorded, %.1f commits/s, %s events per commit"
          % (classbench.describe_store(c["store"]), c["events_per_s"] or 0, c["commits_per_s"] or 0,
             "%.1f" % c["events_per_commit"] if c["events_per_commit"] else "-"))
