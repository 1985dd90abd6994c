"""Integration tests: the real lessond on a free port, over HTTP.

Run with Debian's python3: `LESSOND_BIN=build/lessond /usr/bin/python3
tests/integration/test_api.py` (make integration does this).
"""

import ast
import collections
import concurrent.futures
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lessond import BIN, SANITIZER, Server  # noqa: E402
from pythons import LINKED, PYTHONS_DIR, installed, missing, standalone, tree  # noqa: E402
CONTRACT = {"status", "result", "stdout", "stderr", "truncated", "exception", "objects",
            "memory", "time", "python", "message"}

# The RegularUser/SlotsUser example. It measures itself with tracemalloc,
# so lessond does not trace around it; its result is the tuple of peaks.
USERS_BODY = textwrap.dedent("""\
    import tracemalloc

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

    """)
USERS_RESULT = ('(measure_peak_memory_use(lambda: RegularUser("Amir")), '
                'measure_peak_memory_use(lambda: SlotsUser("Amir")))')
USERS = USERS_BODY + USERS_RESULT + "\n"

POINTS = textwrap.dedent("""\
    class Point:
        {slots}
        def __init__(self, x, y):
            self.x = x
            self.y = y

    points = [Point(i, i) for i in range(100_000)]
    """)

# The workloads at the seeds' scale: a million points, seed 003's million
# five-field particles, seed 002's 262,144 objects. (The seed texts are not
# in this repository; these are their examples as the issue quotes them.)
POINTS_1M = POINTS.replace("100_000", "1_000_000")
# The dataclass is defined in the setup, as an experiment's variant is: the
# decorator runs generated code through exec(), whose allocations depend on
# what the interpreter has imported and interned before (lessond's runner
# has, a fresh python3.11 has not), by a few hundred bytes either way. Both
# tracemalloc and the runner's instrument see that same difference inside
# lessond; the workload itself is measured exactly.
DATACLASS_POINT = textwrap.dedent("""\
    from dataclasses import dataclass

    @dataclass(slots=True)
    class Point:
        x: int
        y: int
    """)
POINTS_WORKLOAD_1M = "points = [Point(i, i) for i in range(1_000_000)]\n"
SEED_003_PARTICLES = textwrap.dedent("""\
    class Particle:
        __slots__ = ("x", "y", "z", "mass", "charge")

        def __init__(self, x, y, z, mass, charge):
            self.x = x
            self.y = y
            self.z = z
            self.mass = mass
            self.charge = charge

    particles = [Particle(i, i, i, 1.0, 0.1) for i in range(1000000)]
    """)
SEED_002_MYCLASS = textwrap.dedent("""\
    class MyClass:
        {slots}
        def __init__(self, name, identifier):
            self.name = name
            self.identifier = identifier

    num = 1024 * 256
    x = [MyClass(1, 1) for i in range(num)]
    """)

# The standalone references, computed at test time by the standalone
# interpreter of the version measured (pythons.py): Debian 12's python3.11,
# or 3.13 in its Debian 13 tree under that tree's loader.
# A snippet that measures itself runs as a plain script whose last line
# prints its result. A snippet lessond measures runs under this minimal
# harness: compiled, executed in a fresh __main__ namespace, traced around
# the exec() only.
HARNESS = textwrap.dedent("""\
    import builtins, sys, tracemalloc, types
    src = open(sys.argv[1]).read()
    code = compile(src, "<snippet>", "exec")
    ns = types.ModuleType("__main__").__dict__
    ns["__builtins__"] = builtins
    if len(sys.argv) > 2:  # a setup, run untraced first, as the runner does
        exec(compile(open(sys.argv[2]).read(), "<setup>", "exec"), ns)
    tracemalloc.start()
    exec(code, ns)
    current, peak = tracemalloc.get_traced_memory()
    print(peak, current)
    """)


