"""Test support: start a real lessond on a free port and talk HTTP to it.

Used by the integration tests (standard library only, run with Debian's
/usr/bin/python3). The server binary comes from $LESSOND_BIN.
"""

import http.client
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

BIN = os.environ.get("LESSOND_BIN", "build/lessond")
SANITIZER = os.environ.get("SANITIZER", "")
SHIM = os.path.join(os.path.dirname(os.path.abspath(BIN)), "tests", "fault_shim.so")


def shim_env(**faults):
    """The environment of a server whose system calls fail as `faults` say
    (tests/integration/fault_shim.c, preloaded into the server only); skips
    the test when the shim is not built."""
    if not os.path.exists(SHIM):
        raise unittest.SkipTest(f"{SHIM} is not built (make integration builds it)")
    env = dict(os.environ, LD_PRELOAD=SHIM, **faults)
    if SANITIZER == "address":  # ASan wants its runtime first; the shim is plain C
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"),
                                                     "verify_asan_link_order=0"]))
    return env


class Server:
    """A lessond process on 127.0.0.1 and a free port; stopped on exit."""

    def __init__(self, *args, env=None, preexec_fn=None):
        self.args = list(args)
        self.env = env
        self.preexec_fn = preexec_fn
        self.proc = None
        self.port = None
        self.log_path = None

    def __enter__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="lessond-test-")
        port_file = os.path.join(self.dir.name, "port")
        self.log_path = os.path.join(self.dir.name, "server.log")
        env = dict(os.environ if self.env is None else self.env)
        self.log = open(self.log_path, "wb")
        # The class records go to this server's own directory unless the
        # test names one (a test of restarts passes the same one twice).
        data = [] if "--data-dir" in self.args else [
            "--data-dir", os.path.join(self.dir.name, "data")]
        self.proc = subprocess.Popen(
            [BIN, "--port", "0", "--port-file", port_file, *data, *self.args],
            stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            preexec_fn=self.preexec_fn)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    self.port = int(f.read())
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("lessond did not start:\n" + self.read_log())

    def __exit__(self, *exc):
        self.stop()
        self.dir.cleanup()

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Stops the server; returns its exit code."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        return self.proc.returncode if self.proc else None

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def request(self, method, path, body=None, headers=None, timeout=30):
        """Returns (status, headers dict, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def post_json(self, path, obj, **kw):
        """POSTs obj as JSON; returns (status, decoded JSON body)."""
        status, _, body = self.request("POST", path, json.dumps(obj).encode(),
                                       {"Content-Type": "application/json"}, **kw)
        return status, json.loads(body)

    def run(self, code, setup=None, python=None, **kw):
        """POST /api/run (on `python`, "3.13", when given; else the server's
        default); asserts HTTP 200 and returns the run report."""
        body = {"code": code}
        if setup is not None:
            body["setup"] = setup
        if python is not None:
            body["python"] = python
        status, report = self.post_json("/api/run", body, **kw)
        if status != 200:
            raise AssertionError(f"HTTP {status}: {report}")
        return report

    def run_body(self, body, **kw):
        """POST /api/run with a whole body; asserts HTTP 200, returns the report."""
        status, report = self.post_json("/api/run", body, **kw)
        if status != 200:
            raise AssertionError(f"HTTP {status}: {report}")
        return report

    def health(self):
        status, _, body = self.request("GET", "/api/health")
        assert status == 200, status
        return json.loads(body)

    def pythons(self):
        """The versions GET /api/pythons lists, oldest first."""
        status, _, body = self.request("GET", "/api/pythons")
        assert status == 200, status
        return [p["version"] for p in json.loads(body)]
