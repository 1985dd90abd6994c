#!/usr/bin/env python3
"""Benchmarks lessond against the naive design (a fresh python process per run),
and at the seeds' scale.

Starts lessond on a free port and measures, in parts (--only picks some):
  idle        the memory each Python's zygote and its waiting children hold at
              rest, RSS and PSS (bench/idle.py), and the second one's target;
  latency     for each snippet on each Python the server serves (3.11, and
              3.13 when it is prepared): latency over HTTP with 1 keep-alive
              connection (bench client, C), throughput with several
              connections, and a fresh `python3.X -I -c SNIPPET` per run (3.13's
              under its tree's loader), timed from spawn to exit;
              a table, the naive/lessond ratio, and whether the targets are met;
  points      the 1M-points workload inside the child: untraced, under the
              runner's memory instrument, under tracemalloc (bench/scale.py;
              its own server with generous limits);
  experiment  the headline experiment slots-at-scale/scale through /api/check;
  steps       every lesson step, the five heaviest in the child;
  class       /api/run latency of a learner in a class (every run recorded)
              beside one in no class, medians and ratio (bench/classbench.py).
Every server keeps its class records and teacher token in the bench's
temporary directory (an older --baseline without them gets neither).
`--only scale` runs points, experiment and steps. With --baseline OLD_BINARY it also starts
that (older) lessond and measures both in the same run, alternating them
(old, new, new, old halves, so a load that drifts weighs on both alike), and
prints them side by side. Missed targets are reported, never fatal: the
machines are shared and noisy.
The exit status is non-zero only when the benchmark itself could not run
(server did not start or crashed, requests failed, bad arguments).

Standard library only. Run it through `make bench`, or directly:
  python3 bench/run.py --lessond build/lessond --client build/bench
  make bench BENCH_ARGS="--baseline /path/to/old/lessond"
  make bench BENCH_ARGS="--only scale"
"""

import argparse
import datetime
import functools
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TRIVIAL = "1+1"

MEMORY_EXAMPLE = '''import tracemalloc

class RegularUser:
    def __init__(self, name):
        self.name = name

class SlotsUser:
    __slots__ = ("name",)
    def __init__(self, name):
        self.name = name

def measure_peak_memory_use(f):
    tracemalloc.start()
    f()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak

(measure_peak_memory_use(lambda: RegularUser("Amir")), measure_peak_memory_use(lambda: SlotsUser("Amir")))
'''

SNIPPETS = [("trivial", TRIVIAL), ("memory", MEMORY_EXAMPLE)]
LINKED = "3.11"  # the Python lessond links; the others come from trees (pythons/)

# Targets (docs/ARCHITECTURE.md §7).
TARGET_P50_MS = 0.5
TARGET_RATIO = 30.0
TARGET_RPS = 1000.0


class BenchError(Exception):
    """The benchmark could not run; the message says why."""


# bench/scale.py imports this module as `run`: run as a script, it is that
# module too (one BenchError, not two).
if __name__ == "__main__":
    sys.modules.setdefault("run", sys.modules["__main__"])
import idle  # noqa: E402
import scale  # noqa: E402
import classbench  # noqa: E402


def log(msg):
    print(msg, file=sys.stderr, flush=True)


@functools.lru_cache(maxsize=None)
def keeps_classes(binary):
    """True when the lessond keeps class records (its --help names
    --data-dir); an older baseline may not, and refuses the flag."""
    try:
        text = subprocess.run([binary, "--help"], capture_output=True, text=True,
                              timeout=30).stdout
    except OSError:
        return False
    return "--data-dir" in text


