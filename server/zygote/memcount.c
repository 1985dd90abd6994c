/* memcount.c: the runner's memory instrument and the learner's memory
 * limit, as hooks on CPython's three allocator domains (raw, mem, object).
 *
 * Each hook calls the allocator it wraps and records the block in the
 * table (memtable.c) with the size the interpreter asked for, by
 * tracemalloc's own rules: a call made from inside another hooked call
 * (pymalloc handing a large block to malloc) is not counted again; a free
 * forgets the block whichever layer frees it; a block resized that was not
 * counted is counted at its new size. Without tracebacks to capture this
 * costs a few loads per allocation, where tracemalloc costs about 3x the
 * whole run (docs/ARCHITECTURE.md §4 and §7).
 *
 * The limit: while tracking, an allocation that would take the tracked
 * bytes past the limit returns NULL (Python raises MemoryError) and the
 * figure is kept for the report. RLIMIT_AS stays the backstop.
 *
 * Python sees the module _lessond_memory: start(), stop(), is_tracing(),
 * get_traced_memory() like _tracemalloc's, plus tracked(), refused() and
 * grant_reserve().
 * Owns: the saved base allocators and one spin lock that serialises every
 * table update (learner threads may allocate without the GIL). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "zygote/memcount.h"
#include "zygote/memtable.h"

#include <stdbool.h>
#include <stdint.h>

static PyMemAllocatorEx base[3]; /* indexed by PyMemAllocatorDomain */
static bool active;              /* memtable_tracking(), readable without a call */
static __thread unsigned depth;  /* > 0 inside a hooked call of this thread */
static int lock_word;

/* Takes the table lock (uncontended: one atomic exchange). */
static void lock(void)
{
	while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&lock_word, __ATOMIC_RELAXED))
			;
}

static void unlock(void)
{
	__atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
}

/* Records a new block, or refuses it: returns p, or NULL after freeing p
 * when the limit refuses it or the table cannot hold it. */
static void *admit(PyMemAllocatorEx *b, void *p, size_t n)
{
	lock();
	bool ok = memtable_room(n) && memtable_add((uintptr_t)p, n) == 0;
	unlock();
	if (ok)
		return p;
	depth++;
	b->free(b->ctx, p);
	depth--;
	return NULL;
}

static void *hook_malloc(void *ctx, size_t n)
{
	PyMemAllocatorEx *b = ctx;
	if (!active || depth)
		return b->malloc(b->ctx, n);
	depth++;
	void *p = b->malloc(b->ctx, n);
	depth--;
	return p ? admit(b, p, n) : NULL;
}

static void *hook_calloc(void *ctx, size_t nelem, size_t elsize)
{
	PyMemAllocatorEx *b = ctx;
	if (!active || depth)
		return b->calloc(b->ctx, nelem, elsize);
	if (elsize && nelem > SIZE_MAX / elsize)
		return NULL;
	depth++;
	void *p = b->calloc(b->ctx, nelem, elsize);
	depth--;
	return p ? admit(b, p, nelem * elsize) : NULL;
}

static void *hook_realloc(void *ctx, void *ptr, size_t n)
{
	PyMemAllocatorEx *b = ctx;
	if (!active)
		return b->realloc(b->ctx, ptr, n);
	if (depth) { /* tracemalloc forgets the old block here and counts nothing new */
		void *q = b->realloc(b->ctx, ptr, n);
		if (q && ptr) {
			lock();
			memtable_remove((uintptr_t)ptr);
			unlock();
		}
		return q;
	}
	lock();
	int64_t old = ptr ? memtable_size((uintptr_t)ptr) : -1;
	bool room = (old >= 0 && n <= (uint64_t)old) || memtable_room(n - (old > 0 ? old : 0));
	unlock();
	if (!room)
		return NULL;
	depth++;
	void *q = b->realloc(b->ctx, ptr, n);
	depth--;
	if (!q)
		return NULL;
	lock();
	if (ptr)
		memtable_remove((uintptr_t)ptr);
	memtable_add((uintptr_t)q, n); /* a failure here leaves the block uncounted */
	unlock();
	return q;
}

static void hook_free(void *ctx, void *ptr)
{
	PyMemAllocatorEx *b = ctx;
	if (active && ptr) {
		lock();
		memtable_remove((uintptr_t)ptr);
		unlock();
	}
	b->free(b->ctx, ptr);
}

