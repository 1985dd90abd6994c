/* errbody.h: THE body of every JSON error answer, {"error": message}, built
 * without jansson so the HTTP layer can use it too (http.c may not include
 * jansson). The API, the check code and http.c all answer errors with it. */
#ifndef LESSOND_ERRBODY_H
#define LESSOND_ERRBODY_H

#include <stddef.h>

/* The most bytes of a message that go into a body; the rest is cut (at a
 * character boundary, as invalid UTF-8 is replaced). */
#define ERRBODY_MESSAGE_MAX 1023

/* Returns a new NUL-terminated string {"error":"message"} (caller frees)
 * and its length in *len (may be NULL). The message is borrowed; it may
 * quote a request, so it is cut to ERRBODY_MESSAGE_MAX bytes, every byte
 * that is not well-formed UTF-8 becomes '?', and '"', '\' and control
 * characters are escaped: the body is always valid JSON. A NULL message
 * reads as "". Returns NULL only when out of memory. */
char *errbody_json(const char *message, size_t *len);

#endif
