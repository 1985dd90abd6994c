/* pyrun.c: CPython embedding. Owns the interpreter of the zygote and, after
 * fork, of each child. References are marked new or borrowed where taken. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "zygote/pyrun.h"

#include "zygote/memcount.h"

#include "common/log.h"
#include "runner_py.h" /* generated from runner.py: runner_py[], runner_py_len */

#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static PyObject *runner_run;      /* new reference, kept for the process lifetime */
static PyObject *runner_warmup;   /* new reference, kept for the process lifetime */
static PyObject *runner_exercise; /* new reference, kept for the process lifetime */
static PyObject *runner_prepare;  /* new reference, kept for the process lifetime */

/* Imports the runner from the source compiled into this binary. Returns the
 * module (new reference) or NULL with the Python error printed to the log. */
static PyObject *import_runner(void)
{
	PyObject *filename = PyUnicode_FromString("<lessond-runner>"); /* new */
	if (!filename)
		return NULL;
	PyObject *code = Py_CompileStringObject((const char *)runner_py, filename, Py_file_input,
	                                        NULL, -1); /* new */
	Py_DECREF(filename);
	if (!code)
		return NULL;
	PyObject *module = PyImport_ExecCodeModule("lessond_runner", code); /* new */
	Py_DECREF(code);
	return module;
}

/* Prints the pending Python error, if any, to stderr (the log) and clears
 * it, then logs `what`. PyErr_Print with no error set is a fatal error, so
 * it is only called when one is. */
static void report_python_error(const char *what)
{
	if (PyErr_Occurred())
		PyErr_Print();
	log_error("%s", what);
}

/* Copies the runner's read_only_paths() into info, encoded as the file
 * system encodes names (surrogate escapes included). Returns 0, or -1 with
 * a Python error set. A path that cannot be encoded, or is too long, is
 * logged with its error and left out: Landlock then denies it. */
static int collect_paths(PyObject *module, struct pyrun_info *info)
{
	PyObject *list = PyObject_CallMethod(module, "read_only_paths", NULL); /* new */
	if (!list)
		return -1;
	if (!PyList_Check(list)) {
		PyErr_Format(PyExc_TypeError, "read_only_paths() returned %.64s, not a list",
		             Py_TYPE(list)->tp_name);
		Py_DECREF(list);
		return -1;
	}
	info->npaths = 0;
	for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list) && info->npaths < PYRUN_MAX_PATHS; i++) {
		PyObject *item = PyList_GET_ITEM(list, i); /* borrowed */
		PyObject *bytes =
		    PyUnicode_Check(item) ? PyUnicode_EncodeFSDefault(item) : NULL; /* new */
		if (!bytes) {
			if (!PyErr_Occurred())
				PyErr_Format(PyExc_TypeError, "read_only_paths()[%zd] is not a str",
				             i);
			report_python_error("a read-only path of the runner is left out");
			continue;
		}
		const char *p = PyBytes_AS_STRING(bytes);
		if (strlen(p) < sizeof info->paths[0] &&
		    strlen(p) == (size_t)PyBytes_GET_SIZE(bytes))
			strcpy(info->paths[info->npaths++], p);
		else
			log_warn(
			    "a read-only path of the runner is too long or holds NUL: left out");
		Py_DECREF(bytes);
	}
	Py_DECREF(list);
	return 0;
}

/* The young collections (gc.get_count()[1]) the interpreter has made so
 * far: called right after start-up, it is what a fresh interpreter has
 * made by its first line (runner.prepare() brings each child level with
 * it). Returns -1, with no error left set, when gc cannot say. */
static long young_collections(void)
{
	PyObject *gc = PyImport_ImportModule("gc");                               /* new */
	PyObject *count = gc ? PyObject_CallMethod(gc, "get_count", NULL) : NULL; /* new */
	long n = count && PyTuple_Check(count) && PyTuple_GET_SIZE(count) > 1
	             ? PyLong_AsLong(PyTuple_GET_ITEM(count, 1))
	             : -1;
	Py_XDECREF(count);
	Py_XDECREF(gc);
	PyErr_Clear();
	return n;
}

/* Runs the runner's warm-up (one exercise run, gc, gc.freeze) with the
 * capture fds pointed at throw-away memfds, so the zygote's own first-run
 * work happens before its heap is frozen and children are forked. */