void memcount_install(void)
{
	static const PyMemAllocatorDomain domains[] = {PYMEM_DOMAIN_RAW, PYMEM_DOMAIN_MEM,
	                                               PYMEM_DOMAIN_OBJ};
	for (size_t i = 0; i < sizeof domains / sizeof *domains; i++) {
		PyMemAllocatorEx hook = {&base[domains[i]], hook_malloc, hook_calloc, hook_realloc,
		                         hook_free};
		PyMem_GetAllocator(domains[i], &base[domains[i]]);
		PyMem_SetAllocator(domains[i], &hook);
	}
}

void memcount_track(uint64_t limit)
{
	lock();
	memtable_track(limit);
	active = true;
	unlock();
}

void memcount_reset(void)
{
	lock();
	memtable_reset();
	active = false;
	unlock();
}

/* _lessond_memory.start(): begins a measurement, like tracemalloc.start(). */
static PyObject *py_start(PyObject *self, PyObject *unused)
{
	(void)self, (void)unused;
	lock();
	memtable_measure_start();
	active = true;
	unlock();
	Py_RETURN_NONE;
}

/* _lessond_memory.stop(): ends it; the figures read zero afterwards. */
static PyObject *py_stop(PyObject *self, PyObject *unused)
{
	(void)self, (void)unused;
	lock();
	memtable_measure_stop();
	unlock();
	Py_RETURN_NONE;
}

/* _lessond_memory.is_tracing(): whether a measurement runs. */
static PyObject *py_is_tracing(PyObject *self, PyObject *unused)
{
	(void)self, (void)unused;
	lock();
	bool on = memtable_measuring();
	unlock();
	return PyBool_FromLong(on);
}

/* (current, peak) as a new tuple; the figures are read before the tuple is
 * made, as _tracemalloc does, so making it is not counted. */
static PyObject *pair(void (*read)(uint64_t *, uint64_t *))
{
	uint64_t current, peak;
	lock();
	read(&current, &peak);
	unlock();
	return Py_BuildValue("(KK)", (unsigned long long)current, (unsigned long long)peak);
}

/* _lessond_memory.get_traced_memory(): (current, peak) of the measurement. */
static PyObject *py_get_traced_memory(PyObject *self, PyObject *unused)
{
	(void)self, (void)unused;
	return pair(memtable_measured);
}

/* _lessond_memory.tracked(): (current, peak) of everything the run tracked. */
static PyObject *py_tracked(PyObject *self, PyObject *unused)
{
	(void)self, (void)unused;
	return pair(memtable_tracked);
}

/* _lessond_memory.refused(): None, or (in_use, requested) of the first
 * allocation the limit refused. */
static PyObject *py_refused(PyObject *self, PyObject *unused)
{
	(void)self, (void)unused;
	struct memtable_refusal r;
	lock();
	bool was = memtable_refused(&r);
	unlock();
	if (!was)
		Py_RETURN_NONE;
	return Py_BuildValue("(KK)", (unsigned long long)r.in_use, (unsigned long long)r.requested);
}

/* _lessond_memory.grant_reserve(): 16 MiB more, once, for the report. */
static PyObject *py_grant_reserve(PyObject *self, PyObject *unused)
{
	(void)self, (void)unused;
	lock();
	memtable_grant_reserve();
	unlock();
	Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"start", py_start, METH_NOARGS, "Start measuring, like tracemalloc.start()."},
    {"stop", py_stop, METH_NOARGS, "Stop measuring; the figures read zero afterwards."},
    {"is_tracing", py_is_tracing, METH_NOARGS, "True while a measurement runs."},
    {"get_traced_memory", py_get_traced_memory, METH_NOARGS,
     "(current, peak) bytes of the measurement, as tracemalloc counts them."},
    {"tracked", py_tracked, METH_NOARGS, "(current, peak) bytes the run's limit counts."},
    {"refused", py_refused, METH_NOARGS,
     "None, or (in_use, requested) of the first allocation the limit refused."},
    {"grant_reserve", py_grant_reserve, METH_NOARGS,
     "Raise the limit once by 16 MiB, so the runner can report."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT,
                                    "_lessond_memory",
                                    "lessond's memory instrument (memcount.c).",
                                    -1,
                                    methods,
                                    NULL,
                                    NULL,
                                    NULL,
                                    NULL};

/* Creates the module when the runner imports it. */
static PyObject *init_module(void)
{
	return PyModule_Create(&module);
}

int memcount_register(void)
{
	return PyImport_AppendInittab("_lessond_memory", init_module);
}