def python_output(python, files, script, runs=3):
    """stdout of `python -I -S script` (python: a command, pythons.standalone)
    with `files` ({name: text}) in a temporary directory, as the most common
    of `runs` runs. Debian's python3.11 is not PIE: its heap lies below 1 GiB and ints made from
    addresses (a class's key among its base's subclasses) take one 4-byte
    digit, except when address randomisation puts the heap right under
    1 GiB, about one run in a hundred."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)
        runs = [subprocess.run([*python, "-I", "-S", *script], cwd=tmp, text=True,
                               capture_output=True, check=True).stdout for _ in range(runs)]
    return collections.Counter(runs).most_common(1)[0][0]


def plain_script(python, body, last):
    """The value `python -I -S users.py` prints for body + print(last)."""
    script = body + "print(" + last + ")\n"
    return ast.literal_eval(python_output(python, {"users.py": script}, ["users.py"]))


def harnessed(python, code, runs=3, setup=None):
    """(peak, current) tracemalloc reports for code (after setup) under HARNESS."""
    files = {"harness.py": HARNESS, "snippet.py": code}
    if setup is not None:
        files["setup.py"] = setup
    out = python_output(python, files,
                        ["harness.py", "snippet.py"] + (["setup.py"] if setup else []), runs)
    peak, current = map(int, out.split())
    return peak, current


class RunContract(unittest.TestCase):
    """Every status of the run contract, against one server."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("--wall-ms", "3000", "--cpu-seconds", "1").__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def run_code(self, code, setup=None):
        report = self.server.run(code, setup)
        self.assertEqual(set(report) - {"message"}, CONTRACT - {"message"}, report)
        return report

    def test_ok_with_result_and_stdout(self):
        r = self.run_code("x = 20 + 1\nprint('hi', x)\nx * 2")
        self.assertEqual(r["status"], "ok")
        self.assertEqual(r["result"], {"repr": "42", "type": "int"})
        self.assertEqual(r["stdout"], "hi 21\n")
        self.assertIsNone(r["exception"])
        self.assertIsInstance(r["memory"]["peak_bytes"], int)
        self.assertGreaterEqual(r["time"]["wall_ms"], 0)
        self.assertRegex(r["python"], r"^3\.\d+\.\d+$")

    def test_no_result_when_last_statement_is_not_an_expression(self):
        r = self.run_code("x = {'name': 'Amir'}")
        self.assertEqual(r["status"], "ok")
        self.assertIsNone(r["result"])

    def test_dict_result_repr(self):
        r = self.run_code("class User:\n    def __init__(self, n):\n        self.name = n\n"
                          "User('Amir').__dict__")
        self.assertEqual(r["result"], {"repr": "{'name': 'Amir'}", "type": "dict"})

    def test_stderr_and_fd_level_output(self):
        r = self.run_code("import os, sys\nprint('e', file=sys.stderr)\nos.write(1, b'raw\\n')\n"
                          "print('after')")
        self.assertEqual(r["stderr"], "e\n")
        self.assertEqual(r["stdout"], "raw\nafter\n")

    def test_exception_with_snippet_line(self):
        r = self.run_code("a = 1\nb = 2\nraise ValueError('bad value')")
        self.assertEqual(r["status"], "error")
        e = r["exception"]
        self.assertEqual((e["type"], e["message"], e["line"]), ("ValueError", "bad value", 3))
        self.assertIn('File "<snippet>", line 3', e["traceback"])
        self.assertNotIn("lessond-runner", e["traceback"])

    def test_exception_inside_function_reports_innermost_snippet_line(self):
        r = self.run_code("def f():\n    return 1 / 0\n\nf()")
        self.assertEqual(r["exception"]["type"], "ZeroDivisionError")
        self.assertEqual(r["exception"]["line"], 2)

    def test_syntax_error_line_and_offset(self):
        r = self.run_code("x = 1\ndef f(:\n    pass")
        e = r["exception"]
        self.assertEqual(r["status"], "error")
        self.assertEqual((e["type"], e["line"], e["offset"]), ("SyntaxError", 2, 7))
        self.assertNotIn("ast.py", e["traceback"])

    def test_attribute_error_names_attribute_and_object(self):
        # Each Python words it its own way (3.13 adds "and no __dict__ for
        # setting new attributes"): the message is the standalone one's.
        code = textwrap.dedent("""\
            class Point:
                __slots__ = ("x", "y")
                def __init__(self, x, y):
                    self.x = x
                    self.y = y
            origin = Point(0, 0)
            origin.z = 1
            """)
        for version in installed():
            with self.subTest(python=version):
                self.check_attribute_error(code, version)

    def check_attribute_error(self, code, version):
        r = self.server.run(code, python=version)
        theirs = subprocess.run([*standalone(version), "-I", "-S", "-c",
                                 "try:\n" + textwrap.indent(code, "    ") +
                                 "except AttributeError as e:\n    print(e)"],
                                capture_output=True, text=True, check=True).stdout
        e = r["exception"]
        self.assertEqual(e["type"], "AttributeError")
        self.assertEqual(e["message"] + "\n", theirs)
        self.assertTrue(e["message"].startswith("'Point' object has no attribute 'z'"))
        self.assertEqual(e["line"], 7)
        self.assertEqual(e["name"], "z")
        self.assertEqual(e["object"]["type"], "Point")
        self.assertEqual(e["object"]["slots"], ["x", "y"])
        self.assertFalse(e["object"]["has_dict"])

    def test_attribute_error_on_read_of_unset_slot(self):
        r = self.run_code("class P:\n    __slots__ = ('x',)\np = P()\np.x")
        e = r["exception"]
        self.assertEqual((e["type"], e["name"], e["line"]), ("AttributeError", "x", 4))
        self.assertEqual(e["object"]["attrs"], {})

    def test_objects_report_slots_dict_weakref_size_attrs(self):
        r = self.run_code(textwrap.dedent("""\
            class Base:
                __slots__ = ("x",)
            class Point(Base):
                __slots__ = ("y", "__weakref__")
            class Loose(Base):
                pass
            p = Point()
            p.x, p.y = 1, "two"
            q = Loose()
            q.x = 3
            q.extra = [4]
            n = 5
            Point
            """))
        objs = {o["name"]: o for o in r["objects"]}
        self.assertEqual(set(objs), {"p", "q"})
        self.assertEqual(objs["p"]["slots"], ["x", "y", "__weakref__"])
        self.assertFalse(objs["p"]["has_dict"])
        self.assertTrue(objs["p"]["weakrefable"])
        self.assertEqual(objs["p"]["attrs"], {"x": "1", "y": "'two'"})
        self.assertIsInstance(objs["p"]["size"], int)
        self.assertTrue(objs["q"]["has_dict"])
        self.assertEqual(objs["q"]["dict_from"], "Loose")  # the subclass without __slots__
        self.assertNotIn("dict_from", objs["p"])
        self.assertTrue(objs["q"]["weakrefable"])
        self.assertEqual(objs["q"]["attrs"], {"x": "3", "extra": "[4]"})

    def test_result_instance_is_reported_as_object(self):
        r = self.run_code("class P:\n    __slots__ = ('a',)\n    def __init__(self):\n"
                          "        self.a = 1\nP()")
        self.assertEqual(len(r["objects"]), 1)
        self.assertTrue(r["objects"][0]["is_result"])
        self.assertEqual(r["objects"][0]["type"], "P")

    def test_setup_runs_first_silently(self):
        setup = "class User:\n    __slots__ = ('name',)\nprint('setup output')\n"
        r = self.run_code("u = User()\nu.name = 'Amir'\nu.name", setup=setup)
        self.assertEqual(r["status"], "ok")
        self.assertEqual(r["result"]["repr"], "'Amir'")
        self.assertEqual(r["stdout"], "")

    def test_setup_error_is_reported_as_setup_error(self):
        r = self.run_code("1", setup="x = 1\nundefined_name")
        self.assertEqual(r["status"], "error")
        self.assertTrue(r["exception"]["in_setup"])
        self.assertEqual(r["exception"]["type"], "NameError")
        self.assertEqual(r["exception"]["line"], 2)

    def test_tracing_started_from_setup_code_takes_over(self):
        setup = ("import tracemalloc\n"
                 "def measure(f):\n"
                 "    tracemalloc.start()\n"
                 "    f()\n"
                 "    peak = tracemalloc.get_traced_memory()[1]\n"
                 "    tracemalloc.stop()\n"
                 "    return peak\n")
        r = self.run_code("measure(lambda: bytearray(100_000))", setup=setup)
        self.assertEqual(r["status"], "ok")
        self.assertGreaterEqual(int(r["result"]["repr"]), 100_000)
        self.assertIsNone(r["memory"]["peak_bytes"])
        self.assertIn("started tracemalloc itself", r["memory"]["absent"])
        plain = self.run_code("x = bytearray(100_000)", setup=setup)
        self.assertGreaterEqual(plain["memory"]["peak_bytes"], 100_000)

    def test_cpu_timeout(self):
        r = self.run_code("while True:\n    pass")
        self.assertEqual(r["status"], "timeout")
        self.assertIn("CPU", r["message"])

    def test_output_before_a_timeout_or_crash_is_kept(self):
        r = self.run_code("print('got here')\nwhile True:\n    pass")
        self.assertEqual((r["status"], r["stdout"]), ("timeout", "got here\n"))
        r = self.run_code("import ctypes, sys\nprint('before', file=sys.stderr)\n"
                          "ctypes.string_at(0)")
        self.assertEqual((r["status"], r["stderr"]), ("crashed", "before\n"))

    def test_output_with_invalid_utf8_before_a_timeout_or_crash_is_kept(self):
        # Bytes jansson refuses (a surrogate, an overlong form) once emptied
        # the whole stdout of a dead child; now each bad subpart is U+FFFD.
        r = self.run_code("import os\nos.write(1, b'hi \\xed\\xa0\\x80')\nwhile 1: pass")
        self.assertEqual((r["status"], r["stdout"]), ("timeout", "hi \ufffd\ufffd\ufffd"))
        r = self.run_code("import ctypes, os\nos.write(1, b'a\\xc0\\xafb \\xf5!')\n"
                          "ctypes.string_at(0)")
        self.assertEqual((r["status"], r["stdout"]), ("crashed", "a\ufffd\ufffdb \ufffd!"))

    def test_wall_timeout(self):
        started = time.monotonic()
        r = self.run_code("import time\ntime.sleep(60)")
        self.assertEqual(r["status"], "timeout")
        self.assertIn("wall-clock", r["message"])
        self.assertLess(time.monotonic() - started, 10)

    def test_memory_limit_quotes_the_learners_bytes(self):
        r = self.run_code("chunks = []\nwhile True:\n    chunks.append(bytearray(10**7))")
        self.assertEqual(r["status"], "memory_limit")
        refused = r["memory"]["refused"]
        # The limit counts the learner's heap, like tracemalloc: the bytes in
        # use when the 10 MB request came lie within one request of 256 MiB.
        self.assertLessEqual(refused["in_use_bytes"] + refused["requested_bytes"] - 10**7,
                             256 << 20)
        self.assertGreater(refused["in_use_bytes"] + refused["requested_bytes"], 256 << 20)
        self.assertGreaterEqual(refused["requested_bytes"], 10**7)
        held = "%.1f MiB" % (refused["in_use_bytes"] / (1 << 20))
        self.assertIn("held " + held + " when it asked for 9.5 MiB more", r["message"])
        self.assertIn("at most 256 MiB", r["message"])

    def test_a_snippet_that_leaves_little_room_still_gets_its_report(self):
        # The snippet holds all but 60 kB of the limit; building the report
        # needs more than that, which the reserve granted after the snippet
        # provides (without it the answer was a bare memory_limit).
        r = self.run_code("x = bytes((256 << 20) - 60_000)\nx[:3]")
        self.assertEqual(r["status"], "ok", r)
        self.assertEqual(r["result"]["repr"], "b'\\x00\\x00\\x00'")
        self.assertNotIn("refused", r["memory"])

    def test_a_caught_memory_error_still_reports(self):
        r = self.run_code("try:\n    x = bytearray(300 * 2**20)\nexcept MemoryError:\n"
                          "    x = None\n'caught'")
        self.assertEqual(r["status"], "ok", r)
        self.assertEqual(r["result"]["repr"], "'caught'")
        self.assertGreaterEqual(r["memory"]["refused"]["requested_bytes"], 300 << 20)

    def test_address_space_limit_is_the_backstop(self):
        if SANITIZER == "address":
            self.skipTest("ASan builds cap memory through CPython's allocator instead")
        r = self.run_code("import resource\nresource.getrlimit(resource.RLIMIT_AS)")
        backstop = 2 * (256 << 20) + (512 << 20)
        self.assertEqual(r["result"]["repr"], str((backstop, backstop)))

    def test_output_limit(self):
        r = self.run_code("while True:\n    print('x' * 1000)")
        self.assertEqual(r["status"], "output_limit")
        self.assertTrue(r["truncated"])
        self.assertLessEqual(len(r["stdout"]), 64 * 1024)
        self.assertGreater(len(r["stdout"]), 60 * 1024)

    def test_output_limit_through_os_write(self):
        r = self.run_code("import os\nos.write(1, b'y' * 10**6)\n'done'")
        self.assertEqual(r["status"], "output_limit")
        self.assertTrue(r["truncated"])

    def test_segfault_is_crashed(self):
        r = self.run_code("import ctypes\nctypes.string_at(0)")
        self.assertEqual(r["status"], "crashed")
        self.assertIn("SIGSEGV", r["message"])

    def test_os_exit_is_crashed_with_explanation(self):
        r = self.run_code("import os\nos._exit(3)")
        self.assertEqual(r["status"], "crashed")
        self.assertIn("exit status 3", r["message"])

    def test_each_run_gets_a_fresh_interpreter(self):
        self.run_code("import sys\nsys.leaked = 1\nglobal_thing = 2")
        r = self.run_code("import sys\n(hasattr(sys, 'leaked'), 'global_thing' in globals())")
        self.assertEqual(r["result"]["repr"], "(False, False)")

    def test_unicode_and_lone_surrogates_survive(self):
        r = self.run_code("print('héllo ✓')\n'\\ud800'")
        self.assertEqual(r["status"], "ok")
        self.assertEqual(r["stdout"], "héllo ✓\n")
        self.assertIn("ud800", r["result"]["repr"])

    def test_str_subclass_reprs_with_lone_surrogates_survive(self):
        # A repr, a print and an attribute name that are str subclasses
        # holding lone surrogates (PyUnicode_AsUTF8 would fail on them) are
        # escaped by the runner before the report is encoded.
        r = self.run_code("class S(str):\n    pass\nclass X:\n    def __repr__(self):\n"
                          "        return S('\\ud800')\nx = X()\nsetattr(x, S('\\ud801'), 1)\n"
                          "print(S('\\udfff'))\nx")
        self.assertEqual(r["status"], "ok")
        self.assertEqual(r["result"], {"repr": "\\ud800", "type": "X"})
        self.assertEqual(r["stdout"], "\\udfff\n")
        self.assertIn("\\ud801", r["objects"][0]["attrs"])


