/* urlpath.c: percent-decoding of request paths (urlpath.h). */
#include "http/urlpath.h"

/* The value of a hex digit, or -1. */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t urlpath_decode(char *s)
{
	char *w = s;
	for (const char *r = s; *r;) {
		int hi = r[0] == '%' ? hex_digit(r[1]) : -1;
		int lo = hi >= 0 ? hex_digit(r[2]) : -1;
		if (lo >= 0 && (hi | lo)) {
			*w++ = (char)(hi << 4 | lo);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}
