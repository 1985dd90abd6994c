/* urlpath.h: the server's one percent-decoder for request paths. http.c
 * hands it to libmicrohttpd as its unescape callback; the static-path fuzz
 * harness decodes with it too, so it fuzzes what the server really serves.
 * Pure: no allocation, no I/O. */
#ifndef LESSOND_URLPATH_H
#define LESSOND_URLPATH_H

#include <stddef.h>

/* Decodes every %HH (two hex digits, either case) in the NUL-terminated s,
 * in place, in one left-to-right pass (a decoded '%' is not decoded again),
 * like libmicrohttpd's own decoder except that %00 stays as its three
 * characters: a decoded NUL would cut the path short ("/index.html%00.js"
 * would name index.html), so such a path names nothing. A '%' without two
 * hex digits after it stays as it is. Returns the new length. */
size_t urlpath_decode(char *s);

#endif