class HeapLimit(unittest.TestCase):
    """The memory limit counts the learner's heap, under the default limits."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def test_memory_limit_leaves_the_interpreter_alone(self):
        # 95 MB of small Python objects fit a 256 MiB limit on the learner's
        # heap: malloc's overhead, the interpreter's mappings and
        # tracemalloc's own records do not count against it. (With RLIMIT_AS
        # at 256 MiB and tracemalloc, the 9afee11 build stopped this with a
        # memory_limit at 87 MB, even given 10 s of CPU.) About 0.5 s of CPU,
        # 0.7 s under ASan, of the 4 s limit.
        # 1.7M strings: 3.13 makes them in less memory than 3.11 does.
        for version in installed():
            with self.subTest(python=version):
                r = self.server.run("x = [str(i) for i in range(1_700_000)]\nlen(x)",
                                    python=version)
                self.assertEqual(r["status"], "ok", r)
                self.assertGreater(r["memory"]["peak_bytes"], 90_000_000)


class Fidelity311(unittest.TestCase):
    """Memory figures equal what the same version's standalone interpreter
    reports (pythons.py): byte for byte in normal and UBSan builds, within
    64 bytes under ASan. Against a server that serves that version alone."""

    VERSION = "3.11"

    @classmethod
    def setUpClass(cls):
        reason = missing(cls.VERSION)
        if reason:
            raise unittest.SkipTest(reason)
        cls.python = standalone(cls.VERSION)
        cls.args = ("--pythons", cls.VERSION)
        cls.server = Server(*cls.args).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def test_the_server_runs_this_version_and_the_reference_too(self):
        major, minor = self.VERSION.split(".")
        r = self.server.run("import sys\nsys.version_info[:2]")
        self.assertEqual(r["result"]["repr"], "(%s, %s)" % (major, minor))
        self.assertTrue(r["python"].startswith(self.VERSION + "."), r["python"])
        ref = python_output(self.python, {"v.py": "import sys\nprint(sys.version)\n"}, ["v.py"], 1)
        self.assertTrue(ref.startswith(r["python"] + " "), (ref, r["python"]))

    def assert_standalone(self, theirs, ours_from, theirs_again=None):
        """Compares figures (a tuple of byte counts) that ours_from(server)
        returns with the standalone ones. lessond's heap, too, lands right
        under 1 GiB about once in a hundred starts (see python_output), so a
        difference is measured once more on a fresh server, and only a
        difference that repeats fails. theirs_again() recomputes a reference
        that was taken from a single standalone run (the heavy workloads)."""
        ours = ours_from(self.server)
        if SANITIZER == "address":
            # ASan's allocator puts the heap at high addresses, so ints made
            # from addresses (type subclass keys) take one more 4-byte digit.
            for a, b in zip(ours, theirs):
                self.assertLessEqual(abs(a - b), 64, (ours, theirs))
            return
        if ours != theirs:
            with Server(*self.args) as fresh:
                ours = ours_from(fresh)
            if theirs_again is not None:
                theirs = theirs_again()
        self.assertEqual(ours, theirs, "lessond %s, standalone %s" % (ours, theirs))

    def assert_runner_figures(self, code, at_least, setup=None):
        """The runner's peak and current for code (after setup, run under the
        server's default limits) equal tracemalloc's under a standalone
        interpreter of the same version."""
        theirs = harnessed(self.python, code, runs=1, setup=setup)

        def ours_from(server):
            r = server.run(code, setup=setup)
            self.assertEqual(r["status"], "ok", r)
            return r["memory"]["peak_bytes"], r["memory"]["current_bytes"]

        self.assert_standalone(theirs, ours_from, lambda: harnessed(self.python, code, setup=setup))
        self.assertGreater(theirs[0], at_least)

    def test_snippet_own_tracemalloc_regular_vs_slots_user(self):
        # The plain script imports tracemalloc, which runs tracemalloc.py
        # and leaves CPython's free lists filled; whether the class call's
        # argument tuple (48 bytes) is counted depends on them.
        theirs = plain_script(self.python, USERS_BODY, USERS_RESULT)

        def ours_from(server):
            r = server.run(USERS)
            self.assertEqual(r["status"], "ok", r)
            self.assertIsNone(r["memory"]["peak_bytes"])
            self.assertIn("tracemalloc", r["memory"]["absent"])
            return ast.literal_eval(r["result"]["repr"])

        self.assert_standalone(theirs, ours_from)
        self.assertLess(theirs[1], theirs[0])

    def test_runner_peak_for_100k_points(self):
        for slots in ("", '__slots__ = ("x", "y")'):
            code = POINTS.format(slots=slots)
            theirs = harnessed(self.python, code)

            def ours_from(server):
                r = server.run(code)
                self.assertEqual(r["status"], "ok", r)
                return r["memory"]["peak_bytes"], r["memory"]["current_bytes"]

            self.assert_standalone(theirs, ours_from)
            self.assertGreater(theirs[0], 5_000_000)

    def test_runner_figures_for_a_million_points(self):
        for slots in ("", '__slots__ = ("x", "y")'):
            with self.subTest(slots=slots):
                self.assert_runner_figures(POINTS_1M.format(slots=slots), 50_000_000)

    def test_runner_figures_for_a_million_dataclass_points(self):
        self.assert_runner_figures(POINTS_WORKLOAD_1M, 50_000_000, setup=DATACLASS_POINT)

    def test_seed_003_million_particles_run_under_the_default_limits(self):
        self.assert_runner_figures(SEED_003_PARTICLES, 100_000_000)

    def test_seed_002_objects(self):
        for slots in ("", '__slots__ = ("name", "identifier")'):
            with self.subTest(slots=slots):
                self.assert_runner_figures(SEED_002_MYCLASS.format(slots=slots), 10_000_000)

    def test_objects_inspected_after_memory(self):
        # Reporting `u` calls hasattr(u, '__dict__'), which materialises the
        # dict in 3.11; the figures must not include it.
        code = "class U:\n    def __init__(self):\n        self.a = 1\nu = U()"
        theirs = harnessed(self.python, code)[1:]

        def ours_from(server):
            r = server.run(code)
            self.assertTrue(r["objects"][0]["has_dict"])
            return (r["memory"]["current_bytes"],)

        self.assert_standalone(theirs, ours_from)


class Fidelity313(Fidelity311):
    """The same cases on 3.13, against the tree's own python3.13."""

    VERSION = "3.13"


