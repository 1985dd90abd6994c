/* buf.h: the one growable byte buffer. Appends never fail silently: the
 * first failure (out of memory, or past the buffer's cap) frees what was
 * held and sticks, so a caller may append many times and check once at the
 * end. A zeroed struct buf is an empty buffer without a cap. */
#ifndef LESSOND_BUF_H
#define LESSOND_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data; /* owned; NUL-terminated after len once anything was added, else NULL */
	size_t len, cap;
	size_t max;  /* the most len may reach; 0 for no cap */
	bool failed; /* sticky: out of memory or over max (data is then NULL) */
};

/* Appends len bytes of data. Returns 0, or -1 when the buffer has failed
 * (now or before). */
int buf_add(struct buf *b, const void *data, size_t len);

/* Appends a NUL-terminated string; as buf_add. */
int buf_addstr(struct buf *b, const char *s);

/* Appends printf-formatted text; as buf_add (a format error fails too). */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns a new NUL-terminated string with the buffer's bytes (caller
 * frees; "" when nothing was added) and its length in *len (may be NULL),
 * and empties the buffer (its cap stays). Returns NULL when the buffer had
 * failed or the empty string cannot be allocated; the failure is cleared. */
char *buf_take(struct buf *b, size_t *len);

/* Frees what the buffer holds and empties it (its cap stays). */
void buf_free(struct buf *b);

#endif
