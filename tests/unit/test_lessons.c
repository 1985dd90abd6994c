/* test_lessons.c: lessons_load is all or nothing (lessons.h). The course
 * tests/unit/fixtures/course (or $LESSOND_COURSE_DIR) is loaded once as the
 * reference, then again with allocation number k failing, for every k
 * until a load needs no more: each load either fails with a reason or
 * yields exactly the reference course, never part of it. Failures reach
 * our code through the linker's --wrap (the Makefile's
 * TEST_LDFLAGS_lessons) and jansson through json_set_alloc_funcs; md4c's
 * own allocations are out of reach. */
#include "lesson/lessons.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);

static long countdown; /* allocations left before the one that fails; 0: none fails */
static long failed;    /* how many failed since the last reset */

/* True when this allocation is the one to fail. */
static bool fail_now(void)
{
	if (countdown <= 0 || --countdown > 0)
		return false;
	failed++;
	return true;
}

void *__wrap_malloc(size_t size)
{
	return fail_now() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return fail_now() ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

/* jansson's allocator: the same countdown. */
static void *json_fail_malloc(size_t size)
{
	return fail_now() ? NULL : __real_malloc(size);
}

static const char *course_dir(void)
{
	const char *d = getenv("LESSOND_COURSE_DIR");
	return d && *d ? d : "tests/unit/fixtures/course";
}

/* Asserts a == b; on a difference, shows where (cmocka cuts long strings). */
static void assert_same_text(const char *a, const char *b, const char *what)
{
	size_t i = 0;
	while (a[i] && a[i] == b[i])
		i++;
	if (a[i] != b[i]) {
		size_t from = i > 60 ? i - 60 : 0;
		fail_msg("%s differs at byte %zu:\n  want ...%.120s\n  got  ...%.120s", what, i,
		         a + from, b + from);
	}
}

/* Asserts that two courses hold the same lessons, JSON and setups. */
static void assert_same_course(const struct lessons *a, const struct lessons *b)
{
	assert_int_equal(lessons_count(a), lessons_count(b));
	assert_same_text(lessons_index_json(a), lessons_index_json(b), "the index");
	for (size_t i = 0; i < lessons_count(a); i++) {
		const struct lesson *la = lessons_at(a, i), *lb = lessons_at(b, i);
		assert_string_equal(la->id, lb->id);
		assert_same_text(lessons_detail_json(a, la->id), lessons_detail_json(b, lb->id),
		                 la->id);
		assert_int_equal(la->nsteps, lb->nsteps);
		for (size_t s = 0; s < la->nsteps; s++)
			assert_same_text(lessons_setup(a, la, s), lessons_setup(b, lb, s),
			                 "a setup");
	}
}

static void test_load_is_all_or_nothing(void **state)
{
	(void)state;
	char err[512];
	struct lessons *ref = lessons_load(course_dir(), err, sizeof err);
	if (!ref)
		fail_msg("%s", err);
	assert_true(lessons_count(ref) >= 2);
	json_set_alloc_funcs(json_fail_malloc, free);
	long k, refused = 0;
	for (k = 1;; k++) {
		countdown = k;
		failed = 0;
		err[0] = '\0';
		struct lessons *c = lessons_load(course_dir(), err, sizeof err);
		bool reached = failed > 0;
		countdown = 0;
		if (!c) {
			assert_true(reached); /* only an injected failure may refuse the course */
			if (!err[0])
				fail_msg("allocation %ld failed: NULL without a reason", k);
			refused++;
			continue;
		}
		assert_same_course(ref, c); /* whole, or the failure was handled without loss */
		lessons_free(c);
		if (!reached)
			break; /* this load needed fewer than k allocations: every one was tried */
	}
	json_set_alloc_funcs(malloc, free);
	lessons_free(ref);
	print_message("%ld allocations tried, %ld loads refused\n", k - 1, refused);
	assert_true(refused > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_is_all_or_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
