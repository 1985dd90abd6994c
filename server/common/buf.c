/* buf.c: the growable byte buffer (buf.h). Capacity doubles from 256
 * bytes; one byte beyond len always holds the terminating NUL. */
#include "common/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_FIRST_CAP 256

/* Marks the buffer failed and frees its bytes. Returns -1. */
static int buf_fail(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = true;
	return -1;
}

/* Makes room for `more` bytes after len plus the NUL. Returns 0, or -1
 * (failed) when that passes the cap, overflows, or memory runs out. */
static int buf_reserve(struct buf *b, size_t more)
{
	if (b->failed)
		return -1;
	if (more > SIZE_MAX / 2 - b->len || (b->max && b->len + more > b->max))
		return buf_fail(b);
	size_t need = b->len + more + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : BUF_FIRST_CAP;
	while (cap < need)
		cap *= 2;
	char *nd = realloc(b->data, cap);
	if (!nd)
		return buf_fail(b);
	b->data = nd;
	b->cap = cap;
	return 0;
}

int buf_add(struct buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len) < 0)
		return -1;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	if (b->failed)
		return -1;
	/* Formats into the spare room first; only text that did not fit is
	 * formatted again, after growing. */
	size_t room = b->data ? b->cap - b->len : 0;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return buf_fail(b);
	if (buf_reserve(b, (size_t)n) < 0)
		return -1;
	if ((size_t)n >= room) {
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
	return 0;
}

char *buf_take(struct buf *b, size_t *len)
{
	char *s = b->failed ? NULL : b->data ? b->data : strdup("");
	if (len)
		*len = s ? b->len : 0;
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
	return s;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}
