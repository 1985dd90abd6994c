/* utf8.c: strict UTF-8 validation and scrubbing (utf8.h). */
#include "common/utf8.h"

#include <stdlib.h>
#include <string.h>

/* Unicode Table 3-7: the range of a sequence's second byte depends on its
 * first (that rules out overlong forms, surrogates and code points above
 * U+10FFFF); every later byte is 80..BF. */
struct lead {
	unsigned char len, lo, hi;
};

/* The well-formed sequences a lead byte starts: length 0 for a byte that
 * starts none (80..C1, F5..FF). */
static struct lead lead_of(unsigned char c)
{
	if (c < 0x80)
		return (struct lead){1, 0, 0};
	if (c >= 0xc2 && c <= 0xdf)
		return (struct lead){2, 0x80, 0xbf};
	if (c == 0xe0)
		return (struct lead){3, 0xa0, 0xbf};
	if (c == 0xed)
		return (struct lead){3, 0x80, 0x9f};
	if (c >= 0xe1 && c <= 0xef)
		return (struct lead){3, 0x80, 0xbf};
	if (c == 0xf0)
		return (struct lead){4, 0x90, 0xbf};
	if (c >= 0xf1 && c <= 0xf3)
		return (struct lead){4, 0x80, 0xbf};
	if (c == 0xf4)
		return (struct lead){4, 0x80, 0x8f};
	return (struct lead){0, 0, 0};
}

size_t utf8_seq_len(const char *str, size_t len, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)str;
	struct lead l = lead_of(s[0]);
	size_t k = 1;
	for (; k < l.len && k < len; k++) {
		unsigned char lo = k == 1 ? l.lo : 0x80, hi = k == 1 ? l.hi : 0xbf;
		if (s[k] < lo || s[k] > hi)
			break;
	}
	if (l.len && k == l.len)
		return l.len;
	if (bad)
		*bad = k;
	return 0;
}

bool utf8_valid(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t n = utf8_seq_len(s + i, len - i, NULL);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

char *utf8_replace(const char *s, size_t len, size_t *out_len)
{
	static const char fffd[] = "\xef\xbf\xbd";
	/* Each replaced byte grows to at most 3: room for the worst case. */
	if (len > (((size_t)-1) - 1) / 3)
		return NULL;
	char *out = malloc(len * 3 + 1);
	if (!out)
		return NULL;
	size_t i = 0, o = 0;
	while (i < len) {
		size_t bad = 0, n = utf8_seq_len(s + i, len - i, &bad);
		if (n) {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, fffd, 3);
			o += 3;
			i += bad;
		}
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

void utf8_scrub(char *s)
{
	size_t len = strlen(s), i = 0;
	while (i < len) {
		size_t n = utf8_seq_len(s + i, len - i, NULL);
		if (n)
			i += n;
		else
			s[i++] = '?';
	}
}
