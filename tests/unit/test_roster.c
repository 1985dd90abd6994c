/* test_roster.c: the in-memory roster: set, replace, get, leave (only the
 * class one is in), delete a class, counts, caps, and many learners. */
#include "classes/roster.h"

#include <stdio.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* A learner joins, is found with their class and name; a later join moves
 * them and renames them; the count counts learners, not joins. */
static void test_set_get_move(void **state)
{
	(void)state;
	struct roster *r = roster_new();
	struct roster_entry e;
	assert_false(roster_get(r, "a", &e));
	assert_false(roster_get(r, NULL, &e));
	assert_int_equal(roster_set(r, "a", "CDFHJK", "Class", "Ada"), 0);
	assert_true(roster_get(r, "a", &e));
	assert_string_equal(e.code, "CDFHJK");
	assert_string_equal(e.class_name, "Class");
	assert_string_equal(e.name, "Ada");
	assert_int_equal(roster_set(r, "a", "MNPRTW", "Class", "Ada L."), 0);
	assert_true(roster_get(r, "a", &e));
	assert_string_equal(e.code, "MNPRTW");
	assert_string_equal(e.name, "Ada L.");
	assert_int_equal(roster_count(r), 1);
	assert_false(roster_get(r, "b", &e));
	roster_free(r);
}

/* Leaving names the class: a stale leave for an earlier class keeps the
 * learner where they are now. */
static void test_remove_names_the_class(void **state)
{
	(void)state;
	struct roster *r = roster_new();
	struct roster_entry e;
	assert_int_equal(roster_set(r, "a", "MNPRTW", "Class", "Ada"), 0);
	roster_remove(r, "a", "CDFHJK");
	assert_true(roster_get(r, "a", &e));
	roster_remove(r, "a", "MNPRTW");
	assert_false(roster_get(r, "a", &e));
	assert_int_equal(roster_count(r), 0);
	roster_remove(r, "a", "MNPRTW");
	roster_remove(r, NULL, "MNPRTW");
	assert_int_equal(roster_count(r), 0);
	roster_free(r);
}

/* Deleting a class forgets exactly its learners, across many buckets and
 * chains. */
static void test_remove_class(void **state)
{
	(void)state;
	struct roster *r = roster_new();
	char id[40];
	for (int i = 0; i < 20000; i++) {
		snprintf(id, sizeof id, "%032x", i);
		assert_int_equal(roster_set(r, id, i % 3 ? "CDFHJK" : "MNPRTW", "Class", "x"), 0);
	}
	assert_int_equal(roster_count(r), 20000);
	assert_int_equal(roster_remove_class(r, "CDFHJK"), 13333);
	assert_int_equal(roster_count(r), 6667);
	struct roster_entry e;
	for (int i = 0; i < 20000; i++) {
		snprintf(id, sizeof id, "%032x", i);
		assert_int_equal(roster_get(r, id, &e), i % 3 == 0);
	}
	assert_int_equal(roster_remove_class(r, "CDFHJK"), 0);
	roster_clear(r);
	assert_int_equal(roster_count(r), 0);
	snprintf(id, sizeof id, "%032x", 3);
	assert_false(roster_get(r, id, &e));
	assert_int_equal(roster_set(r, id, "CDFHJK", "Class", "x"), 0);
	assert_true(roster_get(r, id, &e));
	struct roster *fresh = roster_new();
	assert_int_equal(roster_set(fresh, "new", "MNPRTW", "Other", "y"), 0);
	roster_swap(r, fresh);
	assert_false(roster_get(r, id, &e));
	assert_true(roster_get(r, "new", &e));
	assert_string_equal(e.class_name, "Other");
	assert_int_equal(roster_count(r), 1);
	assert_true(roster_get(fresh, id, &e));
	assert_int_equal(roster_count(fresh), 1);
	roster_free(fresh);
	roster_free(r);
}

/* Strings past the caps are refused and change nothing. */
static void test_caps(void **state)
{
	(void)state;
	struct roster *r = roster_new();
	char big[ROSTER_NAME_MAX + 2];
	memset(big, 'n', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(roster_set(r, "a", "CDFHJK", "Class", big), -1);
	big[ROSTER_NAME_MAX] = '\0';
	assert_int_equal(roster_set(r, "a", "CDFHJK", "Class", big), 0);
	char longid[ROSTER_ID_MAX + 2];
	memset(longid, 'i', sizeof longid - 1);
	longid[sizeof longid - 1] = '\0';
	assert_int_equal(roster_set(r, longid, "CDFHJK", "Class", "x"), -1);
	assert_int_equal(roster_set(r, "b", NULL, "Class", "x"), -1);
	assert_int_equal(roster_set(r, "b", "CDFHJK", NULL, "x"), -1);
	assert_int_equal(roster_count(r), 1);
	roster_free(r);
	roster_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set_get_move),
	    cmocka_unit_test(test_remove_names_the_class),
	    cmocka_unit_test(test_remove_class),
	    cmocka_unit_test(test_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
