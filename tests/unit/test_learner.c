/* test_learner.c: the learner cookie that keys fairness. */
#include "api/learner.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#define ID "0123456789abcdef0123456789abcdef"

/* The id is found among other cookies, with or without spaces. */
static void test_cookie_found(void **state)
{
	(void)state;
	char id[LEARNER_ID_LEN + 1];
	assert_true(learner_from_cookie("lessond_learner=" ID, id));
	assert_string_equal(id, ID);
	memset(id, 0, sizeof id);
	assert_true(learner_from_cookie("theme=dark; lessond_learner=" ID "; x=1", id));
	assert_string_equal(id, ID);
	assert_true(learner_from_cookie("a=b;lessond_learner=" ID, id));
}

/* Malformed or look-alike cookies are refused, so a client cannot pick a
 * key of arbitrary shape. */
static void test_cookie_refused(void **state)
{
	(void)state;
	char id[LEARNER_ID_LEN + 1];
	assert_false(learner_from_cookie(NULL, id));
	assert_false(learner_from_cookie("", id));
	assert_false(learner_from_cookie("lessond_learner=short", id));
	assert_false(learner_from_cookie("lessond_learner=" ID "0", id)); /* too long */
	assert_false(learner_from_cookie("lessond_learner=0123456789ABCDEF0123456789abcdef", id));
	assert_false(learner_from_cookie("xlessond_learner=" ID, id)); /* other name */
	assert_false(learner_from_cookie("lessond_learner_x=" ID, id));
	assert_false(learner_from_cookie("lessond_learner=../../../0123456789abcdef01", id));
}

/* New ids are well formed, differ, and round-trip through Set-Cookie. */
static void test_new_and_set_cookie(void **state)
{
	(void)state;
	char a[LEARNER_ID_LEN + 1], b[LEARNER_ID_LEN + 1], back[LEARNER_ID_LEN + 1];
	assert_int_equal(learner_new(a), 0);
	assert_int_equal(learner_new(b), 0);
	assert_int_equal(strlen(a), LEARNER_ID_LEN);
	assert_string_not_equal(a, b);
	char header[128];
	learner_set_cookie(a, header, sizeof header);
	assert_non_null(strstr(header, "HttpOnly"));
	assert_non_null(strstr(header, "SameSite=Strict"));
	assert_true(learner_from_cookie(header, back)); /* name=value comes first */
	assert_string_equal(back, a);
}

/* The fairness key names the learner when known, else the address. */
static void test_client_key(void **state)
{
	(void)state;
	char key[80];
	learner_client_key(ID, "10.0.0.7", key, sizeof key);
	assert_string_equal(key, "l:" ID);
	learner_client_key(NULL, "10.0.0.7", key, sizeof key);
	assert_string_equal(key, "ip:10.0.0.7");
	learner_client_key("", NULL, key, sizeof key);
	assert_string_equal(key, "ip:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cookie_found),
	    cmocka_unit_test(test_cookie_refused),
	    cmocka_unit_test(test_new_and_set_cookie),
	    cmocka_unit_test(test_client_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
