/* pool.h: the server's side of the runner. Owns the zygote process, the
 * waiting children it hands over, the queue of runs, and one thread that
 * drives them all with epoll. No HTTP thread ever waits on a run: pool_submit
 * returns at once and the done callback fires later on the pool thread. */
#ifndef LESSOND_POOL_H
#define LESSOND_POOL_H

#include "common/config.h"
#include "pool/pythons.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum outcome_kind {
	OUTCOME_RESULT,    /* the child wrote a framed result: json/json_len */
	OUTCOME_TIMEOUT,   /* the wall-clock limit passed; the child was SIGKILLed */
	OUTCOME_DIED,      /* the child ended without a result: wstatus, cpu_ms */
	OUTCOME_LOST,      /* the child ended and its exit status is unknown (zygote died) */
	OUTCOME_TOO_BIG,   /* the result frame exceeded the server's cap */
	OUTCOME_NO_RUNNER, /* no child became free in time; the run never started */
};

struct pool_outcome {
	enum outcome_kind kind;
	const char *json; /* borrowed, valid during the callback only */
	size_t json_len;
	int wstatus;
	/* The child's whole CPU time (rusage from the zygote, what RLIMIT_CPU
	 * counts), ms: for OUTCOME_DIED, and for OUTCOME_RESULT when the run
	 * asked for it (run_input.whole_cpu), -1 when the zygote never said. */
	long cpu_ms;
	double wall_ms;          /* from hand-over to the child until the outcome (the frame) */
	double queue_ms;         /* time spent waiting for a child */
	const char *stdout_text; /* borrowed: what a child that left no report printed */
	size_t stdout_len;
	const char *stderr_text;
	size_t stderr_len;
};

/* Called exactly once per submitted run, on the pool thread. */
typedef void (*pool_done_fn)(void *user, const struct pool_outcome *outcome);

struct pool_stats {
	int pool_size; /* children kept waiting */
	int runs_max;  /* runs in flight at most */
	int ready;     /* children waiting for a job */
	int in_flight; /* children running a job */
	size_t queued;
	size_t queue_max;
	size_t clients;        /* clients with runs queued or running */
	unsigned long demoted; /* runs dropped to nice 10 for using CPU */
	unsigned long idled;   /* runs dropped further, to SCHED_IDLE */
	unsigned zygote_restarts;
	pid_t zygote_pid;
	unsigned long runs;
	unsigned layers; /* enum sandbox_layer bits, as the zygote probed them */
	int landlock_abi;
	char python[32];
};

enum pool_submit_result {
	POOL_QUEUED,
	POOL_FULL,
	POOL_CLIENT_FULL,
	POOL_STOPPING,
	POOL_NOMEM,
	POOL_NO_POOL, /* pool_submit(NULL, ...): this process has no runner (unit tests) */
};

/* What one run executes. All borrowed; pool_submit copies them. */
struct run_input {
	const char *code;
	size_t code_len;
	const char *setup; /* may be NULL when setup_len is 0 */
	size_t setup_len;
	const char *extra; /* verdict request for the runner (JSON), or NULL */
	size_t extra_len;
	long memory_bytes; /* address-space limit for this run */
	int cpu_seconds;   /* CPU limit for this run (RLIMIT_CPU) */
	int wall_ms;       /* wall-clock limit for this run; 0: --wall-ms */
	/* Whose run, for fairness: "l:<cookie>" or "ip:<address>"; may be NULL. */
	const char *client;
	bool never_idle; /* an experiment point: drops to nice 10 at most, never SCHED_IDLE */
	/* Answer a result only once the zygote reports the child's exit, so the
	 * outcome carries its whole CPU time (cpu_ms); at most 2 s later (the
	 * grace a dead child's exit status gets). For measuring
	 * (`--check-lessons`), not for learners' runs. */
	bool whole_cpu;
};

struct pool;

/* A pool and the version of its Python ("3.13"), as the API and
 * --check-lessons hold each interpreter the server runs. */
struct python_pool {
	const char *version; /* borrowed */
	struct pool *pool;   /* borrowed; NULL: no runner (unit tests) */
};

/* Starts py's zygote (pythons.h says how), waits for it to report ready,
 * and starts the pool thread. Returns NULL with err filled when Python
 * cannot start, or (strict mode) a required sandbox layer is missing. */
struct pool *pool_start(const struct config *cfg, const struct python *py, char *err,
                        size_t errlen);

/* Queues one run. Copies the input. On POOL_QUEUED, done(user, ...) will
 * be called exactly once; on any other result it is never called. A NULL
 * pool (handlers called without one, as unit tests do) gives POOL_NO_POOL. */
enum pool_submit_result pool_submit(struct pool *pool, const struct run_input *in,
                                    pool_done_fn done, void *user);

/* Copies a consistent snapshot of the counters; all zero (python "") for a
 * NULL pool. */
void pool_stats(struct pool *pool, struct pool_stats *out);

/* Refuses new runs, lets queued and running ones finish (queued ones are
 * answered "no runner" at once while there is no zygote), stops the
 * zygote, and frees the pool. */
void pool_stop(struct pool *pool);

#endif
