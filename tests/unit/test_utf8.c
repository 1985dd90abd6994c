/* test_utf8.c: the strict UTF-8 decoder (server/common/utf8.c) against
 * Unicode Table 3-7 row by row, the U+FFFD replacement of maximal
 * subparts (Unicode §3.9, as Python's decode('utf-8', 'replace') does it),
 * and jansson, whose acceptance it must match exactly. */
#include "common/utf8.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One sequence and what the decoder must say of it. */
struct seq {
	const char *bytes;
	size_t len;
	size_t want; /* utf8_seq_len: 0 for ill-formed */
	size_t bad;  /* for ill-formed: the maximal subpart */
};

#define S(lit) lit, sizeof lit - 1

/* Table 3-7's rows at both ends of each range. */
static const struct seq well_formed[] = {
    {S("\x00"), 1, 0},
    {S("\x7f"), 1, 0},
    {S("\xc2\x80"), 2, 0},         /* U+0080 */
    {S("\xdf\xbf"), 2, 0},         /* U+07FF */
    {S("\xe0\xa0\x80"), 3, 0},     /* U+0800 */
    {S("\xe0\xbf\xbf"), 3, 0},     /* U+0FFF */
    {S("\xe1\x80\x80"), 3, 0},     /* U+1000 */
    {S("\xec\xbf\xbf"), 3, 0},     /* U+CFFF */
    {S("\xed\x80\x80"), 3, 0},     /* U+D000 */
    {S("\xed\x9f\xbf"), 3, 0},     /* U+D7FF, the last before the surrogates */
    {S("\xee\x80\x80"), 3, 0},     /* U+E000, the first after them */
    {S("\xef\xbf\xbf"), 3, 0},     /* U+FFFF */
    {S("\xf0\x90\x80\x80"), 4, 0}, /* U+10000 */
    {S("\xf0\xbf\xbf\xbf"), 4, 0}, /* U+3FFFF */
    {S("\xf1\x80\x80\x80"), 4, 0}, /* U+40000 */
    {S("\xf3\xbf\xbf\xbf"), 4, 0}, /* U+FFFFF */
    {S("\xf4\x80\x80\x80"), 4, 0}, /* U+100000 */
    {S("\xf4\x8f\xbf\xbf"), 4, 0}, /* U+10FFFF, the last code point */
};

/* Ill-formed sequences: stray bytes, overlong forms, surrogates, above
 * U+10FFFF, F5-FF leads, cut-off sequences. */
static const struct seq ill_formed[] = {
    {S("\x80"), 0, 1}, /* a continuation byte alone */
    {S("\xbf"), 0, 1},
    {S("\xc0\xaf"), 0, 1},         /* overlong '/' */
    {S("\xc1\xbf"), 0, 1},         /* overlong U+007F */
    {S("\xe0\x80\xaf"), 0, 1},     /* overlong '/' in three bytes */
    {S("\xe0\x9f\xbf"), 0, 1},     /* overlong U+07FF */
    {S("\xf0\x80\x80\xaf"), 0, 1}, /* overlong '/' in four bytes */
    {S("\xf0\x8f\xbf\xbf"), 0, 1}, /* overlong U+FFFF */
    {S("\xed\xa0\x80"), 0, 1},     /* U+D800, a surrogate */
    {S("\xed\xbf\xbf"), 0, 1},     /* U+DFFF */
    {S("\xf4\x90\x80\x80"), 0, 1}, /* U+110000 */
    {S("\xf5\x80\x80\x80"), 0, 1}, /* F5-F7 would start U+140000 and up */
    {S("\xf7\xbf\xbf\xbf"), 0, 1},
    {S("\xf8\x88\x80\x80\x80"), 0, 1}, /* the old five-byte forms */
    {S("\xfe"), 0, 1},
    {S("\xff"), 0, 1},
    {S("\xc2"), 0, 1},     /* cut off after the lead byte */
    {S("\xc2\x41"), 0, 1}, /* not followed by a continuation */
    {S("\xe2\x82"), 0, 2}, /* a euro sign cut short: one subpart */
    {S("\xe2\x82\x41"), 0, 2},
    {S("\xf0\x9f\x90"), 0, 3}, /* a snake cut short */
    {S("\xf0\x9f\x41\x8d"), 0, 2},
    {S("\xf4\x8f\xbf"), 0, 3},
};

