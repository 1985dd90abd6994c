/* test_request.c: run_request_parse, the POST /api/run body validator. */
#include "api/request.h"
#include "common/utf8.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT 65536L

static char err[256];

/* Parses `len` bytes copied into an exact-size heap buffer (no NUL after it),
 * so ASan catches any read past the end. */
static int parse_n(const char *body, size_t len, long limit, struct run_request *req)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, body, len);
	memset(err, 0, sizeof err);
	int status = run_request_parse(copy, len, limit, req, err, sizeof err);
	free(copy);
	return status;
}

static int parse(const char *body, struct run_request *req)
{
	return parse_n(body, strlen(body), LIMIT, req);
}

/* Asserts that `body` is refused with `status`, an err mentioning `needle`,
 * and nothing left allocated in the request. */
static void assert_refused_n(const char *body, size_t len, long limit, int status,
                             const char *needle)
{
	struct run_request req;
	memset(&req, 0xa5, sizeof req);
	int got = parse_n(body, len, limit, &req);
	if (got != status)
		fail_msg("body '%.*s': status %d, expected %d (err '%s')", (int)len, body, got,
		         status, err);
	assert_true(strlen(err) > 0);
	if (needle && !strstr(err, needle))
		fail_msg("err '%s' does not mention '%s'", err, needle);
	assert_null(req.code);
	assert_null(req.setup);
	assert_int_equal(req.code_len, 0);
	assert_int_equal(req.setup_len, 0);
}

static void assert_refused(const char *body, int status, const char *needle)
{
	assert_refused_n(body, strlen(body), LIMIT, status, needle);
}

/* A body of `code_len` bytes of code (and optional setup) as JSON. Caller frees. */
static char *body_with_sizes(size_t code_len, size_t setup_len)
{
	size_t cap = code_len + setup_len + 64;
	char *b = malloc(cap);
	assert_non_null(b);
	size_t n = (size_t)snprintf(b, cap, "{\"code\": \"");
	memset(b + n, 'x', code_len);
	n += code_len;
	n += (size_t)snprintf(b + n, cap - n, "\", \"setup\": \"");
	memset(b + n, 'y', setup_len);
	n += setup_len;
	snprintf(b + n, cap - n, "\"}");
	return b;
}

/* Code alone is accepted; setup becomes an empty owned string. */
static void test_code_only(void **state)
{
	(void)state;
	struct run_request req;
	assert_int_equal(parse("{\"code\": \"print(1)\\nx = 2\"}", &req), 0);
	assert_string_equal(req.code, "print(1)\nx = 2");
	assert_int_equal(req.code_len, 14);
	assert_non_null(req.setup);
	assert_string_equal(req.setup, "");
	assert_int_equal(req.setup_len, 0);
	run_request_free(&req);
	assert_null(req.code);
	assert_null(req.setup);
}

/* Code and setup are both copied with their byte lengths. */
static void test_code_and_setup(void **state)
{
	(void)state;
	struct run_request req;
	assert_int_equal(parse("{\"setup\": \"import sys\", \"code\": \"sys.version\"}", &req), 0);
	assert_string_equal(req.code, "sys.version");
	assert_int_equal(req.code_len, 11);
	assert_string_equal(req.setup, "import sys");
	assert_int_equal(req.setup_len, 10);
	run_request_free(&req);
}

/* "python" names the interpreter ("" when absent or null: the default). */
static void test_python(void **state)
{
	(void)state;
	struct run_request req;
	assert_int_equal(parse("{\"code\": \"1\", \"python\": \"3.13\"}", &req), 0);
	assert_string_equal(req.python, "3.13");
	run_request_free(&req);
	assert_null(req.python);
	assert_int_equal(parse("{\"code\": \"1\", \"python\": null}", &req), 0);
	assert_string_equal(req.python, "");
	run_request_free(&req);
	assert_int_equal(parse("{\"code\": \"1\"}", &req), 0);
	assert_string_equal(req.python, "");
	run_request_free(&req);
	assert_refused("{\"code\": \"1\", \"python\": 3.13}", 400, "'python' must be a string");
}

/* A null setup counts as no setup. */
static void test_null_setup(void **state)
{
	(void)state;
	struct run_request req;
	assert_int_equal(parse("{\"code\": \"1\", \"setup\": null}", &req), 0);
	assert_string_equal(req.code, "1");
	assert_non_null(req.setup);
	assert_int_equal(req.setup_len, 0);
	run_request_free(&req);
}

