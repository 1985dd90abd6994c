/* utf8.h: the server's one UTF-8 decoder. Strict per RFC 3629 and Unicode
 * Table 3-7 (shortest forms only, no surrogates D800-DFFF, nothing above
 * U+10FFFF), which is exactly what jansson accepts in a string: any text
 * that passes here can go into JSON. Pure: no I/O, no globals. */
#ifndef LESSOND_UTF8_H
#define LESSOND_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1 to 4) of the well-formed sequence that starts s (len bytes
 * available, len > 0), or 0 when it is ill-formed or cut short; then
 * *bad (if not NULL) is the length of its maximal ill-formed subpart
 * (Unicode §3.9: the bytes one U+FFFD replaces, at least 1). */
size_t utf8_seq_len(const char *s, size_t len, size_t *bad);

/* True when all len bytes of s are well-formed UTF-8 (NUL is a character). */
bool utf8_valid(const char *s, size_t len);

/* Returns a new NUL-terminated copy of s (len bytes) in which each maximal
 * ill-formed subpart is replaced by U+FFFD (the same output as Python's
 * bytes.decode('utf-8', 'replace')); the caller frees it. *out_len gets
 * its length. Returns NULL when out of memory. */
char *utf8_replace(const char *s, size_t len, size_t *out_len);

/* Replaces, in place, every byte of the NUL-terminated s that is not part
 * of a well-formed sequence with '?', so s can go into a JSON string and
 * keeps its length. */
void utf8_scrub(char *s);

#endif
