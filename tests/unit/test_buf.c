/* test_buf.c: the growable buffer: appends, printf, growth, the cap and the
 * sticky failure, take and free. */
#include "common/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* Bytes (NULs included) and strings go in in order, NUL-terminated. */
static void test_add_keeps_bytes_in_order(void **state)
{
	(void)state;
	struct buf b = {0};
	assert_int_equal(buf_add(&b, "a\0b", 3), 0);
	assert_int_equal(buf_addstr(&b, "cd"), 0);
	assert_int_equal(buf_add(&b, NULL, 0), 0);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "a\0bcd", 6); /* with the terminating NUL */
	size_t len = 0;
	char *s = buf_take(&b, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(s, "a\0bcd", 6);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(s);
}

/* Many appends and long formatted pieces grow the buffer past its first
 * capacity without losing a byte. */
static void test_printf_grows(void **state)
{
	(void)state;
	struct buf b = {0};
	char expect[20000] = "";
	size_t at = 0;
	for (int i = 0; i < 2000; i++) {
		assert_int_equal(buf_printf(&b, "%d,", i), 0);
		at += (size_t)snprintf(expect + at, sizeof expect - at, "%d,", i);
	}
	assert_int_equal(b.len, at);
	assert_string_equal(b.data, expect);
	char wide[5000];
	memset(wide, 'x', sizeof wide - 1);
	wide[sizeof wide - 1] = '\0';
	size_t before = b.len;
	assert_int_equal(buf_printf(&b, "[%s]", wide), 0);
	assert_int_equal(b.len, before + sizeof wide + 1);
	assert_int_equal(b.data[before], '[');
	assert_int_equal(b.data[b.len - 1], ']');
	assert_int_equal(b.data[b.len], '\0');
	assert_true(b.cap > b.len);
	buf_free(&b);
	assert_null(b.data);
}

/* Filling the cap exactly succeeds; one byte more fails the buffer for
 * good, frees its bytes, and take says so with NULL. */
static void test_cap_fails_and_sticks(void **state)
{
	(void)state;
	struct buf b = {.max = 8};
	assert_int_equal(buf_add(&b, "12345", 5), 0);
	assert_int_equal(buf_printf(&b, "%d", 678), 0);
	assert_int_equal(b.len, 8);
	assert_false(b.failed);
	assert_int_equal(buf_add(&b, "9", 1), -1);
	assert_true(b.failed);
	assert_null(b.data);
	assert_int_equal(buf_add(&b, "", 0), -1); /* sticky, even for nothing */
	assert_int_equal(buf_printf(&b, "x"), -1);
	assert_int_equal(buf_addstr(&b, "x"), -1);
	size_t len = 99;
	assert_null(buf_take(&b, &len));
	assert_int_equal(len, 0);
	/* take cleared the failure; the cap stays */
	assert_false(b.failed);
	assert_int_equal(b.max, 8);
	assert_int_equal(buf_printf(&b, "%s", "123456789"), -1);
	assert_true(b.failed);
	buf_free(&b);
	assert_false(b.failed);
}

/* A length that would overflow size_t fails instead of wrapping. */
static void test_huge_length_fails(void **state)
{
	(void)state;
	struct buf b = {0};
	assert_int_equal(buf_add(&b, "ab", 2), 0);
	assert_int_equal(buf_add(&b, "x", SIZE_MAX - 1), -1);
	assert_true(b.failed);
	assert_null(buf_take(&b, NULL));
}

/* Nothing added: take returns a new empty string. */
static void test_take_empty_is_empty_string(void **state)
{
	(void)state;
	struct buf b = {0};
	size_t len = 7;
	char *s = buf_take(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_keeps_bytes_in_order),
	    cmocka_unit_test(test_printf_grows),
	    cmocka_unit_test(test_cap_fails_and_sticks),
	    cmocka_unit_test(test_huge_length_fails),
	    cmocka_unit_test(test_take_empty_is_empty_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
