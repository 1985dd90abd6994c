"""lessond's in-child runner: run one snippet like a REPL cell, report the run contract.

This module is compiled into the lessond binary, imported once by the zygote,
and called once by each throw-away child (``run``). Learner code runs in this
same interpreter, so nothing here is a security boundary: the sandbox layers
around the child and the server's validation of what it prints are.

Order matters for honest numbers: the snippet is compiled first, the memory
instrument runs only around the snippet itself, and objects are inspected
only after the memory figures are taken (``hasattr(obj, '__dict__')``
materialises the dict).

The instrument is _lessond_memory (memcount.c, built into lessond): it
counts what tracemalloc counts, byte for byte, without capturing
tracebacks, so a traced run costs little more than an untraced one. The
learner's memory limit counts the same bytes (memcount_track, from the
child's C side, before setup runs).
"""

import ast
import builtins
import errno
import gc
import io
import json
import linecache
import os
import re
import sys
import time
import traceback
import types
import weakref  # noqa: F401 - preloaded for learners (lesson 07)

import _lessond_memory as memory_instrument

# The C layer of tracemalloc, not tracemalloc.py: a snippet's own `import
# tracemalloc` then runs that module, as a standalone run does (see warmup()).
# What it imports is preloaded; the import still costs about 1 ms in a child.
import _tracemalloc as tracemalloc
import fnmatch  # noqa: F401
import pickle  # noqa: F401

# Preloaded for learners so a run does not pay for their import.
import collections  # noqa: F401
import dataclasses  # noqa: F401
import functools  # noqa: F401
import itertools  # noqa: F401
import math  # noqa: F401
import random  # noqa: F401
import timeit  # noqa: F401
import typing  # noqa: F401

RUNNER_FILE = "<lessond-runner>"
SNIPPET = "<snippet>"
SETUP = "<setup>"
REPR_MAX = 10000
ATTR_REPR_MAX = 200
OBJECTS_MAX = 20
ATTRS_MAX = 32
TRACEBACK_MAX = 8000
STDOUT_FD = 1
STDERR_FD = 2

_perf = time.perf_counter
_cpu = time.process_time


def _is(value, kinds):
    """isinstance() that never runs learner code: it looks at the real type,
    not at a __class__ the learner may have made a property that raises."""
    return issubclass(type(value), kinds)


def _cap(text, limit):
    """Returns text cut to limit characters, marking the cut."""
    if len(text) > limit:
        return text[:limit] + "…"
    return text


def _safe(fn, default):
    """Calls fn(); any exception (learner code can raise anything) gives default."""
    try:
        return fn()
    except BaseException:  # noqa: B036 - hostile __repr__ may raise SystemExit too
        return default


def _safe_repr(value, limit):
    """repr() of a learner value, never raising, always a str, capped."""
    def attempt():
        text = repr(value)
        if not _is(text, str):
            return "<__repr__ returned a non-string>"
        return _cap(text, limit)
    return _safe(attempt, "<__repr__ raised an exception>")


def _type_name(t):
    """The type's name, as a learner wrote it."""
    return _safe(lambda: str(t.__qualname__), "?")


def _declared_slots(t):
    """Slot names declared along the MRO, base classes first, without repeats."""
    names = []
    for klass in reversed(t.__mro__):
        declared = klass.__dict__.get("__slots__")
        if declared is None:
            continue
        if _is(declared, str):
            declared = (declared,)
        for name in _safe(lambda: [str(n) for n in declared], []):
            if name not in names:
                names.append(name)
    return names


def _slot_values(obj, t):
    """Values of the slots that are set, read through their member descriptors
    (so a learner's __getattribute__ is not involved)."""
    values = {}
    for klass in reversed(t.__mro__):
        for name, member in list(klass.__dict__.items()):
            if not _is(member, types.MemberDescriptorType):
                continue
            if len(values) >= ATTRS_MAX:
                return values
            try:
                values[member.__name__] = _safe_repr(member.__get__(obj, t), ATTR_REPR_MAX)
            except AttributeError:
                pass  # declared but never assigned
            except BaseException:
                values[member.__name__] = "<unreadable>"
    return values


