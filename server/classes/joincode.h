/* joincode.h: class join codes a teacher reads aloud and learners type.
 *
 * A code is JOINCODE_LEN symbols from a 22-symbol alphabet, "23456789"
 * and "CDFHJKMNPRTWXY", shown as "ABC-DEF". Left out, and why:
 *   0 O Q   look alike (D stays: with no O or 0 in any code, it has no twin);
 *   1 I L   look alike (lowercase l too);
 *   B G S Z look like the digits 8 6 5 2, which stay;
 *   U V     look alike handwritten;
 *   A E     with I O U gone, no vowels: a random code cannot spell a word
 *           a class would laugh at.
 * 22^6 is about 1.1e8 codes (26.8 bits); a guessed code only joins a class,
 * it never shows one, and joins are throttled by the caller.
 *
 * What a learner types is normalised: ASCII letters in either case; spaces,
 * dashes and underscores ignored; B G S Z read as 8 6 5 2 (each has
 * exactly one look-alike in the alphabet). 0 O Q 1 I L U V A E are refused,
 * not guessed: 0/O/Q might be a misread D, 1/I/L a misread 7 or T, U/V
 * either Y or nothing, and a wrong guess could put a learner in someone
 * else's class; a clear "no 0, O, 1, I or L" lets them look again.
 * Pure but for joincode_new (getrandom). */
#ifndef LESSOND_JOINCODE_H
#define LESSOND_JOINCODE_H

#include <stdbool.h>
#include <stddef.h>

#define JOINCODE_LEN      6
#define JOINCODE_ALPHABET "23456789CDFHJKMNPRTWXY"
#define JOINCODE_SYMBOLS  22
/* The most bytes joincode_parse reads: a code with generous spacing. */
#define JOINCODE_TYPED_MAX 32

enum joincode_err {
	JOINCODE_OK = 0,
	JOINCODE_EMPTY,     /* nothing but spaces and dashes */
	JOINCODE_TOO_SHORT, /* fewer than JOINCODE_LEN symbols */
	JOINCODE_TOO_LONG,  /* more symbols, or more than JOINCODE_TYPED_MAX bytes */
	JOINCODE_NUL,       /* a NUL byte inside the text */
	JOINCODE_NOT_ASCII, /* a byte >= 0x80 (accented letters, full-width forms) */
	JOINCODE_BAD_CHAR,  /* an ASCII character no code contains */
};

/* Draws a code into out (NUL-terminated) from the random bytes rnd[0..n),
 * by rejection sampling: a byte b is used only when b < 242 (11 * 22), so
 * each symbol is b % 22 with every symbol equally likely. Returns how many
 * bytes were used, or 0 when n ran out first (out is then undefined). */
size_t joincode_from_bytes(const unsigned char *rnd, size_t n, char out[JOINCODE_LEN + 1]);

/* Draws a code into out from getrandom(). Returns 0, or -1 when the kernel
 * gives no randomness. */
int joincode_new(char out[JOINCODE_LEN + 1]);

/* Writes code (JOINCODE_LEN symbols) as "ABC-DEF" into out. */
void joincode_display(const char code[JOINCODE_LEN + 1], char out[JOINCODE_LEN + 2]);

/* Normalises what a learner typed (len bytes, NUL allowed inside so it can
 * be refused) into the canonical code in out. Returns JOINCODE_OK, or the
 * first problem found; *at (if not NULL) gets the byte offset of the
 * offending character for BAD_CHAR, NUL and NOT_ASCII. out is then "". */
enum joincode_err joincode_parse(const char *typed, size_t len, char out[JOINCODE_LEN + 1],
                                 size_t *at);

/* A sentence for a learner saying what is wrong, for each error. */
const char *joincode_strerror(enum joincode_err err);

/* True when code is exactly JOINCODE_LEN canonical symbols and a NUL. */
bool joincode_is_canonical(const char *code);

#endif
