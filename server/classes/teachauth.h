/* teachauth.h: the teacher credential's pure parts: making a token,
 * holding it, comparing a presented one in constant time, reading a
 * Bearer header, and throttling wrong guesses per client.
 *
 * A generated token is 32 random bytes as 64 lowercase hex digits. A token
 * a teacher writes into the file may be any 16 to 128 printable ASCII
 * characters (surrounding whitespace and the final newline are trimmed).
 * The comparison always reads TEACH_TOKEN_MAX bytes of both sides, padded
 * with zeros, and folds the lengths in without a branch: its time depends
 * on neither the secret nor how much of a guess is right. What it can
 * still show is the guess's own length (copying it), which the guesser
 * knows anyway.
 *
 * The throttle allows max_fails wrong guesses per client key in a window
 * of window_ms from the first one (defaults 5 a minute), then refuses that
 * key until the window ends. It holds TEACH_THROTTLE_SLOTS keys; when all
 * are in an open window, every further key shares one overflow slot, so
 * guessing from many addresses is throttled together (failing closed: a
 * teacher arriving from a new address in such an attack may wait up to
 * one window). A right guess clears the key's slot. The caller holds any
 * lock; times are passed in, milliseconds. Pure but for teach_token_new. */
#ifndef LESSOND_TEACHAUTH_H
#define LESSOND_TEACHAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEACH_TOKEN_BYTES 32
#define TEACH_TOKEN_HEX   (2 * TEACH_TOKEN_BYTES)
#define TEACH_TOKEN_MIN   16
#define TEACH_TOKEN_MAX   128

/* The expected token, zero-padded to a fixed size; plain data. */
struct teach_secret {
	unsigned char pad[TEACH_TOKEN_MAX];
	size_t len;
};

/* Writes raw as TEACH_TOKEN_HEX lowercase hex digits and a NUL into out. */
void teach_token_from_bytes(const unsigned char raw[TEACH_TOKEN_BYTES],
                            char out[TEACH_TOKEN_HEX + 1]);

/* Makes a new token from getrandom(). Returns 0, or -1 when the kernel
 * gives no randomness. */
int teach_token_new(char out[TEACH_TOKEN_HEX + 1]);

/* Sets s from a token file's text (len bytes): trims ASCII whitespace at
 * both ends, then requires TEACH_TOKEN_MIN to TEACH_TOKEN_MAX printable
 * ASCII characters (0x21-0x7e). Returns 0, or -1 (s zeroed) when the text
 * is no such token; the caller says why in its own words. */
int teach_secret_set(struct teach_secret *s, const char *text, size_t len);

/* True when the presented token (given_len bytes) equals the secret; a
 * zeroed secret (len 0) matches nothing. Constant time (see above). */
bool teach_token_equal(const struct teach_secret *s, const char *given, size_t given_len);

/* Finds the token in an Authorization header value: "Bearer" in any case,
 * one or more spaces, then the token up to the end or trailing spaces.
 * Returns a pointer into header with its length in *len, or NULL when
 * header is NULL, another scheme, or has no token. */
const char *teach_bearer(const char *header, size_t *len);

#define TEACH_THROTTLE_SLOTS 64
#define TEACH_KEY_MAX        63 /* bytes of a client key kept; longer keys are cut */

struct teach_throttle_slot {
	char key[TEACH_KEY_MAX + 1]; /* "" for a free slot */
	unsigned fails;
	int64_t window_start_ms;
};

/* The throttle; zero it and set max_fails and window_ms, or use
 * TEACH_THROTTLE_INIT. */
struct teach_throttle {
	unsigned max_fails;
	int64_t window_ms;
	struct teach_throttle_slot overflow;
	struct teach_throttle_slot slots[TEACH_THROTTLE_SLOTS];
};

#define TEACH_THROTTLE_INIT                                                                        \
	{                                                                                          \
		.max_fails = 5, .window_ms = 60 * 1000                                             \
	}

/* Milliseconds until key may guess again at now_ms; 0 when it may now. */
int64_t teach_throttle_wait(const struct teach_throttle *t, const char *key, int64_t now_ms);

/* Counts a wrong guess by key at now_ms. */
void teach_throttle_failed(struct teach_throttle *t, const char *key, int64_t now_ms);

/* Forgets key's wrong guesses after a right one (the overflow slot stays). */
void teach_throttle_succeeded(struct teach_throttle *t, const char *key);

#endif