def object_report(name, obj):
    """Describes one object: its type, whether it has a __dict__, its slots,
    whether it takes weak references, its shallow size and its attributes.
    Runs learner code (repr, __dict__ properties); every call is guarded."""
    t = type(obj)
    has_dict = bool(_safe(lambda: hasattr(obj, "__dict__"), False))
    attrs = _slot_values(obj, t)
    if has_dict:
        d = _safe(lambda: object.__getattribute__(obj, "__dict__"), None)
        if _is(d, dict):
            for key, value in list(d.items())[:ATTRS_MAX]:
                attrs[_safe_repr(key, 80) if not _is(key, str) else key] = _safe_repr(
                    value, ATTR_REPR_MAX)
    size = _safe(lambda: sys.getsizeof(obj), None)
    report = {
        "name": name,
        "type": _type_name(t),
        "has_dict": has_dict,
        "slots": _declared_slots(t),
        "weakrefable": t.__weakrefoffset__ != 0,
        "size": size if isinstance(size, int) else None,
        "attrs": attrs,
    }
    if has_dict:
        report["dict_from"] = _safe(lambda: _dict_from(t), None)
    return report


def _dict_from(t):
    """The class that gives instances their __dict__: the first class in the
    MRO (object aside) without __slots__, or whose __slots__ names
    '__dict__'. None when a built-in base provides it."""
    for klass in t.__mro__:
        if klass is object:
            continue
        declared = type.__dict__["__dict__"].__get__(klass).get("__slots__")
        if declared is None:
            return _type_name(klass) if klass.__module__ != "builtins" else None
        names = (declared,) if _is(declared, str) else _safe(lambda: tuple(declared), ())
        if "__dict__" in names:
            return _type_name(klass)
    return None


def _is_learner_instance(value):
    """True for instances of classes the learner defined (in setup or snippet)."""
    t = type(value)
    if _is(value, (type, types.FunctionType, types.ModuleType, types.BuiltinFunctionType)):
        return False
    return type.__getattribute__(t, "__module__") == "__main__"


def _objects(ns, has_result, value):
    """Reports for learner-defined instances bound at top level, then the
    result. An object whose inspection fails is left out, never the run."""
    found = []
    for name, bound in list(ns.items()):
        if len(found) >= OBJECTS_MAX:
            break
        if _is(name, str) and not name.startswith("__") and _safe(
                lambda: _is_learner_instance(bound), False):
            report = _safe(lambda: object_report(name, bound), None)
            if report is not None:
                found.append(report)
    if has_result and _safe(lambda: _is_learner_instance(value), False) and len(found) < OBJECTS_MAX:
        report = _safe(lambda: object_report(None, value), None)
        if report is not None:
            report["is_result"] = True
            found.append(report)
    return found


def _strip_runner_frames(tb):
    """Drops this module's own frames from the front of a traceback."""
    while tb is not None and tb.tb_frame.f_code.co_filename == RUNNER_FILE:
        tb = tb.tb_next
    return tb


def exception_report(exc, where):
    """The exception as the contract wants it: type, message, the snippet's own
    line, and a traceback without the runner's frames."""
    tb = _strip_runner_frames(exc.__traceback__)
    line = None
    walk = tb
    while walk is not None:
        if walk.tb_frame.f_code.co_filename == (SETUP if where == "setup" else SNIPPET):
            line = walk.tb_lineno
        walk = walk.tb_next
    report = {
        "type": _type_name(type(exc)),
        "message": _cap(_safe(lambda: str(exc), "<__str__ raised an exception>"), 2000),
        "line": line,
        "traceback": _cap(_safe(
            lambda: "".join(traceback.format_exception(type(exc), exc, tb)),
            "<traceback unavailable>"), TRACEBACK_MAX),
    }
    if where == "setup":
        report["in_setup"] = True
    if _is(exc, SyntaxError):
        report["message"] = _cap(str(exc.msg), 2000)
        report["line"] = exc.lineno
        report["offset"] = exc.offset
    if _is(exc, SyntaxError):
        report["traceback"] = _cap(_safe(
            lambda: "".join(traceback.format_exception_only(type(exc), exc)),
            "<traceback unavailable>"), TRACEBACK_MAX)
    if _is(exc, AttributeError):
        name, obj = _attribute_error_target(exc, tb)
        report["name"] = name
        report["object"] = object_report(None, obj) if obj is not _MISSING else None
    return report


