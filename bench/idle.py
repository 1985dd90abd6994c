"""make bench's idle part, run by bench/run.py: the memory each Python's zygote
and its waiting children hold at rest (docs/ARCHITECTURE.md §9).

For every Python a server serves (GET /api/health's "pythons"), after the
pool has been full and quiet for a moment: the zygote and each waiting child
(the zygote's children, from /proc/PID/task/*/children), each one's RSS
(VmRSS), PSS and private memory (Pss, Private_Clean + Private_Dirty in
/proc/PID/smaps_rollup). What the group holds, each resident page once, is
the zygote's RSS plus each child's private memory (a child's other pages are
its zygote's); the PSS added up says nearly the same (a tree's libraries are
shared with nobody else). The RSS column added up counts every page a child
shares with its zygote once per process. The target, a second zygote and its
children under 40 MB in all, is judged on what the group holds, and the RSS
column's sum is printed beside it. Standard library only; needs the server's
processes to be readable (the same user, or root).
"""

import os
import time

TARGET_MB = 40.0  # the second zygote and its waiting children, in all (issue #13)


def _status_kb(pid, key):
    """A "key: N kB" line of /proc/PID/status, in kB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def _rollup_kb(pid):
    """{field: kB} of /proc/PID/smaps_rollup."""
    out = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            words = line.split()
            if len(words) == 3 and words[2] == "kB":
                out[words[0].rstrip(":")] = int(words[1])
    return out


def _children(pid):
    """The pids of a process's children, from every one of its threads."""
    kids = []
    for task in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/children" % (pid, task)) as f:
            kids += [int(x) for x in f.read().split()]
    return kids


def _process(pid):
    """One process's RSS, PSS and private memory, in kB."""
    r = _rollup_kb(pid)
    return {"pid": pid, "rss_kb": _status_kb(pid, "VmRSS"), "pss_kb": r["Pss"],
            "private_kb": r["Private_Clean"] + r["Private_Dirty"]}


def measure_idle(server, pool_size, settle_s=1.0, timeout_s=20.0):
    """{version: {"zygote", "children": [...], "rss_sum_kb", "pss_sum_kb"}}
    for each Python of `server` (run.Server), once every pool is full and
    has stayed so for settle_s."""
    deadline = time.monotonic() + timeout_s
    while True:
        health = server.health() or {}
        pythons = health.get("pythons") or []
        full = pythons and all(p["pool"]["ready"] >= pool_size for p in pythons)
        if full or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    time.sleep(settle_s)
    out = {}
    for p in (server.health() or {}).get("pythons") or []:
        zygote = p["pool"]["zygote_pid"]
        try:
            family = [_process(zygote)] + [_process(k) for k in _children(zygote)]
        except (OSError, KeyError) as e:
            out[p["version"]] = {"error": "cannot read /proc of zygote %d: %s" % (zygote, e)}
            continue
        out[p["version"]] = {"full": p["full"], "zygote": family[0], "children": family[1:],
                             "held_kb": family[0]["rss_kb"] +
                             sum(x["private_kb"] for x in family[1:]),
                             "rss_sum_kb": sum(x["rss_kb"] for x in family),
                             "pss_sum_kb": sum(x["pss_kb"] for x in family)}
    return out


def _mb(kb):
    return "%.1f MB" % (kb / 1024.0)


def print_idle(figures):
    """Each Python's zygote and children at rest, and the second one's
    against the target."""
    print("idle memory, after the pools were full and quiet for 1 s:")
    for version, f in figures.items():
        if "error" in f:
            print("  Python %s: %s" % (version, f["error"]))
            continue
        kids = f["children"]
        each = lambda key: "/".join(sorted({_mb(k[key]) for k in kids})) or "-"  # noqa: E731
        print("  Python %-5s zygote RSS %s (PSS %s); %d waiting children, each RSS %s, PSS %s, "
              "private %s" % (version, _mb(f["zygote"]["rss_kb"]), _mb(f["zygote"]["pss_kb"]),
                              len(kids), each("rss_kb"), each("pss_kb"), each("private_kb")))
        print("  %-12s in all: held %s (zygote RSS + children's private), PSS added up %s, "
              "RSS added up %s" % ("", _mb(f["held_kb"]), _mb(f["pss_sum_kb"]),
                                   _mb(f["rss_sum_kb"])))
    versions = [v for v in figures if "error" not in figures[v]]
    if len(versions) < 2:
        print("  (one Python only: no second zygote to judge)")
        return
    second = figures[versions[-1]]
    held, rss = second["held_kb"] / 1024.0, second["rss_sum_kb"] / 1024.0
    print("  target: Python %s's zygote and waiting children hold under %.0f MB: %.1f MB, %s"
          % (versions[-1], TARGET_MB, held, "met" if held < TARGET_MB else "NOT MET"))
    print("    (their RSS column added up is %.1f MB: each child's RSS repeats the pages it "
          "shares with its zygote)" % rss)
