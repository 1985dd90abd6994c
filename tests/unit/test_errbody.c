/* test_errbody.c: {"error": message} is always valid JSON that says the
 * message: escaped, scrubbed to UTF-8, cut to its maximum. */
#include "common/errbody.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* Parses the body of `message` strictly and returns its "error" string
 * (a new copy; caller frees). Fails the test unless the body is exactly
 * one object with one string member "error" and len is right. */
static char *error_of(const char *message)
{
	size_t len = 0;
	char *body = errbody_json(message, &len);
	assert_non_null(body);
	assert_int_equal(len, strlen(body));
	json_error_t jerr;
	json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!v)
		fail_msg("not JSON: %s (%s)", body, jerr.text);
	assert_true(json_is_object(v));
	assert_int_equal(json_object_size(v), 1);
	const char *e = json_string_value(json_object_get(v, "error"));
	assert_non_null(e);
	char *copy = strdup(e);
	json_decref(v);
	free(body);
	return copy;
}

/* Checks that message comes back as expect. */
static void says(const char *message, const char *expect)
{
	char *e = error_of(message);
	assert_string_equal(e, expect);
	free(e);
}

static void test_plain_message(void **state)
{
	(void)state;
	size_t len;
	char *body = errbody_json("not found", &len);
	assert_string_equal(body, "{\"error\":\"not found\"}");
	free(body);
	says("", "");
	says(NULL, "");
}

/* Quotes, backslashes and control characters cannot break out of the string. */
static void test_escapes(void **state)
{
	(void)state;
	says("say \"hi\" \\ bye", "say \"hi\" \\ bye");
	says("a\nb\tc\x01\x1f\x7f", "a\nb\tc\x01\x1f\x7f");
	says("\"}, \"admin\": true, \"x\": \"", "\"}, \"admin\": true, \"x\": \"");
	says("é → 😀", "é → 😀");
}

/* Bytes that are not well-formed UTF-8 become '?'. */
static void test_invalid_utf8_is_scrubbed(void **state)
{
	(void)state;
	says("a\xff"
	     "b",
	     "a?b");
	says("cut \xe2\x82", "cut ??");
	says("overlong \xc0\xaf", "overlong ??");
	says("surrogate \xed\xa0\x80", "surrogate ???");
}

/* A long message is cut to the maximum, and a character the cut splits
 * does not make the body invalid. */
static void test_long_message_is_cut(void **state)
{
	(void)state;
	char msg[3000];
	memset(msg, 'x', ERRBODY_MESSAGE_MAX - 1);
	strcpy(msg + ERRBODY_MESSAGE_MAX - 1, "\xe2\x82\xac and more");
	char *e = error_of(msg);
	assert_true(strlen(e) <= ERRBODY_MESSAGE_MAX);
	assert_int_equal(e[ERRBODY_MESSAGE_MAX - 2], 'x');
	assert_int_equal(e[ERRBODY_MESSAGE_MAX - 1], '?');
	free(e);
	char quotes[3000];
	memset(quotes, '"', sizeof quotes - 1);
	quotes[sizeof quotes - 1] = '\0';
	e = error_of(quotes);
	assert_int_equal(strlen(e), ERRBODY_MESSAGE_MAX);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_message),
	    cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_invalid_utf8_is_scrubbed),
	    cmocka_unit_test(test_long_message_is_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
