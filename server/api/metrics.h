/* metrics.h: counters for GET /metrics, in the Prometheus text format.
 * Requests by route and status, run latency, runs by status; gauges of the
 * pool come from pool_stats at scrape time. Thread-safe: any thread may
 * record; one lock guards the counters. */
#ifndef LESSOND_METRICS_H
#define LESSOND_METRICS_H

#include "pool/pool.h"

#include <stddef.h>

/* Counts one answered request. `path` is the request path (it is reduced to a
 * fixed route label, routes_label_of, so label values stay few). */
void metrics_request(const char *path, int status);

/* Counts one finished run: its contract status ("ok", "timeout", ...) and
 * the time from submission to answer, queue included. */
void metrics_run(const char *status, double ms);

/* Names a sandbox layer bit (sandbox_layer_name; passed in so this module
 * stays free of the sandbox's libraries). */
typedef const char *(*metrics_layer_name_fn)(unsigned bit);

/* The class records' counters (classes.h and the store's), copied at
 * scrape time. */
struct metrics_records {
	unsigned long saved, queued, unsaved;             /* learner events by outcome */
	unsigned long commits, written, failed, rejected; /* the store's writer */
	unsigned long members;                            /* learners in a class now */
};

/* Renders every metric, with the pool's gauges from `st`, one gauge per
 * sandbox layer (bits below 1 << nlayers), and the class records' counters
 * when rec is not NULL. Returns a new NUL-terminated text (caller frees)
 * and its length, or NULL when out of memory. */
char *metrics_render(const struct pool_stats *st, unsigned nlayers,
                     metrics_layer_name_fn layer_name, const struct metrics_records *rec,
                     size_t *len);

/* Forgets every counter (unit tests). */
void metrics_reset(void);

#endif
