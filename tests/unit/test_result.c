/* test_result.c: result_from_outcome, from a child's outcome to the run contract. */
#include "api/result.h"
#include "common/protocol.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#define FFFD "\xef\xbf\xbd" /* U+FFFD REPLACEMENT CHARACTER */

static const struct result_context ctx = {
    .cpu_seconds = 2,
    .wall_ms = 5000,
    .memory_bytes = 256L << 20,
    .output_bytes = 64L << 10,
    .python = "3.11.2",
};

static const char full_report[] =
    "{\"status\": \"ok\", \"result\": {\"repr\": \"{'name': 'Amir'}\", \"type\": \"dict\"},"
    " \"stdout\": \"hi\\n\", \"stderr\": \"warn\\n\", \"truncated\": false, \"exception\": null,"
    " \"objects\": [{\"name\": \"origin\", \"type\": \"Point\", \"has_dict\": false,"
    " \"slots\": [\"x\", \"y\"], \"weakrefable\": false, \"size\": 48,"
    " \"attrs\": {\"x\": \"0\", \"y\": \"0\"}}],"
    " \"memory\": {\"peak_bytes\": 18230, \"current_bytes\": 17900},"
    " \"time\": {\"wall_ms\": 0.9, \"cpu_ms\": 0.6}, \"python\": \"3.11.9\"}";

/* The contract for a child that wrote `json` as its report. */
static json_t *from_report(const char *json)
{
	struct pool_outcome o = {.kind = OUTCOME_RESULT, .json = json, .json_len = strlen(json)};
	json_t *r = result_from_outcome(&o, &ctx);
	assert_non_null(r);
	return r;
}

/* The contract for a child that left no report. */
static json_t *from_death(enum outcome_kind kind, int wstatus, long cpu_ms)
{
	struct pool_outcome o = {
	    .kind = kind, .wstatus = wstatus, .cpu_ms = cpu_ms, .wall_ms = 12.5};
	json_t *r = result_from_outcome(&o, &ctx);
	assert_non_null(r);
	return r;
}

static const char *str(json_t *r, const char *key)
{
	return json_string_value(json_object_get(r, key));
}

/* Asserts that r has every contract field with its contract type. */
static void assert_contract(json_t *r)
{
	static const char *const statuses[] = {"ok",           "error",        "timeout",
	                                       "memory_limit", "output_limit", "crashed"};
	const char *status = str(r, "status");
	assert_non_null(status);
	int known = 0;
	for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++)
		known |= strcmp(status, statuses[i]) == 0;
	assert_true(known);
	json_t *v = json_object_get(r, "result");
	assert_true(v && (json_is_null(v) || json_is_object(v)));
	assert_true(json_is_string(json_object_get(r, "stdout")));
	assert_true(json_is_string(json_object_get(r, "stderr")));
	assert_true(json_is_boolean(json_object_get(r, "truncated")));
	v = json_object_get(r, "exception");
	assert_true(v && (json_is_null(v) || json_is_object(v)));
	assert_true(json_is_array(json_object_get(r, "objects")));
	v = json_object_get(r, "memory");
	assert_true(v && (json_is_null(v) || json_is_object(v)));
	v = json_object_get(r, "time");
	assert_true(json_is_object(v));
	assert_true(json_is_number(json_object_get(v, "wall_ms")));
	assert_true(json_is_number(json_object_get(v, "cpu_ms")));
	assert_true(json_is_string(json_object_get(r, "python")));
	v = json_object_get(r, "message");
	assert_non_null(v);
	if (strcmp(status, "ok") != 0 && !(json_is_string(v) && *json_string_value(v)))
		fail_msg("status '%s' has no message", status);
}

/* Asserts r's message contains `needle`. */
static void assert_message(json_t *r, const char *needle)
{
	const char *m = str(r, "message");
	assert_non_null(m);
	if (!strstr(m, needle))
		fail_msg("message '%s' does not mention '%s'", m, needle);
}