static void zygote_warmup(void)
{
	int out = memfd_create("warmup-out", MFD_CLOEXEC);
	int err = memfd_create("warmup-err", MFD_CLOEXEC);
	int saved1 = dup(1), saved2 = dup(2);
	if (out < 0 || err < 0 || saved1 < 0 || saved2 < 0)
		goto close_fds;
	dup2(out, 1);
	dup2(err, 2);
	PyObject *r = PyObject_CallNoArgs(runner_warmup); /* new */
	if (!r)
		report_python_error("the runner's warm-up failed; children start colder");
	Py_XDECREF(r);
	dup2(saved1, 1);
	dup2(saved2, 2);
close_fds:
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	if (saved1 >= 0)
		close(saved1);
	if (saved2 >= 0)
		close(saved2);
}

int pyrun_init(struct pyrun_info *info, const char *home)
{
	if (memcount_register() < 0) {
		log_error("cannot register the memory instrument");
		return -1;
	}
	PyConfig config;
	PyConfig_InitIsolatedConfig(&config);
	config.site_import = 0;
	config.install_signal_handlers = 0;
	config.write_bytecode = 0;
	PyStatus status =
	    home ? PyConfig_SetBytesString(&config, &config.home, home) : PyStatus_Ok();
	if (!PyStatus_Exception(status))
		status = Py_InitializeFromConfig(&config);
	PyConfig_Clear(&config);
	if (PyStatus_Exception(status)) {
		log_error("cannot initialise Python: %s", status.err_msg ? status.err_msg : "?");
		return -1;
	}
	long young = young_collections();
	memcount_install(); /* before the runner: its import may allocate under the hooks */
	PyObject *module = import_runner(); /* new */
	if (!module)
		goto python_error;
	PyObject *fresh = PyLong_FromLong(young > 0 ? young : 0); /* new */
	if (!fresh || PyObject_SetAttrString(module, "FRESH_YOUNG_COLLECTIONS", fresh) < 0)
		report_python_error("the collector's start-up state is not known; children "
		                    "start with none");
	Py_XDECREF(fresh);
	PyErr_Clear();
	log_debug("python made %ld young collections while starting", young);
	/* One call at a time: none may run with an earlier one's error set. */
	if (!(runner_run = PyObject_GetAttrString(module, "run")) ||           /* new */
	    !(runner_warmup = PyObject_GetAttrString(module, "warmup")) ||     /* new */
	    !(runner_exercise = PyObject_GetAttrString(module, "exercise")) || /* new */
	    !(runner_prepare = PyObject_GetAttrString(module, "prepare")) ||   /* new */
	    collect_paths(module, info) < 0)
		goto free_module;
	Py_DECREF(module);
	snprintf(info->version, sizeof info->version, "%d.%d.%d", PY_MAJOR_VERSION,
	         PY_MINOR_VERSION, PY_MICRO_VERSION);
	const char *ver = Py_GetVersion();
	size_t n = strcspn(ver, " ");
	if (n > 0 && n < sizeof info->version)
		snprintf(info->version, sizeof info->version, "%.*s", (int)n, ver);
	zygote_warmup();  /* ends with gc.freeze(): see runner.warmup() */
	memcount_reset(); /* the warm-up's own records must not reach a child */
	return 0;
free_module:
	Py_DECREF(module);
python_error:
	report_python_error("cannot load the runner module");
	return -1;
}

const char *pyrun_linked_version(void)
{
	return PY_VERSION;
}

pid_t pyrun_fork(void)
{
	PyOS_BeforeFork();
	pid_t pid = fork();
	if (pid == 0)
		PyOS_AfterFork_Child();
	else
		PyOS_AfterFork_Parent();
	return pid;
}

void pyrun_exercise(void)
{
	PyObject *r = PyObject_CallNoArgs(runner_exercise); /* new */
	if (!r)
		PyErr_Clear();
	Py_XDECREF(r);
}

void pyrun_prepare(void)
{
	PyObject *r = PyObject_CallNoArgs(runner_prepare); /* new */
	if (!r)
		PyErr_Clear(); /* run() prepares again when nothing was prepared */
	Py_XDECREF(r);
}

/* Fills *out with a small JSON object for when the runner itself failed,
 * and clears the Python error, if one is set (a result that is not bytes,
 * or a failed malloc, leaves none). Returns -1. */
