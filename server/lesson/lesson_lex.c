/* lesson_lex.c: the Markdown lexing of a lesson file (lesson_lex.h): lines,
 * fences found at the top level (0-3 spaces before the fence, as in
 * CommonMark), info strings with their words and attributes, fenced bodies,
 * and the prose kept between steps. Every error names the file and line. */
#include "lesson/lesson_lex.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const part_words[] = {"check",  "hint",    "solution", "variant",
                                         "output", "explain", NULL};

int lex_fail(struct parser *ps, int line, const char *fmt, ...)
{
	if (!ps->err || ps->errlen == 0)
		return -1;
	int n = snprintf(ps->err, ps->errlen, "%s:%d: ", ps->file, line);
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < ps->errlen)
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

bool lex_next_line(struct parser *ps, const char **line, size_t *len)
{
	if (ps->p >= ps->end)
		return false;
	const char *nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
	*line = ps->p;
	*len = nl ? (size_t)(nl - ps->p) : (size_t)(ps->end - ps->p);
	ps->p = nl ? nl + 1 : ps->end;
	if (*len && (*line)[*len - 1] == '\r')
		(*len)--;
	ps->line++;
	return true;
}

char *lex_dup(const char *s, size_t len)
{
	char *d = malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

void lex_trim(const char **s, size_t *len)
{
	while (*len && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

size_t lex_fence(const char *line, size_t len, char *ch, size_t *indent, const char **info,
                 size_t *info_len)
{
	size_t i = 0;
	while (i < len && i < 3 && line[i] == ' ')
		i++;
	if (i >= len || (line[i] != '`' && line[i] != '~'))
		return 0;
	char c = line[i];
	size_t n = 0;
	while (i + n < len && line[i + n] == c)
		n++;
	if (n < 3)
		return 0;
	const char *in = line + i + n;
	size_t il = len - i - n;
	if (c == '`' && memchr(in, '`', il))
		return 0;
	lex_trim(&in, &il);
	*ch = c;
	*indent = i;
	*info = in;
	*info_len = il;
	return n;
}

bool lex_is_kind_word(const char *w)
{
	for (int k = 0; k < 4; k++)
		if (strcmp(w, step_kind_name((enum step_kind)k)) == 0)
			return true;
	return false;
}

bool lex_is_part_word(const char *w)
{
	for (int k = 0; part_words[k]; k++)
		if (strcmp(w, part_words[k]) == 0)
			return true;
	return false;
}

void lex_info_free(struct info *in)
{
	for (int i = 0; i < in->nattrs; i++) {
		free(in->attrs[i].value);
		in->attrs[i].value = NULL;
	}
	in->nattrs = 0;
}

int lex_info_parse(struct parser *ps, int line, const char *s, size_t len, struct info *in)
{
	memset(in, 0, sizeof *in);
	int words = 0, rc = 0;
	size_t i = 0;
	while (i < len) {
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i >= len)
			break;
		size_t start = i;
		while (i < len && !isspace((unsigned char)s[i]) && s[i] != '=')
			i++;
		size_t wlen = i - start;
		if (i < len && s[i] == '=') {
			if (wlen == 0 || wlen >= sizeof in->attrs[0].key) {
				rc = lex_fail(ps, line, "malformed attribute in '%.*s'", (int)len,
				              s);
				goto out;
			}
			if (in->nattrs >= LEX_MAX_ATTRS) {
				rc = lex_fail(ps, line, "too many attributes in '%.*s'", (int)len,
				              s);
				goto out;
			}
			for (int k = 0; k < in->nattrs; k++)
				if (strlen(in->attrs[k].key) == wlen &&
				    strncmp(in->attrs[k].key, s + start, wlen) == 0) {
					rc = lex_fail(ps, line, "attribute '%.*s' is given twice",
					              (int)wlen, s + start);
					goto out;
				}
			struct attr *a = &in->attrs[in->nattrs];
			memcpy(a->key, s + start, wlen);
			a->key[wlen] = '\0';
			i++;
			struct buf v = {0};
			if (i < len && s[i] == '"') {
				for (i++; i < len && s[i] != '"'; i++) {
					if (s[i] == '\\' && i + 1 < len)
						i++;
					buf_add(&v, s + i, 1); /* a failure sticks */
				}
				if (i >= len) {
					buf_free(&v);
					rc = lex_fail(ps, line,
					              "unterminated quoted value for '%s'", a->key);
					goto out;
				}
				i++;
			} else {
				size_t vs = i;
				while (i < len && !isspace((unsigned char)s[i]))
					i++;
				buf_add(&v, s + vs, i - vs);
			}
			a->value = buf_take(&v, NULL);
			if (!a->value) {
				buf_free(&v);
				rc = lex_fail(ps, line, "out of memory");
				goto out;
			}
			in->nattrs++;
			continue;
		}
		if (words == 0) {
			size_t n = wlen < sizeof in->lang ? wlen : sizeof in->lang - 1;
			memcpy(in->lang, s + start, n);
		} else if (words == 1 && wlen < sizeof in->word) {
			memcpy(in->word, s + start, wlen);
		} else if (words == 1) {
			rc = lex_fail(ps, line, "unknown step kind '%.*s'", (int)wlen, s + start);
			goto out;
		} else {
			rc = lex_fail(ps, line, "unexpected word '%.*s' in '%.*s'", (int)wlen,
			              s + start, (int)len, s);
			goto out;
		}
		words++;
	}
out:
	if (rc)
		lex_info_free(in);
	return rc;
}

char *lex_info_take(struct info *in, const char *key)
{
	for (int i = 0; i < in->nattrs; i++)
		if (in->attrs[i].value && strcmp(in->attrs[i].key, key) == 0) {
			char *v = in->attrs[i].value;
			in->attrs[i].value = NULL;
			return v;
		}
	return NULL;
}

int lex_info_all_used(struct parser *ps, int line, struct info *in)
{
	for (int i = 0; i < in->nattrs; i++)
		if (in->attrs[i].value)
			return lex_fail(ps, line, "unknown attribute '%s' for '%s'",
			                in->attrs[i].key, in->word);
	return 0;
}

/* True when a fence's info string names a step or a part as its second
 * word ("python example ..."): a block opening, never a closing fence. */
static bool opens_block(const char *info, size_t len)
{
	size_t i = 0;
	while (i < len && !isspace((unsigned char)info[i]))
		i++;
	while (i < len && isspace((unsigned char)info[i]))
		i++;
	size_t start = i;
	while (i < len && !isspace((unsigned char)info[i]) && info[i] != '=')
		i++;
	char word[32];
	if (i == start || i - start >= sizeof word || (i < len && info[i] == '='))
		return false;
	memcpy(word, info + start, i - start);
	word[i - start] = '\0';
	return lex_is_kind_word(word) || lex_is_part_word(word);
}

char *lex_fence_body(struct parser *ps, int open_line, char ch, size_t n, size_t indent)
{
	struct buf body = {0};
	const char *line;
	size_t len;
	while (lex_next_line(ps, &line, &len)) {
		char c;
		const char *info;
		size_t info_len, ind;
		size_t m = lex_fence(line, len, &c, &ind, &info, &info_len);
		if (m >= n && c == ch && info_len == 0)
			return buf_take(&body, NULL);
		if (m >= n && c == ch && opens_block(info, info_len)) {
			buf_free(&body);
			lex_fail(ps, open_line,
			         "unterminated code block: line %d opens another block before a "
			         "closing %c%c%c fence",
			         ps->line - 1, ch, ch, ch);
			return NULL;
		}
		for (size_t k = 0; k < indent && len && *line == ' '; k++) {
			line++;
			len--;
		}
		if (buf_add(&body, line, len) || buf_add(&body, "\n", 1)) {
			buf_free(&body);
			lex_fail(ps, open_line, "out of memory");
			return NULL;
		}
	}
	buf_free(&body);
	lex_fail(ps, open_line, "unterminated code block: no closing %c%c%c fence", ch, ch, ch);
	return NULL;
}

int lex_prose_take(struct parser *ps, int at, char **text, struct python_prose_list *versions)
{
	char *s = buf_take(&ps->prose, NULL);
	if (!s) {
		lesson_python_prose_free(&ps->versions);
		return lex_fail(ps, at, "out of memory");
	}
	size_t len = strlen(s), start = 0;
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (j < len && s[j] != '\n')
			break;
		start = j < len ? j + 1 : len;
		i = start;
	}
	size_t end = len;
	while (end > start && isspace((unsigned char)s[end - 1]))
		end--;
	if (end > start) {
		/* s[len - 1] is a newline, so end < len and the newline fits */
		memmove(s, s + start, end - start);
		s[end - start] = '\n';
		s[end - start + 1] = '\0';
	} else {
		s[0] = '\0';
	}
	/* A block is not blank, so it starts after what was dropped; its closing
	 * fence's newline may have been the one trimmed and written back. */
	size_t kept = strlen(s);
	for (size_t i = 0; i < ps->versions.len; i++) {
		struct python_prose *v = &ps->versions.items[i];
		v->start -= start;
		v->end = v->end - start < kept ? v->end - start : kept;
	}
	*text = s;
	*versions = ps->versions;
	memset(&ps->versions, 0, sizeof ps->versions);
	ps->version_group = 0;
	ps->version_open = false;
	return 0;
}

int lex_prose_line(struct parser *ps, int at, const char *line, size_t len)
{
	for (size_t i = 0; i < len && ps->version_open; i++)
		ps->version_open = isspace((unsigned char)line[i]);
	if (buf_add(&ps->prose, line, len) || buf_add(&ps->prose, "\n", 1))
		return lex_fail(ps, at, "out of memory");
	return 0;
}

int lex_plain_block(struct parser *ps, int at, const char *open, size_t open_len, char ch, size_t n,
                    const char *body_start, int body_line)
{
	ps->p = body_start;
	ps->line = body_line;
	ps->version_open = false;
	if (lex_prose_line(ps, at, open, open_len))
		return -1;
	const char *line;
	size_t len;
	while (lex_next_line(ps, &line, &len)) {
		if (lex_prose_line(ps, ps->line - 1, line, len))
			return -1;
		char c;
		const char *info;
		size_t info_len, ind;
		if (lex_fence(line, len, &c, &ind, &info, &info_len) >= n && c == ch &&
		    info_len == 0)
			break;
	}
	return 0;
}
