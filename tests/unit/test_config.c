/* test_config.c: config_parse and config_usage (defaults, environment, flags, errors). */
#include "common/config.h"
#include "common/log.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

/* The fake environment: pairs of name, value, ended by a NULL name. */
static const char *const *fake_env;

static const char *fake_getenv(const char *name)
{
	for (size_t i = 0; fake_env && fake_env[i]; i += 2)
		if (strcmp(fake_env[i], name) == 0)
			return fake_env[i + 1];
	return NULL;
}

static char err[256];

/* Parses a NULL-terminated argv (argv[0] included) against the fake environment. */
static enum config_result parse(struct config *cfg, const char *const *env, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	fake_env = env;
	memset(err, 0, sizeof err);
	return config_parse(cfg, argc, argv, fake_getenv, err, sizeof err);
}

#define ARGV(...) ((char *[]){"lessond", __VA_ARGS__, NULL})
#define NO_ARGS   ((char *[]){"lessond", NULL})
#define ENV(...)  ((const char *const[]){__VA_ARGS__, NULL})

/* Asserts that parsing fails and that err is a line mentioning `needle`. */
static void assert_error(const char *const *env, char **argv, const char *needle)
{
	struct config cfg;
	assert_int_equal(parse(&cfg, env, argv), CONFIG_ERROR);
	assert_true(strlen(err) > 0);
	assert_null(strchr(err, '\n'));
	if (!strstr(err, needle))
		fail_msg("err '%s' does not mention '%s'", err, needle);
}

/* With no environment and no flags every field holds its documented default. */
static void test_defaults(void **state)
{
	(void)state;
	struct config cfg;
	memset(&cfg, 0xa5, sizeof cfg);
	assert_int_equal(config_parse(&cfg, 1, NO_ARGS, NULL, err, sizeof err), CONFIG_OK);
	assert_string_equal(cfg.bind, "127.0.0.1");
	assert_int_equal(cfg.port, 8080);
	assert_int_equal(cfg.pool_size, 2);
	assert_int_equal(cfg.runs_max, 16);
	assert_int_equal(cfg.queue_max, 64);
	assert_int_equal(cfg.client_runs, 2);
	assert_int_equal(cfg.client_queue, 16);
	assert_int_equal(cfg.demote_cpu_ms, 10);
	assert_int_equal(cfg.idle_cpu_ms, 500);
	assert_int_equal(cfg.cpu_seconds, 4);
	assert_int_equal(cfg.experiment_cpu_seconds, 5);
	assert_int_equal(cfg.experiment_wall_ms, 15000);
	assert_int_equal(cfg.wall_ms, 8000);
	assert_int_equal(cfg.memory_bytes, 256L * 1024 * 1024);
	assert_int_equal(cfg.output_bytes, 64L * 1024);
	assert_int_equal(cfg.source_bytes, 64L * 1024);
	assert_true(cfg.strict);
	assert_int_equal(cfg.log_level, LOG_INFO);
	assert_string_equal(cfg.static_dir, "static");
	assert_string_equal(cfg.port_file, "");
	assert_string_equal(cfg.data_dir, "data");
	assert_string_equal(cfg.teacher_token_file, "");
	assert_int_equal(cfg.keep_days, 30);
	assert_string_equal(cfg.backup_file, "");
}

/* A getenv that knows no variable gives the same defaults as no getenv. */
static void test_defaults_with_empty_env(void **state)
{
	(void)state;
	struct config cfg;
	assert_int_equal(parse(&cfg, ENV(NULL), NO_ARGS), CONFIG_OK);
	assert_int_equal(cfg.port, 8080);
	assert_int_equal(cfg.pool_size, 2);
	assert_int_equal(cfg.memory_bytes, 256L << 20);
	assert_true(cfg.strict);
}

