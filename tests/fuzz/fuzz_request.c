/* fuzz_request.c: libFuzzer harness for run_request_parse (server/api/request.c),
 * the POST /api/run body parser. Built and run by `make fuzz`.
 *
 * Each input is one request body. It is parsed twice, with lessond's default
 * source limit and with a tiny one (so the 413 path is reached by small
 * inputs), and these properties are checked, abort() when one breaks:
 *   - success: code and setup are NUL-terminated, hold no NUL, are valid
 *     UTF-8 and within the limit; lesson and step come together, are valid
 *     UTF-8, at most 256 bytes, and exclude setup;
 *   - success: the values, sent again as a fresh JSON body, parse to the same
 *     values (what the parser hands on is what a client could send);
 *   - success under the tiny limit implies the same success under the large one;
 *   - utf8_valid (server/common/utf8.c) accepts the body exactly when
 *     jansson's json_stringn does;
 *   - failure: 400 or 413, a non-empty NUL-terminated sentence in err that is
 *     valid UTF-8 (api.c puts it in {"error": ...}, and jansson refuses
 *     invalid UTF-8), and nothing left in the request (leaks: LeakSanitizer). */
#include "api/request.h"
#include "common/utf8.h" /* utf8_valid: the server's own strict decoder */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_LARGE 65536L /* lessond's default --source-bytes */
#define LIMIT_SMALL 16L
#define ID_LIMIT    256 /* request.c's limit on lesson and step */
#define ERR_SIZE    256 /* the size of api.c's err buffer */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with the failed property and where it is checked (libFuzzer then
 * saves the input as a crash artifact). */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_request: property failed: %s (%s:%d)\n", #cond,      \
			        __FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* A string the parser hands on: NUL-terminated at len, no NUL inside,
 * valid UTF-8, within limit. */
static void check_string(const char *s, size_t len, long limit)
{
	CHECK(s != NULL);
	CHECK(strlen(s) == len);
	CHECK((long)len <= limit);
	CHECK(utf8_valid(s, len));
}

/* Length of an optional field ("" and NULL both mean absent). */
static size_t opt_len(const char *s)
{
	return s ? strlen(s) : 0;
}

/* Parses body (len bytes, not NUL-terminated) and checks every property of
 * the outcome. Returns the status; on 0 *req holds the result (caller frees
 * with run_request_free). */
static int parse_checked(const char *body, size_t len, long limit, struct run_request *req)
{
	char err[ERR_SIZE];
	memset(err, 'x', sizeof err);
	memset(req, 0xa5, sizeof *req);
	int status = run_request_parse(body, len, limit, req, err, sizeof err);
	if (status != 0) {
		struct run_request zero;
		memset(&zero, 0, sizeof zero);
		CHECK(status == 400 || status == 413);
		CHECK(memchr(err, '\0', sizeof err) != NULL);
		CHECK(err[0] != '\0');
		CHECK(utf8_valid(err, strlen(err)));
		CHECK(memcmp(req, &zero, sizeof zero) == 0);
		return status;
	}
	check_string(req->code, req->code_len, limit);
	check_string(req->setup, req->setup_len, limit);
	size_t lesson_len = opt_len(req->lesson), step_len = opt_len(req->step);
	if (req->lesson)
		check_string(req->lesson, lesson_len, ID_LIMIT);
	if (req->step)
		check_string(req->step, step_len, ID_LIMIT);
	CHECK((lesson_len == 0) == (step_len == 0));
	CHECK(lesson_len == 0 || req->setup_len == 0);
	return 0;
}

/* Asserts that two successful parses hold the same values. */
static void check_same(const struct run_request *a, const struct run_request *b)
{
	CHECK(a->code_len == b->code_len && memcmp(a->code, b->code, a->code_len) == 0);
	CHECK(a->setup_len == b->setup_len && memcmp(a->setup, b->setup, a->setup_len) == 0);
	CHECK(strcmp(a->lesson ? a->lesson : "", b->lesson ? b->lesson : "") == 0);
	CHECK(strcmp(a->step ? a->step : "", b->step ? b->step : "") == 0);
}

/* Sends the parsed values again as a body jansson writes, and checks that
 * they come back unchanged. */
static void check_round_trip(const struct run_request *req, long limit)
{
	json_t *obj = json_object(); /* new */
	CHECK(obj != NULL);
	CHECK(json_object_set_new(obj, "code", json_stringn(req->code, req->code_len)) == 0);
	if (req->setup_len)
		CHECK(json_object_set_new(obj, "setup", json_stringn(req->setup, req->setup_len)) ==
		      0);
	if (opt_len(req->lesson)) {
		CHECK(json_object_set_new(obj, "lesson", json_string(req->lesson)) == 0);
		CHECK(json_object_set_new(obj, "step", json_string(req->step)) == 0);
	}
	char *text = json_dumps(obj, JSON_COMPACT); /* caller frees */
	json_decref(obj);
	CHECK(text != NULL);
	struct run_request again;
	int status = parse_checked(text, strlen(text), limit, &again);
	free(text);
	CHECK(status == 0);
	check_same(req, &again);
	run_request_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* libFuzzer's data is an exact-size heap copy: ASan sees any read past it. */
	const char *body = (const char *)data;
	/* The server's decoder and jansson agree on every input (utf8.h). */
	json_t *as_string = json_stringn(body, size); /* new, or NULL */
	CHECK(utf8_valid(body, size) == (as_string != NULL));
	json_decref(as_string);
	struct run_request large, small;
	int large_status = parse_checked(body, size, LIMIT_LARGE, &large);
	int small_status = parse_checked(body, size, LIMIT_SMALL, &small);
	if (small_status == 0) {
		CHECK(large_status == 0);
		check_same(&small, &large);
		run_request_free(&small);
	}
	if (large_status == 0) {
		check_round_trip(&large, LIMIT_LARGE);
		run_request_free(&large);
		struct run_request zero;
		memset(&zero, 0, sizeof zero);
		CHECK(memcmp(&large, &zero, sizeof zero) == 0);
	}
	return 0;
}
