/* joincode.c: class join codes (see joincode.h for the alphabet and the
 * normalisation rules). */
#include "classes/joincode.h"

#include <string.h>
#include <sys/random.h>

/* The largest multiple of JOINCODE_SYMBOLS that fits in a byte: bytes at or
 * above it are rejected, so b % JOINCODE_SYMBOLS is uniform. */
#define JOINCODE_LIMIT (256 / JOINCODE_SYMBOLS * JOINCODE_SYMBOLS)

_Static_assert(sizeof JOINCODE_ALPHABET - 1 == JOINCODE_SYMBOLS, "alphabet size");

size_t joincode_from_bytes(const unsigned char *rnd, size_t n, char out[JOINCODE_LEN + 1])
{
	size_t used = 0;
	for (int i = 0; i < JOINCODE_LEN; i++) {
		while (used < n && rnd[used] >= JOINCODE_LIMIT)
			used++;
		if (used == n)
			return 0;
		out[i] = JOINCODE_ALPHABET[rnd[used++] % JOINCODE_SYMBOLS];
	}
	out[JOINCODE_LEN] = '\0';
	return used;
}

int joincode_new(char out[JOINCODE_LEN + 1])
{
	/* 32 bytes fail to give 6 symbols with probability about 1e-17; the
	 * loop draws again rather than fail on it. */
	unsigned char rnd[32];
	for (;;) {
		if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
			return -1;
		if (joincode_from_bytes(rnd, sizeof rnd, out) > 0)
			return 0;
	}
}

void joincode_display(const char code[JOINCODE_LEN + 1], char out[JOINCODE_LEN + 2])
{
	const int half = JOINCODE_LEN / 2;
	memcpy(out, code, half);
	out[half] = '-';
	memcpy(out + half + 1, code + half, JOINCODE_LEN - half);
	out[JOINCODE_LEN + 1] = '\0';
}

/* The canonical symbol for one typed ASCII character, ' ' for a separator
 * to skip, or 0 when no code contains it. */
static char canonical(unsigned char c)
{
	if (c == ' ' || c == '-' || c == '_' || c == '\t')
		return ' ';
	if (c >= 'a' && c <= 'z')
		c = (unsigned char)(c - 'a' + 'A');
	switch (c) {
	case 'B': return '8';
	case 'G': return '6';
	case 'S': return '5';
	case 'Z': return '2';
	default: break;
	}
	if (c != '\0' && strchr(JOINCODE_ALPHABET, c))
		return (char)c;
	return 0;
}

enum joincode_err joincode_parse(const char *typed, size_t len, char out[JOINCODE_LEN + 1],
                                 size_t *at)
{
	size_t n = 0;
	enum joincode_err err = JOINCODE_OK;
	out[0] = '\0';
	if (len > JOINCODE_TYPED_MAX)
		return JOINCODE_TOO_LONG;
	for (size_t i = 0; i < len && err == JOINCODE_OK; i++) {
		unsigned char c = (unsigned char)typed[i];
		char sym = canonical(c);
		if (c == '\0')
			err = JOINCODE_NUL;
		else if (c >= 0x80)
			err = JOINCODE_NOT_ASCII;
		else if (!sym)
			err = JOINCODE_BAD_CHAR;
		else if (sym == ' ')
			continue;
		else if (n == JOINCODE_LEN)
			err = JOINCODE_TOO_LONG;
		else
			out[n++] = sym;
		if (err != JOINCODE_OK && err != JOINCODE_TOO_LONG && at)
			*at = i;
	}
	if (err == JOINCODE_OK && n == 0)
		err = JOINCODE_EMPTY;
	else if (err == JOINCODE_OK && n < JOINCODE_LEN)
		err = JOINCODE_TOO_SHORT;
	if (err != JOINCODE_OK) {
		out[0] = '\0';
		return err;
	}
	out[JOINCODE_LEN] = '\0';
	return JOINCODE_OK;
}

const char *joincode_strerror(enum joincode_err err)
{
	switch (err) {
	case JOINCODE_OK: return "ok";
	case JOINCODE_EMPTY: return "Type the class code your teacher shows.";
	case JOINCODE_TOO_SHORT:
		return "A class code has 6 letters and digits; this one is shorter.";
	case JOINCODE_TOO_LONG: return "A class code has 6 letters and digits; this one is longer.";
	case JOINCODE_NUL:
	case JOINCODE_NOT_ASCII:
	case JOINCODE_BAD_CHAR:
		return "A class code has only the digits 2-9 and the letters C D F H J K M N P R T "
		       "W "
		       "X Y (no 0, O, 1, I or L).";
	}
	return "This is not a class code.";
}

bool joincode_is_canonical(const char *code)
{
	for (int i = 0; i < JOINCODE_LEN; i++)
		if (code[i] == '\0' || !strchr(JOINCODE_ALPHABET, code[i]))
			return false;
	return code[JOINCODE_LEN] == '\0';
}