_MISSING = object()
_NO_ATTRIBUTE = re.compile(r"has no attribute '([^']+)'")


def _resolve_names(node, frame):
    """Value of a Name or a dotted chain of Names in frame, or _MISSING.
    Nothing but variable and attribute lookups is evaluated."""
    if isinstance(node, ast.Name):
        for scope in (frame.f_locals, frame.f_globals, vars(builtins)):
            if node.id in scope:
                return scope[node.id]
        return _MISSING
    if isinstance(node, ast.Attribute):
        base = _resolve_names(node.value, frame)
        if base is _MISSING:
            return _MISSING
        return _safe(lambda: getattr(base, node.attr), _MISSING)
    return _MISSING


def _attribute_error_target(exc, tb):
    """(attribute name, object) of an AttributeError. CPython 3.11 fills
    .name/.obj only for failed reads; for a failed assignment such as
    `p.z = 1` the failing expression is found from the instruction's source
    position and its object looked up in the frame."""
    name = _safe(lambda: exc.name, None)
    if not _is(name, str):
        match = _NO_ATTRIBUTE.search(_safe(lambda: str(exc), ""))
        name = match.group(1) if match else None
    obj = _safe(lambda: exc.obj, None)
    if obj is not None or name is None:
        return name, obj if obj is not None else _MISSING
    last = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in (SNIPPET, SETUP):
            last = tb
        tb = tb.tb_next
    if last is None:
        return name, _MISSING
    def locate():
        positions = list(last.tb_frame.f_code.co_positions())[last.tb_lasti // 2]
        line, end_line, col, end_col = positions
        lines = linecache.getlines(last.tb_frame.f_code.co_filename)
        if line is None or line != end_line or line > len(lines):
            return _MISSING
        text = lines[line - 1].encode("utf-8")[col:end_col].decode("utf-8")
        node = ast.parse(text.strip(), mode="eval").body
        if isinstance(node, ast.Attribute) and node.attr == name:
            return _resolve_names(node.value, last.tb_frame)
        return _MISSING
    return name, _safe(locate, _MISSING)


def _reset_output():
    """Empties the captured stdout and stderr (memfds sized by RLIMIT_FSIZE)."""
    for fd in (STDOUT_FD, STDERR_FD):
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)


def _read_output(fd, limit):
    """Returns (text, truncated) for one captured stream."""
    data = os.pread(fd, limit + 1, 0)
    truncated = len(data) > limit
    return data[:limit].decode("utf-8", "replace"), truncated


def _install_streams():
    """Points sys.stdout and sys.stderr at the capture fds, unbuffered, so an
    output flood hits the size limit at the print that crosses it."""
    sys.stdout = io.TextIOWrapper(io.FileIO(STDOUT_FD, "w", closefd=False),
                                  encoding="utf-8", errors="backslashreplace",
                                  write_through=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(STDERR_FD, "w", closefd=False),
                                  encoding="utf-8", errors="backslashreplace",
                                  write_through=True)


def _remember_source(filename, source):
    """Lets tracebacks quote the learner's lines."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def _flush_streams():
    """Flushes learner streams; an error here is an output-limit symptom, not a crash."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass


