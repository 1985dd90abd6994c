/* config.h: every setting of lessond, from flags and LESSOND_* environment variables. */
#ifndef LESSOND_CONFIG_H
#define LESSOND_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct config {
	char bind[64];              /* address to listen on */
	int port;                   /* 0 picks a free port (tests) */
	int pool_size;              /* pre-forked children kept waiting */
	int runs_max;               /* runs in flight at once (children running a job) */
	int queue_max;              /* runs waiting for a child before 503 */
	int client_runs;            /* runs in flight per client (learner cookie or address) */
	int client_queue;           /* runs waiting per client before 429 */
	int demote_cpu_ms;          /* CPU a run may use before it drops to nice 10; 0: never */
	int idle_cpu_ms;            /* CPU a run may use before it drops to SCHED_IDLE; 0: never */
	int cpu_seconds;            /* RLIMIT_CPU per run */
	int wall_ms;                /* wall-clock limit per run, SIGKILL from outside */
	long memory_bytes;          /* the learner's Python heap bytes per run (memcount.c) */
	int experiment_cpu_seconds; /* RLIMIT_CPU per experiment point: a lesson's own
	                             * measurement at a million objects */
	int experiment_wall_ms;     /* wall-clock limit per experiment point */
	long experiment_memory_bytes; /* the same per experiment point */
	long output_bytes;            /* stdout and stderr cap, each */
	long source_bytes;            /* code and setup cap, each */
	bool strict;                  /* refuse to start without rlimits, seccomp and Landlock */
	int log_level;                /* enum log_level */
	char static_dir[512];
	char lessons_dir[512];
	char port_file[512]; /* when set, the bound port is written there (tests) */
	char data_dir[512];  /* the class records: <data_dir>/lessond.db */
	/* the teacher token's file; "" means <data_dir>/teacher-token */
	char teacher_token_file[512];
	int keep_days;         /* class records older than this are deleted */
	char backup_file[512]; /* --backup: copy the database there and exit */
};

/* Lookup for environment variables; tests pass a fake one. */
typedef const char *(*config_getenv_fn)(const char *name);

enum config_result { CONFIG_OK = 0, CONFIG_HELP = 1, CONFIG_ERROR = -1 };

/* Fills *cfg with defaults, then LESSOND_* variables from getenv_fn, then
 * flags from argv (flags win). On CONFIG_ERROR, err holds a one-line reason.
 * Borrowed arguments; nothing is allocated. */
enum config_result config_parse(struct config *cfg, int argc, char *const argv[],
                                config_getenv_fn getenv_fn, char *err, size_t errlen);

/* Writes the --help text to the given stream-like buffer. */
void config_usage(char *buf, size_t len);

/* The address-space limit (RLIMIT_AS) that backs a heap limit of
 * heap_bytes: twice the heap plus 512 MiB for the interpreter's own
 * mappings, the allocator's slack and the instrument's tables. */
long config_address_space(long heap_bytes);

#endif