/* Every LESSOND_* variable sets its field. */
static void test_env_sets_every_field(void **state)
{
	(void)state;
	struct config cfg;
	const char *const *env =
	    ENV("LESSOND_BIND", "0.0.0.0", "LESSOND_PORT", "9000", "LESSOND_POOL_SIZE", "4",
	        "LESSOND_QUEUE_MAX", "0", "LESSOND_CPU_SECONDS", "3", "LESSOND_WALL_MS", "1500",
	        "LESSOND_MEMORY_BYTES", "134217728", "LESSOND_OUTPUT_BYTES", "2048",
	        "LESSOND_SOURCE_BYTES", "4096", "LESSOND_STATIC_DIR", "/srv/ui",
	        "LESSOND_PORT_FILE", "/tmp/port", "LESSOND_LOG_LEVEL", "debug",
	        "LESSOND_ALLOW_WEAK_SANDBOX", "1", "LESSOND_RUNS_MAX", "40", "LESSOND_CLIENT_RUNS",
	        "3", "LESSOND_CLIENT_QUEUE", "9", "LESSOND_DEMOTE_CPU_MS", "0", "LESSOND_DATA_DIR",
	        "/srv/data", "LESSOND_TEACHER_TOKEN_FILE", "/run/secrets/t", "LESSOND_KEEP_DAYS",
	        "7", "LESSOND_BACKUP", "/srv/b.db");
	assert_int_equal(parse(&cfg, env, NO_ARGS), CONFIG_OK);
	assert_string_equal(cfg.data_dir, "/srv/data");
	assert_string_equal(cfg.teacher_token_file, "/run/secrets/t");
	assert_int_equal(cfg.keep_days, 7);
	assert_string_equal(cfg.backup_file, "/srv/b.db");
	assert_int_equal(cfg.runs_max, 40);
	assert_int_equal(cfg.client_runs, 3);
	assert_int_equal(cfg.client_queue, 9);
	assert_int_equal(cfg.demote_cpu_ms, 0);
	assert_string_equal(cfg.bind, "0.0.0.0");
	assert_int_equal(cfg.port, 9000);
	assert_int_equal(cfg.pool_size, 4);
	assert_int_equal(cfg.queue_max, 0);
	assert_int_equal(cfg.cpu_seconds, 3);
	assert_int_equal(cfg.wall_ms, 1500);
	assert_int_equal(cfg.memory_bytes, 128L << 20);
	assert_int_equal(cfg.output_bytes, 2048);
	assert_int_equal(cfg.source_bytes, 4096);
	assert_string_equal(cfg.static_dir, "/srv/ui");
	assert_string_equal(cfg.port_file, "/tmp/port");
	assert_int_equal(cfg.log_level, LOG_DEBUG);
	assert_false(cfg.strict);
}

/* An empty variable counts as unset, not as a bad value. */
static void test_env_empty_value_is_ignored(void **state)
{
	(void)state;
	struct config cfg;
	assert_int_equal(parse(&cfg, ENV("LESSOND_PORT", ""), NO_ARGS), CONFIG_OK);
	assert_int_equal(cfg.port, 8080);
}

/* A garbage variable is an error that names the variable and the value. */
static void test_env_garbage_is_error(void **state)
{
	(void)state;
	assert_error(ENV("LESSOND_PORT", "eighty"), NO_ARGS, "LESSOND_PORT");
	assert_error(ENV("LESSOND_PORT", "eighty"), NO_ARGS, "eighty");
	assert_error(ENV("LESSOND_WALL_MS", "5"), NO_ARGS, "LESSOND_WALL_MS");
	assert_error(ENV("LESSOND_LOG_LEVEL", "loud"), NO_ARGS, "loud");
}

/* LESSOND_ALLOW_WEAK_SANDBOX accepts yes/true; anything else never weakens the sandbox. */
static void test_env_weak_sandbox_values(void **state)
{
	(void)state;
	struct config cfg;
	assert_int_equal(parse(&cfg, ENV("LESSOND_ALLOW_WEAK_SANDBOX", "yes"), NO_ARGS), CONFIG_OK);
	assert_false(cfg.strict);
	assert_int_equal(parse(&cfg, ENV("LESSOND_ALLOW_WEAK_SANDBOX", "true"), NO_ARGS),
	                 CONFIG_OK);
	assert_false(cfg.strict);
	const char *refused[] = {"0", "no", "false", "maybe"};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		enum config_result r =
		    parse(&cfg, ENV("LESSOND_ALLOW_WEAK_SANDBOX", refused[i]), NO_ARGS);
		assert_true(r == CONFIG_ERROR || cfg.strict);
	}
}

/* Flags win over environment variables; untouched variables still apply. */
static void test_flags_override_env(void **state)
{
	(void)state;
	struct config cfg;
	const char *const *env = ENV("LESSOND_PORT", "9000", "LESSOND_POOL_SIZE", "8");
	assert_int_equal(parse(&cfg, env, ARGV("--port", "9100")), CONFIG_OK);
	assert_int_equal(cfg.port, 9100);
	assert_int_equal(cfg.pool_size, 8);
}

