/* lesson_parse.c: one lesson file into struct lesson. Line-based: front
 * matter, then fenced blocks found at the top level (0-3 spaces before the
 * fence); everything else is prose, kept as Markdown for md4c. Every error
 * names the file and line. */
#include "lesson/lesson.h"

#include "common/buf.h"
#include "lesson/pyexpr.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ATTRS 8
#define MAX_SIZE  100000000L

struct parser {
	const char *file;
	const char *p, *end; /* unread text */
	int line;            /* number of the next line to read */
	char *err;
	size_t errlen;
	struct lesson *lesson;
	struct buf prose; /* Markdown since the last step */
	size_t steps_cap;
	bool order_seen, builds_on_seen;
};

struct attr {
	char key[32];
	char *value; /* owned; NULL once taken */
};

struct info {
	char lang[32]; /* truncated; only its presence matters */
	char word[32]; /* step kind or part name; "" for plain code */
	struct attr attrs[MAX_ATTRS];
	int nattrs;
};

static const char *const kind_names[] = {"example", "predict", "goal", "experiment"};

static const char *const part_words[] = {"check",  "hint",    "solution", "variant",
                                         "output", "explain", NULL};

/* Formats "file:line: message" into the parser's error buffer; returns -1. */
static int fail(struct parser *ps, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct parser *ps, int line, const char *fmt, ...)
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

/* Takes the buffer's Markdown without its leading and trailing blank lines:
 * "" when there is no text, else text ending in one newline. Caller frees;
 * NULL when out of memory. */
