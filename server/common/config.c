/* config.c: defaults, environment variables and flags, validated in one table. */
#include "common/config.h"

#include "common/log.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_kind { OPT_INT, OPT_LONG, OPT_STR, OPT_BOOL_OFF, OPT_LOGLEVEL };

struct opt {
	const char *flag; /* --flag */
	const char *env;  /* LESSOND_... */
	enum opt_kind kind;
	size_t offset;
	long min, max;
	const char *help;
};

#define OFF(field) offsetof(struct config, field)

static const struct opt opts[] = {
    {"--bind", "LESSOND_BIND", OPT_STR, OFF(bind), 0, 0, "address to listen on (127.0.0.1)"},
    {"--port", "LESSOND_PORT", OPT_INT, OFF(port), 0, 65535, "TCP port, 0 for any free one (8080)"},
    {"--pool-size", "LESSOND_POOL_SIZE", OPT_INT, OFF(pool_size), 1, 256,
     "children kept forked and waiting for a run (2)"},
    {"--runs-max", "LESSOND_RUNS_MAX", OPT_INT, OFF(runs_max), 1, 1024,
     "runs in flight at once, sleeping ones included (16)"},
    {"--queue-max", "LESSOND_QUEUE_MAX", OPT_INT, OFF(queue_max), 0, 100000,
     "runs that may wait for a child before 503 (64)"},
    {"--client-runs", "LESSOND_CLIENT_RUNS", OPT_INT, OFF(client_runs), 1, 1024,
     "runs in flight per learner (browser cookie, else address) (2)"},
    {"--client-queue", "LESSOND_CLIENT_QUEUE", OPT_INT, OFF(client_queue), 1, 100000,
     "runs waiting per learner before 429 (16)"},
    {"--demote-cpu-ms", "LESSOND_DEMOTE_CPU_MS", OPT_INT, OFF(demote_cpu_ms), 0, 3600000,
     "CPU ms after which a run drops to nice 10, 0 never (10)"},
    {"--idle-cpu-ms", "LESSOND_IDLE_CPU_MS", OPT_INT, OFF(idle_cpu_ms), 0, 3600000,
     "CPU ms after which a run drops to SCHED_IDLE, 0 never (500)"},
    {"--cpu-seconds", "LESSOND_CPU_SECONDS", OPT_INT, OFF(cpu_seconds), 1, 3600,
     "CPU time per run, RLIMIT_CPU (4)"},
    {"--wall-ms", "LESSOND_WALL_MS", OPT_INT, OFF(wall_ms), 10, 3600000,
     "wall-clock time per run in ms, enforced with SIGKILL (8000)"},
    {"--memory-bytes", "LESSOND_MEMORY_BYTES", OPT_LONG, OFF(memory_bytes), 64L << 20, 64L << 30,
     "Python heap bytes per run, counted like tracemalloc; the address space (RLIMIT_AS) "
     "backstop is twice this plus 512 MiB (268435456)"},
    {"--experiment-cpu-seconds", "LESSOND_EXPERIMENT_CPU_SECONDS", OPT_INT,
     OFF(experiment_cpu_seconds), 1, 3600, "CPU time per experiment point, RLIMIT_CPU (5)"},
    {"--experiment-wall-ms", "LESSOND_EXPERIMENT_WALL_MS", OPT_INT, OFF(experiment_wall_ms), 10,
     3600000, "wall-clock time per experiment point in ms (15000)"},
    {"--experiment-memory-bytes", "LESSOND_EXPERIMENT_MEMORY_BYTES", OPT_LONG,
     OFF(experiment_memory_bytes), 64L << 20, 64L << 30,
     "Python heap bytes per experiment point (536870912)"},
    {"--output-bytes", "LESSOND_OUTPUT_BYTES", OPT_LONG, OFF(output_bytes), 1024, 64L << 20,
     "stdout and stderr cap, each (65536)"},
    {"--source-bytes", "LESSOND_SOURCE_BYTES", OPT_LONG, OFF(source_bytes), 1024, 16L << 20,
     "code and setup cap, each (65536)"},
    {"--static-dir", "LESSOND_STATIC_DIR", OPT_STR, OFF(static_dir), 0, 0,
     "directory of the browser UI (static)"},
    {"--lessons-dir", "LESSOND_LESSONS_DIR", OPT_STR, OFF(lessons_dir), 0, 0,
     "directory of the lesson files (lessons)"},
    {"--port-file", "LESSOND_PORT_FILE", OPT_STR, OFF(port_file), 0, 0,
     "write the bound port to this file once listening"},
    {"--data-dir", "LESSOND_DATA_DIR", OPT_STR, OFF(data_dir), 0, 0,
     "directory of the class records, lessond.db (data)"},
    {"--teacher-token-file", "LESSOND_TEACHER_TOKEN_FILE", OPT_STR, OFF(teacher_token_file), 0, 0,
     "file holding the teacher token, made with a random one if missing "
     "(<data-dir>/teacher-token)"},
    {"--keep-days", "LESSOND_KEEP_DAYS", OPT_INT, OFF(keep_days), 1, 36500,
     "days class records are kept after their last activity (30)"},
    {"--backup", "LESSOND_BACKUP", OPT_STR, OFF(backup_file), 0, 0,
     "copy the class records to this file, online, and exit"},
    {"--log-level", "LESSOND_LOG_LEVEL", OPT_LOGLEVEL, OFF(log_level), 0, 0,
     "error, warn, info or debug (info)"},
    {"--allow-weak-sandbox", "LESSOND_ALLOW_WEAK_SANDBOX", OPT_BOOL_OFF, OFF(strict), 0, 0,
     "start even when rlimits, seccomp or Landlock cannot be applied (UNSAFE)"},
};