def _clean(value):
    """Makes every string safe for strict UTF-8 JSON (lone surrogates escaped)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


_real_start = tracemalloc.start
_outer_trace = {"on": False, "yielded": False}


def _yield_trace(*args, **kwargs):
    """Stands in for tracemalloc.start during a traced run: stops the
    runner's own measurement first, so the snippet's tracing starts from
    nothing, exactly as it would standalone."""
    if _outer_trace["on"]:
        _outer_trace["on"] = False
        _outer_trace["yielded"] = True
        memory_instrument.stop()
    return _real_start(*args, **kwargs)


def _compile_snippet(code, filename=SNIPPET):
    """Splits source like a REPL cell: (body, last_expression_or_None)."""
    tree = ast.parse(code, filename)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    body = compile(tree, filename, "exec")
    expr = compile(last, filename, "eval") if last is not None else None
    return body, expr


_prepared = []  # the __main__ module prepare() made for the next run

# Young collections (gc.get_count()[1]) the interpreter had made by the end
# of its start-up, before this module was imported: pyrun_init sets it.
FRESH_YOUNG_COLLECTIONS = 0


def prepare():
    """Does the steps of run() that do not depend on the job, in a waiting
    child before the job arrives: a fresh __main__, the output streams, and
    the collector's generations as a fresh interpreter has them.
    (The same steps, in the same order, still come before the snippet, so
    its memory figures do not change.)

    gc.freeze() in the zygote left every generation's count at zero, where
    a fresh interpreter starts its first line having made a few young
    collections (FRESH_YOUNG_COLLECTIONS: 2 on 3.13, 6 on 3.11). Behind by
    that many, the child's older collections come later than standalone,
    and a full collection, which empties the free lists, can fall inside a
    snippet in one and not the other: a million objects' peak then differs
    by a free list's blocks (120 bytes on 3.13). As many young collections
    here bring the child level; each scans only the few objects made since
    the fork, and a young collection never empties the free lists."""
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = main
    _install_streams()
    for _ in range(FRESH_YOUNG_COLLECTIONS - gc.get_count()[1]):
        gc.collect(0)
    _prepared[:] = [main]


def run(code, setup, output_limit, extra=""):
    """Runs setup (silently) then code in a fresh __main__, and returns the run
    contract as UTF-8 JSON bytes. Never raises for anything the learner does.
    `extra` (JSON, from the lesson engine) asks for a verdict after the run:
    {"predict": answer} or {"checks": [{"code": ..., "message": ...}]}."""
    report = {
        "status": "ok", "result": None, "stdout": "", "stderr": "", "truncated": False,
        "exception": None, "objects": [], "memory": None,
        "time": {"wall_ms": 0.0, "cpu_ms": 0.0},
        "python": sys.version.split()[0],
    }
    if not _prepared:
        prepare()
    main = _prepared.pop()
    ns = main.__dict__
    _reset_output()
    _remember_source(SNIPPET, code)
    failure = None
    t0, c0 = _perf(), _cpu()

    if setup:
        _remember_source(SETUP, setup)
        try:
            exec(compile(setup, SETUP, "exec"), ns)
        except BaseException as exc:  # noqa: B036
            failure = (exc, "setup")
        _flush_streams()
        _reset_output()

    body = expr = None
    if failure is None:
        try:
            body, expr = _compile_snippet(code)
        except BaseException as exc:  # SyntaxError, ValueError, RecursionError, MemoryError
            failure = (exc, "snippet")

    value = raised = None
    # A snippet that mentions tracemalloc measures itself: no outer trace,
    # so its own calls see what they would see standalone. Code reached
    # through the setup (a helper from an earlier step) may start tracing
    # too: then the outer trace steps aside at that moment (_yield_trace).
    tracing = "tracemalloc" not in code
    memory = None
    if failure is None:
        if tracing:
            _outer_trace["on"] = True
            _outer_trace["yielded"] = False
            tracemalloc.start = _yield_trace
            memory_instrument.start()
        try:
            exec(body, ns)
            if expr is not None:
                value = eval(expr, ns)
        except BaseException as exc:  # noqa: B036
            failure = (exc, "snippet")
        # Room to report on a snippet that left little (allocates nothing).
        memory_instrument.grant_reserve()
        if tracing:
            tracemalloc.start = _real_start
            if _outer_trace["on"]:
                current, peak = memory_instrument.get_traced_memory()
                memory_instrument.stop()
                memory = {"peak_bytes": peak, "current_bytes": current}
            _outer_trace["on"] = False
        _flush_streams()
    if memory is None:
        if not tracing:
            reason = "the snippet uses tracemalloc itself, so the runner does not trace around it"
        elif _outer_trace["yielded"]:
            reason = "the snippet started tracemalloc itself, so the runner stopped its own trace"
        else:
            reason = "the snippet did not run"
        memory = {"peak_bytes": None, "current_bytes": None, "absent": reason}
    refused = memory_instrument.refused()
    if refused is not None:
        memory["refused"] = {"in_use_bytes": refused[0], "requested_bytes": refused[1]}
    report["memory"] = memory
    report["time"] = {"wall_ms": round((_perf() - t0) * 1000, 3),
                      "cpu_ms": round((_cpu() - c0) * 1000, 3)}

    if failure is not None:
        exc, where = failure
        if _is(exc, MemoryError):
            ns.clear()
            exc.__traceback__ = None
            gc.collect()
            report["status"] = "memory_limit"
        elif _is(exc, OSError) and exc.errno == errno.EFBIG:
            report["status"] = "output_limit"
        else:
            report["status"] = "error"
        report["exception"] = exception_report(exc, where)
        raised = exc if where == "snippet" and report["status"] == "error" else None
        failure = exc = None
    elif expr is not None:
        report["result"] = {"repr": _safe_repr(value, REPR_MAX),
                            "type": _type_name(type(value))}
        if report["result"]["type"] == "?":
            report["result"]["type"] = type(value).__name__

    if report["status"] != "memory_limit":
        report["objects"] = _objects(ns, expr is not None and report["exception"] is None, value)
    if extra and report["status"] in ("ok", "error"):
        report["verdict"] = _safe(lambda: verdict(json.loads(extra), ns, value, raised),
                                  {"error": "the checks could not run"})

    out, out_cut = _read_output(STDOUT_FD, output_limit)
    err, err_cut = _read_output(STDERR_FD, output_limit)
    report["stdout"], report["stderr"] = out, err
    report["truncated"] = out_cut or err_cut
    if report["truncated"] and report["status"] in ("ok", "error"):
        report["status"] = "output_limit"
    return json.dumps(_clean(report), ensure_ascii=False).encode("utf-8")


def _cell(source, ns, filename):
    """Runs source like a REPL cell in ns; returns the last expression's value
    (None when there is none)."""
    body, expr = _compile_snippet(source, filename)
    exec(body, ns)
    return eval(expr, ns) if expr is not None else None


def _raises(kind, fn, *args, **kwargs):
    """Check helper: True when fn(*args, **kwargs) raises `kind`."""
    try:
        fn(*args, **kwargs)
    except kind:
        return True
    return False


def _peak(fn, *args, **kwargs):
    """Check helper: the peak, in bytes, while fn runs, as tracemalloc counts
    it, measured by the runner's instrument (about a third of tracemalloc's
    cost). A trace the learner's code left running is stopped first: its
    own records would otherwise be allocated under the instrument."""
    if tracemalloc.is_tracing():
        tracemalloc.stop()
    memory_instrument.start()
    try:
        fn(*args, **kwargs)
        return memory_instrument.get_traced_memory()[1]
    finally:
        memory_instrument.stop()


def _same(answer, actual):
    """Compares a learner's evaluated answer with the real value: ==, then
    repr as the fallback (so floats, sets and objects with __eq__ quirks
    still match when they print the same)."""
    try:
        if answer == actual:
            return True
    except BaseException:  # noqa: B036
        pass
    return _safe_repr(answer, REPR_MAX) == _safe_repr(actual, REPR_MAX)


def _judge_prediction(answer, ns, value, raised):
    """Evaluates the learner's answer and compares it with what happened."""
    text = answer.strip()
    if raised is not None:
        kind = type(raised)
        names = {c.__name__ for c in kind.__mro__ if issubclass(c, BaseException)}
        short = text.split(":")[0].strip()
        ok = short in names and short not in ("BaseException", "Exception", "object")
        return {"correct": ok, "expected": {"exception": kind.__name__,
                                            "message": _safe(lambda: str(raised), "")}}
    expected = {"repr": _safe_repr(value, REPR_MAX), "type": _type_name(type(value))}
    try:
        guess = eval(compile(text, "<answer>", "eval"), dict(ns))
    except BaseException:  # noqa: B036 - not Python: compare the text itself
        ok = text in (expected["repr"], _safe(lambda: str(value), None))
        return {"correct": ok, "expected": expected}
    if _is(guess, type) and issubclass(guess, BaseException):
        return {"correct": False, "expected": expected,
                "note": "nothing was raised"}
    return {"correct": _same(guess, value), "expected": expected}