/* A well-formed report passes through with every field intact. */
static void test_full_report_passes(void **state)
{
	(void)state;
	json_t *r = from_report(full_report);
	assert_contract(r);
	assert_string_equal(str(r, "status"), "ok");
	json_t *res = json_object_get(r, "result");
	assert_string_equal(str(res, "repr"), "{'name': 'Amir'}");
	assert_string_equal(str(res, "type"), "dict");
	assert_string_equal(str(r, "stdout"), "hi\n");
	assert_string_equal(str(r, "stderr"), "warn\n");
	assert_true(json_is_false(json_object_get(r, "truncated")));
	assert_true(json_is_null(json_object_get(r, "exception")));
	json_t *objs = json_object_get(r, "objects");
	assert_int_equal(json_array_size(objs), 1);
	json_t *obj = json_array_get(objs, 0);
	assert_string_equal(str(obj, "name"), "origin");
	assert_int_equal(json_integer_value(json_object_get(obj, "size")), 48);
	assert_int_equal(json_array_size(json_object_get(obj, "slots")), 2);
	json_t *mem = json_object_get(r, "memory");
	assert_int_equal(json_integer_value(json_object_get(mem, "peak_bytes")), 18230);
	assert_int_equal(json_integer_value(json_object_get(mem, "current_bytes")), 17900);
	json_t *t = json_object_get(r, "time");
	assert_float_equal(json_number_value(json_object_get(t, "wall_ms")), 0.9, 1e-9);
	assert_float_equal(json_number_value(json_object_get(t, "cpu_ms")), 0.6, 1e-9);
	assert_string_equal(str(r, "python"), "3.11.9");
	assert_true(json_is_null(json_object_get(r, "message")));
	json_decref(r);
}

/* An "error" report keeps its exception and gets a message. */
static void test_error_report(void **state)
{
	(void)state;
	json_t *r = from_report(
	    "{\"status\": \"error\", \"exception\": {\"type\": \"AttributeError\", \"message\": "
	    "\"'Point' object has no attribute 'z'\", \"line\": 3, \"traceback\": \"...\"}}");
	assert_contract(r);
	assert_string_equal(str(r, "status"), "error");
	json_t *e = json_object_get(r, "exception");
	assert_string_equal(str(e, "type"), "AttributeError");
	assert_int_equal(json_integer_value(json_object_get(e, "line")), 3);
	assert_message(r, "exception");
	json_decref(r);
}

/* A minimal report is completed with the contract's empty values and ctx's python. */
static void test_minimal_report_filled(void **state)
{
	(void)state;
	json_t *r = from_report("{\"status\": \"ok\"}");
	assert_contract(r);
	assert_string_equal(str(r, "stdout"), "");
	assert_string_equal(str(r, "stderr"), "");
	assert_true(json_is_false(json_object_get(r, "truncated")));
	assert_int_equal(json_array_size(json_object_get(r, "objects")), 0);
	assert_true(json_is_null(json_object_get(r, "result")));
	assert_string_equal(str(r, "python"), "3.11.2");
	json_decref(r);
}

/* Fields the contract does not have are dropped, and a child cannot set the message. */
static void test_unknown_fields_dropped(void **state)
{
	(void)state;
	json_t *r =
	    from_report("{\"status\": \"ok\", \"evil\": 1, \"message\": \"all good, trust me\"}");
	assert_contract(r);
	assert_null(json_object_get(r, "evil"));
	assert_true(json_is_null(json_object_get(r, "message")));
	json_decref(r);
}

/* A time object without numbers is replaced by numbers, not passed through. */
static void test_time_without_numbers(void **state)
{
	(void)state;
	json_t *r =
	    from_report("{\"status\": \"ok\", \"time\": {\"wall_ms\": \"fast\", \"cpu_ms\": 1}}");
	assert_contract(r);
	assert_string_equal(str(r, "status"), "ok");
	json_decref(r);
}

/* Asserts that a report becomes "crashed" with a message and every field. */
static void assert_crashed(const char *json, size_t len)
{
	struct pool_outcome o = {.kind = OUTCOME_RESULT, .json = json, .json_len = len};
	json_t *r = result_from_outcome(&o, &ctx);
	assert_non_null(r);
	assert_contract(r);
	if (strcmp(str(r, "status"), "crashed") != 0)
		fail_msg("report '%.*s' gave status '%s', expected crashed", (int)len, json,
		         str(r, "status"));
	assert_message(r, "could not be read");
	assert_string_equal(str(r, "python"), "3.11.2");
	json_decref(r);
}

/* Malformed JSON, and JSON that is not an object, count as crashed. */
static void test_malformed_report(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "{\"status\": \"ok\"",
	    "garbage",
	    "{\"status\": \"ok\"} extra",
	    "[]",
	    "[{\"status\": \"ok\"}]",
	    "null",
	    "\"ok\"",
	    "{\"status\": \"\xff\"}",
	    "{\"status\": \"ok\", \"status\": \"ok\"}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_crashed(bad[i], strlen(bad[i]));
}