/* "--flag value" and "--flag=value" give the same result for every kind of option. */
static void test_flag_forms(void **state)
{
	(void)state;
	struct config a, b;
	assert_int_equal(parse(&a, NULL,
	                       ARGV("--port", "0", "--memory-bytes", "1073741824", "--bind", "::1",
	                            "--log-level", "warn", "--static-dir", "ui")),
	                 CONFIG_OK);
	assert_int_equal(parse(&b, NULL,
	                       ARGV("--port=0", "--memory-bytes=1073741824", "--bind=::1",
	                            "--log-level=warn", "--static-dir=ui")),
	                 CONFIG_OK);
	assert_int_equal(a.port, 0);
	assert_int_equal(b.port, 0);
	assert_int_equal(a.memory_bytes, 1L << 30);
	assert_int_equal(b.memory_bytes, 1L << 30);
	assert_string_equal(a.bind, "::1");
	assert_string_equal(b.bind, "::1");
	assert_int_equal(a.log_level, LOG_WARN);
	assert_int_equal(b.log_level, LOG_WARN);
	assert_string_equal(a.static_dir, "ui");
	assert_string_equal(b.static_dir, "ui");
}

/* Every numeric flag sets its own field (no offsets mixed up in the table). */
static void test_every_numeric_flag(void **state)
{
	(void)state;
	struct config cfg;
	assert_int_equal(
	    parse(&cfg, NULL,
	          ARGV("--pool-size=5", "--queue-max=6", "--cpu-seconds=7", "--wall-ms=800",
	               "--experiment-cpu-seconds=9", "--experiment-wall-ms=900",
	               "--memory-bytes=134217728", "--output-bytes=4096", "--source-bytes=8192",
	               "--port-file=/tmp/p")),
	    CONFIG_OK);
	assert_int_equal(cfg.pool_size, 5);
	assert_int_equal(cfg.queue_max, 6);
	assert_int_equal(cfg.cpu_seconds, 7);
	assert_int_equal(cfg.experiment_cpu_seconds, 9);
	assert_int_equal(cfg.experiment_wall_ms, 900);
	assert_int_equal(cfg.wall_ms, 800);
	assert_int_equal(cfg.memory_bytes, 128L << 20);
	assert_int_equal(cfg.output_bytes, 4096);
	assert_int_equal(cfg.source_bytes, 8192);
	assert_string_equal(cfg.port_file, "/tmp/p");
	assert_int_equal(cfg.port, 8080);
}

/* The last occurrence of a repeated flag wins. */
static void test_repeated_flag_last_wins(void **state)
{
	(void)state;
	struct config cfg;
	assert_int_equal(parse(&cfg, NULL, ARGV("--port", "1", "--port=2")), CONFIG_OK);
	assert_int_equal(cfg.port, 2);
}

/* --allow-weak-sandbox turns strict off and takes no value. */
static void test_allow_weak_sandbox(void **state)
{
	(void)state;
	struct config cfg;
	assert_int_equal(parse(&cfg, NULL, NO_ARGS), CONFIG_OK);
	assert_true(cfg.strict);
	assert_int_equal(parse(&cfg, NULL, ARGV("--allow-weak-sandbox")), CONFIG_OK);
	assert_false(cfg.strict);
	assert_error(NULL, ARGV("--allow-weak-sandbox=1"), "--allow-weak-sandbox");
}

/* --help and -h return CONFIG_HELP, also after other valid flags. */
static void test_help(void **state)
{
	(void)state;
	struct config cfg;
	assert_int_equal(parse(&cfg, NULL, ARGV("--help")), CONFIG_HELP);
	assert_int_equal(parse(&cfg, NULL, ARGV("-h")), CONFIG_HELP);
	assert_int_equal(parse(&cfg, NULL, ARGV("--port", "1", "--help")), CONFIG_HELP);
}

/* Range limits are inclusive at both ends. */
static void test_range_boundaries_accepted(void **state)
{
	(void)state;
	struct config cfg;
	assert_int_equal(parse(&cfg, NULL, ARGV("--port=65535", "--pool-size=256")), CONFIG_OK);
	assert_int_equal(cfg.port, 65535);
	assert_int_equal(cfg.pool_size, 256);
	assert_int_equal(parse(&cfg, NULL, ARGV("--pool-size=1", "--wall-ms=10")), CONFIG_OK);
	assert_int_equal(cfg.pool_size, 1);
	assert_int_equal(cfg.wall_ms, 10);
}

