/* test_teachauth.c: teacher tokens: their text, the constant-time
 * comparison's answers, the Bearer header, and the wrong-guess throttle. */
#include "classes/teachauth.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#define TOKEN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Generated tokens are 64 lowercase hex digits of the bytes given, and two
 * from getrandom differ. */
static void test_token_text(void **state)
{
	(void)state;
	unsigned char raw[TEACH_TOKEN_BYTES];
	for (int i = 0; i < TEACH_TOKEN_BYTES; i++)
		raw[i] = (unsigned char)(i * 8 + 7);
	raw[31] = 0xff;
	char out[TEACH_TOKEN_HEX + 1];
	teach_token_from_bytes(raw, out);
	assert_int_equal(strlen(out), TEACH_TOKEN_HEX);
	assert_memory_equal(out, "070f171f", 8);
	assert_string_equal(out + 62, "ff");
	char a[TEACH_TOKEN_HEX + 1], b[TEACH_TOKEN_HEX + 1];
	assert_int_equal(teach_token_new(a), 0);
	assert_int_equal(teach_token_new(b), 0);
	assert_string_not_equal(a, b);
	for (int i = 0; i < TEACH_TOKEN_HEX; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	struct teach_secret s;
	assert_int_equal(teach_secret_set(&s, a, strlen(a)), 0);
	assert_true(teach_token_equal(&s, a, strlen(a)));
}

/* A token file's text: whitespace around is trimmed; too short, too long,
 * spaces or control bytes inside, and non-ASCII are refused. */
static void test_secret_set(void **state)
{
	(void)state;
	struct teach_secret s;
	const char *file = "  " TOKEN "\r\n";
	assert_int_equal(teach_secret_set(&s, file, strlen(file)), 0);
	assert_int_equal(s.len, TEACH_TOKEN_HEX);
	assert_true(teach_token_equal(&s, TOKEN, strlen(TOKEN)));
	assert_int_equal(teach_secret_set(&s, "0123456789abcdef", 16), 0);
	char big[TEACH_TOKEN_MAX + 2];
	memset(big, 'a', sizeof big);
	assert_int_equal(teach_secret_set(&s, big, TEACH_TOKEN_MAX), 0);
	assert_int_equal(teach_secret_set(&s, big, TEACH_TOKEN_MAX + 1), -1);
	assert_int_equal(s.len, 0);
	assert_int_equal(teach_secret_set(&s, "0123456789abcde", 15), -1);
	assert_int_equal(teach_secret_set(&s, "\n\n\n", 3), -1);
	assert_int_equal(teach_secret_set(&s, "0123456789 abcdef", 17), -1);
	assert_int_equal(teach_secret_set(&s, "0123456789\0abcdef", 17), -1);
	assert_int_equal(teach_secret_set(&s, "0123456789abcdef\xc3\xa9", 18), -1);
}

/* Equal only for the same bytes and the same length: a prefix, an
 * extension, one byte off at the start, the middle or the end, a guess
 * longer than the pad, and anything against an unset secret all fail. */
static void test_equal(void **state)
{
	(void)state;
	struct teach_secret s;
	assert_int_equal(teach_secret_set(&s, TOKEN, strlen(TOKEN)), 0);
	assert_true(teach_token_equal(&s, TOKEN, 64));
	assert_false(teach_token_equal(&s, TOKEN, 63));
	assert_false(teach_token_equal(&s, TOKEN "0", 65));
	assert_false(teach_token_equal(&s, TOKEN "\0", 65)); /* padding is no match */
	assert_false(teach_token_equal(&s, "", 0));
	for (int at = 0; at < 64; at += 21) {
		char g[65];
		memcpy(g, TOKEN, 65);
		g[at] ^= 1;
		assert_false(teach_token_equal(&s, g, 64));
	}
	char g[65];
	memcpy(g, TOKEN, 65);
	g[63] = 'g';
	assert_false(teach_token_equal(&s, g, 64));
	char big[300];
	memset(big, 'a', sizeof big);
	assert_int_equal(teach_secret_set(&s, big, TEACH_TOKEN_MAX), 0);
	assert_true(teach_token_equal(&s, big, TEACH_TOKEN_MAX));
	assert_false(teach_token_equal(&s, big, sizeof big));            /* same first 128 bytes */
	assert_false(teach_token_equal(&s, big, TEACH_TOKEN_MAX + 256)); /* length differs by 256 */
	struct teach_secret unset = {0};
	assert_false(teach_token_equal(&unset, "", 0));
	assert_false(teach_token_equal(&unset, TOKEN, 64));
}

/* The Bearer scheme in any case, spaces around the token; other schemes,
 * no token, or a token with a space inside are no token. */
static void test_bearer(void **state)
{
	(void)state;
	size_t len = 0;
	const char *t = teach_bearer("Bearer abc", &len);
	assert_non_null(t);
	assert_int_equal(len, 3);
	assert_memory_equal(t, "abc", 3);
	t = teach_bearer("bEARER   abc  ", &len);
	assert_non_null(t);
	assert_int_equal(len, 3);
	assert_null(teach_bearer(NULL, &len));
	assert_null(teach_bearer("Basic abc", &len));
	assert_null(teach_bearer("Bearerabc", &len));
	assert_null(teach_bearer("Bearer ", &len));
	assert_null(teach_bearer("Bearer    ", &len));
	assert_null(teach_bearer("Bearer a b", &len));
	assert_null(teach_bearer("Bear", &len));
}

/* Five wrong guesses in a minute are allowed, the next waits until the
 * minute from the first is over, then the count starts again; a right
 * guess clears the key; other keys are not held up. */
static void test_throttle(void **state)
{
	(void)state;
	static struct teach_throttle t = TEACH_THROTTLE_INIT;
	const int64_t t0 = 1000000;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(teach_throttle_wait(&t, "ip:a", t0 + i), 0);
		teach_throttle_failed(&t, "ip:a", t0 + i);
	}
	assert_int_equal(teach_throttle_wait(&t, "ip:a", t0 + 10), 0);
	teach_throttle_failed(&t, "ip:a", t0 + 10);
	assert_int_equal(teach_throttle_wait(&t, "ip:a", t0 + 10), 59990); /* from the first */
	assert_int_equal(teach_throttle_wait(&t, "ip:a", t0 + 59999), 1);
	assert_int_equal(teach_throttle_wait(&t, "ip:b", t0 + 10), 0);
	assert_int_equal(teach_throttle_wait(&t, "ip:a", t0 + 60000), 0);
	teach_throttle_failed(&t, "ip:a", t0 + 60000); /* a new window */
	assert_int_equal(teach_throttle_wait(&t, "ip:a", t0 + 60001), 0);
	for (int i = 0; i < 4; i++)
		teach_throttle_failed(&t, "ip:a", t0 + 60001);
	assert_int_equal(teach_throttle_wait(&t, "ip:a", t0 + 60001), 59999);
	teach_throttle_succeeded(&t, "ip:a");
	assert_int_equal(teach_throttle_wait(&t, "ip:a", t0 + 60001), 0);
}