static int runner_failed(char **out, size_t *out_len)
{
	int nomem = PyErr_ExceptionMatches(PyExc_MemoryError);
	PyErr_Clear();
	const char *text = nomem ? "{\"status\":\"memory_limit\"}" : "{\"status\":\"crashed\"}";
	*out = strdup(text);
	*out_len = *out ? strlen(text) : 0;
	return -1;
}

int pyrun_run(const char *code, size_t code_len, const char *setup, size_t setup_len,
              const char *extra, size_t extra_len, long output_limit, char **out, size_t *out_len)
{
	PyObject *args =
	    Py_BuildValue("(s#s#ls#)", code, (Py_ssize_t)code_len, setup, (Py_ssize_t)setup_len,
	                  output_limit, extra, (Py_ssize_t)extra_len); /* new */
	if (!args)
		return runner_failed(out, out_len);
	PyObject *json = PyObject_CallObject(runner_run, args); /* new */
	Py_DECREF(args);
	if (!json || !PyBytes_Check(json)) {
		Py_XDECREF(json);
		return runner_failed(out, out_len);
	}
	size_t len = (size_t)PyBytes_GET_SIZE(json);
	*out = malloc(len ? len : 1);
	if (!*out) {
		Py_DECREF(json);
		return runner_failed(out, out_len);
	}
	memcpy(*out, PyBytes_AS_STRING(json), len);
	*out_len = len;
	Py_DECREF(json);
	return 0;
}

/* A memory cap enforced by CPython's allocator hooks, for builds where
 * RLIMIT_AS cannot be used (ASan reserves terabytes of shadow memory).
 * Counts the raw domain (malloc, which large objects and pymalloc's
 * overflow use) and pymalloc's arenas. The child is single-threaded.
 * The counter is signed: blocks from before the cap may be freed under it. */
static PyMemAllocatorEx cap_raw_base;
static PyObjectArenaAllocator cap_arena_base;
static long long cap_used, cap_limit;

static bool cap_room(size_t n)
{
	return (long long)n <= cap_limit - cap_used;
}

static void *cap_malloc(void *ctx, size_t n)
{
	(void)ctx;
	void *p = cap_room(n) ? cap_raw_base.malloc(cap_raw_base.ctx, n) : NULL;
	if (p)
		cap_used += (long long)malloc_usable_size(p);
	return p;
}

static void *cap_calloc(void *ctx, size_t nelem, size_t elsize)
{
	(void)ctx;
	if (elsize && nelem > SIZE_MAX / elsize)
		return NULL;
	void *p =
	    cap_room(nelem * elsize) ? cap_raw_base.calloc(cap_raw_base.ctx, nelem, elsize) : NULL;
	if (p)
		cap_used += (long long)malloc_usable_size(p);
	return p;
}

static void *cap_realloc(void *ctx, void *ptr, size_t n)
{
	(void)ctx;
	size_t old = ptr ? malloc_usable_size(ptr) : 0;
	if (n > old && !cap_room(n - old))
		return NULL;
	void *p = cap_raw_base.realloc(cap_raw_base.ctx, ptr, n);
	if (p)
		cap_used += (long long)malloc_usable_size(p) - (long long)old;
	return p;
}

static void cap_free(void *ctx, void *ptr)
{
	(void)ctx;
	if (ptr)
		cap_used -= (long long)malloc_usable_size(ptr);
	cap_raw_base.free(cap_raw_base.ctx, ptr);
}

static void *cap_arena_alloc(void *ctx, size_t size)
{
	(void)ctx;
	void *p = cap_room(size) ? cap_arena_base.alloc(cap_arena_base.ctx, size) : NULL;
	if (p)
		cap_used += (long long)size;
	return p;
}

static void cap_arena_free(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	cap_used -= (long long)size;
	cap_arena_base.free(cap_arena_base.ctx, ptr, size);
}

void pyrun_set_memory_cap(long bytes)
{
	cap_limit = bytes;
}

void pyrun_cap_memory(long bytes)
{
	static PyMemAllocatorEx raw = {NULL, cap_malloc, cap_calloc, cap_realloc, cap_free};
	static PyObjectArenaAllocator arena = {NULL, cap_arena_alloc, cap_arena_free};
	cap_limit = bytes;
	cap_used = 0;
	PyMem_GetAllocator(PYMEM_DOMAIN_RAW, &cap_raw_base);
	PyObject_GetArenaAllocator(&cap_arena_base);
	PyMem_SetAllocator(PYMEM_DOMAIN_RAW, &raw);
	PyObject_SetArenaAllocator(&arena);
}
