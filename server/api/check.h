/* check.h: checking a learner's work on a lesson step through the sandbox:
 * a prediction, a goal's hidden checks, an experiment's series. Shared by
 * POST /api/check and `lessond --check-lessons`. */
#ifndef LESSOND_CHECK_H
#define LESSOND_CHECK_H

#include "common/config.h"
#include "lesson/lessons.h"
#include "pool/pool.h"

#include <jansson.h>

struct check_request {
	const char *lesson; /* lesson id */
	const char *step;   /* step id */
	const char *answer; /* predict: the learner's answer */
	const char *code;   /* goal: the learner's code; experiment: the workload (optional) */
	const char *client; /* whose check, for fairness (see learner.h); may be NULL */
	const char *python; /* the Python asked for ("3.13"), or NULL: the caller chose the
	                     * pool from it; check_start does not read it */
	/* Measure every run from outside: each run contract in the answer (and
	 * each experiment point) gets "usage" (add_usage in check.c), and the
	 * answer waits for each child's exit to know its whole CPU time. */
	bool measure;
};

/* Receives the answer: an HTTP status and a body, whose reference the
 * callback steals (NULL when memory ran out: answer 500). Called exactly
 * once, on the pool thread. */
typedef void (*check_done_fn)(void *user, int status, json_t *body);

/* Starts checking. Returns 0 when started (done will be called), or an
 * HTTP status (400, 404, 503) with err holding the reason, and done is
 * never called. Borrows everything; copies what it keeps. */
int check_start(struct pool *pool, const struct lessons *course, const struct config *cfg,
                const struct check_request *req, check_done_fn done, void *user, char *err,
                size_t errlen);

/* The same, waiting for the answer (for --check-lessons), always measured
 * (check_request.measure). Returns the body (new reference) and sets
 * *status; on a refused start, {"error": ...}. */
json_t *check_sync(struct pool *pool, const struct lessons *course, const struct config *cfg,
                   const struct check_request *req, int *status);

/* Runs code after setup and waits: the run contract (new reference), with
 * "usage" as a measured check's runs have it. */
json_t *check_run_sync(struct pool *pool, const struct config *cfg, const char *code,
                       const char *setup);

#endif
