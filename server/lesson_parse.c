/* lesson_parse.c: one lesson file into struct lesson. Line-based: front
 * matter, then fenced blocks found at the top level (0-3 spaces before the
 * fence); everything else is prose, kept as Markdown for md4c. Every error
 * names the file and line. */
#include "lesson.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ATTRS 8

struct buf {
	char *data;
	size_t len, cap;
};

struct parser {
	const char *file;
	const char *p, *end; /* unread text */
	int line;            /* number of the next line to read */
	char *err;
	size_t errlen;
	struct lesson *lesson;
	struct buf prose; /* Markdown since the last step (or part) */
	size_t steps_cap;
};

struct attr {
	char key[32];
	char *value; /* owned */
};

struct info {
	char lang[32];
	char word[32]; /* step kind or part name; "" for plain code */
	struct attr attrs[MAX_ATTRS];
	int nattrs;
};

/* Formats "file:line: message" into the parser's error buffer; returns -1. */
static int fail(struct parser *ps, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct parser *ps, int line, const char *fmt, ...)
{
	int n = snprintf(ps->err, ps->errlen, "%s:%d: ", ps->file, line);
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < ps->errlen)
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Appends len bytes; returns 0 or -1 when out of memory. */
static int buf_add(struct buf *b, const char *s, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *nd = realloc(b->data, cap);
		if (!nd)
			return -1;
		b->data = nd;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

/* Takes the buffer's text (caller frees; "" when empty) and resets it. */
static char *buf_take(struct buf *b)
{
	char *s = b->data ? b->data : strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

/* Reads the next line (without its newline). Returns false at the end. */
static bool next_line(struct parser *ps, const char **line, size_t *len)
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

static char *dup_range(const char *s, size_t len)
{
	char *d = malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

/* Trims spaces and tabs in place on both ends of [*s, *s+*len). */
static void trim(const char **s, size_t *len)
{
	while (*len && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

/* If the line opens or closes a fence, returns its length (>= 3) and sets
 * *ch and *info; otherwise 0. */
static size_t fence_of(const char *line, size_t len, char *ch, const char **info, size_t *info_len)
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
	*ch = c;
	*info = line + i + n;
	*info_len = len - i - n;
	trim(info, info_len);
	return n;
}

static void info_free(struct info *in)
{
	for (int i = 0; i < in->nattrs; i++)
		free(in->attrs[i].value);
	in->nattrs = 0;
}

/* Parses "python example id=x name=\"a b\"" into *in. Returns 0 or -1. */
static int parse_info(struct parser *ps, int line, const char *s, size_t len, struct info *in)
{
	memset(in, 0, sizeof *in);
	size_t i = 0;
	for (int token = 0; i < len; token++) {
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i >= len)
			break;
		size_t start = i;
		while (i < len && !isspace((unsigned char)s[i]) && s[i] != '=')
			i++;
		size_t wlen = i - start;
		if (i < len && s[i] == '=') {
			if (in->nattrs >= MAX_ATTRS || wlen == 0 || wlen >= sizeof in->attrs[0].key)
				return fail(ps, line, "too many or malformed attributes in '%.*s'",
				            (int)len, s);
			struct attr *a = &in->attrs[in->nattrs];
			memcpy(a->key, s + start, wlen);
			a->key[wlen] = '\0';
			i++;
			struct buf v = {0};
			if (i < len && s[i] == '"') {
				for (i++; i < len && s[i] != '"'; i++) {
					if (s[i] == '\\' && i + 1 < len)
						i++;
					if (buf_add(&v, s + i, 1))
						return fail(ps, line, "out of memory");
				}
				if (i >= len) {
					free(v.data);
					return fail(ps, line, "unterminated quoted value for '%s'",
					            a->key);
				}
				i++;
			} else {
				size_t vs = i;
				while (i < len && !isspace((unsigned char)s[i]))
					i++;
				if (buf_add(&v, s + vs, i - vs))
					return fail(ps, line, "out of memory");
			}
			a->value = buf_take(&v);
			in->nattrs++;
			continue;
		}
		if (token == 0 && wlen < sizeof in->lang)
			memcpy(in->lang, s + start, wlen);
		else if (token == 1 && wlen < sizeof in->word)
			memcpy(in->word, s + start, wlen);
		else
			return fail(ps, line, "unexpected word '%.*s' in '%.*s'", (int)wlen,
			            s + start, (int)len, s);
	}
	return 0;
}

/* Takes ownership of attribute `key`'s value (NULL when absent). */
static char *attr_take(struct info *in, const char *key)
{
	for (int i = 0; i < in->nattrs; i++)
		if (in->attrs[i].value && strcmp(in->attrs[i].key, key) == 0) {
			char *v = in->attrs[i].value;
			in->attrs[i].value = NULL;
			return v;
		}
	return NULL;
}

/* Fails on any attribute nobody took. */
static int attrs_all_used(struct parser *ps, int line, struct info *in)
{
	for (int i = 0; i < in->nattrs; i++)
		if (in->attrs[i].value)
			return fail(ps, line, "unknown attribute '%s' for '%s'", in->attrs[i].key,
			            in->word);
	return 0;
}

static int part_add(struct part_list *l, char *text, char *label, int line)
{
	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		struct part *ni = realloc(l->items, cap * sizeof *ni);
		if (!ni)
			return -1;
		l->items = ni;
		l->cap = cap;
	}
	l->items[l->len++] = (struct part){text, label, line};
	return 0;
}

static const char *const python_keywords[] = {
    "def",   "class", "import", "from",     "if",      "elif",     "else",  "for",
    "while", "with",  "try",    "except",   "finally", "return",   "raise", "assert",
    "del",   "pass",  "global", "nonlocal", "break",   "continue", "async", NULL};

/* Heuristic for "the last statement is an expression": finds the last
 * statement that starts at column 0 outside brackets and strings, and
 * checks it neither starts with a statement keyword nor assigns. The real
 * interpreter confirms it in `make check-lessons`. */
static bool ends_with_expression(const char *code)
{
	const char *last = NULL;
	int depth = 0;
	char quote = 0;
	bool line_start = true, continued = false;
	for (const char *c = code; *c; c++) {
		if (line_start && depth == 0 && !quote && !continued && *c != '\n' && *c != ' ' &&
		    *c != '\t' && *c != '#')
			last = c;
		line_start = false;
		if (quote) {
			if (*c == '\\' && c[1])
				c++;
			else if (*c == quote && (quote != 'T' || true))
				quote = 0;
			continue;
		}
		if (*c == '#') {
			while (c[1] && c[1] != '\n')
				c++;
		} else if (*c == '"' || *c == '\'') {
			quote = *c;
		} else if (*c == '(' || *c == '[' || *c == '{') {
			depth++;
		} else if ((*c == ')' || *c == ']' || *c == '}') && depth > 0) {
			depth--;
		} else if (*c == '\n') {
			continued = c > code && c[-1] == '\\';
			line_start = true;
		}
	}
	if (!last)
		return false;
	size_t wl = strcspn(last, " \t(:.[\n=");
	for (int k = 0; python_keywords[k]; k++)
		if (strlen(python_keywords[k]) == wl && strncmp(last, python_keywords[k], wl) == 0)
			return false;
	if (*last == '@')
		return false;
	depth = 0;
	quote = 0;
	for (const char *c = last; *c; c++) {
		if (quote) {
			if (*c == '\\' && c[1])
				c++;
			else if (*c == quote)
				quote = 0;
		} else if (*c == '"' || *c == '\'') {
			quote = *c;
		} else if (*c == '(' || *c == '[' || *c == '{') {
			depth++;
		} else if ((*c == ')' || *c == ']' || *c == '}') && depth > 0) {
			depth--;
		} else if (depth == 0 && *c == '=' && c[1] != '=' &&
		           (c == last || !strchr("=!<>", c[-1]))) {
			return false; /* assignment or augmented assignment */
		} else if (depth == 0 && *c == '=' && c[1] == '=') {
			c++;
		}
	}
	return true;
}

/* Parses "1000, 10000" into the step's sizes. */
static int parse_sizes(struct parser *ps, int line, struct step *st, const char *text)
{
	const char *p = text;
	while (*p) {
		char *end;
		errno = 0;
		long v = strtol(p, &end, 10);
		if (errno || end == p || v < 1 || v > 100000000)
			return fail(ps, line, "sizes: '%s' is not a list of whole numbers >= 1",
			            text);
		long *ns = realloc(st->sizes, (st->nsizes + 1) * sizeof *ns);
		if (!ns)
			return fail(ps, line, "out of memory");
		st->sizes = ns;
		st->sizes[st->nsizes++] = v;
		p = end;
		while (*p == ',' || *p == ' ' || *p == '_')
			p++;
	}
	if (st->nsizes == 0)
		return fail(ps, line, "sizes: give at least one size, e.g. sizes=\"1000,10000\"");
	return 0;
}

static int kind_of(const char *word, enum step_kind *kind)
{
	static const char *const names[] = {"example", "predict", "goal", "experiment"};
	for (int k = 0; k < 4; k++)
		if (strcmp(word, names[k]) == 0) {
			*kind = (enum step_kind)k;
			return 0;
		}
	return -1;
}

const char *step_kind_name(enum step_kind kind)
{
	static const char *const names[] = {"example", "predict", "goal", "experiment"};
	return names[kind];
}

/* Starts a new step from a fence's info and body. */
static int add_step(struct parser *ps, int line, enum step_kind kind, struct info *in, char *code)
{
	struct lesson *l = ps->lesson;
	if (l->nsteps == ps->steps_cap) {
		size_t cap = ps->steps_cap ? ps->steps_cap * 2 : 8;
		struct step *ns = realloc(l->steps, cap * sizeof *ns);
		if (!ns) {
			free(code);
			return fail(ps, line, "out of memory");
		}
		l->steps = ns;
		ps->steps_cap = cap;
	}
	struct step *st = &l->steps[l->nsteps++];
	memset(st, 0, sizeof *st);
	st->kind = kind;
	st->line = line;
	st->code = code;
	st->chain = true;
	if (l->nsteps == 1) {
		l->intro = buf_take(&ps->prose);
		st->prose = strdup("");
	} else {
		st->prose = buf_take(&ps->prose);
	}
	st->id = attr_take(in, "id");
	st->raises = attr_take(in, "raises");
	char *chain = attr_take(in, "chain");
	if (chain) {
		st->chain = strcmp(chain, "no") != 0;
		free(chain);
	}
	if (kind == STEP_PREDICT)
		st->answer = attr_take(in, "answer");
	if (kind == STEP_EXPERIMENT) {
		char *sizes = attr_take(in, "sizes");
		int rc = sizes ? parse_sizes(ps, line, st, sizes)
		               : fail(ps, line, "experiment needs sizes=\"1000,10000,...\"");
		free(sizes);
		if (rc)
			return -1;
	}
	if (!st->id) {
		char gen[48];
		snprintf(gen, sizeof gen, "%s-%zu", step_kind_name(kind), l->nsteps);
		st->id = strdup(gen);
	}
	if (!st->id || !st->prose || !l->intro)
		return fail(ps, line, "out of memory");
	for (size_t i = 0; i + 1 < l->nsteps; i++)
		if (strcmp(l->steps[i].id, st->id) == 0)
			return fail(ps, line, "duplicate step id '%s' (first used on line %d)",
			            st->id, l->steps[i].line);
	if (!*st->code || strspn(st->code, " \t\n") == strlen(st->code))
		return fail(ps, line, "%s step '%s' has no code", step_kind_name(kind), st->id);
	if (kind == STEP_PREDICT && !st->raises && !ends_with_expression(st->code))
		return fail(ps, line,
		            "predict step '%s' does not end with an expression to predict "
		            "(its last statement must be a value, like `user.__dict__`)",
		            st->id);
	return attrs_all_used(ps, line, in);
}

/* Attaches a check, hint, solution, variant, output or explain block to
 * the step before it. Takes ownership of text. */
static int add_part(struct parser *ps, int line, struct info *in, char *text)
{
	struct lesson *l = ps->lesson;
	struct step *st = l->nsteps ? &l->steps[l->nsteps - 1] : NULL;
	const char *w = in->word;
	int rc = 0;
	bool goal = st && st->kind == STEP_GOAL;
	if (!st) {
		rc = fail(ps, line, "'%s' block before any step", w);
	} else if (strcmp(w, "check") == 0 && goal) {
		char *msg = attr_take(in, "message");
		rc = part_add(&st->checks, text, msg, line);
		text = NULL;
	} else if (strcmp(w, "hint") == 0 && goal) {
		rc = part_add(&st->hints, text, NULL, line);
		text = NULL;
	} else if (strcmp(w, "solution") == 0 && goal && !st->solution) {
		st->solution = text;
		text = NULL;
	} else if (strcmp(w, "variant") == 0 && st->kind == STEP_EXPERIMENT) {
		char *name = attr_take(in, "name");
		if (!name) {
			free(text);
			return fail(ps, line, "variant needs name=\"...\"");
		}
		rc = part_add(&st->variants, text, name, line);
		text = NULL;
	} else if (strcmp(w, "output") == 0 && st->kind == STEP_EXAMPLE && !st->output) {
		st->output = text;
		text = NULL;
	} else if (strcmp(w, "explain") == 0 && st->kind == STEP_PREDICT && !st->explain) {
		st->explain = text;
		text = NULL;
	} else {
		rc = fail(ps, line, "a '%s' block cannot follow %s step '%s' (or there are two)", w,
		          step_kind_name(st->kind), st->id);
	}
	free(text);
	if (rc)
		return rc < 0 ? rc : fail(ps, line, "out of memory");
	return attrs_all_used(ps, line, in);
}

/* Reads a fenced block's body up to its closing fence. Returns the body
 * (malloc'd) or NULL with the error set. */
static char *read_fence_body(struct parser *ps, int open_line, char ch, size_t n)
{
	struct buf body = {0};
	const char *line;
	size_t len;
	while (next_line(ps, &line, &len)) {
		char c;
		const char *info;
		size_t info_len;
		size_t m = fence_of(line, len, &c, &info, &info_len);
		if (m >= n && c == ch && info_len == 0) {
			char *s = buf_take(&body);
			return s;
		}
		if (buf_add(&body, line, len) || buf_add(&body, "\n", 1)) {
			free(body.data);
			fail(ps, open_line, "out of memory");
			return NULL;
		}
	}
	free(body.data);
	fail(ps, open_line, "unterminated code block: no closing %c%c%c fence", ch, ch, ch);
	return NULL;
}

static const char *const part_words[] = {"check",  "hint",    "solution", "variant",
                                         "output", "explain", NULL};

/* Parses the body after the front matter. */
static int parse_body(struct parser *ps)
{
	const char *line;
	size_t len;
	while (next_line(ps, &line, &len)) {
		int at = ps->line - 1;
		char ch;
		const char *info;
		size_t info_len;
		size_t n = fence_of(line, len, &ch, &info, &info_len);
		struct info in;
		if (!n || parse_info(ps, at, info, info_len, &in) < 0) {
			if (n)
				return -1;
			if (buf_add(&ps->prose, line, len) || buf_add(&ps->prose, "\n", 1))
				return fail(ps, at, "out of memory");
			continue;
		}
		enum step_kind kind = STEP_EXAMPLE;
		bool is_step = in.word[0] && kind_of(in.word, &kind) == 0;
		bool is_part = false;
		for (int k = 0; part_words[k]; k++)
			is_part |= strcmp(in.word, part_words[k]) == 0;
		if (in.word[0] && !is_step && !is_part) {
			info_free(&in);
			return fail(ps, at,
			            "unknown step kind '%s' (use example, predict, goal or "
			            "experiment; parts: check, hint, solution, variant, output, "
			            "explain)",
			            in.word);
		}
		const char *body_start = ps->p;
		int body_line = ps->line;
		char *body = read_fence_body(ps, at, ch, n);
		if (!body) {
			info_free(&in);
			return -1;
		}
		int rc = 0;
		if (is_step) {
			rc = add_step(ps, at, kind, &in, body);
		} else if (is_part) {
			rc = add_part(ps, at, &in, body);
		} else {
			/* A plain code block: part of the prose, fences and all. */
			free(body);
			ps->p = body_start;
			ps->line = body_line;
			rc = buf_add(&ps->prose, line, len) || buf_add(&ps->prose, "\n", 1);
			while (!rc && next_line(ps, &line, &len)) {
				rc = buf_add(&ps->prose, line, len) || buf_add(&ps->prose, "\n", 1);
				char c2;
				const char *i2;
				size_t l2;
				if (fence_of(line, len, &c2, &i2, &l2) >= n && c2 == ch && l2 == 0)
					break;
			}
			if (rc)
				rc = fail(ps, at, "out of memory");
		}
		info_free(&in);
		if (rc)
			return -1;
	}
	return 0;
}

/* Stores one front matter "key: value" line. */
static int front_matter_field(struct parser *ps, int at, const char *key, size_t klen,
                              const char *val, size_t vlen)
{
	struct lesson *l = ps->lesson;
	char **slot = NULL;
	if (klen == 2 && !strncmp(key, "id", 2))
		slot = &l->id;
	else if (klen == 5 && !strncmp(key, "title", 5))
		slot = &l->title;
	else if (klen == 7 && !strncmp(key, "summary", 7))
		slot = &l->summary;
	if (slot) {
		if (*slot)
			return fail(ps, at, "'%.*s' is given twice", (int)klen, key);
		*slot = dup_range(val, vlen);
		return *slot ? 0 : fail(ps, at, "out of memory");
	}
	if (klen == 5 && !strncmp(key, "order", 5)) {
		char tmp[32];
		char *end;
		snprintf(tmp, sizeof tmp, "%.*s", (int)vlen, val);
		long v = strtol(tmp, &end, 10);
		if (end == tmp || *end || v < 0 || v > 100000)
			return fail(ps, at, "order: '%s' is not a whole number", tmp);
		l->order = (int)v;
		return 0;
	}
	if (klen == 9 && !strncmp(key, "builds_on", 9)) {
		while (vlen) {
			size_t n = strcspn(val, ",");
			if (n > vlen)
				n = vlen;
			const char *item = val;
			size_t ilen = n;
			trim(&item, &ilen);
			if (ilen && !(ilen == 4 && !strncmp(item, "none", 4))) {
				char **nb = realloc(l->builds_on, (l->nbuilds_on + 1) * sizeof *nb);
				if (!nb)
					return fail(ps, at, "out of memory");
				l->builds_on = nb;
				if (!(l->builds_on[l->nbuilds_on++] = dup_range(item, ilen)))
					return fail(ps, at, "out of memory");
			}
			val += n < vlen ? n + 1 : n;
			vlen -= n < vlen ? n + 1 : n;
		}
		return 0;
	}
	return fail(ps, at,
	            "unknown front matter key '%.*s' (use id, title, order, summary, builds_on)",
	            (int)klen, key);
}

/* Parses the "---" delimited front matter at the top of the file. */
static int parse_front_matter(struct parser *ps)
{
	const char *line;
	size_t len;
	if (!next_line(ps, &line, &len) || len != 3 || strncmp(line, "---", 3) != 0)
		return fail(ps, 1,
		            "a lesson starts with front matter: a line '---', then id, "
		            "title, order, summary, then '---'");
	bool order_seen = false;
	while (next_line(ps, &line, &len)) {
		int at = ps->line - 1;
		if (len == 3 && strncmp(line, "---", 3) == 0) {
			const char *missing = !ps->lesson->id        ? "id"
			                      : !ps->lesson->title   ? "title"
			                      : !order_seen          ? "order"
			                      : !ps->lesson->summary ? "summary"
			                                             : NULL;
			if (missing)
				return fail(ps, at, "front matter has no '%s'", missing);
			return 0;
		}
		const char *colon = memchr(line, ':', len);
		if (!colon) {
			const char *t = line;
			size_t tl = len;
			trim(&t, &tl);
			if (tl == 0)
				continue;
			return fail(ps, at, "front matter lines look like 'key: value'");
		}
		const char *key = line, *val = colon + 1;
		size_t klen = (size_t)(colon - line), vlen = len - klen - 1;
		trim(&key, &klen);
		trim(&val, &vlen);
		if (klen == 5 && !strncmp(key, "order", 5))
			order_seen = true;
		if (front_matter_field(ps, at, key, klen, val, vlen) < 0)
			return -1;
	}
	return fail(ps, 1, "front matter is not closed by a '---' line");
}

/* Whole-lesson rules that need every step: goals and experiments complete. */
static int check_steps(struct parser *ps)
{
	struct lesson *l = ps->lesson;
	for (size_t i = 0; i < l->nsteps; i++) {
		struct step *st = &l->steps[i];
		if (st->kind == STEP_GOAL && st->checks.len == 0)
			return fail(ps, st->line, "goal '%s' has no check block (```python check)",
			            st->id);
		if (st->kind == STEP_GOAL && !st->solution)
			return fail(ps, st->line,
			            "goal '%s' has no solution block (```python solution)", st->id);
		if (st->kind == STEP_EXPERIMENT && st->variants.len < 2)
			return fail(ps, st->line,
			            "experiment '%s' needs at least two variant blocks "
			            "(```python variant name=\"...\")",
			            st->id);
	}
	if (!l->intro)
		l->intro = buf_take(&ps->prose);
	else
		l->outro = buf_take(&ps->prose);
	if (!l->outro)
		l->outro = strdup("");
	return l->intro && l->outro ? 0 : fail(ps, 1, "out of memory");
}

int lesson_parse(const char *file, const char *text, size_t len, struct lesson *out, char *err,
                 size_t errlen)
{
	memset(out, 0, sizeof *out);
	struct parser ps = {.file = file,
	                    .p = text,
	                    .end = text + len,
	                    .line = 1,
	                    .err = err,
	                    .errlen = errlen,
	                    .lesson = out};
	if (memchr(text, '\0', len)) {
		fail(&ps, 1, "the file contains a NUL byte");
		return -1;
	}
	out->file = strdup(file);
	int rc = out->file ? 0 : fail(&ps, 1, "out of memory");
	if (!rc)
		rc = parse_front_matter(&ps);
	if (!rc)
		rc = parse_body(&ps);
	if (!rc)
		rc = check_steps(&ps);
	free(ps.prose.data);
	if (rc)
		lesson_free(out);
	return rc;
}

static void parts_free(struct part_list *l)
{
	for (size_t i = 0; i < l->len; i++) {
		free(l->items[i].text);
		free(l->items[i].label);
	}
	free(l->items);
}

void lesson_free(struct lesson *l)
{
	for (size_t i = 0; i < l->nsteps; i++) {
		struct step *st = &l->steps[i];
		free(st->id);
		free(st->code);
		free(st->prose);
		free(st->raises);
		free(st->answer);
		free(st->output);
		free(st->explain);
		free(st->solution);
		parts_free(&st->checks);
		parts_free(&st->hints);
		parts_free(&st->variants);
		free(st->sizes);
	}
	for (size_t i = 0; i < l->nbuilds_on; i++)
		free(l->builds_on[i]);
	free(l->builds_on);
	free(l->steps);
	free(l->file);
	free(l->id);
	free(l->title);
	free(l->summary);
	free(l->intro);
	free(l->outro);
	memset(l, 0, sizeof *l);
}

char *lesson_setup_for(const struct lesson *l, size_t index)
{
	struct buf b = {0};
	if (buf_add(&b, "", 0))
		return NULL;
	for (size_t i = 0; i < index && i < l->nsteps; i++) {
		const struct step *st = &l->steps[i];
		const char *code = NULL;
		if (st->kind == STEP_EXAMPLE && st->chain && !st->raises)
			code = st->code;
		else if (st->kind == STEP_GOAL && st->chain)
			code = st->solution;
		if (code && (buf_add(&b, code, strlen(code)) || buf_add(&b, "\n", 1))) {
			free(b.data);
			return NULL;
		}
	}
	return buf_take(&b);
}