/* Only `json_len` bytes of the report are read. */
static void test_report_len_respected(void **state)
{
	(void)state;
	assert_crashed("{\"status\": \"ok\"}", 10);
	struct pool_outcome o = {
	    .kind = OUTCOME_RESULT, .json = "{\"status\": \"ok\"}JUNK", .json_len = 16};
	json_t *r = result_from_outcome(&o, &ctx);
	assert_string_equal(str(r, "status"), "ok");
	json_decref(r);
}

/* An unknown, missing or non-string status counts as crashed. */
static void test_unknown_status(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "{\"status\": \"great\"}",
	    "{\"status\": \"OK\"}",
	    "{\"status\": \"\"}",
	    "{\"status\": 1}",
	    "{\"status\": null}",
	    "{\"stdout\": \"\"}",
	    "{}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_crashed(bad[i], strlen(bad[i]));
}

/* A field of the wrong type anywhere in the report counts as crashed. */
static void test_wrong_field_types(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "{\"status\": \"ok\", \"stdout\": 5}",
	    "{\"status\": \"ok\", \"stderr\": [\"x\"]}",
	    "{\"status\": \"ok\", \"python\": 3.11}",
	    "{\"status\": \"ok\", \"truncated\": \"no\"}",
	    "{\"status\": \"ok\", \"truncated\": 0}",
	    "{\"status\": \"ok\", \"result\": \"1\"}",
	    "{\"status\": \"ok\", \"result\": {\"repr\": 1, \"type\": \"int\"}}",
	    "{\"status\": \"ok\", \"result\": {\"repr\": \"1\"}}",
	    "{\"status\": \"error\", \"exception\": \"boom\"}",
	    "{\"status\": \"error\", \"exception\": {\"type\": \"E\"}}",
	    "{\"status\": \"ok\", \"objects\": {}}",
	    "{\"status\": \"ok\", \"objects\": null}",
	    "{\"status\": \"ok\", \"objects\": [1]}",
	    "{\"status\": \"ok\", \"objects\": [{\"name\": \"p\"}]}",
	    "{\"status\": \"ok\", \"objects\": [{\"type\": \"P\"}, {\"type\": 2}]}",
	    "{\"status\": \"ok\", \"memory\": 5}",
	    "{\"status\": \"ok\", \"time\": 5}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_crashed(bad[i], strlen(bad[i]));
}

/* A report with null stdout, stderr or python still gives strings in the contract. */
static void test_null_strings_stay_strings(void **state)
{
	(void)state;
	static const char *const keys[] = {"stdout", "stderr", "python"};
	int bad = 0;
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		char rep[64];
		snprintf(rep, sizeof rep, "{\"status\": \"ok\", \"%s\": null}", keys[i]);
		json_t *r = from_report(rep);
		if (!json_is_string(json_object_get(r, keys[i]))) {
			print_error("report %s: contract '%s' is not a string\n", rep, keys[i]);
			bad++;
		}
		json_decref(r);
	}
	assert_int_equal(bad, 0);
}

/* memory_limit names the limit in human units. */
static void test_memory_limit_message(void **state)
{
	(void)state;
	json_t *r = from_report("{\"status\": \"memory_limit\", \"exception\": {\"type\": "
	                        "\"MemoryError\", \"message\": \"\"}}");
	assert_contract(r);
	assert_string_equal(str(r, "status"), "memory_limit");
	assert_message(r, "256 MiB");
	json_decref(r);

	struct result_context small = ctx;
	small.memory_bytes = 1536L << 20;
	struct pool_outcome o = {.kind = OUTCOME_RESULT,
	                         .json = "{\"status\": \"memory_limit\"}",
	                         .json_len = strlen("{\"status\": \"memory_limit\"}")};
	r = result_from_outcome(&o, &small);
	assert_message(r, "1536 MiB");
	json_decref(r);
}

/* output_limit names the limit in human units and keeps truncated. */
static void test_output_limit_message(void **state)
{
	(void)state;
	json_t *r = from_report("{\"status\": \"output_limit\", \"stdout\": \"xxxx\", "
	                        "\"truncated\": true}");
	assert_contract(r);
	assert_string_equal(str(r, "status"), "output_limit");
	assert_true(json_is_true(json_object_get(r, "truncated")));
	assert_message(r, "64 KiB");
	json_decref(r);

	struct result_context odd = ctx;
	odd.output_bytes = 1500;
	const char *rep = "{\"status\": \"output_limit\"}";
	struct pool_outcome o = {.kind = OUTCOME_RESULT, .json = rep, .json_len = strlen(rep)};
	r = result_from_outcome(&o, &odd);
	assert_message(r, "1500 bytes");
	json_decref(r);
}

