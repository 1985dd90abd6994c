/* test_joincode.c: class join codes: the alphabet, uniform draws, what a
 * learner may type and what is refused. */
#include "classes/joincode.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

/* The alphabet has no 0 O 1 I L (either case), none of the other left-out
 * look-alikes and vowels, no repeats, and its size matches the constant. */
static void test_alphabet(void **state)
{
	(void)state;
	const char *a = JOINCODE_ALPHABET;
	assert_int_equal(strlen(a), JOINCODE_SYMBOLS);
	for (const char *bad = "0O1IlLQBGSZUVAEoiqbgszuvae"; *bad; bad++)
		assert_null(strchr(a, *bad));
	for (int i = 0; a[i]; i++)
		for (int j = i + 1; a[j]; j++)
			assert_int_not_equal(a[i], a[j]);
	for (int i = 0; a[i]; i++)
		assert_true((a[i] >= '2' && a[i] <= '9') || (a[i] >= 'C' && a[i] <= 'Y'));
}

/* Bytes at or above 242 are skipped, bytes below map to b % 22, and a short
 * supply reports 0 rather than a short code. */
static void test_from_bytes(void **state)
{
	(void)state;
	char code[JOINCODE_LEN + 1];
	const unsigned char plain[] = {0, 1, 21, 22, 43, 241};
	assert_int_equal(joincode_from_bytes(plain, sizeof plain, code), 6);
	assert_string_equal(code, "23Y2YY"); /* 22 and 43 wrap to 0 and 21 */
	const unsigned char skips[] = {242, 255, 0, 250, 1, 2, 3, 4, 5, 9};
	assert_int_equal(joincode_from_bytes(skips, sizeof skips, code), 9);
	assert_string_equal(code, "234567");
	const unsigned char few[] = {0, 1, 2, 255, 255, 3, 4};
	assert_int_equal(joincode_from_bytes(few, sizeof few, code), 0);
	assert_int_equal(joincode_from_bytes(few, 0, code), 0);
}

/* A statistical smoke test against modulo bias: feed every byte value
 * equally often (256 * 3000 bytes, each value 3000 times, shuffled by a
 * fixed LCG); with rejection each symbol gets exactly 33000 draws of the
 * 726000 used. Plain b % 22 would give the first 14 symbols 36000 and the
 * rest 33000. Then the real generator: 20000 codes from getrandom, each
 * symbol within 10 % of the mean (the expected deviation is under 1 %). */
static void test_uniform(void **state)
{
	(void)state;
	enum { PER = 3000, N = 256 * PER };
	static unsigned char bytes[N];
	for (size_t i = 0; i < N; i++)
		bytes[i] = (unsigned char)(i % 256);
	uint32_t x = 12345;
	for (size_t i = N - 1; i > 0; i--) {
		x = x * 1103515245u + 12345u;
		size_t j = (x >> 8) % (i + 1);
		unsigned char t = bytes[i];
		bytes[i] = bytes[j];
		bytes[j] = t;
	}
	size_t count[JOINCODE_SYMBOLS] = {0}, at = 0, codes = 0;
	char code[JOINCODE_LEN + 1];
	for (;;) {
		size_t used = joincode_from_bytes(bytes + at, N - at, code);
		if (!used)
			break;
		at += used;
		codes++;
		for (int i = 0; i < JOINCODE_LEN; i++)
			count[strchr(JOINCODE_ALPHABET, code[i]) - JOINCODE_ALPHABET]++;
	}
	size_t total = codes * JOINCODE_LEN;
	assert_true(total >= 242 * PER - JOINCODE_LEN);
	for (int s = 0; s < JOINCODE_SYMBOLS; s++) {
		assert_true(count[s] <= 11 * PER);
		assert_true(count[s] + JOINCODE_LEN >= 11 * PER);
	}

	size_t real[JOINCODE_SYMBOLS] = {0};
	for (int n = 0; n < 20000; n++) {
		assert_int_equal(joincode_new(code), 0);
		assert_true(joincode_is_canonical(code));
		for (int i = 0; i < JOINCODE_LEN; i++)
			real[strchr(JOINCODE_ALPHABET, code[i]) - JOINCODE_ALPHABET]++;
	}
	const double mean = 20000.0 * JOINCODE_LEN / JOINCODE_SYMBOLS;
	for (int s = 0; s < JOINCODE_SYMBOLS; s++) {
		assert_true(real[s] > mean * 0.9);
		assert_true(real[s] < mean * 1.1);
	}
}

