"""Test support for the class records (issue 12): a lessond with a data
directory and a teacher token of its own, a teacher and learners that talk
to it over HTTP, and readers of what it answers (the class view, the CSV
export, /metrics).

Used by test_classes.py and test_class_data.py (standard library only,
Debian's /usr/bin/python3). A helper returns what the server said; those
named `..._ok`, and a learner's run() and check(), raise AssertionError
unless the answer is the success they expect.
"""

import csv
import io
import json
import os
import re
import sqlite3
import tempfile

from lessond import Server

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "lessons")  # the lesson "points" (tests/integration/lessons)
TOKEN = "teacher-token-for-the-tests-0123456789"  # 16..128 printable characters
ALPHABET = "23456789CDFHJKMNPRTWXY"
DB_NAME = "lessond.db"
# The fixture lesson's steps, in order: an example, two predictions, a goal
# and an experiment.
EXAMPLE = ('class Point:\n    __slots__ = ("x", "y")\n    def __init__(self, x, y):\n'
           '        self.x = x\n        self.y = y\norigin = Point(0, 0)\n')
PIXEL = ("class Pixel:\n    def __init__(self, x, y):\n        self.x = x\n"
         "        self.y = y\n")


def write_token(path, token=TOKEN):
    """Writes a teacher token file at mode 0600 (its directory made 0700)."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")


class ClassServer(Server):
    """A Server whose class records live in data_dir (a new temporary one,
    removed on exit, unless given) and whose teacher token is TOKEN, in a
    file beside it; it serves the fixture lessons unless args name others.
    Starting two of them on one data_dir one after the other is a restart."""

    def __init__(self, *args, data_dir=None, token=TOKEN, **kw):
        self.own_dir = None
        if data_dir is None:
            self.own_dir = tempfile.TemporaryDirectory(prefix="lessond-class-")
            data_dir = os.path.join(self.own_dir.name, "data")
        self.data_dir = data_dir
        self.token_file = os.path.join(os.path.dirname(os.path.abspath(data_dir)),
                                       "teacher-token")
        if token is not None:
            write_token(self.token_file, token)
        lessons = [] if "--lessons-dir" in args else ["--lessons-dir", FIXTURES]
        super().__init__("--data-dir", data_dir, "--teacher-token-file", self.token_file,
                         *lessons, *args, **kw)

    def __exit__(self, *exc):
        super().__exit__(*exc)
        if self.own_dir is not None:
            self.own_dir.cleanup()

    @property
    def db_path(self):
        return os.path.join(self.data_dir, DB_NAME)

    # -- the teacher ---------------------------------------------------------

    def teacher(self, method, path, body=None, headers=None, token=TOKEN):
        """A teacher request with `Authorization: Bearer token` (None: no
        credential). body: an object sent as JSON, or bytes as they are.
        Returns (status, headers, body bytes)."""
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = "Bearer " + token
        return self.request(method, path, *encode(body, h))

    def teacher_json(self, method, path, body=None, **kw):
        """As teacher(); returns (status, decoded JSON body)."""
        status, _, raw = self.teacher(method, path, body, **kw)
        return status, json.loads(raw)

    def create_class_ok(self, name="Year 9"):
        """POST /api/classes; asserts 201 and returns the class."""
        status, c = self.teacher_json("POST", "/api/classes", {"name": name})
        if status != 201:
            raise AssertionError("POST /api/classes %r: HTTP %d %s" % (name, status, c))
        return c

    def view_ok(self, code, with_code=False):
        """GET /api/classes/{code} (with_code: ?code=all, every step's latest
        code in it); asserts 200 and returns the class view."""
        path = "/api/classes/" + code + ("?code=all" if with_code else "")
        status, v = self.teacher_json("GET", path)
        if status != 200:
            raise AssertionError("GET %s: HTTP %d %s" % (path, status, v))
        return v

    def code_path(self, code, learner, step, lesson="points"):
        """The path of one learner's latest code for one step."""
        return "/api/classes/%s/code?learner=%s&lesson=%s&step=%s" % (code, learner, lesson, step)

    def code_ok(self, code, learner, step, lesson="points"):
        """GET one learner's latest code for one step; asserts 200 and
        returns {"code", "at"}."""
        path = self.code_path(code, learner, step, lesson)
        status, body = self.teacher_json("GET", path)
        if status != 200:
            raise AssertionError("GET %s: HTTP %d %s" % (path, status, body))
        return body

    def export_ok(self, code):
        """GET /api/classes/{code}/export.csv; asserts 200 and returns
        (headers, rows as lists of cells, parsed by the csv module)."""
        status, headers, raw = self.teacher("GET", "/api/classes/%s/export.csv" % code)
        if status != 200:
            raise AssertionError("export.csv: HTTP %d %r" % (status, raw[:200]))
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline=""), strict=True))
        return headers, rows

    def metrics(self):
        """GET /metrics as {name or name{labels}: value}."""
        status, _, raw = self.request("GET", "/metrics")
        if status != 200:
            raise AssertionError("GET /metrics: HTTP %d" % status)
        out = {}
        for line in raw.decode().splitlines():
            if line and not line.startswith("#"):
                key, _, value = line.rpartition(" ")
                out[key] = float(value)
        return out