/* Numbers outside their range are errors naming the flag, the value and the range. */
static void test_out_of_range(void **state)
{
	(void)state;
	assert_error(NULL, ARGV("--port", "65536"), "--port");
	assert_error(NULL, ARGV("--port", "65536"), "65536");
	assert_error(NULL, ARGV("--port", "65536"), "between 0 and 65535");
	assert_error(NULL, ARGV("--port=-1"), "-1");
	assert_error(NULL, ARGV("--pool-size=0"), "--pool-size");
	assert_error(NULL, ARGV("--pool-size=257"), "--pool-size");
	assert_error(NULL, ARGV("--cpu-seconds=0"), "--cpu-seconds");
	assert_error(NULL, ARGV("--wall-ms=9"), "--wall-ms");
	assert_error(NULL, ARGV("--memory-bytes=1024"), "--memory-bytes");
	assert_error(NULL, ARGV("--output-bytes=1023"), "--output-bytes");
	assert_error(NULL, ARGV("--source-bytes=1023"), "--source-bytes");
	assert_error(NULL, ARGV("--queue-max=-1"), "--queue-max");
}

/* Values that are not whole numbers, or overflow a long, are errors. */
static void test_garbage_numbers(void **state)
{
	(void)state;
	char *bad[] = {"abc", "80x", "", "0x50", "1e3", "8080.0", "99999999999999999999"};
	char arg[64];
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		snprintf(arg, sizeof arg, "--port=%s", bad[i]);
		assert_error(NULL, ARGV(arg), "--port");
		assert_error(NULL, ARGV("--memory-bytes", bad[i]), "--memory-bytes");
	}
}

/* Unknown options, including near-misses of real ones and bare words, are refused. */
static void test_unknown_option(void **state)
{
	(void)state;
	assert_error(NULL, ARGV("--nope"), "--nope");
	assert_error(NULL, ARGV("--nope"), "unknown");
	assert_error(NULL, ARGV("--portx=1"), "--portx");
	assert_error(NULL, ARGV("-p", "80"), "-p");
	assert_error(NULL, ARGV("serve"), "serve");
}

/* A flag that needs a value but ends argv is an error naming the flag. */
static void test_missing_value(void **state)
{
	(void)state;
	assert_error(NULL, ARGV("--port"), "--port");
	assert_error(NULL, ARGV("--port"), "needs a value");
	assert_error(NULL, ARGV("--pool-size", "3", "--bind"), "--bind");
}

/* String options: empty bind and over-long values are refused. */
static void test_string_limits(void **state)
{
	(void)state;
	char longbind[80], longdir[600], arg[700];
	memset(longbind, 'a', sizeof longbind - 1);
	longbind[sizeof longbind - 1] = '\0';
	memset(longdir, 'd', sizeof longdir - 1);
	longdir[sizeof longdir - 1] = '\0';
	assert_error(NULL, ARGV("--bind="), "--bind");
	assert_error(NULL, ARGV("--bind", longbind), "--bind");
	snprintf(arg, sizeof arg, "--static-dir=%s", longdir);
	assert_error(NULL, ARGV(arg), "--static-dir");
	snprintf(arg, sizeof arg, "--port-file=%s", longdir);
	assert_error(NULL, ARGV(arg), "--port-file");
}

/* An unknown log level is an error listing the valid ones. */
static void test_bad_log_level(void **state)
{
	(void)state;
	assert_error(NULL, ARGV("--log-level", "verbose"), "verbose");
	assert_error(NULL, ARGV("--log-level", "verbose"), "debug");
}

/* A tiny err buffer is truncated, never overrun. */
static void test_small_err_buffer(void **state)
{
	(void)state;
	struct config cfg;
	char small[8];
	memset(small, 'x', sizeof small);
	char **argv = ARGV("--definitely-not-an-option");
	assert_int_equal(config_parse(&cfg, 2, argv, NULL, small, sizeof small), CONFIG_ERROR);
	assert_int_equal(strlen(small), sizeof small - 1);
}