/* A child that reports timeout or crashed itself still gets a message. */
static void test_child_reported_statuses_have_messages(void **state)
{
	(void)state;
	static const char *const statuses[] = {"timeout", "crashed"};
	int bad = 0;
	for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++) {
		char rep[64];
		snprintf(rep, sizeof rep, "{\"status\": \"%s\"}", statuses[i]);
		json_t *r = from_report(rep);
		assert_string_equal(str(r, "status"), statuses[i]);
		if (!str(r, "message") || !*str(r, "message")) {
			print_error("report %s: no message\n", rep);
			bad++;
		}
		json_decref(r);
	}
	assert_int_equal(bad, 0);
}

/* The wall-clock timeout reports "timeout", the limit in seconds, and the outcome's time. */
static void test_outcome_timeout(void **state)
{
	(void)state;
	json_t *r = from_death(OUTCOME_TIMEOUT, W_EXITCODE(0, SIGKILL), 30);
	assert_contract(r);
	assert_string_equal(str(r, "status"), "timeout");
	assert_message(r, "5.0 s");
	json_t *t = json_object_get(r, "time");
	assert_float_equal(json_number_value(json_object_get(t, "wall_ms")), 12.5, 1e-9);
	assert_float_equal(json_number_value(json_object_get(t, "cpu_ms")), 30.0, 1e-9);
	json_decref(r);
}

/* A segfault is "crashed" and the message names SIGSEGV. */
static void test_died_sigsegv(void **state)
{
	(void)state;
	json_t *r = from_death(OUTCOME_DIED, W_EXITCODE(0, SIGSEGV), 5);
	assert_contract(r);
	assert_string_equal(str(r, "status"), "crashed");
	assert_message(r, "SIGSEGV");
	assert_float_equal(json_number_value(json_object_get(json_object_get(r, "time"), "cpu_ms")),
	                   5.0, 1e-9);
	json_decref(r);
}

/* SIGXCPU is the CPU limit: "timeout" naming the CPU seconds. */
static void test_died_sigxcpu(void **state)
{
	(void)state;
	json_t *r = from_death(OUTCOME_DIED, SIGXCPU, 2000);
	assert_contract(r);
	assert_string_equal(str(r, "status"), "timeout");
	assert_message(r, "2 s of CPU");
	json_decref(r);
}

/* SIGKILL at the CPU limit is a timeout; well below it, a crash naming SIGKILL. */
static void test_died_sigkill(void **state)
{
	(void)state;
	json_t *r = from_death(OUTCOME_DIED, SIGKILL, 2000);
	assert_contract(r);
	assert_string_equal(str(r, "status"), "timeout");
	assert_message(r, "CPU");
	json_decref(r);
	r = from_death(OUTCOME_DIED, SIGKILL, 1999);
	assert_string_equal(str(r, "status"), "timeout");
	json_decref(r);
	r = from_death(OUTCOME_DIED, SIGKILL, 10);
	assert_contract(r);
	assert_string_equal(str(r, "status"), "crashed");
	assert_message(r, "SIGKILL");
	json_decref(r);
}

/* SIGSYS comes from seccomp: "crashed" with a message about the sandbox. */
static void test_died_sigsys(void **state)
{
	(void)state;
	json_t *r = from_death(OUTCOME_DIED, W_EXITCODE(0, SIGSYS), 1);
	assert_contract(r);
	assert_string_equal(str(r, "status"), "crashed");
	assert_message(r, "sandbox");
	json_decref(r);
}

/* A plain exit without a report (os._exit(3)) is "crashed" naming os._exit and the code. */
static void test_died_exit_code(void **state)
{
	(void)state;
	json_t *r = from_death(OUTCOME_DIED, W_EXITCODE(3, 0), 1);
	assert_contract(r);
	assert_string_equal(str(r, "status"), "crashed");
	assert_message(r, "os._exit");
	assert_message(r, "exit status 3");
	json_decref(r);
}

/* CHILD_EXIT_SANDBOX is "crashed" saying the sandbox could not be set up. */
static void test_died_sandbox_exit(void **state)
{
	(void)state;
	json_t *r = from_death(OUTCOME_DIED, CHILD_EXIT_SANDBOX << 8, 0);
	assert_contract(r);
	assert_string_equal(str(r, "status"), "crashed");
	assert_message(r, "sandbox could not be set up");
	json_decref(r);
}

/* A lost child (the zygote died) is "crashed" and asks to run again. */
static void test_outcome_lost(void **state)
{
	(void)state;
	json_t *r = from_death(OUTCOME_LOST, 0, 0);
	assert_contract(r);
	assert_string_equal(str(r, "status"), "crashed");
	assert_message(r, "Run it again");
	json_decref(r);
}