def _judge_checks(checks, ns, raised):
    """Runs each hidden check after the learner's code, in a copy of its
    namespace with the helpers raises() and peak(). A check passes when it
    does not raise and its last expression (if any) is truthy."""
    results = []
    for check in checks:
        message = check.get("message") or "a hidden check"
        if raised is not None:
            results.append({"message": message, "passed": False,
                            "error": "your code raised " + type(raised).__name__})
            continue
        scope = dict(ns)
        scope.update(raises=_raises, peak=_peak)
        try:
            outcome = _cell(check["code"], scope, "<check>")
            passed = outcome is None or bool(outcome)
            results.append({"message": message, "passed": passed})
        except BaseException as exc:  # noqa: B036
            results.append({"message": message, "passed": False,
                            "error": "%s: %s" % (type(exc).__name__,
                                                 _cap(_safe(lambda: str(exc), ""), 300))})
    return {"correct": all(r["passed"] for r in results), "checks": results}


def verdict(spec, ns, value, raised):
    """The lesson engine's verdict for a predict answer or a goal's checks."""
    if "predict" in spec:
        return _judge_prediction(str(spec["predict"]), ns, value, raised)
    if "checks" in spec:
        return _judge_checks(spec["checks"], ns, raised)
    return {"error": "unknown verdict request"}