def encode(body, headers):
    """(body bytes or None, headers) for an object (JSON) or bytes body."""
    if body is None:
        return None, headers
    if not isinstance(body, (bytes, bytearray)):
        body = json.dumps(body).encode()
    return body, {"Content-Type": "application/json", **headers}


def learner_cookie(n):
    """A well-formed learner cookie value of our own for learner n (the
    server accepts any 32 lowercase hex digits, as a returning browser)."""
    return "%032x" % (0xc1a55 << 64 | n)


class Learner:
    """One browser: a learner cookie (learner_cookie(n), or the one the
    server sets on a first GET when n is None) sent with every request."""

    def __init__(self, server, n=None):
        self.server = server
        if n is None:
            status, headers, _ = server.request("GET", "/api/lessons")
            m = re.search(r"lessond_learner=([0-9a-f]{32})", headers.get("Set-Cookie", ""))
            if status != 200 or not m:
                raise AssertionError("no learner cookie on a first GET: %r" % headers)
            self.id = m.group(1)
        else:
            self.id = learner_cookie(n)
        self.cookie = "lessond_learner=" + self.id

    def request(self, method, path, body=None, headers=None, **kw):
        """(status, headers, body bytes) of a request with the cookie."""
        h = {"Cookie": self.cookie, **(headers or {})}
        return self.server.request(method, path, *encode(body, h), **kw)

    def call(self, method, path, body=None, **kw):
        """As request(); returns (status, decoded JSON body)."""
        status, _, raw = self.request(method, path, body, **kw)
        return status, json.loads(raw)

    def join(self, code, name):
        return self.call("POST", "/api/classes/%s/join" % code, {"name": name})

    def join_ok(self, code, name):
        status, answer = self.join(code, name)
        if status != 200:
            raise AssertionError("join %s as %r: HTTP %d %s" % (code, name, status, answer))
        return answer

    def membership(self):
        return self.call("GET", "/api/membership")

    def leave(self):
        return self.call("DELETE", "/api/membership")

    def progress(self, step, kind, code=None, lesson="points", **kw):
        body = {"lesson": lesson, "step": step, "kind": kind}
        if code is not None:
            body["code"] = code
        return self.call("POST", "/api/progress", body, **kw)

    def run(self, code, step=None, lesson="points"):
        """POST /api/run (with the lesson step when step is given); asserts
        HTTP 200 and returns the answer."""
        body = {"code": code}
        if step is not None:
            body.update(lesson=lesson, step=step)
        return self.ok("POST", "/api/run", body)

    def check(self, step, lesson="points", **body):
        """POST /api/check with answer= or code=; asserts HTTP 200."""
        return self.ok("POST", "/api/check", dict(lesson=lesson, step=step, **body))

    def ok(self, method, path, body):
        status, answer = self.call(method, path, body)
        if status != 200:
            raise AssertionError("%s %s: HTTP %d %s" % (method, path, status, answer))
        return answer


def learner_named(view, name):
    """The learner entry of the class view with this display name."""
    found = [l for l in view["learners"] if l["name"] == name]
    if len(found) != 1:
        raise AssertionError("%d learners named %r in %r" % (len(found), name, view["learners"]))
    return found[0]


def csv_dicts(rows):
    """The export's rows (after its header row) as dicts by column name."""
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def db_rows(path, sql, *params):
    """Rows of a query on a database file, opened read-only (never changes
    it: no -wal or -shm is written for a database without one)."""
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()