/* Non-ASCII code is kept as UTF-8 and measured in bytes, escaped or not. */
static void test_utf8_code(void **state)
{
	(void)state;
	struct run_request req;
	assert_int_equal(parse("{\"code\": \"'\\u00e9\xc3\xa9\xf0\x9f\x90\x8d'\"}", &req), 0);
	assert_string_equal(req.code, "'\xc3\xa9\xc3\xa9\xf0\x9f\x90\x8d'");
	assert_int_equal(req.code_len, 10);
	run_request_free(&req);
}

/* Only `len` bytes are read: whatever follows in the buffer is ignored. */
static void test_len_is_respected(void **state)
{
	(void)state;
	struct run_request req;
	const char *buf = "{\"code\": \"1\"}{{{ garbage";
	assert_int_equal(parse_n(buf, 13, LIMIT, &req), 0);
	assert_string_equal(req.code, "1");
	run_request_free(&req);
}

/* Missing or null code is a 400 that names the field. */
static void test_missing_code(void **state)
{
	(void)state;
	assert_refused("{}", 400, "code");
	assert_refused("{\"setup\": \"x = 1\"}", 400, "code");
	assert_refused("{\"code\": null}", 400, "code");
	assert_refused("{\"Code\": \"1\"}", 400, "code");
}

/* Non-string code or setup is a 400 that names the field. */
static void test_wrong_types(void **state)
{
	(void)state;
	assert_refused("{\"code\": 1}", 400, "'code' must be a string");
	assert_refused("{\"code\": true}", 400, "'code' must be a string");
	assert_refused("{\"code\": [\"print(1)\"]}", 400, "'code' must be a string");
	assert_refused("{\"code\": {\"text\": \"1\"}}", 400, "'code' must be a string");
	assert_refused("{\"code\": \"1\", \"setup\": 5}", 400, "'setup' must be a string");
	assert_refused("{\"code\": \"1\", \"setup\": [\"x\"]}", 400, "'setup' must be a string");
}

/* A body that is JSON but not an object is a 400. */
static void test_not_an_object(void **state)
{
	(void)state;
	assert_refused("[]", 400, NULL);
	assert_refused("[\"code\", \"print(1)\"]", 400, NULL);
	assert_refused("\"print(1)\"", 400, NULL);
	assert_refused("42", 400, NULL);
	assert_refused("null", 400, NULL);
}

/* Malformed JSON is a 400 that says so. */
static void test_malformed_json(void **state)
{
	(void)state;
	assert_refused("{", 400, "JSON");
	assert_refused("{\"code\": }", 400, "JSON");
	assert_refused("{'code': 'print(1)'}", 400, "JSON");
	assert_refused("{\"code\": \"1\",}", 400, "JSON");
	assert_refused("{\"code\": \"1\"} trailing", 400, "JSON");
	assert_refused("{\"code\": \"1\"}{\"code\": \"2\"}", 400, "JSON");
	assert_refused("{\"code\": \"unterminated}", 400, "JSON");
	assert_refused("print(1)", 400, "JSON");
}

/* Bytes that are not UTF-8 (stray, overlong, surrogates) are a 400. */
static void test_invalid_utf8(void **state)
{
	(void)state;
	assert_refused("{\"code\": \"\xff\"}", 400, NULL);
	assert_refused("{\"code\": \"caf\xe9\"}", 400, NULL);
	assert_refused("{\"code\": \"\xc0\xaf\"}", 400, NULL);
	assert_refused("{\"code\": \"\xed\xa0\x80\"}", 400, NULL);
	assert_refused("{\"code\": \"\\ud800\"}", 400, NULL);
	assert_refused("{\"code\": \"1\", \"setup\": \"\x80\"}", 400, NULL);
}

/* An escaped NUL in code or setup is a 400 that mentions NUL and the field. */
static void test_nul_in_code(void **state)
{
	(void)state;
	assert_refused("{\"code\": \"a\\u0000b\"}", 400, "NUL");
	assert_refused("{\"code\": \"a\\u0000b\"}", 400, "code");
	assert_refused("{\"code\": \"\\u0000\"}", 400, "NUL");
	assert_refused("{\"code\": \"1\", \"setup\": \"x\\u0000\"}", 400, "NUL");
	assert_refused("{\"code\": \"1\", \"setup\": \"x\\u0000\"}", 400, "setup");
}

/* A raw NUL byte in the body (inside a string or outside) is a 400. */
static void test_raw_nul_byte(void **state)
{
	(void)state;
	const char in_string[] = "{\"code\": \"a\0b\"}";
	const char outside[] = "{\"code\": \"1\"}\0";
	assert_refused_n(in_string, sizeof in_string - 1, LIMIT, 400, NULL);
	assert_refused_n(outside, sizeof outside - 1, LIMIT, 400, NULL);
}

