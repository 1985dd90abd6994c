"""Integration tests of the class database itself (issue 12), against the
real server: migrations at start-up, files it must refuse untouched,
`lessond --backup` while it serves, `--keep-days` retention, durability
across SIGKILL, and a disk that stops taking writes.

Run with Debian's python3: `LESSOND_BIN=build/lessond /usr/bin/python3
tests/integration/test_class_data.py` (make integration does this).
"""

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from classroom import (DB_NAME, EXAMPLE, FIXTURES, ClassServer, Learner,  # noqa: E402
                       db_rows, learner_named, write_token)
from lessond import BIN, shim_env  # noqa: E402

DAY_MS = 86_400_000
PIXEL_SOLVED = ("class Pixel:\n    __slots__ = ('x', 'y')\n    def __init__(self, x, y):\n"
                "        self.x = x\n        self.y = y\n")


def digest(path):
    """SHA-256 of a file's bytes."""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def sidecars(data_dir):
    """The -wal, -shm and -journal files beside the database."""
    return sorted(n for n in os.listdir(data_dir) if n.startswith(DB_NAME + "-"))


def start_refused(data_dir):
    """Starts lessond on data_dir expecting it to refuse; returns (exit
    code, output). A server that starts anyway is stopped and fails."""
    token = os.path.join(os.path.dirname(data_dir), "teacher-token")
    write_token(token)
    proc = subprocess.Popen([BIN, "--port", "0", "--data-dir", data_dir,
                             "--teacher-token-file", token, "--lessons-dir", FIXTURES],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        raise AssertionError("lessond started on a database it should refuse:\n"
                             + out.decode(errors="replace"))
    return proc.returncode, out.decode(errors="replace")


def make_lessond_db(data_dir):
    """Makes data_dir/lessond.db with one class ("Kept") and one learner,
    by a real server stopped cleanly. Returns the class code."""
    with ClassServer(data_dir=data_dir) as s:
        code = s.create_class_ok("Kept")["code"]
        Learner(s, 1).join_ok(code, "Ada")
    return code


class Migration(unittest.TestCase):
    """Start-up: what it migrates, and what it refuses without a change."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="lessond-migrate-")
        self.data = os.path.join(self.tmp.name, "data")
        self.db = os.path.join(self.data, DB_NAME)

    def tearDown(self):
        self.tmp.cleanup()

    def assert_serves_and_keeps(self):
        """A server on self.data takes a class, and a restart still has it."""
        with ClassServer(data_dir=self.data) as s:
            code = s.create_class_ok("Fresh")["code"]
        self.assertEqual(db_rows(self.db, "PRAGMA user_version"), [(1,)])
        with ClassServer(data_dir=self.data) as s:
            self.assertEqual(s.view_ok(code)["name"], "Fresh")

    def test_no_directory_and_no_file(self):
        self.assert_serves_and_keeps()
        self.assertEqual(os.stat(self.data).st_mode & 0o777, 0o700)

    def test_an_empty_file(self):
        os.mkdir(self.data, 0o700)
        open(self.db, "wb").close()
        self.assert_serves_and_keeps()

    def test_a_version_0_database(self):
        os.mkdir(self.data, 0o700)
        con = sqlite3.connect(self.db)
        con.execute("CREATE TABLE t(x)")  # makes the file a database ...
        con.execute("DROP TABLE t")       # ... with no table and user_version 0
        con.commit()
        con.close()
        self.assertGreater(os.path.getsize(self.db), 0)
        self.assertEqual(db_rows(self.db, "PRAGMA user_version"), [(0,)])
        self.assert_serves_and_keeps()

    def assert_refused(self, *words):
        """Starts lessond on self.data: it must stop with a message naming
        the file and the words, leaving every byte and file as it was."""
        before, files = digest(self.db), sorted(os.listdir(self.data))
        code, out = start_refused(self.data)
        self.assertNotEqual(code, 0, out)
        self.assertIn(self.db, out)
        for word in words:
            self.assertIn(word, out)
        self.assertIn("left untouched", out)
        self.assertNotIn("listening on", out)
        self.assertEqual(digest(self.db), before)
        self.assertEqual(sorted(os.listdir(self.data)), files)
        return out

    def test_a_newer_schema_version_is_refused_untouched(self):
        make_lessond_db(self.data)
        con = sqlite3.connect(self.db)
        con.execute("PRAGMA user_version = 2")
        con.close()
        self.assertEqual(sidecars(self.data), [])
        self.assert_refused("newer")

    def test_a_corrupt_database_is_refused_untouched(self):
        make_lessond_db(self.data)
        self.assertGreaterEqual(os.path.getsize(self.db), 3 * 4096)
        with open(self.db, "r+b") as f:  # page 2, a table's root: garbage
            f.seek(4096)
            f.write(b"\xa5" * 512)
        self.assert_refused("corrupt")

    def test_a_file_that_is_not_a_database_is_refused_untouched(self):
        os.mkdir(self.data, 0o700)
        with open(self.db, "wb") as f:
            f.write(b"these are someone's notes, not a database\n" * 200)
        self.assert_refused()

    def test_a_foreign_database_is_refused_untouched(self):
        os.mkdir(self.data, 0o700)
        con = sqlite3.connect(self.db)
        con.execute("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)")
        con.execute("INSERT INTO invoices(total) VALUES (12.5)")
        con.commit()
        con.close()
        self.assert_refused()


class Membership(unittest.TestCase):
    """Who is in which class is the same after a restart as before it."""

    def test_moves_and_leaves_survive_a_restart(self):
        with tempfile.TemporaryDirectory(prefix="lessond-members-") as tmp:
            data = os.path.join(tmp, "data")
            with ClassServer(data_dir=data) as s:
                a, b = s.create_class_ok("A")["code"], s.create_class_ok("B")["code"]
                ada, bea = Learner(s, 1), Learner(s, 2)
                ada.join_ok(a, "Ada")
                ada.join_ok(b, "Ada")   # moves to B ...
                self.assertEqual(ada.leave()[0], 200)  # ... and leaves: in no class
                bea.join_ok(a, "Bea")
                bea.join_ok(b, "Bea")   # moves to B ...
                bea.join_ok(a, "Bea")   # ... and back to A
                self.assertEqual(bea.check("has-dict", answer="True")["progress"], "saved")
                before = {n: x.membership() for n, x in (("ada", ada), ("bea", bea))}
                self.assertEqual(before["ada"], (200, {"class": None, "name": None}))
                self.assertEqual(before["bea"][1]["class"]["code"], a)
            with ClassServer(data_dir=data) as s:
                ada, bea = Learner(s, 1), Learner(s, 2)
                self.assertEqual({"ada": ada.membership(), "bea": bea.membership()}, before)
                self.assertEqual(ada.progress("define", "done"), (200, {"progress": "off"}))
                self.assertEqual([l["name"] for l in s.view_ok(a)["learners"]], ["Bea"])
                self.assertEqual(s.view_ok(b)["learners"], [])


class Poster(threading.Thread):
    """Posts progress events for one learner until stopped; counts saved."""

    def __init__(self, learner, step="define"):
        super().__init__(daemon=True)
        self.learner, self.step = learner, step
        self.stop = threading.Event()
        self.saved = 0
        self.errors = []

    def run(self):
        while not self.stop.is_set():
            status, answer = self.learner.progress(self.step, "code",
                                                   code="# event %d\n" % self.saved)
            if (status, answer) == (200, {"progress": "saved"}):
                self.saved += 1
            else:
                self.errors.append((status, answer))

    def wait_saved(self, n, timeout=60):
        """True once n events are saved; False after an error or timeout s."""
        deadline = time.monotonic() + timeout
        while self.saved < n and not self.errors and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.saved >= n


class Backup(unittest.TestCase):
    """`lessond --backup FILE` copies the database while a server writes."""

    def test_backup_while_serving_holds_the_classes(self):
        with tempfile.TemporaryDirectory(prefix="lessond-backup-") as tmp:
            backup = os.path.join(tmp, "copy.db")
            with ClassServer() as s:
                codes = [s.create_class_ok(name)["code"] for name in ("One", "Two")]
                ada = Learner(s, 1)
                ada.join_ok(codes[0], "Ada")
                poster = Poster(ada)
                poster.start()
                self.assertTrue(poster.wait_saved(20), poster.errors)
                saved_before = poster.saved
                out = subprocess.run([BIN, "--backup", backup, "--data-dir", s.data_dir],
                                     capture_output=True, text=True, timeout=60)
                # The server goes on writing after the copy (no lock left behind).
                still_writing = poster.wait_saved(poster.saved + 20)
                poster.stop.set()
                poster.join(30)
                self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
                self.assertEqual(poster.errors, [])
                self.assertTrue(still_writing, "the server stopped writing after the backup")
                self.assertEqual(s.health()["status"], "ok")
            self.assertFalse(os.path.exists(backup + ".tmp"))
            self.assertEqual(db_rows(backup, "PRAGMA integrity_check"), [("ok",)])
            self.assertEqual(db_rows(backup, "PRAGMA user_version"), [(1,)])
            self.assertEqual(sorted(db_rows(backup, "SELECT code, name FROM classes")),
                             sorted(zip(codes, ("One", "Two"))))
            events = db_rows(backup, "SELECT count(*) FROM events")[0][0]
            self.assertGreaterEqual(events, saved_before)
            # The copy is a data directory's database as it is: a server
            # started on it shows the class.
            data = os.path.join(tmp, "restored")
            os.mkdir(data, 0o700)
            os.rename(backup, os.path.join(data, DB_NAME))
            with ClassServer(data_dir=data) as s:
                v = s.view_ok(codes[0], with_code=True)
                step = learner_named(v, "Ada")["steps"]["points"]["define"]
                self.assertRegex(step["code"], r"^# event \d+\n$")

    def test_backup_of_a_data_dir_without_records_fails_and_makes_nothing(self):
        # A mistyped --data-dir must not "succeed" with an empty copy.
        with tempfile.TemporaryDirectory(prefix="lessond-backup-") as tmp:
            for data in (os.path.join(tmp, "typo"), tmp):
                backup = os.path.join(tmp, "copy.db")
                out = subprocess.run([BIN, "--backup", backup, "--data-dir", data],
                                     capture_output=True, text=True, timeout=60)
                self.assertNotEqual(out.returncode, 0, out.stdout)
                self.assertIn(os.path.join(data, DB_NAME), out.stderr)
                self.assertEqual(sorted(os.listdir(tmp)), [])

    def test_backup_to_an_unwritable_place_fails_cleanly(self):
        with ClassServer() as s:
            s.create_class_ok()
            out = subprocess.run([BIN, "--backup", "/nonexistent-dir/copy.db", "--data-dir",
                                  s.data_dir, "--teacher-token-file", s.token_file],
                                 capture_output=True, text=True, timeout=60)
            self.assertNotEqual(out.returncode, 0)
            self.assertIn("/nonexistent-dir/copy.db", out.stdout + out.stderr)
            self.assertEqual(s.health()["status"], "ok")


class Retention(unittest.TestCase):
    """--keep-days: old classes' data goes at start-up, recent data stays."""

    def age(self, db, code, days):
        """Makes everything of class `code` `days` old (the server stopped)."""
        then = int(time.time() * 1000) - days * DAY_MS
        con = sqlite3.connect(db)
        with con:
            con.execute("UPDATE classes SET created = ? WHERE code = ?", (then, code))
            con.execute("UPDATE learners SET joined = ?, last_seen = ? WHERE class_code = ?",
                        (then, then, code))
            con.execute("UPDATE events SET at = ? WHERE learner IN"
                        " (SELECT id FROM learners WHERE class_code = ?)", (then, code))
        con.close()

    def test_keep_days(self):
        with tempfile.TemporaryDirectory(prefix="lessond-retain-") as tmp:
            data = os.path.join(tmp, "data")
            with ClassServer(data_dir=data) as s:
                old, new = s.create_class_ok("Old")["code"], s.create_class_ok("New")["code"]
                for n, code in enumerate((old, new)):
                    learner = Learner(s, n)
                    learner.join_ok(code, "L%d" % n)
                    self.assertEqual(learner.check("has-dict", answer="True")["progress"],
                                     "saved")
            db = os.path.join(data, DB_NAME)
            self.age(db, old, 40)
            with ClassServer("--keep-days", "60", data_dir=data) as s:  # 40 < 60: kept
                self.assertEqual(len(s.view_ok(old)["learners"]), 1)
            with ClassServer("--keep-days", "30", data_dir=data) as s:  # 40 > 30: gone
                self.assertEqual(s.teacher_json("GET", "/api/classes/" + old)[0], 404)
                v = s.view_ok(new)
                self.assertEqual(v["learners"][0]["steps"]["points"]["has-dict"]["attempts"], 1)
            self.assertEqual(db_rows(db, "SELECT count(*) FROM learners WHERE class_code = ?",
                                     old), [(0,)])
            self.assertEqual(db_rows(db, "SELECT count(*) FROM events"), [(1,)])


# The durability test's lesson: many steps, so that every event a learner
# sends goes to a step of its own and the class view shows each one.
DURABLE_EXAMPLES = 600
DURABLE_PREDICTIONS = 200


def durable_lesson(directory):
    """Writes the lesson "durable" into directory."""
    parts = ["---\nid: durable\ntitle: Durable\norder: 1\nsummary: For the durability "
             "test.\nbuilds_on: none\n---\n\nSteps.\n"]
    for i in range(DURABLE_EXAMPLES):
        parts.append("\n```python example id=e%d\nv%d = %d\n```\n" % (i, i, i))
    for i in range(DURABLE_PREDICTIONS):
        parts.append("\n```python predict id=p%d\n%d + 1\n```\n" % (i, i))
    with open(os.path.join(directory, "01-durable.md"), "w") as f:
        f.write("".join(parts))


class Stream(threading.Thread):
    """One learner posting events one after the other, each to a step of
    its own: three progress events (kind code, the code naming the event)
    then a wrong prediction (the answer naming it), and so on, until a
    request fails (the server was killed) or the steps run out. Every
    answer is kept: `answered` maps (step, payload) to the answer."""

    def __init__(self, server, n, next_event, counter):
        super().__init__(daemon=True)
        self.learner = Learner(server, n)
        self.n = n
        self.event = next_event  # the index of this learner's next event
        self.counter = counter
        self.answered = []       # (kind, step, payload, HTTP status, progress)
        self.failed = None       # the exception that ended the stream

    def steps_left(self):
        return self.event < DURABLE_EXAMPLES * 4 // 3 and self.event // 4 < DURABLE_PREDICTIONS

    def run(self):
        while self.steps_left():
            i = self.event
            self.event += 1  # never reused, answered or not
            try:
                if i % 4 == 3:
                    step, payload = "p%d" % (i // 4), "'l%d-e%d'" % (self.n, i)
                    status, a = self.learner.call("POST", "/api/check", {
                        "lesson": "durable", "step": step, "answer": payload}, timeout=60)
                    kind, progress = "check", a.get("progress")
                else:
                    step = "e%d" % (i - i // 4)
                    payload = "# learner %d event %d\n" % (self.n, i)
                    status, a = self.learner.progress(step, "code", code=payload,
                                                      lesson="durable", timeout=60)
                    kind, progress = "code", a.get("progress")
            except Exception as e:  # the kill: a reset, a refused connection
                self.failed = e
                return
            self.answered.append((kind, step, payload, status, progress))
            if 200 <= status < 300 and progress == "saved":
                self.counter.add()


class Counter:
    """Events answered "saved", across the streams; wait_for(n) blocks."""

    def __init__(self):
        self.cond = threading.Condition()
        self.n = 0

    def add(self):
        with self.cond:
            self.n += 1
            self.cond.notify_all()

    def wait_for(self, n, timeout):
        with self.cond:
            return self.cond.wait_for(lambda: self.n >= n, timeout)


class Durability(unittest.TestCase):
    """50 learners post progress and checks at once; the server is
    SIGKILLed mid-stream and restarted on the same --data-dir, five times;
    then every event that had been answered 2xx with progress "saved" is in
    the class view. The kill comes once enough events were saved in that
    round (counted, not timed), while every stream is still posting: the
    events in flight then are the ones the promise is about. A server that
    answers "saved" when the event is only queued loses some of them at
    nearly every kill (2 to 41 of 450 over three rounds, in 13 runs of that
    mutation). A SIGKILL leaves the kernel's page cache alone: what this
    proves is the answer after the commit, not the fsync (synchronous=FULL)
    a power cut needs."""

    LEARNERS = 50
    ROUNDS = 5
    SAVED_PER_ROUND = 150

    def test_every_saved_event_survives_sigkill(self):
        with tempfile.TemporaryDirectory(prefix="lessond-durable-") as tmp:
            lessons = os.path.join(tmp, "lessons")
            os.mkdir(lessons)
            durable_lesson(lessons)
            data = os.path.join(tmp, "data")
            args = ("--lessons-dir", lessons, "--client-queue", "64")
            with ClassServer(*args, data_dir=data) as s:
                code = s.create_class_ok("Durable")["code"]
                for n in range(self.LEARNERS):
                    Learner(s, n).join_ok(code, "L%02d" % n)
            next_event = [0] * self.LEARNERS
            answered = []
            for round_ in range(self.ROUNDS):
                s = ClassServer(*args, data_dir=data).__enter__()
                try:
                    counter = Counter()
                    streams = [Stream(s, n, next_event[n], counter)
                               for n in range(self.LEARNERS)]
                    for st in streams:
                        st.start()
                    reached = counter.wait_for(self.SAVED_PER_ROUND, timeout=120)
                    alive = sum(st.is_alive() for st in streams)
                    os.kill(s.proc.pid, signal.SIGKILL)
                    s.proc.wait()
                    try:
                        os.killpg(s.proc.pid, signal.SIGKILL)  # its zygote and children
                    except ProcessLookupError:
                        pass
                    for st in streams:
                        st.join(90)
                    self.assertTrue(reached, "round %d: only %d events saved in 120 s:\n%s"
                                    % (round_, counter.n, s.read_log()[-3000:]))
                    self.assertEqual(alive, self.LEARNERS, "streams ended before the kill")
                    self.assertFalse([st for st in streams if st.is_alive()])
                    # Every stream was posting when the server died.
                    self.assertEqual([st.n for st in streams if st.failed is None], [])
                    for st in streams:
                        next_event[st.n] = st.event
                        answered += [(st.n,) + a for a in st.answered]
                finally:
                    s.__exit__(None, None, None)
            bad = [a for a in answered if a[4] != 200 or a[5] != "saved"]
            self.assertEqual(bad, [], "answers other than 200 saved")
            with ClassServer(*args, data_dir=data) as s:
                view = s.view_ok(code, with_code=True)
            steps = {int(l["name"][1:]): l["steps"].get("durable", {}) for l in view["learners"]}
            missing = []
            for n, kind, step, payload, _, _ in answered:
                got = steps[n].get(step)
                if got is None:
                    missing.append((n, step, payload, "no record"))
                elif kind == "code" and got["code"] != payload:
                    missing.append((n, step, payload, got["code"]))
                elif kind == "check" and got["wrong_answers"] != [payload]:
                    missing.append((n, step, payload, got["wrong_answers"]))
            self.assertEqual(missing, [], "%d of %d saved events lost"
                             % (len(missing), len(answered)))
            self.assertGreaterEqual(len(answered), self.ROUNDS * self.SAVED_PER_ROUND)


class DiskFull(unittest.TestCase):
    """The database stops taking writes (the fault shim fails its writes
    with ENOSPC while a flag file exists): runs and checks still answer 200,
    with progress "not_saved"; the server logs and counts it; reads go on;
    once the disk takes writes again, recording resumes by itself."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="lessond-full-")
        self.flag = os.path.join(self.tmp.name, "disk-full")
        self.server = ClassServer(env=shim_env(LESSOND_FAULT_DB_FULL=self.flag)).__enter__()
        self.code = self.server.create_class_ok("Offline")["code"]
        self.ada = Learner(self.server, 1)
        self.ada.join_ok(self.code, "Ada")

    def tearDown(self):
        self.server.__exit__(None, None, None)
        self.tmp.cleanup()

    def failures(self):
        """(writes the store failed, events answered unsaved) from /metrics."""
        m = self.server.metrics()
        return (m['lessond_store_writes_total{outcome="failed"}'],
                m['lessond_progress_events_total{outcome="unsaved"}'])

    def test_recording_fails_and_nothing_else_does(self):
        s, ada = self.server, self.ada
        self.assertEqual(ada.check("has-dict", answer="True")["progress"], "saved")
        failed_before = self.failures()
        open(self.flag, "w").close()

        # A run is answered without waiting for its record: "queued", or
        # "not_saved" when the writer has failed it already (a race both
        # ways round, and both are true).
        r = ada.run(EXAMPLE, step="define")
        self.assertEqual(r["status"], "ok", r)
        self.assertIn(r["progress"], ("queued", "not_saved"), r)
        a = ada.check("has-dict", answer="None")
        self.assertEqual((a["correct"], a["progress"]), (False, "not_saved"), a)
        self.assertIsInstance(a["progress_reason"], str)
        self.assertTrue(a["progress_reason"])
        status, p = ada.progress("define", "done")
        self.assertEqual((status, p["progress"]), (200, "not_saved"), p)
        self.assertTrue(p["progress_reason"])
        a = ada.check("slot-it", code=PIXEL_SOLVED)
        self.assertEqual((a["correct"], a["progress"]), (True, "not_saved"), a)
        failed, unsaved = self.failures()
        # The run and three events failed; each is counted once, both ways.
        self.assertEqual((failed - failed_before[0], unsaved - failed_before[1]), (4, 4))
        self.assertIn("ERROR store: commit: database or disk is full", s.read_log())
        # Reads need no writes: the dashboard still shows what was saved.
        step = learner_named(s.view_ok(self.code), "Ada")["steps"]["points"]["has-dict"]
        self.assertEqual(step["wrong_answers"], ["True"])
        self.assertEqual(s.health()["pool"]["zygote_restarts"], 0)
        self.assertEqual(s.run("6 * 7")["result"]["repr"], "42")
        # Once a write has failed, a run says so at once.
        self.assertEqual(ada.run(EXAMPLE, step="define")["progress"], "not_saved")

        os.unlink(self.flag)
        a = ada.check("has-dict", answer="1")
        self.assertEqual(a["progress"], "saved", a)
        step = learner_named(s.view_ok(self.code), "Ada")["steps"]["points"]["has-dict"]
        self.assertEqual(step["wrong_answers"], ["1", "True"])
        self.assertIsNone(s.proc.poll())

    def test_a_join_that_cannot_be_written_is_not_half_made(self):
        s = self.server
        bea = Learner(s, 2)
        open(self.flag, "w").close()
        status, answer = bea.join(self.code, "Bea")
        self.assertGreaterEqual(status, 500, answer)
        self.assertIn("error", answer)
        self.assertEqual(bea.membership(), (200, {"class": None, "name": None}))
        self.assertEqual(bea.progress("define", "done"), (200, {"progress": "off"}))
        os.unlink(self.flag)
        self.assertEqual([l["name"] for l in s.view_ok(self.code)["learners"]], ["Ada"])
        bea.join_ok(self.code, "Bea")
        self.assertEqual(bea.progress("define", "done"), (200, {"progress": "saved"}))


if __name__ == "__main__":
    unittest.main(verbosity=2)
