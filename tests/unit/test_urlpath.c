/* test_urlpath.c: the server's percent-decoder for request paths. */
#include "http/urlpath.h"

#include <stdio.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* Decodes `in` and checks the result and the returned length. */
static void decodes(const char *in, const char *expect)
{
	char s[256];
	snprintf(s, sizeof s, "%s", in);
	size_t n = urlpath_decode(s);
	assert_string_equal(s, expect);
	assert_int_equal(n, strlen(expect));
}

static void test_decodes_hex_pairs(void **state)
{
	(void)state;
	decodes("", "");
	decodes("/index.html", "/index.html");
	decodes("/a%20b", "/a b");
	decodes("%41%42%43", "ABC");
	decodes("%2e%2E/%2f", "..//");
	decodes("%c3%a9", "\xc3\xa9");
	decodes("%ff%01", "\xff\x01");
}

/* %00 is never decoded: the path keeps its length and names nothing. */
static void test_never_decodes_nul(void **state)
{
	(void)state;
	decodes("/index.html%00.js", "/index.html%00.js");
	decodes("%00", "%00");
	decodes("%00%41", "%00A");
}

/* A '%' without two hex digits stays; one pass, so a decoded '%' is not
 * decoded again. */
static void test_leaves_what_is_not_a_pair(void **state)
{
	(void)state;
	decodes("%", "%");
	decodes("%4", "%4");
	decodes("a%4", "a%4");
	decodes("%zz", "%zz");
	decodes("%4g", "%4g");
	decodes("%g4", "%g4");
	decodes("%%41", "%A");
	decodes("%2541", "%41");
	decodes("100%", "100%");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decodes_hex_pairs),
	    cmocka_unit_test(test_never_decodes_nul),
	    cmocka_unit_test(test_leaves_what_is_not_a_pair),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