/* Code of exactly the limit is accepted; one byte more is a 413 naming the limit. */
static void test_code_limit(void **state)
{
	(void)state;
	struct run_request req;
	char *at = body_with_sizes(1024, 0);
	char *over = body_with_sizes(1025, 0);
	assert_int_equal(parse_n(at, strlen(at), 1024, &req), 0);
	assert_int_equal(req.code_len, 1024);
	run_request_free(&req);
	assert_refused_n(over, strlen(over), 1024, 413, "'code'");
	assert_refused_n(over, strlen(over), 1024, 413, "1024");
	free(at);
	free(over);
}

/* The limit counts UTF-8 bytes, not characters. */
static void test_limit_counts_bytes(void **state)
{
	(void)state;
	/* four 2-byte characters: 8 bytes */
	const char *body = "{\"code\": \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}";
	struct run_request req;
	assert_int_equal(parse_n(body, strlen(body), 8, &req), 0);
	run_request_free(&req);
	assert_refused_n(body, strlen(body), 7, 413, NULL);
}

/* Setup over the limit is a 413 naming setup, even when code is small. */
static void test_setup_limit(void **state)
{
	(void)state;
	struct run_request req;
	char *at = body_with_sizes(10, 1024);
	char *over = body_with_sizes(10, 1025);
	assert_int_equal(parse_n(at, strlen(at), 1024, &req), 0);
	assert_int_equal(req.setup_len, 1024);
	run_request_free(&req);
	assert_refused_n(over, strlen(over), 1024, 413, "'setup'");
	free(at);
	free(over);
}

/* An empty or blank body is a 400 that tells what to send. */
static void test_empty_body(void **state)
{
	(void)state;
	assert_refused_n("", 0, LIMIT, 400, "code");
	assert_refused("   \n", 400, NULL);
}

/* Duplicate keys are refused rather than silently picking one. */
static void test_duplicate_keys(void **state)
{
	(void)state;
	assert_refused("{\"code\": \"1\", \"code\": \"os.system('x')\"}", 400, NULL);
	assert_refused("{\"code\": \"1\", \"setup\": \"a\", \"setup\": \"b\"}", 400, NULL);
}

/* A tiny err buffer is truncated, never overrun. */
static void test_small_err_buffer(void **state)
{
	(void)state;
	struct run_request req;
	char small[6];
	memset(small, 'x', sizeof small);
	assert_int_equal(run_request_parse("{}", 2, LIMIT, &req, small, sizeof small), 400);
	assert_int_equal(strlen(small), sizeof small - 1);
}

/* run_request_free zeroes the request, so freeing twice is harmless. */
static void test_free_twice(void **state)
{
	(void)state;
	struct run_request req;
	assert_int_equal(parse("{\"code\": \"1\", \"setup\": \"2\"}", &req), 0);
	run_request_free(&req);
	assert_null(req.code);
	assert_null(req.setup);
	assert_int_equal(req.code_len, 0);
	run_request_free(&req);
}

/* jansson's message quotes the body near the error and may cut a character
 * in half (found by the request fuzzer): err is still valid UTF-8. */
static void test_error_quoting_a_cut_character_is_utf8(void **state)
{
	(void)state;
	const char body[] = "{\"code\": \")\\\xef\xbb\xbfu0000\"}";
	struct run_request r;
	assert_int_equal(run_request_parse(body, sizeof body - 1, 65536, &r, err, sizeof err), 400);
	char copy[sizeof err];
	memcpy(copy, err, sizeof err);
	utf8_scrub(copy);
	assert_string_equal(copy, err); /* nothing left to scrub */
	assert_non_null(strstr(err, "not valid JSON"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_code_only),
	    cmocka_unit_test(test_code_and_setup),
	    cmocka_unit_test(test_python),
	    cmocka_unit_test(test_null_setup),
	    cmocka_unit_test(test_utf8_code),
	    cmocka_unit_test(test_len_is_respected),
	    cmocka_unit_test(test_missing_code),
	    cmocka_unit_test(test_wrong_types),
	    cmocka_unit_test(test_not_an_object),
	    cmocka_unit_test(test_malformed_json),
	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_nul_in_code),
	    cmocka_unit_test(test_raw_nul_byte),
	    cmocka_unit_test(test_code_limit),
	    cmocka_unit_test(test_limit_counts_bytes),
	    cmocka_unit_test(test_setup_limit),
	    cmocka_unit_test(test_empty_body),
	    cmocka_unit_test(test_duplicate_keys),
	    cmocka_unit_test(test_small_err_buffer),
	    cmocka_unit_test(test_free_twice),
	    cmocka_unit_test(test_error_quoting_a_cut_character_is_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
