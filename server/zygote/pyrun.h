/* pyrun.h: the embedded CPython, seen from C. The only module that includes
 * Python.h (pyrun.c). Used by the zygote (init, fork) and its children
 * (run); the server asks only which Python is linked, never starting it. */
#ifndef LESSOND_PYRUN_H
#define LESSOND_PYRUN_H

#include <stddef.h>
#include <sys/types.h>

#define PYRUN_MAX_PATHS 16

struct pyrun_info {
	char version[32];                 /* "3.11.2" */
	char paths[PYRUN_MAX_PATHS][512]; /* read-only directories for Landlock */
	int npaths;
};

/* Initialises CPython with an isolated config, imports the runner and the
 * preloaded modules, runs a warm-up, and freezes the heap (gc.freeze).
 * `home` (may be NULL) is the interpreter's prefix when it is not where the
 * library was built to look: a Debian tree's usr/, whose lib/python3.X the
 * standard library then comes from. Fills *info. Returns 0, or -1 with a
 * logged reason. Call once, in the zygote. */
int pyrun_init(struct pyrun_info *info, const char *home);

/* The version of the Python this binary links ("3.11.2"), a constant:
 * Python is not initialised for it. */
const char *pyrun_linked_version(void);

/* fork() done the CPython way (PyOS_BeforeFork / AfterFork_*). Returns like fork. */
pid_t pyrun_fork(void);

/* Runs the runner's exercise (one representative run of a snippet of our
 * own) on fds 1 and 2: in the probe child that learns the pages a run
 * touches (prefault.c), or in a child for which no plan was made. A failure
 * inside it is cleared, never reported. */
void pyrun_exercise(void);

/* In a waiting child, before its job: does the job-independent first steps
 * of a run (a fresh __main__, the output streams on fds 1 and 2), so the
 * job does not wait for them. A failure is cleared; the run then does them
 * itself. */
void pyrun_prepare(void);

/* In a child: runs setup then code, returns the run contract as JSON in a
 * new buffer (*out, *out_len; caller frees). `extra` is the lesson
 * engine's verdict request (JSON, may be empty). Returns 0, or -1 when
 * the runner itself failed; then *out holds a minimal JSON status object
 * ("memory_limit" when Python ran out of memory, else "crashed"). */
int pyrun_run(const char *code, size_t code_len, const char *setup, size_t setup_len,
              const char *extra, size_t extra_len, long output_limit, char **out, size_t *out_len);

/* In a child, before any job: caps the memory CPython may allocate at
 * `bytes` through its allocator hooks (MemoryError beyond). Used where
 * RLIMIT_AS cannot be (ASan builds). */
void pyrun_cap_memory(long bytes);

/* Changes the cap installed by pyrun_cap_memory (lowering it per job). */
void pyrun_set_memory_cap(long bytes);

#endif
