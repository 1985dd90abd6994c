/* test_query.c: reading one query argument of a request (http/query.h). */
#include "http/query.h"

#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* A key given once comes back with its value; "?key" without '=' is "";
 * a key not given is absent, and the value pointer is then NULL. */
static void test_one_and_absent(void **state)
{
	(void)state;
	const struct http_arg args[] = {{"learner", "12"}, {"flag", NULL}, {"step", ""}};
	struct http_request req = {.query = args, .query_count = 3};
	const char *v = "stale";
	assert_int_equal(query_get(&req, "learner", &v), QUERY_ONE);
	assert_string_equal(v, "12");
	assert_int_equal(query_get(&req, "flag", &v), QUERY_ONE);
	assert_string_equal(v, "");
	assert_int_equal(query_get(&req, "step", &v), QUERY_ONE);
	assert_string_equal(v, "");
	assert_int_equal(query_get(&req, "lesson", &v), QUERY_ABSENT);
	assert_null(v);
	assert_int_equal(query_get(&req, "Learner", NULL), QUERY_ABSENT); /* keys are exact */
	struct http_request none = {0};
	assert_int_equal(query_get(&none, "learner", &v), QUERY_ABSENT);
}

/* A key given twice is ambiguous, and a URL with more arguments than the
 * request keeps answers QUERY_TOO_MANY for every key. */
static void test_many_and_too_many(void **state)
{
	(void)state;
	const struct http_arg args[] = {{"code", "all"}, {"x", "1"}, {"code", "all"}};
	struct http_request req = {.query = args, .query_count = 3};
	const char *v = "stale";
	assert_int_equal(query_get(&req, "code", &v), QUERY_MANY);
	assert_null(v);
	assert_int_equal(query_get(&req, "x", &v), QUERY_ONE);
	req.query_count = HTTP_QUERY_MAX + 1;
	assert_int_equal(query_get(&req, "x", &v), QUERY_TOO_MANY);
	assert_null(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_and_absent),
	    cmocka_unit_test(test_many_and_too_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