/* The defaults every setting starts from (README "Configuration"). */
static void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	snprintf(cfg->bind, sizeof cfg->bind, "127.0.0.1");
	cfg->port = 8080;
	cfg->pool_size = 2;
	cfg->runs_max = 16;
	cfg->queue_max = 64;
	cfg->client_runs = 2;
	cfg->client_queue = 16;
	cfg->demote_cpu_ms = 10;
	cfg->idle_cpu_ms = 500;
	cfg->cpu_seconds = 4;
	cfg->experiment_cpu_seconds = 5;
	cfg->experiment_wall_ms = 15000;
	cfg->wall_ms = 8000;
	cfg->memory_bytes = 256L << 20;
	cfg->experiment_memory_bytes = 512L << 20;
	cfg->output_bytes = 64L << 10;
	cfg->source_bytes = 64L << 10;
	cfg->strict = true;
	cfg->log_level = LOG_INFO;
	snprintf(cfg->static_dir, sizeof cfg->static_dir, "static");
	snprintf(cfg->lessons_dir, sizeof cfg->lessons_dir, "lessons");
	snprintf(cfg->data_dir, sizeof cfg->data_dir, "data");
	cfg->keep_days = 30;
}

/* Stores one textual value into the field `o` describes. Returns 0, or -1
 * with err filled ("--port: 'abc' is not a number between 0 and 65535"). */
static int opt_set(struct config *cfg, const struct opt *o, const char *source, const char *value,
                   char *err, size_t errlen)
{
	char *base = (char *)cfg + o->offset;
	switch (o->kind) {
	case OPT_INT:
	case OPT_LONG: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno || end == value || *end || v < o->min || v > o->max) {
			snprintf(err, errlen, "%s: '%s' is not a whole number between %ld and %ld",
			         source, value, o->min, o->max);
			return -1;
		}
		if (o->kind == OPT_INT)
			*(int *)(void *)base = (int)v;
		else
			*(long *)(void *)base = v;
		return 0;
	}
	case OPT_STR: {
		size_t cap = o->offset == OFF(bind) ? sizeof cfg->bind : sizeof cfg->static_dir;
		if (strlen(value) >= cap) {
			snprintf(err, errlen, "%s: value is longer than %zu bytes", source,
			         cap - 1);
			return -1;
		}
		memcpy(base, value, strlen(value) + 1);
		return 0;
	}
	case OPT_BOOL_OFF:
		if (strcmp(value, "1") && strcmp(value, "true") && strcmp(value, "yes")) {
			snprintf(err, errlen, "%s: expected 1, true or yes, got '%s'", source,
			         value);
			return -1;
		}
		*(bool *)(void *)base = false;
		return 0;
	case OPT_LOGLEVEL: {
		int lvl = log_level_parse(value);
		if (lvl < 0) {
			snprintf(err, errlen, "%s: '%s' is not one of error, warn, info, debug",
			         source, value);
			return -1;
		}
		*(int *)(void *)base = lvl;
		return 0;
	}
	}
	return -1;
}

enum config_result config_parse(struct config *cfg, int argc, char *const argv[],
                                config_getenv_fn getenv_fn, char *err, size_t errlen)
{
	size_t nopts = sizeof opts / sizeof opts[0];
	config_defaults(cfg);
	for (size_t i = 0; i < nopts && getenv_fn; i++) {
		const char *v = getenv_fn(opts[i].env);
		if (v && *v && opt_set(cfg, &opts[i], opts[i].env, v, err, errlen))
			return CONFIG_ERROR;
	}
	for (int a = 1; a < argc; a++) {
		const char *arg = argv[a];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return CONFIG_HELP;
		const struct opt *o = NULL;
		const char *value = NULL;
		for (size_t i = 0; i < nopts; i++) {
			size_t fl = strlen(opts[i].flag);
			if (strncmp(arg, opts[i].flag, fl) == 0 &&
			    (arg[fl] == '\0' || arg[fl] == '=')) {
				o = &opts[i];
				value = arg[fl] == '=' ? arg + fl + 1 : NULL;
				break;
			}
		}
		if (!o) {
			snprintf(err, errlen, "unknown option '%s' (see --help)", arg);
			return CONFIG_ERROR;
		}
		if (o->kind == OPT_BOOL_OFF) {
			if (value) {
				snprintf(err, errlen, "%s takes no value", o->flag);
				return CONFIG_ERROR;
			}
			value = "1";
		} else if (!value) {
			if (a + 1 >= argc) {
				snprintf(err, errlen, "%s needs a value", o->flag);
				return CONFIG_ERROR;
			}
			value = argv[++a];
		}
		if (opt_set(cfg, o, o->flag, value, err, errlen))
			return CONFIG_ERROR;
	}
	if (!*cfg->data_dir) {
		snprintf(err, errlen, "--data-dir: empty path");
		return CONFIG_ERROR;
	}
	if (!*cfg->bind) {
		snprintf(err, errlen, "--bind: empty address");
		return CONFIG_ERROR;
	}
	return CONFIG_OK;
}

void config_usage(char *buf, size_t len)
{
	size_t used =
	    (size_t)snprintf(buf, len,
	                     "usage: lessond [options]\n\n"
	                     "Serves interactive Python lessons and runs learner code in a "
	                     "sandbox.\nEvery option has an environment equivalent.\n\n"
	                     "  -h, --help             show this text\n");
	for (size_t i = 0; i < sizeof opts / sizeof opts[0] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "  %-22s %-28s %s\n", opts[i].flag,
		                         opts[i].env, opts[i].help);
}

long config_address_space(long heap_bytes)
{
	return 2 * heap_bytes + (512L << 20);
}