/* The display form groups the code in two halves. */
static void test_display(void **state)
{
	(void)state;
	char shown[JOINCODE_LEN + 2];
	joincode_display("23CDFH", shown);
	assert_string_equal(shown, "23C-DFH");
}

/* What learners type: either case, separators anywhere, B G S Z read as the
 * digits they look like. */
static void test_normalise(void **state)
{
	(void)state;
	static const struct {
		const char *typed, *code;
	} table[] = {
	    {"23CDFH", "23CDFH"},       {"23c-dfh", "23CDFH"}, {" 23 cdf h ", "23CDFH"},
	    {"2-3_C\tD-F-H", "23CDFH"}, {"zs6789", "256789"},  {"BGSZ22", "865222"},
	    {"bgsz22", "865222"},       {"xyw-rtp", "XYWRTP"}, {"kmn-jhd", "KMNJHD"},
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		char out[JOINCODE_LEN + 1];
		assert_int_equal(joincode_parse(table[i].typed, strlen(table[i].typed), out, NULL),
		                 JOINCODE_OK);
		assert_string_equal(out, table[i].code);
		assert_true(joincode_is_canonical(out));
	}
}

/* Wrong lengths, characters no code holds, NUL and non-ASCII each get their
 * own error, the offset of the bad byte, and an empty out. */
static void test_refused(void **state)
{
	(void)state;
	static const struct {
		const char *typed;
		size_t len;
		enum joincode_err err;
		size_t at;
	} table[] = {
	    {"", 0, JOINCODE_EMPTY, 0},
	    {" - -", 4, JOINCODE_EMPTY, 0},
	    {"23CDF", 5, JOINCODE_TOO_SHORT, 0},
	    {"23C-DFH-J", 9, JOINCODE_TOO_LONG, 0},
	    {"2 3 C D F H                          ", 37, JOINCODE_TOO_LONG, 0},
	    {"23CDF0", 6, JOINCODE_BAD_CHAR, 5},
	    {"O3CDFH", 6, JOINCODE_BAD_CHAR, 0},
	    {"23CDF1", 6, JOINCODE_BAD_CHAR, 5},
	    {"23lDFH", 6, JOINCODE_BAD_CHAR, 2},
	    {"23CIFH", 6, JOINCODE_BAD_CHAR, 3},
	    {"23CDFU", 6, JOINCODE_BAD_CHAR, 5},
	    {"A3CDFH", 6, JOINCODE_BAD_CHAR, 0},
	    {"23C.DFH", 7, JOINCODE_BAD_CHAR, 3},
	    {"23C\0DFH", 7, JOINCODE_NUL, 3},
	    {"23C\xc3\xa9"
	     "DF",
	     7, JOINCODE_NOT_ASCII, 3},
	    {"\xef\xbc\x92"
	     "3CDFH",
	     8, JOINCODE_NOT_ASCII, 0}, /* full-width 2 */
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		char out[JOINCODE_LEN + 1] = "XXXXXX";
		size_t at = 999;
		assert_int_equal(joincode_parse(table[i].typed, table[i].len, out, &at),
		                 table[i].err);
		assert_string_equal(out, "");
		if (table[i].err == JOINCODE_BAD_CHAR || table[i].err == JOINCODE_NUL ||
		    table[i].err == JOINCODE_NOT_ASCII)
			assert_int_equal(at, table[i].at);
		assert_non_null(strstr(joincode_strerror(table[i].err), "code"));
	}
	assert_false(joincode_is_canonical("23CDF"));
	assert_false(joincode_is_canonical("23CDFHJ"));
	assert_false(joincode_is_canonical("23cdfh"));
	assert_false(joincode_is_canonical("23CDF0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alphabet),  cmocka_unit_test(test_from_bytes),
	    cmocka_unit_test(test_uniform),   cmocka_unit_test(test_display),
	    cmocka_unit_test(test_normalise), cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