/* The usage text mentions every flag and its environment variable. */
static void test_usage_mentions_every_flag(void **state)
{
	(void)state;
	static const char *const names[][2] = {
	    {"--bind", "LESSOND_BIND"},
	    {"--port", "LESSOND_PORT"},
	    {"--pool-size", "LESSOND_POOL_SIZE"},
	    {"--queue-max", "LESSOND_QUEUE_MAX"},
	    {"--cpu-seconds", "LESSOND_CPU_SECONDS"},
	    {"--wall-ms", "LESSOND_WALL_MS"},
	    {"--memory-bytes", "LESSOND_MEMORY_BYTES"},
	    {"--output-bytes", "LESSOND_OUTPUT_BYTES"},
	    {"--source-bytes", "LESSOND_SOURCE_BYTES"},
	    {"--static-dir", "LESSOND_STATIC_DIR"},
	    {"--port-file", "LESSOND_PORT_FILE"},
	    {"--log-level", "LESSOND_LOG_LEVEL"},
	    {"--allow-weak-sandbox", "LESSOND_ALLOW_WEAK_SANDBOX"},
	    {"--data-dir", "LESSOND_DATA_DIR"},
	    {"--teacher-token-file", "LESSOND_TEACHER_TOKEN_FILE"},
	    {"--keep-days", "LESSOND_KEEP_DAYS"},
	    {"--backup", "LESSOND_BACKUP"},
	};
	char buf[8192];
	config_usage(buf, sizeof buf);
	assert_true(strlen(buf) < sizeof buf - 1);
	assert_non_null(strstr(buf, "usage: lessond"));
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		for (size_t j = 0; j < 2; j++)
			if (!strstr(buf, names[i][j]))
				fail_msg("usage does not mention %s", names[i][j]);
}

/* Every flag the usage text lists is one config_parse accepts. */
static void test_usage_flags_are_accepted(void **state)
{
	(void)state;
	char buf[8192];
	config_usage(buf, sizeof buf);
	int seen = 0;
	for (char *p = strstr(buf, "\n  --"); p; p = strstr(p + 1, "\n  --")) {
		char flag[64];
		size_t n = strcspn(p + 3, " \n");
		assert_true(n < sizeof flag);
		memcpy(flag, p + 3, n);
		flag[n] = '\0';
		struct config cfg;
		char unknown[96];
		snprintf(unknown, sizeof unknown, "unknown option '%s'", flag);
		if (parse(&cfg, NULL, ARGV(flag)) == CONFIG_ERROR && strstr(err, unknown))
			fail_msg("usage lists %s but config_parse does not know it", flag);
		seen++;
	}
	assert_int_equal(seen, 26); /* 13 options, --lessons-dir, the 3 experiment limits,
	                             * 5 of fairness, 4 of the class records */
}

/* A short usage buffer is truncated and NUL-terminated, never overrun. */
static void test_usage_small_buffer(void **state)
{
	(void)state;
	char buf[40];
	memset(buf, 'x', sizeof buf);
	config_usage(buf, 32);
	assert_int_equal(strlen(buf), 31);
	for (size_t i = 32; i < sizeof buf; i++)
		assert_int_equal(buf[i], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_defaults_with_empty_env),
	    cmocka_unit_test(test_env_sets_every_field),
	    cmocka_unit_test(test_env_empty_value_is_ignored),
	    cmocka_unit_test(test_env_garbage_is_error),
	    cmocka_unit_test(test_env_weak_sandbox_values),
	    cmocka_unit_test(test_flags_override_env),
	    cmocka_unit_test(test_flag_forms),
	    cmocka_unit_test(test_every_numeric_flag),
	    cmocka_unit_test(test_repeated_flag_last_wins),
	    cmocka_unit_test(test_allow_weak_sandbox),
	    cmocka_unit_test(test_help),
	    cmocka_unit_test(test_range_boundaries_accepted),
	    cmocka_unit_test(test_out_of_range),
	    cmocka_unit_test(test_garbage_numbers),
	    cmocka_unit_test(test_unknown_option),
	    cmocka_unit_test(test_missing_value),
	    cmocka_unit_test(test_string_limits),
	    cmocka_unit_test(test_bad_log_level),
	    cmocka_unit_test(test_small_err_buffer),
	    cmocka_unit_test(test_usage_mentions_every_flag),
	    cmocka_unit_test(test_usage_flags_are_accepted),
	    cmocka_unit_test(test_usage_small_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
