#!/usr/bin/env python3
"""HTTP checks of a lessond container, for tests/docker/run.sh.

Usage: check.py URL MODE
  up      exits 0 once GET /api/health answers 200
  checks  the course page, a lesson, runs (a plain one, a hostile one) and
          /api/health's sandbox layers; prints one `ok:` line per check
  served  what `make run` must serve: the course page and every script and
          style it names, a lesson, and a run of 1+1 (tests/stock/run.sh)
  pythons VERSIONS
          GET /api/pythons lists exactly VERSIONS ("3.11,3.13"), the newest
          the default, and on each a run of 1+1 and one of sys.getsizeof
          answer with that version's own figures and its "python"
  slow    one run that takes about a second (run.sh stops the server
          meanwhile); exits 0 when it still comes back with status ok
"""
import json
import re
import sys
import urllib.error
import urllib.request

REQUIRED = ("rlimits", "landlock", "seccomp")
# sys.getsizeof of an object with two attributes in its __dict__, as each
# Python's Debian build answers it (issue 13): 3.13's objects are smaller,
# so a 3.11 answer under 3.13's name cannot pass.
GETSIZEOF = ("import sys\nclass Point:\n    def __init__(self):\n"
             "        self.x, self.y = 1, 2\nsys.getsizeof(Point())")
SIZES = {"3.11": "56", "3.13": "48"}


def request(url, body=None, timeout=15):
    """(status, content type, body bytes) of a GET, or a POST of JSON `body`."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def get_json(url):
    status, _, body = request(url)
    assert status == 200, f"GET {url}: HTTP {status}: {body[:200]!r}"
    return json.loads(body)


def run(base, code, timeout=15, python=None):
    """The answer to POST /api/run of `code` (on `python`, else the default),
    parsed and raw; fails unless it is HTTP 200."""
    req = {"code": code} if python is None else {"code": code, "python": python}
    status, _, body = request(base + "/api/run", req, timeout)
    assert status == 200, f"POST /api/run: HTTP {status}: {body[:200]!r}"
    return json.loads(body), body


def ok(text):
    print(f"   ok: {text}", flush=True)


def lesson_and_run(base):
    """The course, its first lesson, and a run of 1+1."""
    lessons = get_json(base + "/api/lessons")["lessons"]
    assert lessons, "no lessons"
    first = get_json(f"{base}/api/lessons/{lessons[0]['id']}")
    assert first["html"] and first["steps"], "the first lesson has no text or steps"
    ok(f"{len(lessons)} lessons; '{first['title']}' has {len(first['steps'])} steps")
    result, _ = run(base, "1+1")
    assert result["status"] == "ok" and result["result"]["repr"] == "2", result
    ok(f"1+1 -> status ok, result 2, python {result['python']} "
       f"({result['time']['wall_ms']} ms)")


def checks(base):
    status, ctype, page = request(base + "/")
    assert status == 200 and ctype.startswith("text/html"), f"GET /: HTTP {status} {ctype}"
    # The bundle's name changes with its content: /dist/app-<8 hex digits>.js.
    m = re.search(rb'src="(/dist/app-[0-9a-f]{8}\.js)"', page)
    assert m and b"<main" in page, "GET / is not the course page"
    name = m.group(1).decode()
    status, ctype, script = request(base + name)
    assert status == 200 and "javascript" in ctype and len(script) > 10000, \
        f"GET {name}: HTTP {status} {ctype}, {len(script)} bytes"
    ok(f"GET / is the course page; {name} is {len(script)} bytes")

    lesson_and_run(base)

    result, raw = run(base, "open('/etc/passwd').read()")
    exc = result.get("exception") or {}
    assert result["status"] == "error", result
    assert exc.get("type") in ("PermissionError", "FileNotFoundError", "OSError"), exc
    assert b"root:" not in raw and b"/bin/" not in raw, "passwd content leaked"
    ok(f"open('/etc/passwd') -> {exc['type']}: {exc.get('message')}")

    health = get_json(base + "/api/health")
    sandbox = health["sandbox"]
    layers = sandbox["layers"]
    for name in REQUIRED:
        assert layers.get(name) == "active", f"required layer {name}: {layers.get(name)}"
    assert sandbox["strict"] and sandbox["required_active"] and health["status"] == "ok", health
    active = [n for n, s in layers.items() if s == "active"]
    missing = [n for n, s in layers.items() if s != "active"]
    ok(f"/api/health: status ok, strict, python {health['python']}, "
       f"landlock ABI {sandbox['landlock_abi']}")
    ok(f"layers active: {', '.join(active)}; unavailable: {', '.join(missing) or 'none'}")


def served(base):
    status, ctype, page = request(base + "/")
    assert status == 200 and ctype.startswith("text/html"), f"GET /: HTTP {status} {ctype}"
    assets = re.findall(rb'(?:src|href)="(/[^"]+\.(?:js|css))"', page)
    assert assets, "GET / names no script or style"
    for path in assets:
        status, _, body = request(base + path.decode())
        assert status == 200 and body, f"GET {path.decode()}: HTTP {status}"
    ok(f"GET / is the course page; its {len(assets)} scripts and styles are served")
    lesson_and_run(base)


def pythons(base, versions):
    """/api/pythons lists `versions` (a comma-separated list), oldest first,
    the newest the default; each answers 1+1 and GETSIZEOF as itself."""
    wanted = versions.split(",")
    listed = get_json(base + "/api/pythons")
    names = [p["version"] for p in listed]
    assert names == wanted, f"GET /api/pythons lists {names}, expected {wanted}"
    default = [p["version"] for p in listed if p["default"]]
    assert default == wanted[-1:], f"the default is {default}, expected {wanted[-1]}"
    ok("/api/pythons: " + ", ".join(f"{p['version']} ({p['full']})" for p in listed)
       + f"; the default: {default[0]}")
    for version in wanted:
        assert version in SIZES, f"no expected getsizeof for Python {version}"
        one, _ = run(base, "1+1", python=version)
        assert one["status"] == "ok" and one["result"]["repr"] == "2", one
        assert one["python"].startswith(version + "."), \
            f"1+1 on {version} answered python {one['python']}"
        size, _ = run(base, GETSIZEOF, python=version)
        assert size["status"] == "ok", size
        assert size["python"].startswith(version + "."), \
            f"getsizeof on {version} answered python {size['python']}"
        assert size["result"]["repr"] == SIZES[version], \
            f"getsizeof on {version}: {size['result']['repr']}, expected {SIZES[version]}"
        ok(f"python {version}: 1+1 -> 2, getsizeof(two-attribute object) -> "
           f"{SIZES[version]}, answered by python {size['python']}")


def slow(base):
    code = ("import time\nt = time.monotonic()\n"
            "while time.monotonic() - t < 1.2:\n    pass\n'finished'")
    result, _ = run(base, code, timeout=30)
    assert result["status"] == "ok" and result["result"]["repr"] == "'finished'", result
    ok(f"the run in flight during SIGTERM finished: status ok "
       f"({result['time']['wall_ms']:.0f} ms)")


def main():
    base, mode = sys.argv[1].rstrip("/"), sys.argv[2]
    try:
        if mode == "up":
            status, _, _ = request(base + "/api/health", timeout=2)
            return 0 if status == 200 else 1
        if mode == "pythons":
            pythons(base, sys.argv[3])
        else:
            {"checks": checks, "served": served, "slow": slow}[mode](base)
    except (AssertionError, OSError, ValueError, KeyError, TypeError, IndexError) as e:
        print(f"   FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
