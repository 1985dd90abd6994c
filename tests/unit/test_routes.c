/* test_routes.c: the one route table: every route's label, paths with and
 * without a parameter, unknown paths, methods and the Allow list. */
#include "api/routes.h"

#include <stdio.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* The labels clients see on /metrics, in order: a change here is a change
 * to the metrics' contract. */
static void test_known_labels(void **state)
{
	(void)state;
	static const struct {
		const char *path, *label;
	} cases[] = {
	    {"/api/run", "run"},
	    {"/api/check", "check"},
	    {"/api/solution", "solution"},
	    {"/api/health", "health"},
	    {"/api/lessons", "lessons"},
	    {"/api/lessons/01-dict", "lesson"},
	    {"/metrics", "metrics"},
	    {"/api/teach/session", "teach_session"},
	    {"/api/classes", "classes"},
	    {"/api/classes/CDFHJK", "class"},
	    {"/api/classes/CDFHJK/export.csv", "class_csv"},
	    {"/api/classes/CDFHJK/join", "class_join"},
	    {"/api/membership", "membership"},
	    {"/api/progress", "progress"},
	    {"/api/classes//join", "api_other"},        /* an empty {id} before the rest */
	    {"/api/classes/CDFHJK/join/", "api_other"}, /* the rest is exact */
	    {"/api/classes/CDFHJK/joins", "api_other"},
	    {"/api/classes/a/b/join", "api_other"}, /* {id} is one segment */
	    {"/api/classes/CDFHJK/other", "api_other"},
	    {"/api/nope", "api_other"},
	    {"/api", "api_other"},
	    {"/api/", "api_other"},
	    {"/api/lessons/", "api_other"},    /* the {id} segment is empty */
	    {"/api/lessons/a/b", "api_other"}, /* {id} is one segment */
	    {"/api/run/", "api_other"},        /* exact means exact */
	    {"/api/runs", "api_other"},
	    {"/apix", "static"},
	    {"/metrics/x", "static"},
	    {"/", "static"},
	    {"/dist/app.js", "static"},
	    {"/any\"thing{", "static"},
	    {"", "static"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		assert_string_equal(routes_label_name(routes_label_of(cases[i].path)),
		                    cases[i].label);
	assert_string_equal(routes_label_name(routes_label_of(NULL)), "static");
}

/* Every row of the table: a concrete path made from its pattern finds that
 * row, and its label is its own, made of [a-z_], and unlike every other
 * label (the fallbacks included). */
static void test_every_route_is_found_and_labelled(void **state)
{
	(void)state;
	for (int i = 0; i < ROUTE_COUNT; i++) {
		char path[128];
		const char *pat = routes_table[i].path;
		const char *slot = strstr(pat, "{id}");
		snprintf(path, sizeof path, "%.*s%s%s", slot ? (int)(slot - pat) : (int)strlen(pat),
		         pat, slot ? "some-id" : "", slot ? slot + 4 : "");
		const char *param = NULL;
		assert_int_equal(routes_find(path, &param), i);
		if (slot) {
			assert_int_equal(strcspn(param, "/"), strlen("some-id"));
			assert_memory_equal(param, "some-id", strlen("some-id"));
		}
		assert_int_equal(routes_label_of(path), i);
		assert_true(routes_owns(path));
		const char *label = routes_table[i].label;
		assert_true(*label);
		assert_int_equal(strspn(label, "abcdefghijklmnopqrstuvwxyz_"), strlen(label));
		assert_string_equal(routes_label_name(i), label);
		for (int j = 0; j < ROUTE_LABELS; j++)
			if (j != i)
				assert_string_not_equal(routes_label_name(j), label);
	}
	assert_string_equal(routes_label_name(ROUTE_LABEL_API_OTHER), "api_other");
	assert_string_equal(routes_label_name(ROUTE_LABEL_STATIC), "static");
	assert_string_equal(routes_label_name(-1), "static");
	assert_string_equal(routes_label_name(ROUTE_LABELS), "static");
}

/* Which paths go to the API at all. */
static void test_owns(void **state)
{
	(void)state;
	assert_true(routes_owns("/api"));
	assert_true(routes_owns("/api/anything"));
	assert_true(routes_owns("/metrics"));
	assert_false(routes_owns("/metrics/x"));
	assert_false(routes_owns("/apix"));
	assert_false(routes_owns("/index.html"));
	assert_false(routes_owns(NULL));
	assert_int_equal(routes_find("/nope", NULL), -1);
	assert_int_equal(routes_find(NULL, NULL), -1);
}

/* Methods: exactly those listed, whole words only; the list is the Allow
 * header. */
static void test_methods(void **state)
{
	(void)state;
	assert_true(routes_allows(ROUTE_RUN, "POST"));
	assert_false(routes_allows(ROUTE_RUN, "GET"));
	assert_false(routes_allows(ROUTE_RUN, "POS"));
	assert_false(routes_allows(ROUTE_RUN, "POSTX"));
	assert_false(routes_allows(ROUTE_RUN, "post"));
	assert_true(routes_allows(ROUTE_HEALTH, "GET"));
	assert_true(routes_allows(ROUTE_HEALTH, "HEAD"));
	assert_false(routes_allows(ROUTE_HEALTH, "POST"));
	assert_false(routes_allows(ROUTE_HEALTH, ","));
	assert_false(routes_allows(ROUTE_HEALTH, " "));
	assert_false(routes_allows(ROUTE_HEALTH, ""));
	assert_false(routes_allows(ROUTE_HEALTH, NULL));
	assert_true(routes_allows(ROUTE_METRICS, "HEAD"));
	assert_false(routes_allows(-1, "GET"));
	assert_false(routes_allows(ROUTE_COUNT, "GET"));
	assert_string_equal(routes_table[ROUTE_LESSON].methods, "GET, HEAD");
	assert_string_equal(routes_table[ROUTE_CHECK].methods, "POST");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_labels),
	    cmocka_unit_test(test_every_route_is_found_and_labelled),
	    cmocka_unit_test(test_owns),
	    cmocka_unit_test(test_methods),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