class Server:
    """One lessond process on a free port, its log and (for a lessond that
    keeps them) its class records and teacher token in `tmpdir`, run from
    the repository (static/ and lessons/ are found there; ./data is not
    used). Also used by bench/loadtest.py. start() raises BenchError when it
    does not come up."""

    def __init__(self, binary, pool_size, tmpdir, extra_args):
        self.binary = binary
        self.port_file = os.path.join(tmpdir, "port")
        self.log_path = os.path.join(tmpdir, "lessond.log")
        pool = ["--pool-size", str(pool_size)] if pool_size is not None else []
        data = (["--data-dir", os.path.join(tmpdir, "data")] + classbench.token_args(tmpdir)
                if keeps_classes(binary) else [])
        self.args = [binary, "--port", "0", "--port-file", self.port_file] + data + pool + \
            extra_args
        self.proc = None
        self.port = None

    def start(self, timeout=30.0):
        """Starts the server; waits for its port and a ready pool, and returns
        its health."""
        if not os.access(self.binary, os.X_OK):
            raise BenchError("%s is not an executable (run `make` first)" % self.binary)
        self.log_file = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.args, cwd=REPO, stdin=subprocess.DEVNULL,
                                     stdout=self.log_file, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError("lessond exited during start-up (%s)\n%s"
                                 % (describe_exit(self.proc.returncode), self.log_tail()))
            try:
                with open(self.port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    break
            except (FileNotFoundError, ValueError):
                pass
            time.sleep(0.02)
        else:
            raise BenchError("lessond wrote no port file within %.0f s\n%s"
                             % (timeout, self.log_tail()))
        # Wait until the pool has its children waiting.
        while time.monotonic() < deadline:
            health = self.health()
            if health and health.get("pool", {}).get("ready", 0) >= 1:
                return health
            time.sleep(0.02)
        raise BenchError("lessond's pool never became ready\n" + self.log_tail())

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def health(self):
        try:
            with urllib.request.urlopen(self.url("/api/health"), timeout=5) as r:
                return json.load(r)
        except (OSError, ValueError):
            return None

    def pythons(self):
        """The versions the server serves, oldest first (GET /api/pythons;
        a build from before it serves 3.11 alone)."""
        try:
            with urllib.request.urlopen(self.url("/api/pythons"), timeout=5) as r:
                return [p["version"] for p in json.load(r)]
        except urllib.error.HTTPError:
            return [LINKED]

    def run_once(self, code, python=None):
        body = {"code": code, **({"python": python} if python else {})}
        req = urllib.request.Request(self.url("/api/run"),
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace=5.0):
        """SIGTERM, then SIGKILL after `grace` seconds. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                log("lessond did not stop within %.0f s of SIGTERM; sending SIGKILL" % grace)
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)  # the zygote too
                except ProcessLookupError:
                    pass
                self.proc.wait()
        self.log_file.close()
        return self.proc.returncode

    def log_tail(self, lines=15):
        """The last lines of the server's log, indented; '' if unreadable."""
        try:
            with open(self.log_path, errors="replace") as f:
                tail = f.read().splitlines()[-lines:]
        except OSError:
            return ""
        return "lessond log (last lines):\n  " + "\n  ".join(tail)


def describe_exit(code):
    if code is None:
        return "still running"
    if code < 0:
        try:
            return "killed by %s" % signal.Signals(-code).name
        except ValueError:
            return "killed by signal %d" % -code
    return "exit status %d" % code


def run_client(client, port, body_file, connections, requests, warmup, pause_us=0,
               headers=(), expect=None):
    """Runs the C client once (each of `headers` sent as a --header; a good
    answer contains `expect`, the client's default when None); returns its
    report with the sorted latencies of every measured request added as
    "samples"."""
    with tempfile.NamedTemporaryFile(prefix="lessond-bench-samples-") as samples:
        cmd = [client, "--port", str(port), "--body-file", body_file,
               "--connections", str(connections), "--requests", str(requests),
               "--warmup", str(warmup), "--path", "/api/run", "--pause-us", str(pause_us),
               "--samples", samples.name]
        for header in headers:
            cmd += ["--header", header]
        if expect is not None:
            cmd += ["--expect", expect]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            report = json.loads(p.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            raise BenchError("bench client gave no report (%s): %s"
                             % (describe_exit(p.returncode), p.stderr.strip()))
        if p.returncode != 0 or report.get("failures"):
            raise BenchError("bench client: %d of %d requests failed: %s"
                             % (report.get("failures", -1), requests, p.stderr.strip()))
        with open(samples.name) as f:
            report["samples"] = [float(line) for line in f if line.strip()]
    return report


def pooled(reports):
    """One report from several runs of the client: percentiles over all
    their latencies, runs/s as all requests over all their seconds."""
    samples = sorted(x for r in reports for x in r["samples"])
    seconds = sum(r["seconds"] for r in reports)
    ok = sum(r["ok"] for r in reports)
    return {"requests": sum(r["requests"] for r in reports), "ok": ok, "seconds": seconds,
            "rps": ok / seconds if seconds > 0 else 0.0, "mean_ms": statistics.fmean(samples),
            "min_ms": samples[0], "p50_ms": percentile(samples, 50),
            "p90_ms": percentile(samples, 90), "p99_ms": percentile(samples, 99),
            "max_ms": samples[-1], "parts": len(reports)}


def measure(servers, client, body_file, connections, requests, warmup, pause_us=0):
    """Measures each server (a {label: Server} dict) with `requests` runs.
    Two servers are measured in halves, in the order A B B A, so that load
    from elsewhere that rises or falls during the measurement weighs on both
    alike. Returns {label: pooled report}."""
    labels = list(servers)
    if len(labels) == 1:
        order, part = labels, requests
    else:
        order, part = [labels[0], labels[1], labels[1], labels[0]], max(1, requests // 2)
    reports = {label: [] for label in labels}
    for label in order:
        reports[label].append(run_client(client, servers[label].port, body_file, connections,
                                         part, warmup, pause_us))
    return {label: pooled(r) for label, r in reports.items()}


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list, as the C client computes
    it; None for an empty list."""
    n = len(sorted_values)
    if n == 0:
        return None
    rank = max(1, min(n, -(-p * n // 100)))
    return sorted_values[int(rank) - 1]


def naive_command(args, version):
    """The fresh interpreter of `version` (a command list): --naive-python
    for the linked one, else the tree's beside --lessond
    (<its directory>/pythons/X.Y/root), under the tree's own loader, as
    lessond starts that Python's zygote."""
    if version == LINKED:
        return [args.naive_python]
    root = os.path.join(os.path.dirname(os.path.abspath(args.lessond)), "pythons", version,
                        "root")
    libs = "%s/lib/x86_64-linux-gnu:%s/usr/lib/x86_64-linux-gnu" % (root, root)
    return [os.path.join(root, "lib64", "ld-linux-x86-64.so.2"), "--inhibit-cache",
            "--library-path", libs, os.path.join(root, "usr", "bin", "python" + version)]


def run_naive(python, code, runs, warmup):
    """Times `python -I -c code` (python: a command list) from spawn to
    exit, `runs` times."""
    times = []
    for i in range(warmup + runs):
        t0 = time.perf_counter()
        p = subprocess.Popen([*python, "-I", "-c", code], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, err = p.communicate()
        t1 = time.perf_counter()
        if p.returncode != 0:
            raise BenchError("%s -I -c failed (%s): %s"
                             % (python[-1], describe_exit(p.returncode),
                                err.decode(errors="replace")))
        if i >= warmup:
            times.append((t1 - t0) * 1e3)
    times.sort()
    return {"runs": runs, "p50_ms": percentile(times, 50), "p90_ms": percentile(times, 90),
            "p99_ms": percentile(times, 99), "max_ms": times[-1],
            "mean_ms": statistics.fmean(times)}


def machine_facts(naive_python):
    facts = {}
    facts["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    facts["nproc"] = len(os.sched_getaffinity(0))
    facts["cpus"] = os.cpu_count()
    u = os.uname()
    facts["kernel"] = "%s %s %s" % (u.sysname, u.release, u.machine)
    facts["cpu_model"] = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    facts["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    facts["loadavg"] = " ".join("%.2f" % x for x in os.getloadavg())
    try:
        facts["naive_python"] = subprocess.run(
            [naive_python, "-I", "-c", "import sys; print(sys.version.split()[0])"],
            capture_output=True, text=True, timeout=30).stdout.strip() or "?"
    except OSError:
        facts["naive_python"] = "not found"
    facts["driver_python"] = platform.python_version()
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    facts["os"] = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        facts["os"] = "?"
    return facts


def fmt_ms(x):
    return "%.3f" % x if x < 10 else "%.1f" % x


def fmt_rps(x):
    return "{:,.0f}".format(x) if x else "-"


TITLES = {"trivial": "trivial: 1+1", "memory": "memory example: RegularUser/SlotsUser"}


def title(name):
    """A results key ("trivial 3.13") as the table names it."""
    snippet, _, version = name.partition(" ")
    return TITLES.get(snippet, snippet) + (" on Python %s" % version if version else "")


def rows(args, r):
    """(label, stats, runs/s or None) for each line of one snippet's table."""
    return (("lessond, 1 connection", r["single"], r["single"]["rps"]),
            ("lessond, 1 conn., %g ms apart" % args.rest_pause_ms, r["rest"], None),
            ("lessond, %d connections" % args.connections, r["multi"], r["multi"]["rps"]),
            ("fresh python%s -I -c" % r.get("python", LINKED), r["naive"],
             1e3 / r["naive"]["mean_ms"]))


def print_table(args, results):
    """The table of one lessond: p50, p90, p99, max, runs/s per line."""
    head = "%-34s %8s %8s %8s %8s %9s" % ("latency in ms", "p50", "p90", "p99", "max", "runs/s")
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        print(title(name))
        for label, m, rps in rows(args, r):
            print("  %-32s %8s %8s %8s %8s %9s" % (label, fmt_ms(m["p50_ms"]), fmt_ms(m["p90_ms"]),
                                                  fmt_ms(m["p99_ms"]), fmt_ms(m["max_ms"]),
                                                  fmt_rps(rps)))


def print_side_by_side(args, before, after):
    """Both lessonds line by line: p50, p90, p99, runs/s each, then the
    after/before ratios of p50 (below 1 is faster) and of runs/s."""
    group = "%8s %8s %8s %8s"
    head = ("%-32s " + group + "  |" + group + "  | %6s %7s") % (
        "latency in ms", "p50", "p90", "p99", "runs/s", "p50", "p90", "p99", "runs/s",
        "p50", "runs/s")
    print("%-32s %-35s  | %-35s  | %s" % ("", "before: " + args.baseline_name,
                                         "after: " + args.lessond_name, "after/before"))
    print(head)
    print("-" * len(head))
    for name in after:
        print(title(name))
        for (label, b, brps), (_, a, arps) in zip(rows(args, before[name]), rows(args, after[name])):
            cells = []
            for m, rps in ((b, brps), (a, arps)):
                cells.append(group % (fmt_ms(m["p50_ms"]), fmt_ms(m["p90_ms"]),
                                      fmt_ms(m["p99_ms"]), fmt_rps(rps)))
            ratio = "%5.2fx" % (a["p50_ms"] / b["p50_ms"]) if b["p50_ms"] else "-"
            rratio = "%6.2fx" % (arps / brps) if brps and arps else "-"
            if label.startswith("fresh"):
                ratio = rratio = "(same)"
            print("  %-30s %s  |%s  | %6s %7s" % (label, cells[0], cells[1], ratio, rratio))


def print_targets(results):
    """Whether the trivial snippet meets the targets on each Python, for one
    lessond."""
    for name, t in results.items():
        if name.startswith("trivial"):
            print("  Python %s:" % t.get("python", LINKED))
            print_targets_of(t)


def print_targets_of(t):
    """Whether one Python's trivial runs meet the targets."""
    p50 = t["single"]["p50_ms"]
    ratio = t["naive"]["p50_ms"] / p50
    rps = t["multi"]["rps"]
    targets = [
        (p50 <= TARGET_P50_MS, "trivial p50 over HTTP <= %.1f ms" % TARGET_P50_MS,
         "%.3f ms" % p50),
        (ratio >= TARGET_RATIO, "trivial p50 >= %.0fx faster than a fresh process"
         % TARGET_RATIO, "%.1fx" % ratio),
        (rps >= TARGET_RPS, "trivial throughput with 4 clients >= %s runs/s"
         % "{:,.0f}".format(TARGET_RPS), "{:,.0f} runs/s".format(rps)),
    ]
    for ok, what, got in targets:
        print("  %-8s %-52s %s" % ("met" if ok else "NOT MET", what, got))
    missed = sum(1 for ok, _, _ in targets if not ok)
    if missed:
        print("  (%d target(s) missed; reported, not fatal: shared machines are noisy)" % missed)


def print_checks(results, checks, prefix=""):
    print("%snaive/lessond (fresh-process p50 / lessond 1-connection p50): " % prefix + ", ".join(
        "%s %.1fx" % (name, r["naive"]["p50_ms"] / r["single"]["p50_ms"])
        for name, r in results.items()))
    for name, check in checks.items():
        res = (check.get("result") or {}).get("repr")
        mem = check.get("memory") or {}
        print("%scheck %-8s status %s, result %s, memory peak %s, in-child wall %s ms"
              % (prefix, name, check.get("status"), res, mem.get("peak_bytes"),
                 (check.get("time") or {}).get("wall_ms")))


def print_latency(args, results, checks):
    """The latency part: the runs' lines, one lessond's table or both side
    by side, the checks of the snippets and the targets."""
    alternated = " each, alternated old/new/new/old" if args.baseline else ""
    print("runs: lessond %d after %d warm-up on 1 connection, %d on %d connections "
          "(after %d warm-up)%s;" % (args.requests, args.warmup, args.throughput_requests,
                                      args.connections, args.warmup, alternated))
    print("      %d on 1 connection %g ms apart (the server at rest between runs);"
          % (args.rest_requests, args.rest_pause_ms))
    print("      fresh process %d, one at a time, after 5 warm-up, timed from spawn to exit"
          % args.naive_runs)
    print()
    if args.baseline:
        print_side_by_side(args, results["before"], results["after"])
        print()
        print_checks(results["before"], checks["before"], "before: ")
        print_checks(results["after"], checks["after"], "after:  ")
        print()
        print("targets, before (%s)" % args.baseline_name)
        print_targets(results["before"])
        print("targets, after (%s)" % args.lessond_name)
        print_targets(results["after"])
    else:
        print_table(args, results["after"])
        print()
        print_checks(results["after"], checks["after"])
        print()
        print("targets")
        print_targets(results["after"])


def print_report(facts, health, args, results, checks, at_scale):
    """The machine and server facts, then each part that ran."""
    layers = health.get("sandbox", {}).get("layers", {})
    active = [k for k, v in layers.items() if v == "active"]
    inactive = [k for k, v in layers.items() if v != "active"]
    print()
    print("lessond benchmark, %s" % facts["date"])
    print("machine: %d CPUs usable (%d online), %s, %s, %s"
          % (facts["nproc"], facts["cpus"], facts["kernel"], facts.get("os", "?"),
             facts["cpu_model"]))
    print("load average before the run: %s; after: %s" % (facts["loadavg"], facts["loadavg_after"]))
    print("python: lessond serves %s (its own %s, the default %s); fresh-process baseline %s "
          "%s; the scale parts run on %s; this driver %s"
          % (", ".join(p["full"] for p in health.get("pythons", [])) or health.get("python", "?"),
             LINKED, health.get("python", "?"), args.naive_python, facts["naive_python"],
             args.scale_python, facts["driver_python"]))
    print("server: --pool-size %d; sandbox layers active: %s%s"
          % (args.pool_size, ", ".join(active) or "none",
             "; inactive: " + ", ".join(inactive) if inactive else ""))
    print("parts: %s%s" % (", ".join(p for p in PARTS if p in args.parts),
                           "; before: %s, after: %s" % (args.baseline_name, args.lessond_name)
                           if args.baseline else ""))
    if "idle" in args.parts:
        print()
        idle.print_idle(at_scale["idle"])
    if "latency" in args.parts:
        print_latency(args, results, checks)
    if "points" in args.parts:
        print()
        scale.print_points(at_scale["points"], args.points_reps)
    if "experiment" in args.parts:
        print()
        scale.print_experiment(at_scale["experiment"])
    if "steps" in args.parts:
        print()
        scale.print_steps(at_scale["steps"], args.steps_reps)
    if "class" in args.parts:
        print()
        classbench.print_class(at_scale["class"], fmt_ms)


PARTS = ("idle", "latency", "points", "experiment", "steps", "class")
PART_GROUPS = {"all": PARTS, "scale": ("points", "experiment", "steps")}


def parse_parts(text):
    """The parts --only names (comma-separated parts or groups), as a set;
    raises ValueError naming what is unknown."""
    parts = set()
    for word in filter(None, (w.strip() for w in text.split(","))):
        if word in PART_GROUPS:
            parts.update(PART_GROUPS[word])
        elif word in PARTS:
            parts.add(word)
        else:
            raise ValueError("unknown part %r (parts: %s; groups: %s)"
                             % (word, ", ".join(PARTS), ", ".join(PART_GROUPS)))
    if not parts:
        raise ValueError("no part named")
    return parts


def latency_pythons(servers):
    """The Pythons every server of `servers` serves, oldest first: the
    latency part measures each (a baseline that predates 3.13 limits it)."""
    lists = [s.pythons() for s in servers.values()]
    return [v for v in lists[-1] if all(v in other for other in lists)]


def measure_latency(args, servers, tmp, results, checks):
    """The latency part: every snippet on every Python on every server
    (`servers`, {label: Server}), filling results and checks; a Python's
    results are keyed "trivial 3.13"."""
    for version, (snippet, code) in [(v, s) for v in latency_pythons(servers) for s in SNIPPETS]:
        name = "%s %s" % (snippet, version)
        body_file = os.path.join(tmp, name.replace(" ", "-") + ".json")
        with open(body_file, "w") as f:
            json.dump({"code": code, "python": version}, f)
        for label, server in servers.items():
            check = server.run_once(code, version)
            if check.get("status") != "ok":
                raise BenchError("snippet %s did not run on %s: %s"
                                 % (name, label, json.dumps(check)[:400]))
            checks[label][name] = check
        log("%s: 1 connection, %d runs" % (name, args.requests))
        single = measure(servers, args.client, body_file, 1, args.requests, args.warmup)
        log("%s: %d connections, %d runs" % (name, args.connections, args.throughput_requests))
        multi = measure(servers, args.client, body_file, args.connections,
                        args.throughput_requests, args.warmup)
        log("%s: 1 connection, %d runs %g ms apart" % (name, args.rest_requests,
                                                       args.rest_pause_ms))
        rest = measure(servers, args.client, body_file, 1, args.rest_requests, 20,
                       int(args.rest_pause_ms * 1000))
        check_alive(servers)
        log("%s: %d fresh python%s processes" % (name, args.naive_runs, version))
        naive = run_naive(naive_command(args, version), code, args.naive_runs, 5)
        for label in servers:
            results[label][name] = {"single": single[label], "multi": multi[label],
                                    "rest": rest[label], "naive": naive, "python": version}


def check_alive(servers):
    """Raises BenchError when a server of `servers` has died."""
    for label, server in servers.items():
        if not server.alive():
            raise BenchError("lessond (%s) died during the run" % label)


def measure_at_scale(args, servers, points_servers, tmp):
    """The parts of bench/scale.py and bench/classbench.py that args.parts
    names. Returns {part: {label: figures}}, and for the class part (the
    build under test only) {"class": figures}."""
    out = {}
    if "points" in args.parts:
        apis = {label: scale.Api(s.port, python=args.scale_python)
                for label, s in points_servers.items()}
        out["points"] = scale.measure_points(apis, args.points_reps, log)
        check_alive(points_servers)
    apis = {label: scale.Api(s.port, python=args.scale_python) for label, s in servers.items()}
    if "experiment" in args.parts:
        out["experiment"] = scale.measure_experiment(apis, args.experiment_reps, log)
        check_alive(servers)
    if "steps" in args.parts:
        out["steps"] = scale.measure_steps(apis, args.steps_reps, log)
        check_alive(servers)
    if "class" in args.parts:
        if not keeps_classes(args.lessond):
            raise BenchError("the class part needs a lessond with class records (--data-dir)")
        out["class"] = classbench.measure_class(servers["after"], args.client, tmp,
                                                args.requests, args.warmup, log)
        check_alive(servers)
    return out





def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lessond", default="build/lessond", help="server binary")
    ap.add_argument("--baseline", metavar="OLD_BINARY",
                    help="an older lessond to measure alongside, side by side")
    ap.add_argument("--baseline-lessons", metavar="DIR",
                    help="the lessons the baseline serves (default: lessons/; a build from "
                         "before per-Python expectations cannot load today's, so give it its "
                         "own: git archive OLD lessons | tar -x -C DIR)")
    ap.add_argument("--client", default="build/bench", help="bench client binary")
    ap.add_argument("--only", metavar="PARTS", default="all",
                    help="comma-separated parts to run: idle, latency, points, experiment, "
                         "steps, class, or the groups scale (points, experiment, steps) and "
                         "all (the default)")
    ap.add_argument("--scale-python", default=LINKED,
                    help="the Python the scale parts run on (%s: comparable with "
                         "the figures of builds before 3.13)" % LINKED)
    ap.add_argument("--pool-size", type=int, default=2, help="lessond --pool-size (2)")
    ap.add_argument("--requests", type=int, default=2000, help="1-connection runs (2000)")
    ap.add_argument("--warmup", type=int, default=200, help="warm-up runs before each (200)")
    ap.add_argument("--connections", type=int, default=4, help="throughput connections (4)")
    ap.add_argument("--throughput-requests", type=int, default=4000,
                    help="runs in the throughput test (4000)")
    ap.add_argument("--rest-requests", type=int, default=300,
                    help="runs spaced --rest-pause-ms apart on 1 connection (300)")
    ap.add_argument("--rest-pause-ms", type=float, default=5.0,
                    help="idle time between those runs (5)")
    ap.add_argument("--naive-runs", type=int, default=100, help="fresh-process runs (100)")
    ap.add_argument("--naive-python", default="/usr/bin/python3.11",
                    help="interpreter of the naive design (/usr/bin/python3.11)")
    ap.add_argument("--points-reps", type=int, default=4,
                    help="repetitions of each mode of the 1M-points workload (4)")
    ap.add_argument("--experiment-reps", type=int, default=3,
                    help="repetitions of the headline experiment (3)")
    ap.add_argument("--steps-reps", type=int, default=3,
                    help="repetitions of each honest lesson step (3)")
    ap.add_argument("--server-arg", action="append", default=[],
                    help="extra lessond argument (repeatable), e.g. --server-arg=--log-level=warn")
    ap.add_argument("--json", metavar="FILE", help="also write every figure to FILE as JSON")
    args = ap.parse_args()
    try:
        args.parts = parse_parts(args.only)
    except ValueError as e:
        ap.error("--only: %s" % e)
    if min(args.points_reps, args.experiment_reps, args.steps_reps) < 1:
        ap.error("--points-reps, --experiment-reps and --steps-reps must be at least 1")
    args.lessond_name = args.lessond
    args.baseline_name = args.baseline

    binaries = [args.lessond] + ([args.client] if args.parts & {"latency", "class"} else []) + \
        ([args.baseline] if args.baseline else [])
    for path in binaries:
        if not os.access(path, os.X_OK):
            log("run.py: %s is not an executable (run `make all build/bench`)" % path)
            return 2
    facts = machine_facts(args.naive_python)
    labels = (["before"] if args.baseline else []) + ["after"]
    results = {label: {} for label in labels}
    checks = {label: {} for label in labels}
    at_scale = {}
    with tempfile.TemporaryDirectory(prefix="lessond-bench-") as tmp:
        # The servers with the default limits, and those of the points part.
        servers, points_servers = {}, {}
        for label in labels:
            binary = args.baseline if label == "before" else args.lessond
            own = (["--lessons-dir", args.baseline_lessons]
                   if label == "before" and args.baseline_lessons else [])
            if args.parts - {"points"}:
                d = os.path.join(tmp, label)
                os.mkdir(d)
                servers[label] = Server(binary, args.pool_size, d, own + args.server_arg)
            if "points" in args.parts:
                d = os.path.join(tmp, label + "-points")
                os.mkdir(d)
                points_servers[label] = Server(binary, args.pool_size, d,
                                               own + scale.POINTS_SERVER_ARGS + args.server_arg)
        every = [(label, s) for label, s in servers.items()] + \
            [(label + ", points", s) for label, s in points_servers.items()]
        exit_codes = {}
        try:
            health = None
            for label, server in every:
                log("starting %s" % " ".join(server.args))
                h = server.start()
                health = h if label.startswith("after") and health is None else health
                log("lessond (%s) on port %d, pool ready" % (label, server.port))
            if "idle" in args.parts:
                at_scale["idle"] = idle.measure_idle(servers["after"], args.pool_size)
            if "latency" in args.parts:
                measure_latency(args, servers, tmp, results, checks)
            at_scale.update(measure_at_scale(args, servers, points_servers, tmp))
            health = (servers or points_servers)["after"].health() or health
        except BenchError as e:
            log("run.py: %s" % e)
            for label, server in every:
                if server.proc is not None and server.proc.poll() is not None:
                    log("lessond (%s) %s\n%s" % (label, describe_exit(server.proc.returncode),
                                                 server.log_tail()))
            return 1
        finally:
            for label, server in every:
                exit_codes[label] = server.stop()
        facts["loadavg_after"] = " ".join("%.2f" % x for x in os.getloadavg())
        print_report(facts, health, args, results, checks, at_scale)
        if args.json:
            for per_label in results.values():
                for r in per_label.values():
                    for m in r.values():
                        if isinstance(m, dict):  # r["python"] is the version
                            m.pop("samples", None)
            with open(args.json, "w") as f:
                json.dump({"facts": facts, "parts": sorted(args.parts), "results": results,
                           "checks": checks, "at_scale": at_scale, "health": health}, f,
                          indent=1)
        print()
        failed = False
        for label, server in every:
            if exit_codes[label] not in (0, -signal.SIGTERM):
                print("lessond (%s) on SIGTERM: %s (expected a clean exit)"
                      % (label, describe_exit(exit_codes[label])))
                print(server.log_tail())
                failed = True
        if failed:
            return 1
        print("lessond stopped cleanly on SIGTERM")
    return 0


if __name__ == "__main__":
    sys.exit(main())