/* Many keys: once every slot is in an open window, new keys share the
 * overflow slot and are throttled together; when windows close, slots are
 * reused. Long keys are cut, and the empty key lands in the overflow. */
static void test_throttle_full(void **state)
{
	(void)state;
	static struct teach_throttle t = TEACH_THROTTLE_INIT;
	char key[32];
	for (int i = 0; i < TEACH_THROTTLE_SLOTS; i++) {
		snprintf(key, sizeof key, "ip:10.0.0.%d", i);
		teach_throttle_failed(&t, key, 0);
	}
	for (int i = 0; i < 5; i++) {
		snprintf(key, sizeof key, "ip:10.0.1.%d", i);
		assert_int_equal(teach_throttle_wait(&t, key, 1), 0);
		teach_throttle_failed(&t, key, 1);
	}
	assert_int_equal(teach_throttle_wait(&t, "ip:10.0.2.1", 2), 59999);
	assert_int_equal(teach_throttle_wait(&t, "ip:10.0.0.1", 2), 0); /* has its own slot */
	/* After the first windows close, a new key gets a slot of its own. */
	assert_int_equal(teach_throttle_wait(&t, "ip:10.0.2.1", 60000), 0);
	teach_throttle_failed(&t, "ip:10.0.2.1", 60000);
	assert_int_equal(teach_throttle_wait(&t, "ip:10.0.2.1", 60001), 0);

	static struct teach_throttle u = TEACH_THROTTLE_INIT;
	char a[200], b[200];
	memset(a, 'k', sizeof a - 1);
	a[sizeof a - 1] = '\0';
	memcpy(b, a, sizeof b);
	b[150] = 'x'; /* differs past TEACH_KEY_MAX: the same client */
	for (int i = 0; i < 5; i++)
		teach_throttle_failed(&u, i % 2 ? a : b, 5);
	assert_int_equal(teach_throttle_wait(&u, a, 5), 60000);
	for (int i = 0; i < 5; i++)
		teach_throttle_failed(&u, "", 5);
	assert_int_equal(teach_throttle_wait(&u, "", 6), 59999);
	assert_int_equal(teach_throttle_wait(&u, NULL, 6), 59999);
	assert_int_equal(teach_throttle_wait(&u, "ip:c", 6), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_token_text), cmocka_unit_test(test_secret_set),
	    cmocka_unit_test(test_equal),      cmocka_unit_test(test_bearer),
	    cmocka_unit_test(test_throttle),   cmocka_unit_test(test_throttle_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