class BadRequests(unittest.TestCase):
    """Every malformed request gets a 4xx with {"error": ...}."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def expect_error(self, status, body, method="POST", path="/api/run"):
        got, headers, raw = self.server.request(method, path, body)
        self.assertEqual(got, status, raw)
        self.assertEqual(headers.get("Content-Type"), "application/json")
        error = json.loads(raw)["error"]
        self.assertIsInstance(error, str)
        self.assertTrue(error)
        return error, headers

    def test_malformed_json(self):
        self.assertIn("JSON", self.expect_error(400, b'{"code": ')[0])

    def test_not_an_object(self):
        self.expect_error(400, b'["print(1)"]')

    def test_missing_code(self):
        self.assertIn("code", self.expect_error(400, b'{"setup": "x = 1"}')[0])

    def test_wrong_types(self):
        self.expect_error(400, b'{"code": 42}')
        self.expect_error(400, b'{"code": "1", "setup": ["x"]}')

    def test_nul_byte(self):
        self.assertIn("NUL", self.expect_error(400, b'{"code": "x = 1\\u0000"}')[0])

    def test_invalid_utf8(self):
        self.expect_error(400, b'{"code": "x = \xff\xfe"}')

    def test_empty_body(self):
        self.expect_error(400, b"")

    def test_oversized_body(self):
        self.expect_error(413, b'{"code": "' + b"x" * (2 << 20) + b'"}')

    def test_source_over_limit(self):
        error, _ = self.expect_error(413, json.dumps({"code": "#" * 70000}).encode())
        self.assertIn("65536", error)

    def test_wrong_method(self):
        _, headers = self.expect_error(405, None, method="GET")
        self.assertEqual(headers.get("Allow"), "POST")

    def test_unknown_api_route(self):
        self.expect_error(404, None, method="GET", path="/api/nope")

    def test_pages_carry_a_strict_content_security_policy(self):
        status, headers, body = self.server.request("GET", "/")
        self.assertEqual(status, 200)
        csp = headers.get("Content-Security-Policy", "")
        self.assertIn("script-src 'self'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(headers.get("X-Content-Type-Options"), "nosniff")
        self.assertEqual(headers.get("Referrer-Policy"), "no-referrer")

    def test_static_files_revalidate_with_etag(self):
        status, headers, body = self.server.request("GET", "/index.html")
        self.assertEqual(status, 200)
        etag = headers.get("ETag")
        self.assertTrue(etag and etag.startswith('"'), headers)
        status, headers, body = self.server.request("GET", "/index.html",
                                                    headers={"If-None-Match": etag})
        self.assertEqual((status, body), (304, b""))
        status, _, body = self.server.request("GET", "/index.html",
                                              headers={"If-None-Match": '"other"'})
        self.assertEqual(status, 200)
        self.assertTrue(body)

    def test_server_still_runs_after_bad_requests(self):
        self.assertEqual(self.server.run("1 + 1")["result"]["repr"], "2")


def deny_landlock():
    """preexec_fn: a seccomp filter that makes Landlock look absent (ENOSYS)
    for the server and everything it starts, as on an older kernel."""
    import ctypes
    import struct
    ld_nr, jeq, ret = 0x20, 0x15, 0x06
    code = [(ld_nr, 0, 0, 0),
            (jeq, 0, 1, 444),                  # landlock_create_ruleset
            (ret, 0, 0, 0x00050000 | 38),      # SECCOMP_RET_ERRNO | ENOSYS
            (ret, 0, 0, 0x7FFF0000)]           # SECCOMP_RET_ALLOW
    raw = b"".join(struct.pack("HBBI", *c) for c in code)
    buf = ctypes.create_string_buffer(raw)
    prog = struct.pack("HxxxxxxQ", len(code), ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_ulong,
                           ctypes.c_ulong]
    if libc.prctl(38, 1, None, 0, 0) or libc.prctl(22, 2, prog, 0, 0):  # NO_NEW_PRIVS, SECCOMP
        raise OSError(ctypes.get_errno(), "cannot install the test filter")


class Pythons(unittest.TestCase):
    """One zygote per Python (docs/ARCHITECTURE.md §9): runs and checks go to
    the one they ask for, the newest by default; each is listed and reported."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server().__enter__()
        cls.versions = installed()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)

    def test_pythons_lists_each_with_the_newest_as_default(self):
        status, _, body = self.server.request("GET", "/api/pythons")
        self.assertEqual(status, 200)
        listed = json.loads(body)
        self.assertEqual([p["version"] for p in listed], self.versions)
        self.assertEqual([p["default"] for p in listed],
                         [v == self.versions[-1] for v in self.versions])
        for p in listed:
            r = self.server.run("import sys\nsys.version.split()[0]", python=p["version"])
            self.assertEqual(r["python"], p["full"])
            self.assertEqual(ast.literal_eval(r["result"]["repr"]), p["full"])
            self.assertTrue(p["full"].startswith(p["version"] + "."), p)
        self.assertEqual(self.server.run("1")["python"], listed[-1]["full"])

    def test_an_unknown_python_is_a_400_naming_the_ones_there_are(self):
        for body in ({"code": "1", "python": "2.7"},
                     {"lesson": "where-attributes-live", "step": "second-user",
                      "answer": "1", "python": "2.7"}):
            path = "/api/run" if "code" in body else "/api/check"
            status, answer = self.server.post_json(path, body)
            self.assertEqual(status, 400, answer)
            self.assertIn("'2.7'", answer["error"])
            self.assertIn("runs " + ", ".join(self.versions), answer["error"])
        status, answer = self.server.post_json("/api/run", {"code": "1", "python": 3.13})
        self.assertEqual(status, 400, answer)

    def test_a_check_says_which_python_answered(self):
        for version in self.versions:
            status, answer = self.server.post_json(
                "/api/check", {"lesson": "where-attributes-live", "step": "second-user",
                               "answer": "{'name': 'Bea'}", "python": version})
            self.assertEqual(status, 200, answer)
            self.assertTrue(answer["correct"], answer)
            self.assertTrue(answer["python"].startswith(version + "."), answer)
            self.assertEqual(answer["run"]["python"], answer["python"])

    def test_health_reports_each_python(self):
        h = self.server.health()
        self.assertEqual(h["status"], "ok")
        self.assertEqual([p["version"] for p in h["pythons"]], self.versions)
        pids = set()
        for p in h["pythons"]:
            self.assertTrue(p["sandbox"]["required_active"], p)
            self.assertEqual(p["sandbox"]["layers"]["landlock"], "active")
            self.assertEqual(p["pool"]["size"], 2)
            pids.add(p["pool"]["zygote_pid"])
        self.assertEqual(len(pids), len(self.versions))  # a zygote each
        self.assertEqual(h["python"], h["pythons"][-1]["full"])

    def zygote_of(self, version):
        """The host pid of `version`'s zygote."""
        return next(p["pool"]["zygote_pid"] for p in self.server.health()["pythons"]
                    if p["version"] == version)

    def test_a_trees_zygote_maps_nothing_of_this_machine(self):
        for version in self.versions:
            if version == LINKED:
                continue
            with open("/proc/%d/maps" % self.zygote_of(version)) as f:
                files = {line.split(None, 5)[5].strip() for line in f
                         if len(line.split(None, 5)) == 6 and line.split(None, 5)[5][0] == "/"}
            root = os.path.realpath(tree(version)) + "/"
            zygote = os.path.realpath(os.path.join(PYTHONS_DIR, version, "zygote"))
            self.assertIn(root + "usr/lib/x86_64-linux-gnu/libpython%s.so.1.0" % version, files)
            self.assertEqual({f for f in files if not f.startswith(root) and f != zygote},
                             set())

    def test_a_trees_children_read_that_tree_only(self):
        for version in self.versions:
            if version == LINKED:
                continue
            with self.subTest(python=version):
                # Its stdlib and the extension modules that load the tree's
                # libraries (libmpdec, libexpat) work; this machine's files
                # and its own Python's stdlib stay shut.
                r = self.server.run(
                    "import _decimal, pyexpat, os\n"
                    "os.path.exists(os.__file__), os.__file__.startswith(%r)"
                    % os.path.realpath(tree(version)), python=version)
                self.assertEqual(r["result"]["repr"], "(True, True)", r)
                for path in ("/usr/lib/python3.11/os.py", "/etc/passwd",
                             "/usr/lib/x86_64-linux-gnu/libc.so.6"):
                    r = self.server.run("open(%r).read(1)" % path, python=version)
                    self.assertEqual(r["exception"]["type"], "PermissionError", (path, r))

    def test_a_python_not_installed_stops_the_server_with_what_to_do(self):
        out = subprocess.run([BIN, "--pythons", "3.11,9.9", "--port", "0"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 1)
        self.assertIn("Python 9.9 is not installed", out.stderr)
        self.assertIn("make python313", out.stderr)
        out = subprocess.run([BIN, "--pythons", "3.11,three", "--port", "0"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 1)
        self.assertIn("not a list of versions", out.stderr)

    def test_nothing_prepared_serves_the_linked_python_and_says_so(self):
        with tempfile.TemporaryDirectory() as empty:
            with Server("--pythons-dir", empty) as s:
                self.assertEqual(s.pythons(), [LINKED])
                self.assertIn("serving Python %s only: no other Python is prepared in %s"
                              % (LINKED, empty), s.read_log())
                self.assertEqual(s.run("1")["python"].rsplit(".", 1)[0], LINKED)
            os.makedirs(os.path.join(empty, "3.13", "root"))
            with Server("--pythons-dir", empty) as s:
                self.assertIn("python 3.13 is not prepared, so it is left out: "
                              "%s/3.13/root/.lessond-tree is missing or unusable (`make "
                              "python313` prepares Python 3.13 from Debian 13)" % empty,
                              s.read_log())
                self.assertEqual(s.pythons(), [LINKED])


class Strictness(unittest.TestCase):
    """A missing required layer stops the server, unless relaxed loudly."""

    def test_refuses_to_start_without_landlock(self):
        out = subprocess.run([BIN, "--port", "0"], capture_output=True, text=True, timeout=30,
                             preexec_fn=deny_landlock)
        self.assertNotEqual(out.returncode, 0)
        self.assertRegex(out.stderr, r"landlock +UNAVAILABLE \(required\)")
        self.assertIn("refusing to start", out.stderr)

    def test_allow_weak_sandbox_starts_and_says_so(self):
        with Server("--allow-weak-sandbox", preexec_fn=deny_landlock) as s:
            h = s.health()
            self.assertEqual(h["sandbox"]["layers"]["landlock"], "unavailable")
            self.assertEqual(h["sandbox"]["layers"]["seccomp"], "active")
            self.assertEqual(h["status"], "degraded")
            self.assertFalse(h["sandbox"]["strict"])
            self.assertIn("WITHOUT it", s.read_log())
            self.assertEqual(s.run("1 + 1")["result"]["repr"], "2")

    def test_x32_system_calls_kill_the_child(self):
        with Server() as s:
            r = s.run("import ctypes\nctypes.CDLL(None).syscall(0x40000000 + 39)")
            self.assertEqual(r["status"], "crashed")
            self.assertIn("sandbox", r["message"])


class Process(unittest.TestCase):
    """The process shape: health, zygote recovery, overload, shutdown."""

    def test_health_reports_layers_and_pool(self):
        with Server("--pool-size", "3") as s:
            h = s.health()
            layers = h["sandbox"]["layers"]
            for name in ("rlimits", "seccomp", "landlock"):
                self.assertEqual(layers[name], "active", h)
            self.assertTrue(h["sandbox"]["strict"])
            self.assertEqual(h["pool"]["size"], 3)
            self.assertRegex(h["python"], r"^3\.")
            log = s.read_log()
            self.assertIn("sandbox layer seccomp", log)

    def test_zygote_killed_then_recovered(self):
        with Server() as s:
            old = s.health()["pool"]["zygote_pid"]
            os.kill(old, signal.SIGKILL)
            # Within a second a new zygote serves runs (a run may also land on a
            # child forked before the kill, so wait for the new zygote too).
            deadline = time.monotonic() + 1.0
            recovered = False
            while time.monotonic() < deadline and not recovered:
                fresh = s.health()["pool"]["zygote_pid"] != old
                recovered = fresh and s.run("1 + 1")["status"] == "ok"
            self.assertTrue(recovered, "no new zygote serving runs within a second")
            self.assertEqual(s.health()["pool"]["zygote_restarts"], 1)

    def test_in_flight_run_gets_an_error_when_zygote_dies(self):
        with Server() as s:
            zygote = s.health()["pool"]["zygote_pid"]
            box = {}
            t = threading.Thread(target=lambda: box.update(r=s.run("import time\ntime.sleep(3)")))
            t.start()
            time.sleep(0.5)
            os.kill(zygote, signal.SIGKILL)
            t.join(15)
            self.assertEqual(box["r"]["status"], "crashed")
            self.assertIn("again", box["r"]["message"])
            self.assertEqual(s.run("2 + 2")["result"]["repr"], "4")

    def test_overload_gives_503_with_retry_after(self):
        with Server("--pool-size", "1", "--queue-max", "1") as s:
            body = json.dumps({"code": "import time\ntime.sleep(1.5)"}).encode()
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                futures = [pool.submit(s.request, "POST", "/api/run", body) for _ in range(4)]
                results = [f.result() for f in futures]
            statuses = sorted(r[0] for r in results)
            self.assertIn(503, statuses)
            self.assertIn(200, statuses)
            busy = [r for r in results if r[0] == 503][0]
            self.assertEqual(busy[1].get("Retry-After"), "1")
            self.assertIn("busy", json.loads(busy[2])["error"])

    def test_sigterm_lets_in_flight_runs_finish(self):
        s = Server().__enter__()
        try:
            box = {}
            t = threading.Thread(
                target=lambda: box.update(r=s.run("import time\ntime.sleep(0.8)\n'finished'")))
            t.start()
            time.sleep(0.3)
            code = s.stop(signal.SIGTERM)
            t.join(10)
            self.assertEqual(code, 0)
            self.assertEqual(box["r"]["result"]["repr"], "'finished'")
        finally:
            s.__exit__(None, None, None)

    def test_access_log_has_a_line_per_request(self):
        # A request's line is written before its answer leaves, so it is in
        # the log as soon as the client has the answer, in answer order.
        with Server() as s:
            s.run("1 + 1")
            self.assertRegex(s.read_log(), r"POST /api/run 200 \d+ bytes [\d.]+ ms run=ok")
            # Before the fix about 1 in 16 answers arrived before their line.
            for i in range(100):
                s.request("GET", f"/api/nope{i}")
                self.assertRegex(s.read_log(), rf"GET /api/nope{i} 404 \d+ bytes")
            log = s.read_log()
            self.assertLess(log.index("POST /api/run"), log.index("GET /api/nope0 "))

    def test_access_log_counts_a_request_that_got_no_answer(self):
        # The client leaves before its body is whole: one line, status 0.
        with Server() as s:
            conn = socket.create_connection(("127.0.0.1", s.port))
            conn.sendall(b"POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100\r\n\r\n{\"code\": ")
            time.sleep(0.2)
            conn.close()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and "POST /api/run 0 " not in s.read_log():
                time.sleep(0.05)
            self.assertEqual(s.read_log().count("POST /api/run 0 0 bytes"), 1)
            s.run("1 + 1")
            self.assertEqual(s.read_log().count("POST /api/run 200"), 1)

    def test_bad_flag_fails_fast(self):
        out = subprocess.run([BIN, "--pool-size", "zero"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 2)
        self.assertIn("--pool-size", out.stderr)

    def test_help_lists_flags_and_environment(self):
        out = subprocess.run([BIN, "--help"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0)
        for flag in ("--port", "--bind", "--pool-size", "--cpu-seconds", "--wall-ms",
                     "--memory-bytes", "--output-bytes", "--source-bytes",
                     "--allow-weak-sandbox", "LESSOND_PORT"):
            self.assertIn(flag, out.stdout)

    def test_environment_configures_limits(self):
        env = dict(os.environ, LESSOND_WALL_MS="700")
        with Server(env=env) as s:
            self.assertEqual(s.health()["limits"]["wall_ms"], 700)
            r = s.run("import time\ntime.sleep(5)")
            self.assertEqual(r["status"], "timeout")
            self.assertLess(r["time"]["wall_ms"], 2000)

    def test_concurrent_runs_all_answered(self):
        with Server("--queue-max", "200") as s:
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                reports = list(pool.map(lambda i: s.run(f"{i} * 2"), range(100)))
            self.assertEqual([r["result"]["repr"] for r in reports],
                             [str(i * 2) for i in range(100)])


if __name__ == "__main__":
    unittest.main(verbosity=2)