static char *prose_take(struct buf *b)
{
	char *s = buf_take(b, NULL);
	if (!s)
		return NULL;
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

/* A malloc'd, NUL-terminated copy of len bytes (NULL when out of memory). */
static char *dup_range(const char *s, size_t len)
{
	char *d = malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

/* Trims white space in place on both ends of [*s, *s+*len). */
static void trim(const char **s, size_t *len)
{
	while (*len && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

/* True for ids made of letters, digits, '-' and '_' (they end up in URLs
 * and HTML attributes). */
static bool valid_id(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

/* True for a Python exception name, possibly dotted (json.JSONDecodeError). */
static bool valid_exception(const char *s)
{
	bool word_start = true;
	for (; *s; s++) {
		if (*s == '.' && !word_start) {
			word_start = true;
		} else if (isalpha((unsigned char)*s) || *s == '_' ||
		           (!word_start && isdigit((unsigned char)*s))) {
			word_start = false;
		} else {
			return false;
		}
	}
	return !word_start;
}

/* True when the text is only white space. */
static bool blank(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

/* True for a step kind: example, predict, goal, experiment. */
static bool is_kind_word(const char *w)
{
	for (int k = 0; k < 4; k++)
		if (strcmp(w, kind_names[k]) == 0)
			return true;
	return false;
}

/* True for a part that attaches to the step before it. */
static bool is_part_word(const char *w)
{
	for (int k = 0; part_words[k]; k++)
		if (strcmp(w, part_words[k]) == 0)
			return true;
	return false;
}

/* If the line opens or closes a fence, returns its length (>= 3) and sets
 * *ch, *indent (0-3 spaces) and *info (trimmed); otherwise 0. As in
 * CommonMark, a backtick fence's info string cannot hold a backtick. */
static size_t fence_of(const char *line, size_t len, char *ch, size_t *indent, const char **info,
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
	trim(&in, &il);
	*ch = c;
	*indent = i;
	*info = in;
	*info_len = il;
	return n;
}

/* Frees the attribute values an info string still owns. */
static void info_free(struct info *in)
{
	for (int i = 0; i < in->nattrs; i++) {
		free(in->attrs[i].value);
		in->attrs[i].value = NULL;
	}
	in->nattrs = 0;
}

/* Parses "python example id=x name=\"a b\"" into *in. Returns 0, or -1
 * with the error set and nothing left allocated. */
static int parse_info(struct parser *ps, int line, const char *s, size_t len, struct info *in)
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
				rc = fail(ps, line, "malformed attribute in '%.*s'", (int)len, s);
				goto out;
			}
			if (in->nattrs >= MAX_ATTRS) {
				rc = fail(ps, line, "too many attributes in '%.*s'", (int)len, s);
				goto out;
			}
			for (int k = 0; k < in->nattrs; k++)
				if (strlen(in->attrs[k].key) == wlen &&
				    strncmp(in->attrs[k].key, s + start, wlen) == 0) {
					rc = fail(ps, line, "attribute '%.*s' is given twice",
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
					rc = fail(ps, line, "unterminated quoted value for '%s'",
					          a->key);
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
				rc = fail(ps, line, "out of memory");
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
			rc = fail(ps, line, "unknown step kind '%.*s'", (int)wlen, s + start);
			goto out;
		} else {
			rc = fail(ps, line, "unexpected word '%.*s' in '%.*s'", (int)wlen,
			          s + start, (int)len, s);
			goto out;
		}
		words++;
	}
out:
	if (rc)
		info_free(in);
	return rc;
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

/* Appends a part (takes ownership of text and label). Returns 0 or -1. */
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

/* Parses "1000, 10000" (whole numbers >= 1, '_' allowed between digits)
 * into the step's sizes. */
static int parse_sizes(struct parser *ps, int line, struct step *st, const char *text)
{
	const char *p = text;
	for (;;) {
		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p))
			goto bad;
		long v = 0;
		while (isdigit((unsigned char)*p) || (*p == '_' && isdigit((unsigned char)p[-1]) &&
		                                      isdigit((unsigned char)p[1]))) {
			if (*p != '_' && (v = v * 10 + (*p - '0')) > MAX_SIZE)
				goto bad;
			p++;
		}
		if (v < 1)
			goto bad;
		long *ns = realloc(st->sizes, (st->nsizes + 1) * sizeof *ns);
		if (!ns)
			return fail(ps, line, "out of memory");
		st->sizes = ns;
		st->sizes[st->nsizes++] = v;
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			goto bad;
	}
bad:
	return fail(ps, line,
	            "sizes=\"%s\" is not a list of whole numbers from 1 to %ld, "
	            "e.g. sizes=\"1000,10000\"",
	            text, MAX_SIZE);
}

/* "a" or "an" before a step kind's name. */
static const char *article(enum step_kind kind)
{
	return kind == STEP_EXAMPLE || kind == STEP_EXPERIMENT ? "an" : "a";
}

const char *step_kind_name(enum step_kind kind)
{
	return (unsigned)kind < 4 ? kind_names[kind] : "unknown";
}

/* Starts a new step from a fence's info and body. Takes ownership of code. */
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
	/* From here the step is in the lesson: lesson_free frees what it holds. */
	struct step *st = &l->steps[l->nsteps++];
	memset(st, 0, sizeof *st);
	st->kind = kind;
	st->line = line;
	st->code = code;
	st->chain = true;
	if (l->nsteps == 1) {
		l->intro = prose_take(&ps->prose);
		st->prose = strdup("");
	} else {
		st->prose = prose_take(&ps->prose);
	}
	if (!st->prose || !l->intro)
		return fail(ps, line, "out of memory");
	st->id = attr_take(in, "id");
	if (st->id && !valid_id(st->id, strlen(st->id)))
		return fail(ps, line, "step id '%s' may only use letters, digits, '-' and '_'",
		            st->id);
	if (kind == STEP_EXAMPLE || kind == STEP_PREDICT) {
		st->raises = attr_take(in, "raises");
		if (st->raises && !valid_exception(st->raises))
			return fail(ps, line, "raises='%s' is not an exception name", st->raises);
	}
	char *chain = attr_take(in, "chain");
	if (chain) {
		bool yes = strcmp(chain, "yes") == 0, no = strcmp(chain, "no") == 0;
		if (!yes && !no) {
			fail(ps, line, "chain=%s: use chain=no (or chain=yes, the default)", chain);
			free(chain);
			return -1;
		}
		st->chain = yes;
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
	if (attrs_all_used(ps, line, in))
		return -1;
	if (!st->id) {
		char gen[48];
		snprintf(gen, sizeof gen, "%s-%zu", step_kind_name(kind), l->nsteps);
		if (!(st->id = strdup(gen)))
			return fail(ps, line, "out of memory");
	}
	for (size_t i = 0; i + 1 < l->nsteps; i++)
		if (strcmp(l->steps[i].id, st->id) == 0)
			return fail(ps, line, "duplicate step id '%s' (first used on line %d)",
			            st->id, l->steps[i].line);
	if (blank(st->code))
		return fail(ps, line, "%s step '%s' has no code", step_kind_name(kind), st->id);
	if (kind == STEP_PREDICT && !st->raises && !pyexpr_ends_with_expression(st->code))
		return fail(ps, line,
		            "predict step '%s' does not end with an expression to predict "
		            "(its last statement must be a value, like `user.__dict__`)",
		            st->id);
	return 0;
}

/* Attaches a check, hint, solution, variant, output or explain block to
 * the step before it. Takes ownership of text. */
static int add_part(struct parser *ps, int line, struct info *in, char *text)
{
	struct lesson *l = ps->lesson;
	struct step *st = l->nsteps ? &l->steps[l->nsteps - 1] : NULL;
	const char *w = in->word;
	char **slot = NULL;
	struct part_list *list = NULL;
	const char *label_key = NULL;
	enum step_kind owner = STEP_GOAL;
	if (strcmp(w, "check") == 0) {
		list = st ? &st->checks : NULL;
		label_key = "message";
	} else if (strcmp(w, "hint") == 0) {
		list = st ? &st->hints : NULL;
	} else if (strcmp(w, "solution") == 0) {
		slot = st ? &st->solution : NULL;
	} else if (strcmp(w, "variant") == 0) {
		list = st ? &st->variants : NULL;
		label_key = "name";
		owner = STEP_EXPERIMENT;
	} else if (strcmp(w, "output") == 0) {
		slot = st ? &st->output : NULL;
		owner = STEP_EXAMPLE;
	} else {
		slot = st ? &st->explain : NULL;
		owner = STEP_PREDICT;
	}
	int rc = 0;
	if (!st)
		rc = fail(ps, line, "a '%s' block before any step (it belongs to %s %s before it)",
		          w, article(owner), kind_names[owner]);
	else if (st->kind != owner)
		rc = fail(ps, line, "a '%s' block belongs to %s %s and cannot follow %s step '%s'",
		          w, article(owner), kind_names[owner], kind_names[st->kind], st->id);
	else if (slot && *slot)
		rc = fail(ps, line, "%s step '%s' already has %s '%s' block (only one is allowed)",
		          kind_names[st->kind], st->id, *w == 'o' || *w == 'e' ? "an" : "a", w);
	else if (owner != STEP_EXAMPLE && blank(text))
		rc = fail(ps, line, "the '%s' block is empty", w);
	if (rc) {
		free(text);
		return rc;
	}
	if (slot) {
		*slot = text;
		return attrs_all_used(ps, line, in);
	}
	char *label = label_key ? attr_take(in, label_key) : NULL;
	if (list == &st->variants && (!label || !*label)) {
		free(text);
		free(label);
		return fail(ps, line, "variant needs name=\"...\" (the name shown on the plot)");
	}
	if (part_add(list, text, label, line)) {
		free(text);
		free(label);
		return fail(ps, line, "out of memory");
	}
	return attrs_all_used(ps, line, in);
}

/* True when a fence's info string names a step or a part as its second
 * word ("python example ..."): a block opening, never a closing fence. */
static bool info_opens_block(const char *info, size_t len)
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
	return is_kind_word(word) || is_part_word(word);
}

/* Reads a fenced block's body up to its closing fence, removing up to
 * `indent` leading spaces from each line as CommonMark does. Returns the
 * body (malloc'd) or NULL with the error set. A line that opens another
 * step or part with the same fence means this block was never closed. */
static char *read_fence_body(struct parser *ps, int open_line, char ch, size_t n, size_t indent)
{
	struct buf body = {0};
	const char *line;
	size_t len;
	while (next_line(ps, &line, &len)) {
		char c;
		const char *info;
		size_t info_len, ind;
		size_t m = fence_of(line, len, &c, &ind, &info, &info_len);
		if (m >= n && c == ch && info_len == 0)
			return buf_take(&body, NULL);
		if (m >= n && c == ch && info_opens_block(info, info_len)) {
			buf_free(&body);
			fail(ps, open_line,
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
			fail(ps, open_line, "out of memory");
			return NULL;
		}
	}
	buf_free(&body);
	fail(ps, open_line, "unterminated code block: no closing %c%c%c fence", ch, ch, ch);
	return NULL;
}

/* Appends one line and its newline to the prose. */
static int prose_line(struct parser *ps, int at, const char *line, size_t len)
{
	if (buf_add(&ps->prose, line, len) || buf_add(&ps->prose, "\n", 1))
		return fail(ps, at, "out of memory");
	return 0;
}

/* Copies a plain code block, fences and all, into the prose. The body was
 * already checked by read_fence_body; this re-reads it from body_start. */
static int plain_block(struct parser *ps, int at, const char *open, size_t open_len, char ch,
                       size_t n, const char *body_start, int body_line)
{
	ps->p = body_start;
	ps->line = body_line;
	if (prose_line(ps, at, open, open_len))
		return -1;
	const char *line;
	size_t len;
	while (next_line(ps, &line, &len)) {
		if (prose_line(ps, ps->line - 1, line, len))
			return -1;
		char c;
		const char *info;
		size_t info_len, ind;
		if (fence_of(line, len, &c, &ind, &info, &info_len) >= n && c == ch &&
		    info_len == 0)
			break;
	}
	return 0;
}

/* Parses the body after the front matter. */
static int parse_body(struct parser *ps)
{
	const char *line;
	size_t len;
	while (next_line(ps, &line, &len)) {
		int at = ps->line - 1;
		char ch;
		const char *info;
		size_t info_len, indent;
		size_t n = fence_of(line, len, &ch, &indent, &info, &info_len);
		if (!n) {
			if (prose_line(ps, at, line, len))
				return -1;
			continue;
		}
		struct info in;
		if (parse_info(ps, at, info, info_len, &in) < 0)
			return -1;
		bool is_step = is_kind_word(in.word), is_part = is_part_word(in.word);
		int rc = 0;
		if (in.word[0] && !is_step && !is_part)
			rc = fail(ps, at,
			          "unknown step kind '%s' (use example, predict, goal or "
			          "experiment; parts: check, hint, solution, variant, output, "
			          "explain)",
			          in.word);
		else if (!in.word[0] && (is_kind_word(in.lang) || is_part_word(in.lang)))
			rc = fail(ps, at, "'%s' needs a language first: ```python %s or ```text %s",
			          in.lang, in.lang, in.lang);
		else if (!in.word[0] && in.nattrs)
			rc = fail(ps, at,
			          "attribute '%s' on a plain code block: name the step first, "
			          "e.g. ```python example %s=...",
			          in.attrs[0].key, in.attrs[0].key);
		if (rc) {
			info_free(&in);
			return -1;
		}
		const char *body_start = ps->p;
		int body_line = ps->line;
		char *body = read_fence_body(ps, at, ch, n, indent);
		if (!body) {
			info_free(&in);
			return -1;
		}
		enum step_kind kind = STEP_EXAMPLE;
		for (int k = 0; k < 4; k++)
			if (strcmp(in.word, kind_names[k]) == 0)
				kind = (enum step_kind)k;
		if (is_step) {
			rc = add_step(ps, at, kind, &in, body);
		} else if (is_part) {
			rc = add_part(ps, at, &in, body);
		} else {
			free(body);
			rc = plain_block(ps, at, line, len, ch, n, body_start, body_line);
		}
		info_free(&in);
		if (rc)
			return -1;
	}
	return 0;
}

/* Copies a required front matter string into *slot. */
static int front_matter_string(struct parser *ps, int at, const char *key, char **slot,
                               const char *val, size_t vlen)
{
	if (*slot)
		return fail(ps, at, "'%s' is given twice", key);
	if (vlen == 0)
		return fail(ps, at, "'%s' is empty", key);
	if (strcmp(key, "id") == 0 && !valid_id(val, vlen))
		return fail(ps, at, "id '%.*s' may only use letters, digits, '-' and '_'",
		            (int)vlen, val);
	*slot = dup_range(val, vlen);
	return *slot ? 0 : fail(ps, at, "out of memory");
}

/* Parses "a, b" (or "none", or nothing) into the lesson's builds_on. */
static int front_matter_builds_on(struct parser *ps, int at, const char *val, size_t vlen)
{
	struct lesson *l = ps->lesson;
	if (ps->builds_on_seen)
		return fail(ps, at, "'builds_on' is given twice");
	ps->builds_on_seen = true;
	if (vlen == 0 || (vlen == 4 && strncmp(val, "none", 4) == 0))
		return 0;
	for (;;) {
		const char *comma = memchr(val, ',', vlen);
		size_t n = comma ? (size_t)(comma - val) : vlen;
		const char *item = val;
		size_t ilen = n;
		trim(&item, &ilen);
		if (!valid_id(item, ilen))
			return fail(ps, at,
			            "builds_on: '%.*s' is not a lesson id (give ids separated by "
			            "commas, or none)",
			            (int)ilen, item);
		char **nb = realloc(l->builds_on, (l->nbuilds_on + 1) * sizeof *nb);
		if (!nb)
			return fail(ps, at, "out of memory");
		l->builds_on = nb;
		if (!(l->builds_on[l->nbuilds_on] = dup_range(item, ilen)))
			return fail(ps, at, "out of memory");
		l->nbuilds_on++;
		if (!comma)
			return 0;
		val += n + 1;
		vlen -= n + 1;
	}
}

/* Stores one front matter "key: value" line. */
static int front_matter_field(struct parser *ps, int at, const char *key, size_t klen,
                              const char *val, size_t vlen)
{
	struct lesson *l = ps->lesson;
	if (klen == 2 && !strncmp(key, "id", 2))
		return front_matter_string(ps, at, "id", &l->id, val, vlen);
	if (klen == 5 && !strncmp(key, "title", 5))
		return front_matter_string(ps, at, "title", &l->title, val, vlen);
	if (klen == 7 && !strncmp(key, "summary", 7))
		return front_matter_string(ps, at, "summary", &l->summary, val, vlen);
	if (klen == 9 && !strncmp(key, "builds_on", 9))
		return front_matter_builds_on(ps, at, val, vlen);
	if (klen == 5 && !strncmp(key, "order", 5)) {
		if (ps->order_seen)
			return fail(ps, at, "'order' is given twice");
		ps->order_seen = true;
		long v = 0;
		size_t i = 0;
		while (i < vlen && isdigit((unsigned char)val[i]) && v <= 100000)
			v = v * 10 + (val[i++] - '0');
		if (vlen == 0 || i < vlen || v > 100000)
			return fail(ps, at, "order: '%.*s' is not a whole number from 0 to 100000",
			            (int)vlen, val);
		l->order = (int)v;
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
	while (next_line(ps, &line, &len)) {
		int at = ps->line - 1;
		if (len == 3 && strncmp(line, "---", 3) == 0) {
			const char *missing = !ps->lesson->id        ? "id"
			                      : !ps->lesson->title   ? "title"
			                      : !ps->order_seen      ? "order"
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
			return fail(ps, at,
			            "front matter lines look like 'key: value' (is the closing "
			            "'---' missing?)");
		}
		const char *key = line, *val = colon + 1;
		size_t klen = (size_t)(colon - line), vlen = len - klen - 1;
		trim(&key, &klen);
		trim(&val, &vlen);
		if (front_matter_field(ps, at, key, klen, val, vlen) < 0)
			return -1;
	}
	return fail(ps, 1, "front matter is not closed by a '---' line");
}

/* Whole-lesson rules that need every step: goals and experiments complete.
 * Then the prose left over becomes the intro (no steps) or the outro. */
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
		l->intro = prose_take(&ps->prose);
	else
		l->outro = prose_take(&ps->prose);
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
	const char *nul = len ? memchr(text, '\0', len) : NULL;
	if (nul) {
		int line = 1;
		for (const char *c = text; c < nul; c++)
			line += *c == '\n';
		return fail(&ps, line, "the file contains a NUL byte");
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3; /* UTF-8 byte order mark */
	out->file = strdup(file);
	int rc = out->file ? 0 : fail(&ps, 1, "out of memory");
	if (!rc)
		rc = parse_front_matter(&ps);
	if (!rc)
		rc = parse_body(&ps);
	if (!rc)
		rc = check_steps(&ps);
	buf_free(&ps.prose);
	if (rc)
		lesson_free(out);
	return rc;
}

/* Frees a list of parts and their texts. */
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
	for (size_t i = 0; i < index && i < l->nsteps; i++) {
		const struct step *st = &l->steps[i];
		const char *code = NULL;
		if (st->kind == STEP_EXAMPLE && st->chain && !st->raises)
			code = st->code;
		else if (st->kind == STEP_GOAL && st->chain)
			code = st->solution;
		if (!code || !*code)
			continue;
		size_t n = strlen(code);
		if ((b.len && buf_add(&b, "\n", 1)) || buf_add(&b, code, n) ||
		    (code[n - 1] != '\n' && buf_add(&b, "\n", 1))) {
			buf_free(&b);
			return NULL;
		}
	}
	return buf_take(&b, NULL);
}