/* Output a dead child left behind is kept whole, each ill-formed UTF-8
 * subpart replaced by U+FFFD: bytes jansson refuses (a surrogate, overlong
 * forms, F5-F7 leads, above U+10FFFF) once made the whole field empty. */
static void test_died_output_kept_with_invalid_bytes_replaced(void **state)
{
	(void)state;
	static const char out[] = "partial \xc3\xa9\xff more hi \xed\xa0\x80";
	static const char err_text[] =
	    "\xc0\xaf \xe0\x80\xaf \xf5\x80 \xf4\x90\x80\x80 cut \xe2\x82";
	struct pool_outcome o = {.kind = OUTCOME_TIMEOUT,
	                         .stdout_text = out,
	                         .stdout_len = sizeof out - 1,
	                         .stderr_text = err_text,
	                         .stderr_len = sizeof err_text - 1};
	json_t *r = result_from_outcome(&o, &ctx);
	assert_contract(r);
	assert_string_equal(str(r, "status"), "timeout");
	assert_string_equal(str(r, "stdout"), "partial \xc3\xa9" FFFD " more hi " FFFD FFFD FFFD);
	assert_string_equal(str(r, "stderr"), FFFD FFFD " " FFFD FFFD FFFD " " FFFD FFFD
	                                                " " FFFD FFFD FFFD FFFD " cut " FFFD);
	o.kind = OUTCOME_DIED;
	o.wstatus = SIGSEGV; /* a crashed child keeps its output the same way */
	json_decref(r);
	r = result_from_outcome(&o, &ctx);
	assert_contract(r);
	assert_string_equal(str(r, "status"), "crashed");
	assert_string_equal(str(r, "stdout"), "partial \xc3\xa9" FFFD " more hi " FFFD FFFD FFFD);
	json_decref(r);
}

/* A run that never got a child is "crashed" and says it did not run. */
static void test_outcome_no_runner(void **state)
{
	(void)state;
	json_t *r = from_death(OUTCOME_NO_RUNNER, 0, 0);
	assert_contract(r);
	assert_string_equal(str(r, "status"), "crashed");
	assert_message(r, "did not run");
	json_decref(r);
}

/* A report over the server's cap is "output_limit" with truncated true. */
static void test_outcome_too_big(void **state)
{
	(void)state;
	json_t *r = from_death(OUTCOME_TOO_BIG, 0, 0);
	assert_contract(r);
	assert_string_equal(str(r, "status"), "output_limit");
	assert_true(json_is_true(json_object_get(r, "truncated")));
	json_decref(r);
}

/* A NULL python in the context becomes an empty string, not a missing field. */
static void test_null_python_in_context(void **state)
{
	(void)state;
	struct result_context none = ctx;
	none.python = NULL;
	struct pool_outcome o = {.kind = OUTCOME_LOST};
	json_t *r = result_from_outcome(&o, &none);
	assert_contract(r);
	assert_string_equal(str(r, "python"), "");
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_report_passes),
	    cmocka_unit_test(test_error_report),
	    cmocka_unit_test(test_minimal_report_filled),
	    cmocka_unit_test(test_unknown_fields_dropped),
	    cmocka_unit_test(test_time_without_numbers),
	    cmocka_unit_test(test_malformed_report),
	    cmocka_unit_test(test_report_len_respected),
	    cmocka_unit_test(test_unknown_status),
	    cmocka_unit_test(test_wrong_field_types),
	    cmocka_unit_test(test_null_strings_stay_strings),
	    cmocka_unit_test(test_memory_limit_message),
	    cmocka_unit_test(test_output_limit_message),
	    cmocka_unit_test(test_child_reported_statuses_have_messages),
	    cmocka_unit_test(test_outcome_timeout),
	    cmocka_unit_test(test_died_sigsegv),
	    cmocka_unit_test(test_died_sigxcpu),
	    cmocka_unit_test(test_died_sigkill),
	    cmocka_unit_test(test_died_sigsys),
	    cmocka_unit_test(test_died_exit_code),
	    cmocka_unit_test(test_died_sandbox_exit),
	    cmocka_unit_test(test_outcome_lost),
	    cmocka_unit_test(test_outcome_too_big),
	    cmocka_unit_test(test_outcome_no_runner),
	    cmocka_unit_test(test_died_output_kept_with_invalid_bytes_replaced),
	    cmocka_unit_test(test_null_python_in_context),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
