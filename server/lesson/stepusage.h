/* stepusage.h: what a lesson step uses of the limits it runs under, for
 * `make check-lessons` (docs/ARCHITECTURE.md §5): the figures of its runs
 * (the "usage" a measured check adds, and tracemalloc's peak), one report
 * line, and the margin rule: a step that uses more than half of a limit
 * passes here and fails on a slower machine. Pure: no I/O, no pool. */
#ifndef LESSOND_STEPUSAGE_H
#define LESSOND_STEPUSAGE_H

#include "common/config.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The heaviest figures over one or more runs (each figure on its own). */
struct step_usage {
	double cpu_ms;    /* the child's whole CPU time (what RLIMIT_CPU counts) */
	bool cpu_partial; /* some run had no whole figure: its time.cpu_ms (setup and
	                   * snippet only) stood in */
	double wall_ms;   /* from hand-over to the child until its frame or death */
	long long peak;   /* memory.peak_bytes; -1 when no run had one */
};

/* The limits a step runs under, and the flags that set them. */
struct step_limits {
	int cpu_seconds;
	int wall_ms;
	long memory_bytes;
	const char *cpu_flag, *wall_flag, *memory_flag;
};

/* Nothing used yet (peak -1). */
struct step_usage step_usage_none(void);

/* The limits of an ordinary run (cfg->cpu_seconds, wall_ms, memory_bytes)
 * or, when `point`, of an experiment point (cfg->experiment_*). */
struct step_limits step_limits_of(const struct config *cfg, bool point);

/* Adds one run contract (borrowed; its "usage", "memory" and "time"). */
void step_usage_add_run(struct step_usage *u, json_t *run);

/* Adds one experiment point of a check answer's series (borrowed). */
void step_usage_add_point(struct step_usage *u, json_t *point);

/* Writes "cpu 812 ms, wall 830 ms, peak 96.4 MiB" into buf ("peak n/a"
 * when there is no peak), each figure followed by its limit ("(limit 5 s)")
 * when lim is not NULL. Always NUL-terminates; cuts at len. */
void step_usage_text(const struct step_usage *u, const struct step_limits *lim, char *buf,
                     size_t len);

/* The largest share of a limit in lim that u uses (0.5: half of one). */
double step_usage_share(const struct step_usage *u, const struct step_limits *lim);

/* When u uses more than half of any limit in lim, writes which, with the
 * figure and the limit ("1204 ms of CPU, more than half of the 2 s limit
 * (--cpu-seconds)"; several joined by "; ") into buf and returns true; else
 * returns false and leaves buf "". A missing peak is judged on time only. */
bool step_usage_too_close(const struct step_usage *u, const struct step_limits *lim, char *buf,
                          size_t len);

#endif
