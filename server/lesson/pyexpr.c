/* pyexpr.c: the predict-step heuristic of lesson_parse.c: does a snippet
 * end with an expression? */
#include "lesson/pyexpr.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

static const char *const python_keywords[] = {
    "def",    "class",    "import", "from",     "if",     "elif",  "else",   "for", "while",
    "with",   "try",      "except", "finally",  "return", "raise", "assert", "del", "pass",
    "global", "nonlocal", "break",  "continue", "async",  "yield", NULL};

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Skips a string literal starting at its opening quote; returns the first
 * character after it (or the end of a line it does not close on). */
static const char *skip_string(const char *s)
{
	char q = *s;
	bool triple = s[1] == q && s[2] == q;
	const char *c = s + (triple ? 3 : 1);
	while (*c) {
		if (*c == '\\' && c[1]) {
			c += 2;
			continue;
		}
		if (triple && c[0] == q && c[1] == q && c[2] == q)
			return c + 3;
		if (!triple && *c == q)
			return c + 1;
		if (!triple && *c == '\n')
			return c;
		c++;
	}
	return c;
}

/* Skips a comment up to (not past) its newline. */
static const char *skip_comment(const char *c)
{
	while (*c && *c != '\n')
		c++;
	return c;
}

/* Heuristic for "the last statement is an expression": finds where the last
 * top-level statement starts (column 0 outside brackets, strings and
 * continuations, or after a ';'), then checks it neither starts with a
 * statement keyword or a decorator, nor assigns (=, op=, x: T annotations;
 * a ':' outside brackets is also a block header unless a lambda owns it).
 * The real interpreter confirms it in `make check-lessons`. */
bool pyexpr_ends_with_expression(const char *code)
{
	const char *last = NULL;
	int depth = 0;
	bool line_start = true;
	for (const char *c = code; *c;) {
		if (line_start) {
			line_start = false;
			if (depth == 0 && !strchr(" \t\r\n#", *c))
				last = c;
		}
		if (*c == '"' || *c == '\'') {
			c = skip_string(c);
		} else if (*c == '#') {
			c = skip_comment(c);
		} else if (*c == '\\' && c[1] == '\n') {
			c += 2; /* explicit continuation: not a new line */
		} else if (*c == '\n') {
			line_start = true;
			c++;
		} else if (*c == ';' && depth == 0) {
			for (c++; *c == ' ' || *c == '\t'; c++)
				;
			if (*c && !strchr("\r\n#", *c))
				last = c;
		} else {
			if (*c == '(' || *c == '[' || *c == '{')
				depth++;
			else if ((*c == ')' || *c == ']' || *c == '}') && depth > 0)
				depth--;
			c++;
		}
	}
	if (!last || *last == '@')
		return false;
	size_t wl = 0;
	while (ident_char(last[wl]))
		wl++;
	for (int k = 0; python_keywords[k]; k++)
		if (strlen(python_keywords[k]) == wl && strncmp(last, python_keywords[k], wl) == 0)
			return false;
	depth = 0;
	bool lambda = false;
	for (const char *c = last; *c;) {
		if (*c == '"' || *c == '\'') {
			c = skip_string(c);
			continue;
		}
		if (*c == '#') {
			c = skip_comment(c);
			continue;
		}
		if (ident_char(*c)) {
			const char *w = c;
			while (ident_char(*c))
				c++;
			if (depth == 0 && c - w == 6 && strncmp(w, "lambda", 6) == 0)
				lambda = true;
			continue;
		}
		if (*c == '(' || *c == '[' || *c == '{') {
			depth++;
		} else if ((*c == ')' || *c == ']' || *c == '}') && depth > 0) {
			depth--;
		} else if (depth == 0 && *c == ':' && !lambda) {
			return false; /* annotation or block header */
		} else if (depth == 0 && *c == '=' && c[1] == '=') {
			c++; /* comparison */
		} else if (depth == 0 && *c == '=') {
			bool shift =
			    c - last >= 2 && (c[-1] == '<' || c[-1] == '>') && c[-2] == c[-1];
			if (c == last || shift || !strchr("=!<>", c[-1]))
				return false; /* assignment or augmented assignment */
		}
		c++;
	}
	return true;
}
