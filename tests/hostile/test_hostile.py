#!/usr/bin/python3
"""Hostile snippets against a running, confined lessond (see run.sh).

Each case sends learner code that tries to break out of, exhaust or confuse
the sandbox, and asserts two things:

  (a) the snippet was contained: the expected status or exception, and no
      side effect on the host (a file that must not exist, a listener that
      must have received nothing, the canary secret from the server's
      environment appearing nowhere in any response body);
  (b) the server still serves: after every case, `1+1` returns status "ok"
      with result "2", the server process is alive, the zygote is the same
      one (no restart), and the server's process tree stays small.

The server runs with --cpu-seconds 1 --wall-ms 3000 (run.sh), so timeouts
cost 1 s (CPU) or 3 s (wall clock). Every request has a client-side timeout,
so a hang fails the case instead of blocking the suite.

A case marked `known=` documents a bug that is not fixed yet: its failure is
reported as KNOWN and does not fail the suite; if it starts passing, the
suite fails (strict), so the marker gets removed with the fix.

Every run goes to the Python --python names ("3.13"; run.sh runs the suite
once per Python the server serves), and (b) watches that Python's zygote.

Usage: test_hostile.py --url URL --canary VALUE --server-pid PID
       [--python X.Y] [--server-log FILE] [--only SUBSTRING ...] [--list]
Python 3 standard library only; run with /usr/bin/python3.
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import secrets
import socket
import sys
import time
import traceback
import urllib.parse

REQUEST_TIMEOUT = 30.0
STATUSES = {"ok", "error", "timeout", "memory_limit", "output_limit", "crashed"}
CONTRACT_KEYS = {"status", "result", "stdout", "stderr", "truncated", "exception", "objects",
                 "memory", "time", "python", "message"}
OUTPUT_CAP = 65536
MAX_TREE = 12  # server + zygote + pool children (2) + a few exiting ones
SANITIZER = os.environ.get("SANITIZER", "")


class CaseFailure(AssertionError):
    """A hostile case was not contained as expected."""


def check(cond, message):
    if not cond:
        raise CaseFailure(message)


# ---------------------------------------------------------------- client --

class Response:
    """One HTTP answer: status code, raw body, parsed JSON (or None)."""

    def __init__(self, code, raw, elapsed):
        self.code = code
        self.raw = raw
        self.elapsed = elapsed
        try:
            self.data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self.data = None

    @property
    def status(self):
        return self.data.get("status") if isinstance(self.data, dict) else None

    @property
    def exc_type(self):
        exc = self.data.get("exception") if isinstance(self.data, dict) else None
        return exc.get("type") if isinstance(exc, dict) else None

    @property
    def result_repr(self):
        res = self.data.get("result") if isinstance(self.data, dict) else None
        return res.get("repr") if isinstance(res, dict) else None

    def summary(self):
        if not isinstance(self.data, dict):
            return "HTTP %d, body %r" % (self.code, self.raw[:300])
        d = self.data
        exc = d.get("exception") or {}
        return ("HTTP %d status=%s result=%r exception=%s: %r stdout[%d] truncated=%s "
                "message=%r" % (self.code, d.get("status"), (self.result_repr or "")[:120],
                                exc.get("type"), str(exc.get("message"))[:160],
                                len(d.get("stdout") or ""), d.get("truncated"),
                                str(d.get("message"))[:160]))


class Client:
    def __init__(self, url, python=None):
        parts = urllib.parse.urlsplit(url)
        self.host = parts.hostname
        self.port = parts.port
        self.python = python  # the Python runs go to; None: the server's default
        self.bodies = []  # every raw body seen, for the canary check

    def request(self, method, path, body=None, headers=None, timeout=REQUEST_TIMEOUT):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        t0 = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            raw = resp.read()
            code = resp.status
        except (OSError, http.client.HTTPException) as exc:
            raise CaseFailure("%s %s failed after %.1f s: %r (server hung or died?)"
                              % (method, path, time.monotonic() - t0, exc)) from exc
        finally:
            conn.close()
        r = Response(code, raw, time.monotonic() - t0)
        self.bodies.append(raw)
        return r

    def run(self, code, setup=None, timeout=REQUEST_TIMEOUT):
        body = {"code": code}
        if setup is not None:
            body["setup"] = setup
        if self.python:
            body["python"] = self.python
        return self.post_raw(json.dumps(body).encode("utf-8"), timeout=timeout)

    def post_raw(self, raw, timeout=REQUEST_TIMEOUT):
        return self.request("POST", "/api/run", raw, {"Content-Type": "application/json"},
                            timeout)

    def health(self):
        """/api/health, its "pool" that of the Python runs go to."""
        r = self.request("GET", "/api/health")
        check(r.code == 200 and isinstance(r.data, dict), "health: " + r.summary())
        mine = [p for p in r.data.get("pythons", []) if p["version"] == self.python]
        if self.python:
            check(len(mine) == 1, "the server does not serve Python %s" % self.python)
            r.data["pool"] = mine[0]["pool"]
        return r.data


# ------------------------------------------------------------- contract --

def check_contract(r):
    """The body is a well-formed run contract (any status)."""
    check(r.code == 200, "expected HTTP 200 with a run contract, got " + r.summary())
    d = r.data
    check(isinstance(d, dict), "body is not a JSON object: %r" % r.raw[:300])
    missing = CONTRACT_KEYS - set(d)
    check(not missing, "contract keys missing: %s in %s" % (sorted(missing), r.summary()))
    check(d["status"] in STATUSES, "unknown status %r" % d["status"])
    check(isinstance(d["stdout"], str) and isinstance(d["stderr"], str), "stdout/stderr type")
    check(isinstance(d["truncated"], bool), "truncated is not a bool")
    check(d["result"] is None or (isinstance(d["result"], dict)
                                  and isinstance(d["result"].get("repr"), str)
                                  and isinstance(d["result"].get("type"), str)),
          "bad result: %r" % (d["result"],))
    check(d["exception"] is None or (isinstance(d["exception"], dict)
                                     and isinstance(d["exception"].get("type"), str)),
          "bad exception: %r" % (d["exception"],))
    check(isinstance(d["objects"], list), "objects is not a list")
    check(len(d["stdout"].encode("utf-8", "surrogatepass")) <= OUTPUT_CAP * 4
          and len(d["stderr"].encode("utf-8", "surrogatepass")) <= OUTPUT_CAP * 4,
          "stdout/stderr far above the cap")
    check(len(r.raw) < 4 << 20, "response body is %d bytes" % len(r.raw))
    return d


def expect(r, statuses, exc_types=None):
    """Asserts a valid contract whose status is one of `statuses` and, when
    exc_types is given, whose exception type is one of them."""
    if isinstance(statuses, str):
        statuses = (statuses,)
    check_contract(r)
    check(r.status in statuses, "expected status %s, got %s" % ("/".join(statuses),
                                                                 r.summary()))
    if exc_types is not None:
        if isinstance(exc_types, str):
            exc_types = (exc_types,)
        check(r.exc_type in exc_types, "expected exception %s, got %s"
              % ("/".join(exc_types), r.summary()))
    return r.data


def expect_http(r, code):
    check(r.code == code, "expected HTTP %d, got %s" % (code, r.summary()))
    check(isinstance(r.data, dict) and isinstance(r.data.get("error"), str),
          "error body is not {\"error\": ...}: %r" % r.raw[:200])


# ----------------------------------------------------------- host state --

def process_tree(pid):
    """pids of pid and all its descendants (every thread's children)."""
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        seen.append(p)
        try:
            tids = os.listdir("/proc/%d/task" % p)
        except OSError:
            continue
        for tid in tids:
            try:
                with open("/proc/%d/task/%s/children" % (p, tid)) as f:
                    todo.extend(int(c) for c in f.read().split())
            except OSError:
                pass
    return seen


class Host:
    """What the suite watches on the host between cases."""

    def __init__(self, args, client):
        self.client = client
        self.canary = args.canary.encode()
        self.server_pid = args.server_pid
        self.server_log = args.server_log
        self.tag = "lessond-hostile-" + secrets.token_hex(4)
        self.cwd = os.readlink("/proc/%d/cwd" % self.server_pid)
        self.must_not_exist = set()
        self.leaked = set()
        # Listeners on loopback only; a snippet must never reach them.
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.tcp.setblocking(False)
        self.tcp_port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.udp.setblocking(False)
        self.udp_port = self.udp.getsockname()[1]
        self.unix_name = "\0" + self.tag
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind(self.unix_name)
        self.unix.listen(16)
        self.unix.setblocking(False)
        h = client.health()
        self.zygote_pid = h["pool"]["zygote_pid"]
        self.zygote_restarts = h["pool"]["zygote_restarts"]
        self.pool_size = h["pool"]["size"]

    def path(self, kind):
        """A fresh host path under /tmp that a snippet will try to create."""
        p = "/tmp/%s-%s-%s" % (self.tag, kind, secrets.token_hex(3))
        self.must_not_exist.add(p)
        return p

    def cwd_name(self, kind):
        """A fresh relative name; the server's cwd must not gain it."""
        name = "%s-%s" % (self.tag, kind)
        self.must_not_exist.add(os.path.join(self.cwd, name))
        return name

    def check_files(self):
        """Each leaked path fails the case that made it (once) and the suite."""
        made = sorted(p for p in self.must_not_exist
                      if p not in self.leaked and os.path.lexists(p))
        self.leaked.update(made)
        check(not made, "files created on the host: %s" % made)

    def check_listeners(self):
        for name, sock in (("TCP", self.tcp), ("AF_UNIX", self.unix)):
            try:
                conn, addr = sock.accept()
                conn.close()
                raise CaseFailure("the %s listener accepted a connection from %r" % (name, addr))
            except BlockingIOError:
                pass
        try:
            data, addr = self.udp.recvfrom(65536)
            raise CaseFailure("the UDP listener received %r from %r" % (data[:40], addr))
        except BlockingIOError:
            pass

    def check_canary(self):
        bodies = list(self.client.bodies)
        self.client.bodies.clear()
        for raw in bodies:
            at = raw.find(self.canary)
            check(at < 0, "the canary appeared in a response: %r"
                  % raw[max(0, at - 200):at + 80])

    def check_server(self):
        """(b): the server is alive and serves; the zygote was not replaced."""
        check(os.path.exists("/proc/%d" % self.server_pid), "the server process is gone")
        r = self.client.run("1+1")
        check(r.code == 200 and r.status == "ok" and r.result_repr == "2",
              "after the case, 1+1 did not give ok/2: " + r.summary())
        h = self.client.health()
        check(h["pool"]["zygote_pid"] == self.zygote_pid
              and h["pool"]["zygote_restarts"] == self.zygote_restarts,
              "the zygote was replaced: pid %s -> %s, restarts %s -> %s"
              % (self.zygote_pid, h["pool"]["zygote_pid"], self.zygote_restarts,
                 h["pool"]["zygote_restarts"]))
        tree = process_tree(self.server_pid)
        check(len(tree) <= MAX_TREE, "the server's process tree has %d processes: %s"
              % (len(tree), tree))
        # Orphans are re-parented to the init of their PID namespace (the
        # server, or the zygote in its own namespace), so a process that a
        # snippet managed to start always shows up in this tree.

    def after_case(self):
        """Runs every host-side check; raises one CaseFailure naming all that failed."""
        problems = []
        for fn in (self.check_canary, self.check_files, self.check_listeners,
                   self.check_server, self.check_canary):
            try:
                fn()
            except CaseFailure as exc:
                problems.append(str(exc))
        check(not problems, "; ".join(problems))

    def close(self):
        for s in (self.tcp, self.udp, self.unix):
            s.close()


# ------------------------------------------------------------------ cases --

CASES = []


def case(kind, name, known=None):
    """Registers a hostile case. `known`: text of an open bug this case shows."""
    def register(fn):
        CASES.append((kind, name, fn, known))
        return fn
    return register


def lines(*parts):
    return "\n".join(parts)


# --- CPU loops -> timeout (RLIMIT_CPU, 1 s)

@case("cpu", "pure Python loop")
def _(c, h):
    expect(c.run("while True:\n    pass"), "timeout")


@case("cpu", "C-level sum(range(10**12))")
def _(c, h):
    expect(c.run("sum(range(10**12))"), "timeout")


@case("cpu", "re catastrophic backtracking")
def _(c, h):
    expect(c.run("import re\nre.match(r'(a+)+$', 'a' * 40 + 'b')"), "timeout")


@case("cpu", "loop that catches BaseException")
def _(c, h):
    expect(c.run(lines("while True:",
                       "    try:",
                       "        while True: pass",
                       "    except BaseException:",
                       "        pass")), "timeout")


@case("cpu", "loop in setup")
def _(c, h):
    expect(c.run("1", setup="while True:\n    pass"), "timeout")


@case("cpu", "__eq__ loop inside a dict lookup")
def _(c, h):
    expect(c.run(lines("class K:",
                       "    def __hash__(self): return 1",
                       "    def __eq__(self, other):",
                       "        while True: pass",
                       "d = {K(): 1}",
                       "d[K()]")), "timeout")


# --- sleeps and blocked signals -> timeout (wall clock, 3 s, SIGKILL from outside)

@case("sleep", "time.sleep(100)")
def _(c, h):
    r = c.run("import time\ntime.sleep(100)")
    expect(r, "timeout")
    check(r.elapsed < 15, "took %.1f s" % r.elapsed)


@case("sleep", "select() with a long timeout")
def _(c, h):
    expect(c.run("import select\nselect.select([], [], [], 100)"), "timeout")


@case("sleep", "threading.Event().wait(100)")
def _(c, h):
    expect(c.run("import threading\nthreading.Event().wait(100)"), "timeout")


@case("signals", "SIGXCPU/SIGTERM blocked, then a CPU loop")
def _(c, h):
    expect(c.run(lines("import signal",
                       "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGXCPU, signal.SIGTERM})",
                       "while True: pass")), "timeout")


@case("signals", "SIGXCPU ignored, then a CPU loop")
def _(c, h):
    expect(c.run(lines("import signal",
                       "signal.signal(signal.SIGXCPU, signal.SIG_IGN)",
                       "signal.signal(signal.SIGTERM, signal.SIG_IGN)",
                       "while True: pass")), "timeout")


@case("signals", "every signal blocked, then sleep")
def _(c, h):
    expect(c.run(lines("import signal, time",
                       "signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())",
                       "time.sleep(100)")), "timeout")


# --- memory bombs -> memory_limit (RLIMIT_AS), never a server crash

def expect_memory(r):
    # ASan builds cannot apply RLIMIT_AS; the runner caps Python's allocators
    # there instead, so the same answer is expected in every build.
    d = check_contract(r)
    ok = d["status"] == "memory_limit" or (d["status"] == "error"
                                           and r.exc_type == "MemoryError")
    check(ok, "expected memory_limit (or error MemoryError), got " + r.summary())


@case("memory", "list growth of 1 MB strings")
def _(c, h):
    expect_memory(c.run("x = []\nwhile True:\n    x.append(' ' * 10**6)"))


@case("memory", "bytearray(10**10)")
def _(c, h):
    expect_memory(c.run("bytearray(10**10)"))


@case("memory", "' ' * 10**10")
def _(c, h):
    expect_memory(c.run("' ' * 10**10"))


@case("memory", "[0] * 10**10")
def _(c, h):
    expect_memory(c.run("[0] * 10**10"))


@case("memory", "bomb in setup")
def _(c, h):
    r = c.run("1", setup="x = bytearray(10**10)")
    expect_memory(r)


@case("memory", "anonymous mmap of 10 GB")
def _(c, h):
    r = c.run("import mmap\nm = mmap.mmap(-1, 10**10)")
    if SANITIZER == "address":
        # No RLIMIT_AS under ASan and mmap bypasses the allocator cap: the
        # mapping succeeds (untouched pages cost nothing; CPU and wall limits
        # bound any touching).
        check_contract(r)
        print("      note (ASan, no RLIMIT_AS): " + r.summary())
        return
    expect(r, ("error", "memory_limit"), ("OSError", "MemoryError"))


# --- fork bombs -> contained, no new processes

@case("fork", "os.fork()")
def _(c, h):
    expect(c.run("import os\nos.fork()"), "error", ("PermissionError", "OSError"))


@case("fork", "fork loop counting successes")
def _(c, h):
    r = c.run(lines("import os",
                    "made = 0",
                    "for _ in range(200):",
                    "    try:",
                    "        if os.fork() == 0:",
                    "            while True: pass",
                    "        made += 1",
                    "    except OSError:",
                    "        pass",
                    "made"))
    expect(r, "ok")
    check(r.result_repr == "0", "fork succeeded %s times" % r.result_repr)


@case("fork", "os.forkpty()")
def _(c, h):
    expect(c.run("import os\nos.forkpty()"), "error", ("PermissionError", "OSError"))


@case("fork", "multiprocessing.Process.start()")
def _(c, h):
    expect(c.run(lines("import multiprocessing",
                       "p = multiprocessing.Process(target=print)",
                       "p.start()")), "error")


@case("fork", "clone3 and fork syscalls through ctypes")
def _(c, h):
    r = c.run(lines("import ctypes",
                    "libc = ctypes.CDLL(None, use_errno=True)",
                    "[libc.syscall(57), libc.syscall(435, 0, 0), libc.syscall(56, 17, 0, 0, 0, 0)]"))
    expect(r, ("ok", "crashed"))
    if r.status == "ok":
        check(r.result_repr == "[-1, -1, -1]", "a raw fork/clone returned " + r.result_repr)


# --- exec -> contained, and the command had no effect

@case("exec", "os.system")
def _(c, h):
    p = h.path("system")
    r = c.run("import os\nos.system('touch %s')" % p)
    d = check_contract(r)
    check(d["status"] in ("ok", "error"), "unexpected " + r.summary())
    if d["status"] == "ok":
        check(r.result_repr != "0", "os.system reported success")


@case("exec", "subprocess.run")
def _(c, h):
    p = h.path("subprocess")
    expect(c.run("import subprocess\nsubprocess.run(['touch', '%s'])" % p), "error")


@case("exec", "os.posix_spawn")
def _(c, h):
    p = h.path("spawn")
    expect(c.run("import os\nos.posix_spawn('/usr/bin/touch', ['touch', '%s'], {})" % p),
           "error")


@case("exec", "os.execv")
def _(c, h):
    p = h.path("execv")
    expect(c.run("import os\nos.execv('/bin/sh', ['sh', '-c', 'touch %s'])" % p), "error")


@case("exec", "os.popen")
def _(c, h):
    p = h.path("popen")
    r = c.run("import os\nos.popen('touch %s').read()" % p)
    check_contract(r)
    check(r.status in ("error", "ok"), "unexpected " + r.summary())


# --- reading the host -> PermissionError, canary never appears

@case("read", "open('/etc/passwd')")
def _(c, h):
    expect(c.run("open('/etc/passwd').read()"), "error", "PermissionError")


@case("read", "/proc/self/environ")
def _(c, h):
    expect(c.run("open('/proc/self/environ', 'rb').read()"), "error", "PermissionError")


@case("read", "/proc/1/environ (the server, in this mount's /proc)")
def _(c, h):
    expect(c.run("open('/proc/1/environ', 'rb').read()"), "error", "PermissionError")


@case("read", "/proc/<ppid>/environ")
def _(c, h):
    expect(c.run("import os\nopen('/proc/%d/environ' % os.getppid(), 'rb').read()"),
           "error", "PermissionError")


@case("read", "/proc/1/mem and /proc/1/cwd")
def _(c, h):
    expect(c.run("open('/proc/1/mem', 'rb').read(16)"), "error", "PermissionError")
    expect(c.run("import os\nos.readlink('/proc/1/cwd')"), "error", "PermissionError")


@case("read", "os.listdir('/')")
def _(c, h):
    expect(c.run("import os\nos.listdir('/')"), "error", "PermissionError")


@case("read", "/root")
def _(c, h):
    expect(c.run("import os\nos.listdir('/root')"), "error", "PermissionError")


@case("read", "a file in the server's working directory")
def _(c, h):
    expect(c.run("import os\n[open(n).read() for n in ('Makefile', 'server/main.c')]"),
           "error", ("PermissionError", "FileNotFoundError"))


@case("read", "in setup: /etc/passwd")
def _(c, h):
    r = c.run("1", setup="open('/etc/passwd').read()")
    expect(r, "error", "PermissionError")
    check(r.data["exception"].get("in_setup") is True, "in_setup not set")


# --- writing the host -> error, and the file does not exist afterwards

@case("write", "open('/tmp/x-<random>', 'w')")
def _(c, h):
    p = h.path("tmpfile")
    expect(c.run("open('%s', 'w').write('pwned')" % p), "error", "PermissionError")


@case("write", "a file in the working directory")
def _(c, h):
    n = h.cwd_name("cwdfile")
    expect(c.run("open('%s', 'w').write('pwned')" % n), "error", "PermissionError")


@case("write", "os.mkdir")
def _(c, h):
    p = h.path("dir")
    expect(c.run("import os\nos.mkdir('%s')" % p), "error", "PermissionError")


@case("write", "os.symlink and os.link")
def _(c, h):
    p, q = h.path("symlink"), h.path("hardlink")
    expect(c.run("import os\nos.symlink('/etc/passwd', '%s')" % p), "error", "PermissionError")
    expect(c.run("import os\nos.link(os.__file__, '%s')" % q), "error", "PermissionError")


@case("write", "os.open with O_CREAT on /dev/shm")
def _(c, h):
    p = "/dev/shm/%s-shm" % h.tag
    h.must_not_exist.add(p)
    expect(c.run("import os\nos.open('%s', os.O_CREAT | os.O_WRONLY)" % p), "error",
           "PermissionError")


# --- environment -> the canary is absent

@case("env", "os.environ")
def _(c, h):
    r = c.run("import os\ndict(os.environ)")
    expect(r, "ok")
    check("LESSOND" not in r.result_repr, "server variables visible: " + r.result_repr[:300])


@case("env", "os.getenv of the canary variable")
def _(c, h):
    r = c.run("import os\nos.getenv('LESSOND_TEST_CANARY')")
    expect(r, "ok")
    check(r.result_repr == "None", "getenv gave " + r.result_repr)


@case("env", "libc environ through ctypes")
def _(c, h):
    r = c.run(lines("import ctypes",
                    "env = ctypes.POINTER(ctypes.c_char_p).in_dll(ctypes.CDLL(None), 'environ')",
                    "out, i = [], 0",
                    "while env[i]:",
                    "    out.append(env[i]); i += 1",
                    "print(out)"))
    expect(r, "ok")
    check("LESSOND" not in r.data["stdout"], "environ: " + r.data["stdout"][:300])


# --- sockets -> error, and the loopback listeners received nothing

@case("net", "TCP connect to a 127.0.0.1 listener")
def _(c, h):
    expect(c.run("import socket\nsocket.create_connection(('127.0.0.1', %d), timeout=2)"
                 % h.tcp_port), "error", ("PermissionError", "OSError"))


@case("net", "UDP sendto 127.0.0.1")
def _(c, h):
    expect(c.run(lines("import socket",
                       "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                       "s.sendto(b'pwned', ('127.0.0.1', %d))" % h.udp_port)),
           "error", ("PermissionError", "OSError"))


@case("net", "AF_UNIX abstract socket connect")
def _(c, h):
    expect(c.run(lines("import socket",
                       "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
                       "s.connect(%r)" % h.unix_name)), "error", ("PermissionError", "OSError"))


@case("net", "TCP listen in the snippet")
def _(c, h):
    expect(c.run(lines("import socket",
                       "s = socket.socket()",
                       "s.bind(('127.0.0.1', 0))",
                       "s.listen()")), "error", ("PermissionError", "OSError"))


@case("net", "raw socket syscall through ctypes")
def _(c, h):
    r = c.run("import ctypes\nctypes.CDLL(None).socket(2, 1, 0)")
    expect(r, ("ok", "crashed"))
    if r.status == "ok":
        check(r.result_repr == "-1", "socket() returned " + r.result_repr)


# --- ctypes -> crashed for bad memory, contained for libc calls

@case("ctypes", "ctypes.string_at(0)")
def _(c, h):
    expect(c.run("import ctypes\nctypes.string_at(0)"), "crashed")


@case("ctypes", "libc kill(parent) and kill(-1)")
def _(c, h):
    r = c.run(lines("import ctypes, os",
                    "libc = ctypes.CDLL(None)",
                    "[libc.kill(os.getppid(), 9), libc.kill(-1, 9), libc.kill(1, 9)]"))
    expect(r, ("ok", "crashed"))
    if r.status == "ok":
        check(r.result_repr == "[-1, -1, -1]", "kill returned " + r.result_repr)


@case("ctypes", "libc fork()")
def _(c, h):
    r = c.run("import ctypes\nctypes.CDLL(None).fork()")
    expect(r, ("ok", "crashed"))
    if r.status == "ok":
        check(r.result_repr == "-1", "fork returned " + r.result_repr)


@case("ctypes", "x32 syscall number (getpid | 0x40000000)")
def _(c, h):
    r = c.run("import ctypes\nctypes.CDLL(None).syscall(0x40000000 + 39)")
    expect(r, ("crashed", "ok"))
    if r.status == "ok":
        check(r.result_repr == "-1", "an x32 syscall ran: returned " + r.result_repr)


@case("ctypes", "i386 int 0x80 from executable memory")
def _(c, h):
    r = c.run(lines("import ctypes, mmap",
                    "code = bytes([0xb8, 20, 0, 0, 0, 0xcd, 0x80, 0xc3])  # getpid; ret",
                    "m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE"
                    " | mmap.PROT_EXEC)",
                    "m.write(code)",
                    "f = ctypes.CFUNCTYPE(ctypes.c_int)(ctypes.addressof("
                    "ctypes.c_char.from_buffer(m)))",
                    "f()"))
    d = check_contract(r)
    # EPERM from mmap(PROT_EXEC) is fine too; a pid coming back is not.
    check(d["status"] in ("crashed", "error"), "i386 syscall ran: " + r.summary())


# --- recursion

@case("recursion", "def f(): f()")
def _(c, h):
    expect(c.run("def f(): f()\nf()"), "error", "RecursionError")


@case("recursion", "sys.setrecursionlimit(10**6) and deep recursion")
def _(c, h):
    # Python-to-Python calls do not use the C stack in 3.11: the frames fill
    # the heap and formatting a 10**6-deep traceback takes CPU time, so the
    # CPU limit, RLIMIT_AS or a crash may end it first. Never a hang.
    r = c.run("import sys\nsys.setrecursionlimit(10**6)\ndef f(): f()\nf()")
    expect(r, ("crashed", "error", "memory_limit", "timeout"))
    check(r.elapsed < 10, "took %.1f s" % r.elapsed)


@case("recursion", "C-level recursion with the limit raised (json, repr)")
def _(c, h):
    for code in ("json.loads('[' * 300000 + ']' * 300000)",
                 "l = []\nfor _ in range(300000):\n    l = [l]\nrepr(l)"):
        r = c.run("import json, sys\nsys.setrecursionlimit(10**7)\n" + code)
        expect(r, ("crashed", "error", "memory_limit", "timeout"))
        check(r.elapsed < 10, "took %.1f s" % r.elapsed)


@case("recursion", "deeply nested source (compiler recursion)")
def _(c, h):
    expect(c.run("(" * 5000 + ")" * 5000), ("error", "crashed", "memory_limit"))


# --- output floods -> output_limit, truncated, capped at 64 KiB

def expect_flood(r, stream):
    d = expect(r, "output_limit")
    check(d["truncated"] is True, "truncated is not true")
    n = len(d[stream].encode("utf-8"))
    check(60000 <= n <= OUTPUT_CAP, "%s is %d bytes, expected about 64 KiB" % (stream, n))


@case("output", "print in a loop")
def _(c, h):
    expect_flood(c.run("i = 0\nwhile True:\n    print(i)\n    i += 1"), "stdout")


@case("output", "os.write(1, b'x' * 10**7)")
def _(c, h):
    expect_flood(c.run("import os\nos.write(1, b'x' * 10**7)"), "stdout")


@case("output", "stderr flood")
def _(c, h):
    expect_flood(c.run("import sys\nsys.stderr.write('e' * 10**7)"), "stderr")


@case("output", "ftruncate(1, 10**9)")
def _(c, h):
    r = c.run("import os\nos.ftruncate(1, 10**9)")
    d = expect(r, ("output_limit", "error"))
    check(len(d["stdout"]) <= OUTPUT_CAP, "stdout %d" % len(d["stdout"]))


@case("output", "garbage and a fake frame on the result pipe (fd 3)")
def _(c, h):
    r = c.run("import os\nos.write(3, b'\\xff\\xff\\xff\\x7f' + b'x' * 100)")
    check_contract(r)
    r = c.run("import os\nos.dup2(1, 3)\nprint('not a report')")
    check_contract(r)
    r = c.run("import os\nos.write(3, (7).to_bytes(4, 'little') + b'{\"stat')\nos._exit(0)")
    check_contract(r)
    check(r.status != "ok", "a truncated frame was accepted: " + r.summary())


@case("output", "invalid UTF-8 on stdout")
def _(c, h):
    r = c.run("import os\nos.write(1, b'\\xff\\xfe\\xed ok')")
    d = expect(r, "ok")
    check(d["stdout"].endswith(" ok"), "stdout %r" % d["stdout"])


# --- signals at the parent, the zygote and everyone -> contained, both survive

@case("kill", "os.kill(os.getppid(), 9)")
def _(c, h):
    expect(c.run("import os\nos.kill(os.getppid(), 9)"), "error", ("PermissionError",
                                                                   "ProcessLookupError"))


@case("kill", "os.kill(-1, 9)")
def _(c, h):
    expect(c.run("import os\nos.kill(-1, 9)"), "error", ("PermissionError", "ProcessLookupError"))


@case("kill", "os.kill(1, 9)")
def _(c, h):
    expect(c.run("import os\nos.kill(1, 9)"), "error", ("PermissionError", "ProcessLookupError"))


@case("kill", "os.killpg(0, 9) and os.kill(0, 9)")
def _(c, h):
    expect(c.run("import os\nos.killpg(0, 9)"), "error", ("PermissionError", "ProcessLookupError"))
    expect(c.run("import os\nos.kill(0, 9)"), "error", ("PermissionError", "ProcessLookupError"))


@case("kill", "signal.raise_signal(SIGKILL/SIGTERM)")
def _(c, h):
    for sig in ("SIGKILL", "SIGTERM"):
        r = c.run("import signal\nsignal.raise_signal(signal.%s)" % sig)
        expect(r, ("error", "crashed"))


@case("kill", "SIGIO with F_SETSIG=SIGKILL aimed at the zygote")
def _(c, h):
    r = c.run(lines("import fcntl, os, signal",
                    "fcntl.fcntl(3, fcntl.F_SETOWN, os.getppid())",
                    "fcntl.fcntl(3, fcntl.F_SETSIG, signal.SIGKILL)",
                    "fcntl.fcntl(3, fcntl.F_SETFL, fcntl.fcntl(3, fcntl.F_GETFL) | os.O_ASYNC)",
                    "'armed'"))
    check_contract(r)
    time.sleep(0.3)  # the signal would come when the server reads the result


@case("kill", "SIGIO with F_SETSIG=SIGKILL aimed at sibling children")
def _(c, h):
    before = h.client.health()["pool"]["runs"]
    r = c.run(lines("import fcntl, os, signal",
                    "for p in range(os.getpid() + 1, os.getpid() + 4):",
                    "    try:",
                    "        fcntl.fcntl(3, fcntl.F_SETOWN, p)",
                    "    except OSError:",
                    "        continue",
                    "fcntl.fcntl(3, fcntl.F_SETSIG, signal.SIGKILL)",
                    "fcntl.fcntl(3, fcntl.F_SETFL, fcntl.fcntl(3, fcntl.F_GETFL) | os.O_ASYNC)",
                    "'armed'"))
    check_contract(r)
    time.sleep(0.3)
    # The waiting children must still run learner code.
    for _ in range(3):
        expect(c.run("2+2"), "ok")
    check(h.client.health()["pool"]["runs"] >= before + 4, "runs did not advance")


# --- escapes to os through the object graph -> still contained

ESCAPE = "[k for k in ().__class__.__base__.__subclasses__() if k.__name__ == '%s'][0]"


@case("escape", "_wrap_close globals -> system()")
def _(c, h):
    p = h.path("escape-system")
    r = c.run((ESCAPE % "_wrap_close") + ".__init__.__globals__['system']('touch %s')" % p)
    d = check_contract(r)
    check(d["status"] in ("ok", "error"), "unexpected " + r.summary())
    if d["status"] == "ok":
        check(r.result_repr != "0", "system() reported success")


@case("escape", "_wrap_close globals -> fork() and open()")
def _(c, h):
    g = (ESCAPE % "_wrap_close") + ".__init__.__globals__"
    expect(c.run(g + "['fork']()"), "error", ("PermissionError", "OSError"))
    expect(c.run(g + "['open']('/etc/shadow', 0)"), "error", "PermissionError")


@case("escape", "BuiltinImporter.load_module('posix')")
def _(c, h):
    p = h.path("escape-posix")
    imp = ESCAPE % "BuiltinImporter"
    expect(c.run(imp + ".load_module('posix').mkdir('%s')" % p), "error", "PermissionError")
    expect(c.run(imp + ".load_module('posix').kill(1, 9)"), "error",
           ("PermissionError", "ProcessLookupError"))


@case("escape", "the runner module from sys.modules")
def _(c, h):
    r = c.run(lines("import sys",
                    "r = sys.modules.get('lessond_runner')",
                    "r.os.system('id') if r else None"))
    check_contract(r)
    check(r.status in ("ok", "error"), r.summary())


# --- fd exhaustion -> error

@case("fds", "memfd_create in a loop")
def _(c, h):
    expect(c.run("import os\nfds = []\nwhile True:\n    fds.append(os.memfd_create('x'))"),
           "error", ("PermissionError", "OSError"))


@case("fds", "os.pipe in a loop")
def _(c, h):
    expect(c.run("import os\nfds = []\nwhile True:\n    fds.extend(os.pipe())"),
           "error", ("PermissionError", "OSError"))


@case("fds", "os.dup(1) in a loop")
def _(c, h):
    r = c.run("import os\nfds = []\nwhile True:\n    fds.append(os.dup(1))")
    expect(r, "error", "OSError")
    check("Too many open files" in r.data["exception"]["message"], r.summary())


@case("fds", "open() a stdlib file in a loop")
def _(c, h):
    expect(c.run("import os\nfs = []\nwhile True:\n    fs.append(open(os.__file__))"),
           "error", "OSError")


# --- hostile HTTP bodies -> 4xx, the server stays up

@case("http", "NUL byte in code (JSON \\u0000)")
def _(c, h):
    expect_http(c.post_raw(b'{"code": "1\\u0000+1"}'), 400)


@case("http", "NUL byte in setup")
def _(c, h):
    expect_http(c.post_raw(b'{"code": "1", "setup": "x = 1\\u0000"}'), 400)


@case("http", "code over 64 KiB")
def _(c, h):
    expect_http(c.run("1\n" * 40000), 413)


@case("http", "1 MB body")
def _(c, h):
    r = c.post_raw(json.dumps({"code": "#" * (1 << 20)}).encode())
    check(r.code == 413, "expected 413, got " + r.summary())


@case("http", "invalid JSON, invalid UTF-8, wrong types")
def _(c, h):
    expect_http(c.post_raw(b'{"code": '), 400)
    expect_http(c.post_raw(b'{"code": "\xff\xfe"}'), 400)
    expect_http(c.post_raw(b'{"code": 12}'), 400)
    expect_http(c.post_raw(b'["code"]'), 400)
    expect_http(c.post_raw(b'{"code": "1", "code": "2"}'), 400)


# --- hostile objects in the result and at top level -> valid JSON, sane status

@case("objects", "__repr__ raises")
def _(c, h):
    r = c.run("class A:\n    def __repr__(self): raise ValueError('no')\nA()")
    expect(r, "ok")


@case("objects", "__repr__ returns a non-str")
def _(c, h):
    r = c.run("class A:\n    def __repr__(self): return 42\nA()")
    expect(r, "ok")
    check(isinstance(r.result_repr, str), "repr is not a string")


@case("objects", "__repr__ returns 10 MB")
def _(c, h):
    r = c.run("class A:\n    def __repr__(self): return 'x' * 10**7\na = A()\na")
    expect(r, "ok")
    check(len(r.result_repr) <= 20000, "repr of %d chars" % len(r.result_repr))
    check(len(r.raw) < 1 << 20, "response of %d bytes" % len(r.raw))


@case("objects", "__repr__ loops forever")
def _(c, h):
    expect(c.run("class A:\n    def __repr__(self):\n        while True: pass\nA()"), "timeout")


@case("objects", "__repr__ raises SystemExit / prints 1 MB")
def _(c, h):
    expect(c.run("class A:\n    def __repr__(self): raise SystemExit(3)\nA()"), "ok")
    r = c.run("class A:\n    def __repr__(self):\n        print('x' * 10**6)\n        return 'A'\n"
              "A()")
    expect(r, ("ok", "output_limit"))


@case("objects", "__dict__ property that raises, and one that loops")
def _(c, h):
    expect(c.run("class A:\n    @property\n    def __dict__(self): raise RuntimeError('d')\n"
                 "a = A()\na"), "ok")
    expect(c.run("class A:\n    @property\n    def __dict__(self):\n        while True: pass\n"
                 "a = A()"), "timeout")


@case("objects", "__getattribute__ that loops")
def _(c, h):
    expect(c.run("class A:\n    def __getattribute__(self, n):\n        while True: pass\n"
                 "a = A()\na"), "timeout")



@case("objects", "__getattribute__ that raises (result): sane status")
def _(c, h):
    check_contract(c.run("class A:\n    def __getattribute__(self, n): raise RuntimeError(n)\n"
                         "a = A()\na"))


@case("objects", "__getattribute__ that raises (result): status ok")
def _(c, h):
    r = c.run("class A:\n    def __getattribute__(self, n): raise RuntimeError(n)\nprint('hi')\n"
              "A()")
    expect(r, "ok")
    check(r.data["stdout"] == "hi\n", "stdout lost: " + r.summary())


@case("objects", "__class__ property that raises (top-level instance): status ok")
def _(c, h):
    r = c.run("class A:\n    @property\n    def __class__(self): raise RuntimeError('c')\n"
              "a = A()")
    expect(r, "ok")


@case("objects", "huge attribute names, slot names and exception type names")
def _(c, h):
    for code in ("class A: pass\na = A()\nsetattr(a, 'n' * 10**7, 1)",
                 "class A:\n    __slots__ = ('s' * 10**6,)\nobjs = [A() for _ in range(30)]\n"
                 + "\n".join("o%d = A()" % i for i in range(30)),
                 "raise type('E' * 10**7, (Exception,), {})()",
                 "class A: pass\na = A()\nfor i in range(1000):\n    setattr(a, 'x%d' % i, 'y' * 10**5)"):
        r = c.run(code)
        check_contract(r)


@case("objects", "hostile exception: __str__ raises, 10 MB message")
def _(c, h):
    expect(c.run("class E(Exception):\n    def __str__(self): raise ValueError\nraise E()"),
           "error")
    r = c.run("raise Exception('x' * 10**7)")
    expect(r, "error", "Exception")
    check(len(r.data["exception"]["message"]) <= 10000, "message not capped")


@case("objects", "lone surrogates in output, result and names")
def _(c, h):
    r = c.run("print('\\ud800')\nclass E(Exception): pass\nE.__qualname__ = '\\udfff'\n'\\udc80'")
    expect(r, "ok")


# --- threads and resource limits -> contained

@case("threads", "threading.Thread(...).start()")
def _(c, h):
    expect(c.run("import threading\nthreading.Thread(target=print).start()"), "error",
           "RuntimeError")


@case("threads", "_thread.start_new_thread")
def _(c, h):
    expect(c.run("import _thread\n_thread.start_new_thread(print, ())"), "error",
           "RuntimeError")


@case("rlimit", "resource.setrlimit raising CPU and AS")
def _(c, h):
    names = ["RLIMIT_CPU", "RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_FSIZE"]
    if SANITIZER == "address":
        names.remove("RLIMIT_AS")  # not set under ASan (already unlimited)
    for res in names:
        r = c.run("import resource\nresource.setrlimit(resource.%s, "
                  "(resource.RLIM_INFINITY, resource.RLIM_INFINITY))" % res)
        expect(r, "error", ("ValueError", "PermissionError", "OSError"))


@case("rlimit", "raise CPU limit, then loop")
def _(c, h):
    r = c.run(lines("import resource",
                    "try:",
                    "    resource.setrlimit(resource.RLIMIT_CPU, (100, 100))",
                    "except Exception:",
                    "    pass",
                    "while True: pass"))
    expect(r, "timeout")
    check(r.elapsed < 5, "took %.1f s" % r.elapsed)


@case("rlimit", "prlimit on another process")
def _(c, h):
    expect(c.run("import resource\nresource.prlimit(1, resource.RLIMIT_CPU, (100, 100))"),
           "error", ("PermissionError", "ProcessLookupError", "ValueError"))


# --- process exits -> crashed, not a server problem

@case("exit", "os._exit, sys.exit, os.abort, close(1)")
def _(c, h):
    expect(c.run("import os\nos._exit(0)"), "crashed")
    expect(c.run("import sys\nsys.exit(5)"), "error", "SystemExit")
    expect(c.run("import os\nos.abort()"), "crashed")
    check_contract(c.run("import os\nos.close(1)\nprint('x')"))


# --- a burst of hostile runs at once -> all answered, then the server serves

@case("burst", "8 concurrent CPU loops plus a trivial run")
def _(c, h):
    def one(code):
        return c.run(code, timeout=60)
    codes = ["while True: pass"] * 8 + ["1+1"]
    with concurrent.futures.ThreadPoolExecutor(len(codes)) as pool:
        results = list(pool.map(one, codes))
    for r in results[:-1]:
        if r.code == 503:
            continue  # a full queue is an allowed answer under load
        expect(r, "timeout")
    check(results[-1].code == 503 or results[-1].result_repr == "2", results[-1].summary())


# ------------------------------------------------------------------ runner --

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--canary", required=True)
    ap.add_argument("--server-pid", type=int, required=True)
    ap.add_argument("--server-log")
    ap.add_argument("--python", help="the Python every run asks for (default: the server's)")
    ap.add_argument("--only", action="append", default=[],
                    help="run only cases whose 'kind/name' contains this (repeatable)")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()

    selected = [cs for cs in CASES
                if not args.only or any(o in "%s/%s" % (cs[0], cs[1]) for o in args.only)]
    if args.list:
        for kind, name, _fn, known in selected:
            print("%-10s %s%s" % (kind, name, "  [known bug]" if known else ""))
        return 0

    client = Client(args.url, args.python)
    host = Host(args, client)
    kinds = sorted({cs[0] for cs in selected})
    print("hostile: %d cases over %d kinds against %s, Python %s (server pid %d, zygote %s, "
          "cwd %s)%s"
          % (len(selected), len(kinds), args.url, args.python or "default", args.server_pid,
             host.zygote_pid, host.cwd,
             " [SANITIZER=%s]" % SANITIZER if SANITIZER else ""))
    failures, known_hits, fixed = [], [], []
    t_suite = time.monotonic()
    try:
        host.after_case()  # the starting state must be clean
    except CaseFailure as exc:
        print("FAIL  precondition: %s" % exc)
        return 1
    for kind, name, fn, known in selected:
        label = "%s/%s" % (kind, name)
        t0 = time.monotonic()
        error = None
        try:
            fn(client, host)
        except CaseFailure as exc:
            error = "contained? %s" % exc
        except Exception:  # noqa: BLE001 - a bug in a case must still be reported
            error = "case raised:\n" + traceback.format_exc()
        try:
            host.after_case()
        except CaseFailure as exc:
            # The server-side checks are never excused by `known`.
            error = (error + "; " if error else "") + "after the case: %s" % exc
            known = None
        dt = time.monotonic() - t0
        if error and known:
            known_hits.append((label, error))
            print("KNOWN %-62s %5.2f s\n      %s\n      bug: %s" % (label, dt, error, known))
        elif error:
            failures.append((label, error))
            print("FAIL  %-62s %5.2f s\n      %s" % (label, dt, error))
        elif known:
            fixed.append(label)
            print("FIXED %-62s %5.2f s  (passes now: remove its known= marker)" % (label, dt))
        else:
            print("PASS  %-62s %5.2f s" % (label, dt))
        sys.stdout.flush()

    if args.server_log and os.path.exists(args.server_log):
        with open(args.server_log, "rb") as f:
            if host.canary in f.read():
                failures.append(("server log", "the canary appeared in the server log"))
    try:
        host.check_files()
    except CaseFailure as exc:
        failures.append(("host files", str(exc)))
    if host.leaked:
        failures.append(("host files", "created during the suite: %s" % sorted(host.leaked)))
    host.close()
    total = time.monotonic() - t_suite
    print("hostile: %d passed, %d failed, %d known bugs, %d unexpectedly passing; "
          "%d cases, %d kinds, %.1f s"
          % (len(selected) - len(failures) - len(known_hits) - len(fixed), len(failures),
             len(known_hits), len(fixed), len(selected), len(kinds), total))
    for label, error in failures:
        print("  FAILED %s: %s" % (label, error.splitlines()[0]))
    return 1 if failures or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
