/* test_csvcell.c: CSV cells, byte for byte: RFC 4180 quoting, CRLF rows,
 * formula-injection neutralisation, and text kept as given. */
#include "classes/csvcell.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

/* The bytes one text cell becomes, alone on an unfinished row. */
static void expect_cell(const char *in, size_t len, const char *want, size_t want_len)
{
	struct buf b = {0};
	struct csv c = {.out = &b};
	assert_int_equal(csv_text(&c, in, len), 0);
	size_t got_len;
	char *got = buf_take(&b, &got_len);
	assert_non_null(got);
	assert_int_equal(got_len, want_len);
	assert_memory_equal(got, want, got_len);
	free(got);
}

#define CELL(in, want) expect_cell(in, sizeof in - 1, want, sizeof want - 1)

/* Plain text, empty cells and separators: no quotes unless needed; a
 * comma, quote, CR or LF anywhere quotes the whole field; quotes double. */
static void test_quoting(void **state)
{
	(void)state;
	CELL("plain", "plain");
	CELL("", "");
	CELL("a b", "a b");
	CELL("a,b", "\"a,b\"");
	CELL("say \"hi\"", "\"say \"\"hi\"\"\"");
	CELL("\"", "\"\"\"\"");
	CELL("\"\"", "\"\"\"\"\"\"");
	CELL("line1\nline2", "\"line1\nline2\"");
	CELL("cr\rhere", "\"cr\rhere\"");
	CELL("crlf\r\n", "\"crlf\r\n\"");
	CELL("'quoted already", "'quoted already"); /* an apostrophe is just text */
}

/* Each formula start gets an apostrophe, before the quoting: a formula with
 * quotes inside comes out quoted, apostrophe first, quotes doubled. Only
 * the first byte counts. */
static void test_neutralised(void **state)
{
	(void)state;
	CELL("=1+1", "'=1+1");
	CELL("+1", "'+1");
	CELL("-3", "'-3");
	CELL("@SUM(A1)", "'@SUM(A1)");
	CELL("\tx", "'\tx");
	CELL("\rx", "\"'\rx\"");
	CELL("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
	CELL("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0");
	CELL("a=1", "a=1");
	CELL(" =1", " =1");
	CELL("1-2", "1-2");
}

/* UTF-8, right-to-left overrides and NUL are written as given: the caller
 * decides what text is, the CSV only escapes. */
static void test_bytes_kept(void **state)
{
	(void)state;
	CELL("\xc3\xa9l\xc3\xa8ve", "\xc3\xa9l\xc3\xa8ve");
	CELL("\xe2\x80\xae"
	     "evil.exe",
	     "\xe2\x80\xae"
	     "evil.exe");                         /* U+202E */
	CELL("\xe2\x80\xae=1", "\xe2\x80\xae=1"); /* not a formula to a spreadsheet */
	CELL("a\0b", "a\0b");
	CELL("\xf0\x9f\x98\x80,", "\"\xf0\x9f\x98\x80,\"");
}

/* Rows: commas between cells, CRLF after each row, integers as digits and
 * never neutralised, NULL as an empty cell. */
static void test_rows(void **state)
{
	(void)state;
	struct buf b = {0};
	struct csv c = {.out = &b};
	assert_int_equal(csv_str(&c, "name"), 0);
	assert_int_equal(csv_str(&c, "attempts"), 0);
	assert_int_equal(csv_end_row(&c), 0);
	assert_int_equal(csv_str(&c, "=ann, \"the\" best"), 0);
	assert_int_equal(csv_int(&c, -3), 0);
	assert_int_equal(csv_end_row(&c), 0);
	assert_int_equal(csv_str(&c, NULL), 0);
	assert_int_equal(csv_int(&c, INT64_MAX), 0);
	assert_int_equal(csv_int(&c, INT64_MIN), 0);
	assert_int_equal(csv_str(&c, ""), 0);
	assert_int_equal(csv_end_row(&c), 0);
	char *got = buf_take(&b, NULL);
	assert_string_equal(got, "name,attempts\r\n"
	                         "\"'=ann, \"\"the\"\" best\",-3\r\n"
	                         ",9223372036854775807,-9223372036854775808,\r\n");
	free(got);
}

/* A buffer past its cap fails every later cell, and the row says so. */
static void test_failure_sticks(void **state)
{
	(void)state;
	struct buf b = {.max = 8};
	struct csv c = {.out = &b};
	assert_int_equal(csv_str(&c, "short"), 0);
	assert_int_equal(csv_str(&c, "too long for it"), -1);
	assert_int_equal(csv_int(&c, 1), -1);
	assert_int_equal(csv_str(&c, ""), -1);
	assert_int_equal(csv_end_row(&c), -1);
	assert_null(buf_take(&b, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quoting),        cmocka_unit_test(test_neutralised),
	    cmocka_unit_test(test_bytes_kept),     cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_failure_sticks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