/* Asserts what utf8_seq_len, utf8_valid and jansson say of one sequence. */
static void check_seq(const struct seq *t)
{
	size_t bad = 99;
	size_t n = utf8_seq_len(t->bytes, t->len, &bad);
	assert_int_equal(n, t->want);
	if (!t->want)
		assert_int_equal(bad, t->bad);
	bool whole = t->want == t->len;
	assert_int_equal(utf8_valid(t->bytes, t->len), whole);
	json_t *s = json_stringn(t->bytes, t->len);
	assert_int_equal(s != NULL, whole);
	json_decref(s);
}

static void test_well_formed_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof well_formed / sizeof *well_formed; i++)
		check_seq(&well_formed[i]);
}

static void test_ill_formed_sequences(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof ill_formed / sizeof *ill_formed; i++)
		check_seq(&ill_formed[i]);
}

/* Every one- and two-byte sequence, every three-byte one that starts with
 * a three- or four-byte lead, and the ends of each continuation range
 * elsewhere: accepted exactly when jansson accepts them. */
static void test_agrees_with_jansson(void **state)
{
	(void)state;
	static const unsigned char tails[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90,
	                                      0x9f, 0xa0, 0xbf, 0xc0, 0xf4, 0xff};
	unsigned char b[4];
	for (unsigned x = 0; x < 1u << 16; x++) {
		b[0] = (unsigned char)(x >> 8), b[1] = (unsigned char)x;
		bool every_third = b[0] >= 0xe0;
		for (unsigned k = 0; k < (every_third ? 256u : sizeof tails); k++) {
			b[2] = every_third ? (unsigned char)k : tails[k];
			for (size_t len = 1; len <= 4; len++) {
				b[3] = tails[k % sizeof tails];
				json_t *s = json_stringn((const char *)b, len);
				if (utf8_valid((const char *)b, len) != (s != NULL))
					fail_msg(
					    "%02x %02x %02x %02x (len %zu): utf8_valid disagrees "
					    "with jansson",
					    b[0], b[1], b[2], b[3], len);
				json_decref(s);
			}
		}
	}
}

/* Checks utf8_replace(in) == want. */
static void check_replace(const char *in, size_t len, const char *want, size_t want_len)
{
	size_t out_len = 0;
	char *out = utf8_replace(in, len, &out_len);
	assert_non_null(out);
	assert_int_equal(out_len, want_len);
	assert_memory_equal(out, want, out_len);
	assert_int_equal(out[out_len], '\0');
	assert_true(utf8_valid(out, out_len));
	free(out);
}

#define FFFD "\xef\xbf\xbd"

/* Each maximal subpart becomes one U+FFFD; well-formed text is untouched.
 * The expectations are Python's b'...'.decode('utf-8', 'replace'). */
static void test_replace_maximal_subparts(void **state)
{
	(void)state;
	check_replace(S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d"),
	              S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d"));
	check_replace(S("hi \xed\xa0\x80"), S("hi " FFFD FFFD FFFD));
	check_replace(S("\xc0\xaf|\xe0\x80\xaf"), S(FFFD FFFD "|" FFFD FFFD FFFD));
	check_replace(S("\xf4\x90\x80\x80|\xf5\x80"), S(FFFD FFFD FFFD FFFD "|" FFFD FFFD));
	check_replace(S("ab\xe2\x82"), S("ab" FFFD));
	check_replace(S("\xf0\x9f\x90x\xe2\x82\xacy"), S(FFFD "x\xe2\x82\xacy"));
	check_replace(S("nul\x00inside"), S("nul\x00inside"));
	check_replace(S(""), S(""));
}

/* utf8_scrub turns every byte outside a well-formed sequence into '?'. */
static void test_scrub_in_place(void **state)
{
	(void)state;
	char good[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d ascii";
	char copy[sizeof good];
	memcpy(copy, good, sizeof good);
	utf8_scrub(copy);
	assert_string_equal(copy, good);
	char bad[] = "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xf5\xff|ab\xe2\x82";
	utf8_scrub(bad);
	assert_string_equal(bad, "??|???|????|??|ab??");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_well_formed_rows),
	    cmocka_unit_test(test_ill_formed_sequences),
	    cmocka_unit_test(test_agrees_with_jansson),
	    cmocka_unit_test(test_replace_maximal_subparts),
	    cmocka_unit_test(test_scrub_in_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