_EXERCISE = "class _W:\n    __slots__ = ('a',)\n_w = _W()\n_w.a = [1]\nprint(_w.a)\n_w"


def exercise():
    """One representative run through the whole run path: compile, trace,
    execute, inspect an object, capture output, encode JSON. The zygote runs
    it while warming up; a probe child runs it to learn which pages a run
    touches (prefault.c); a child runs it itself only when that failed.
    run() puts the real tracemalloc.start back at the end of a traced run;
    a snippet's `import tracemalloc` must find _yield_trace (see warmup())."""
    prepare()
    run(_EXERCISE, "", 1024)
    tracemalloc.start = _yield_trace


def warmup():
    """Prepares the zygote's heap, once, before the first fork.

    The exercise pays for first-use work (specialised bytecode, caches) once
    for all children. A full collection then frees its garbage and empties
    CPython's free lists, and what is left is frozen: no collection in a
    child ever scans the inherited heap, and the few steps of each run
    before the snippet refill the free lists about as far as a fresh
    interpreter has them at a script's first line. (No child collects or
    freezes again: that would empty them right before the snippet.)

    Free lists decide whether an object is counted: a class call's argument
    tuple (48 bytes) comes from a free list or is allocated and traced. A
    snippet that imports tracemalloc and measures a class call right after
    the import sees what the import left. Standalone, that import runs
    tracemalloc.py and refills the lists; here it does too, because the
    runner uses _tracemalloc and never loads tracemalloc.py. (The snippet's
    module binds _tracemalloc.start when it is imported: exercise() leaves
    _yield_trace there, so a snippet that starts tracing still takes over
    from the runner's trace.)"""
    exercise()
    gc.collect()
    gc.freeze()




def read_only_paths():
    """Directories a child may read: the standard library, its extension
    modules, and the shared libraries those link against. An interpreter
    whose home is a Debian tree (pyrun_init's home) finds its stdlib there,
    but sysconfig names LIBDIR as it was built, under /usr: it is moved under
    the tree's prefix too, so a child reads the tree's libraries, never this
    machine's."""
    import sysconfig
    paths = [p for p in sys.path if os.path.isdir(p)]
    libdir = sysconfig.get_config_var("LIBDIR")
    built = sysconfig.get_config_var("prefix")
    if libdir and built and sys.prefix != built and libdir.startswith(built + "/"):
        libdir = sys.prefix + libdir[len(built):]
    if libdir and os.path.isdir(libdir) and libdir not in paths:
        paths.append(libdir)
    return paths
