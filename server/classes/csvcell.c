/* csvcell.c: RFC 4180 cells with formula-injection neutralisation (see
 * csvcell.h). */
#include "classes/csvcell.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

/* Appends the comma that separates this cell from the previous one, if
 * any, and counts the cell. */
static int begin_cell(struct csv *c)
{
	if (c->out->failed)
		return -1;
	if (c->col++ == 0)
		return 0;
	return buf_add(c->out, ",", 1);
}

/* True when a spreadsheet could read a cell starting with this byte as a
 * formula (OWASP's list). */
static bool formula_start(char first)
{
	return first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' ||
	       first == '\r';
}

int csv_text(struct csv *c, const char *s, size_t len)
{
	if (begin_cell(c) < 0)
		return -1;
	bool quote = false;
	for (size_t i = 0; i < len && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (quote)
		buf_add(c->out, "\"", 1);
	if (len > 0 && formula_start(s[0]))
		buf_add(c->out, "'", 1);
	size_t from = 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '"') {
			buf_add(c->out, s + from, i + 1 - from); /* up to and with the quote */
			buf_add(c->out, "\"", 1);
			from = i + 1;
		}
	buf_add(c->out, s + from, len - from);
	if (quote)
		buf_add(c->out, "\"", 1);
	return c->out->failed ? -1 : 0;
}

int csv_str(struct csv *c, const char *s)
{
	return csv_text(c, s ? s : "", s ? strlen(s) : 0);
}

int csv_int(struct csv *c, int64_t v)
{
	if (begin_cell(c) < 0)
		return -1;
	return buf_printf(c->out, "%" PRId64, v);
}

int csv_end_row(struct csv *c)
{
	c->col = 0;
	return buf_add(c->out, "\r\n", 2);
}
