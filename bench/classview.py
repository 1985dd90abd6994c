#!/usr/bin/env python3
"""The size of the class view a teacher's dashboard polls, at the end of a
lesson: --learners learners (200) join one class and each saves code for
the first --steps example and goal steps of the course (all of them by
default; POST /api/progress kind
"code": their starting code, as a learner who left each step
unchanged would), then the view is fetched as the dashboard polls it
(GET /api/classes/{code}), with every step's code (?code=all, the view
as it was before the code moved to its own route), and one cell's code
(GET /api/classes/{code}/code), and their sizes printed.

Against an older lessond (--lessond), whose view always carried the code,
the plain view is the old poll; ?code=all and the code route are then
answered as it answers them. Standard library only:
  /usr/bin/python3 bench/classview.py --lessond build/lessond --steps 10
"""

import argparse
import http.client
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import REPO, BenchError, Server, log  # noqa: E402
import classbench  # noqa: E402  (the teacher token of the servers run.py starts)


def call(port, method, path, body=None, headers=None):
    """(status, body bytes) of one request on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        conn.request(method, path, data, h)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def ok(port, method, path, body=None, headers=None, want=200):
    """The decoded body of a request that must answer `want`."""
    status, raw = call(port, method, path, body, headers)
    if status != want:
        raise BenchError("%s %s: HTTP %d %r" % (method, path, status, raw[:200]))
    return json.loads(raw)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lessond", default=os.path.join(REPO, "build", "lessond"))
    ap.add_argument("--learners", type=int, default=200, help="learners (200)")
    ap.add_argument("--steps", type=int, default=0,
                    help="the first STEPS example and goal steps of the course (0: all)")
    args = ap.parse_args()
    teacher = {"Authorization": "Bearer " + classbench.TOKEN}
    with tempfile.TemporaryDirectory(prefix="lessond-classview-") as tmp:
        server = Server(os.path.abspath(args.lessond), None, tmp, [])
        server.start()
        try:
            port = server.port
            steps = []
            for lesson in ok(port, "GET", "/api/lessons")["lessons"]:
                doc = ok(port, "GET", "/api/lessons/" + lesson["id"])
                steps += [(doc["id"], s["id"], s.get("code", "")) for s in doc["steps"]
                          if s.get("kind") in ("example", "goal") and s.get("id")]
            if args.steps > 0:
                steps = steps[:args.steps]
            klass = ok(port, "POST", "/api/classes", {"name": "View size"}, teacher, want=201)
            code = klass["code"]
            log("%d learners save code for %d steps each" % (args.learners, len(steps)))
            for n in range(args.learners):
                cookie = {"Cookie": "lessond_learner=%032x" % (0xb1e5 << 64 | n)}
                ok(port, "POST", "/api/classes/%s/join" % code, {"name": "Learner %03d" % n},
                   cookie)
                for lesson_id, step_id, text in steps:
                    ok(port, "POST", "/api/progress", {"lesson": lesson_id, "step": step_id,
                                                        "kind": "code", "code": text}, cookie)
            status, light = call(port, "GET", "/api/classes/" + code, headers=teacher)
            status_all, full = call(port, "GET", "/api/classes/%s?code=all" % code,
                                    headers=teacher)
            view = json.loads(light)
            first = view["learners"][0]["learner"]
            lesson_id, step_id, _ = steps[-1]
            status_one, one = call(port, "GET", "/api/classes/%s/code?learner=%d&lesson=%s&step=%s"
                                   % (code, first, lesson_id, step_id), headers=teacher)
            print("class view at %d learners, %d steps with code each (%s):"
                  % (args.learners, len(steps), args.lessond))
            print("  GET /api/classes/{code}           HTTP %d, %d bytes (%.0f KB)"
                  % (status, len(light), len(light) / 1024))
            print("  GET /api/classes/{code}?code=all  HTTP %d, %d bytes (%.0f KB)"
                  % (status_all, len(full), len(full) / 1024))
            print("  GET /api/classes/{code}/code      HTTP %d, %d bytes (one cell)"
                  % (status_one, len(one)))
        finally:
            server.stop()


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print("classview: %s" % e, file=sys.stderr)
        sys.exit(2)
