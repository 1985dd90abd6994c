/* csvcell.h: writing CSV (RFC 4180) into a growable buffer, safe to open in
 * a spreadsheet.
 *
 * A field is quoted when it holds a comma, a double quote, CR or LF; quotes
 * inside are doubled; rows end in CRLF. Text is written byte for byte
 * (UTF-8, RTL overrides and NUL included): escaping is all this module
 * does, and the caller decides what text is.
 *
 * Formula injection (OWASP "CSV Injection"): a text cell that starts with
 * = + - @ TAB or CR gets a leading apostrophe, so Excel, LibreOffice and
 * Google Sheets show it as text instead of evaluating it. The apostrophe
 * stays visible in some programs (a learner named "-x-" shows as "'-x-");
 * that is the trade-off OWASP accepts, and the export is for reading, not
 * for reimporting. Numbers the server itself counted (attempts, times) go
 * through csv_int, which writes digits and a minus sign only and is not
 * neutralised: -3 stays a number, and nothing a learner typed can reach it.
 *
 * Pure: no I/O. Failures are the buffer's (sticky, see common/buf.h). */
#ifndef LESSOND_CSVCELL_H
#define LESSOND_CSVCELL_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* A CSV being written: the caller owns out; col counts the cells written on
 * the current row (so commas come by themselves). Zero col to start. */
struct csv {
	struct buf *out;
	size_t col;
};

/* Appends one text cell of len bytes, neutralised and quoted as needed.
 * Returns 0, or -1 when the buffer has failed. */
int csv_text(struct csv *c, const char *s, size_t len);

/* Appends a NUL-terminated text cell (NULL is an empty cell); as csv_text. */
int csv_str(struct csv *c, const char *s);

/* Appends an integer cell, in decimal, never neutralised; as csv_text. */
int csv_int(struct csv *c, int64_t v);

/* Ends the row with CRLF and starts the next; as csv_text. */
int csv_end_row(struct csv *c);

#endif
