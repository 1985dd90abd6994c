/* lesson_parse.c: the lesson rules. Reads one lesson file into struct
 * lesson with the lexer (lesson_lex.h): front matter first, then each fenced
 * block as a step (example, predict, goal, experiment: what attributes each
 * takes, what it needs) or a part of the step before it (check, hint,
 * solution, variant, output, explain: which step kinds own which) or a
 * block of prose for some Pythons (```text python=3.13), then the
 * whole-lesson rules. Every error names the file and line. */
#include "lesson/lesson.h"

#include "lesson/lesson_lex.h"
#include "lesson/pyexpr.h"
#include "lesson/pyversion.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIZE 100000000L

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
			return lex_fail(ps, line, "out of memory");
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
	return lex_fail(ps, line,
	                "sizes=\"%s\" is not a list of whole numbers from 1 to %ld, "
	                "e.g. sizes=\"1000,10000\"",
	                text, MAX_SIZE);
}

/* True when the info string has attribute `key`, taken or not. */
static bool info_has(const struct info *in, const char *key)
{
	for (int k = 0; k < in->nattrs; k++)
		if (in->attrs[k].value && strcmp(in->attrs[k].key, key) == 0)
			return true;
	return false;
}

/* Takes a predict step's answer@X.Y= attributes (an answer for one
 * Python, "answer@3.13") into st->answers. Returns 0 or -1 (lex_fail). */
static int take_version_answers(struct parser *ps, int line, struct step *st, struct info *in)
{
	static const char prefix[] = "answer@";
	for (int k = 0; k < in->nattrs; k++) {
		char key[sizeof in->attrs[k].key];
		snprintf(key, sizeof key, "%s", in->attrs[k].key);
		if (!in->attrs[k].value || strncmp(key, prefix, sizeof prefix - 1) != 0)
			continue;
		if (!pyversion_valid(key + sizeof prefix - 1))
			return lex_fail(ps, line,
			                "%s: name a Python version after '@', like answer@3.13=...",
			                key);
		char *label = strdup(key + sizeof prefix - 1), *text = lex_info_take(in, key);
		if (!label || !text || lesson_part_add(&st->answers, text, label, line) != 0) {
			free(label);
			free(text);
			return lex_fail(ps, line, "out of memory");
		}
	}
	return 0;
}

/* "a" or "an" before a step kind's name. */
static const char *article(enum step_kind kind)
{
	return kind == STEP_EXAMPLE || kind == STEP_EXPERIMENT ? "an" : "a";
}

/* Starts a new step from a fence's info and body. Steals code, whatever it
 * returns. Returns 0 or -1 (lex_fail). */
static int add_step(struct parser *ps, int line, enum step_kind kind, struct info *in, char *code)
{
	struct lesson *l = ps->lesson;
	struct step *st = lesson_step_add(l, &ps->steps_cap);
	if (!st) {
		free(code);
		return lex_fail(ps, line, "out of memory");
	}
	/* From here the step is in the lesson: lesson_free frees what it holds. */
	st->kind = kind;
	st->line = line;
	st->code = code;
	st->chain = true;
	if (l->nsteps == 1 ? lex_prose_take(ps, line, &l->intro, &l->intro_versions)
	                   : lex_prose_take(ps, line, &st->prose, &st->prose_versions))
		return -1;
	if (!st->prose && !(st->prose = strdup("")))
		return lex_fail(ps, line, "out of memory");
	st->id = lex_info_take(in, "id");
	if (st->id && !valid_id(st->id, strlen(st->id)))
		return lex_fail(ps, line, "step id '%s' may only use letters, digits, '-' and '_'",
		                st->id);
	if (kind == STEP_EXAMPLE || kind == STEP_PREDICT) {
		st->raises = lex_info_take(in, "raises");
		if (st->raises && !valid_exception(st->raises))
			return lex_fail(ps, line, "raises='%s' is not an exception name",
			                st->raises);
	}
	char *chain = lex_info_take(in, "chain");
	if (chain) {
		bool yes = strcmp(chain, "yes") == 0, no = strcmp(chain, "no") == 0;
		if (!yes && !no) {
			lex_fail(ps, line, "chain=%s: use chain=no (or chain=yes, the default)",
			         chain);
			free(chain);
			return -1;
		}
		st->chain = yes;
		free(chain);
	}
	if (kind == STEP_PREDICT) {
		st->answer = lex_info_take(in, "answer");
		if (take_version_answers(ps, line, st, in) < 0)
			return -1;
	}
	if (kind == STEP_EXPERIMENT) {
		char *sizes = lex_info_take(in, "sizes");
		int rc = sizes ? parse_sizes(ps, line, st, sizes)
		               : lex_fail(ps, line, "experiment needs sizes=\"1000,10000,...\"");
		free(sizes);
		if (rc)
			return -1;
	}
	if (lex_info_all_used(ps, line, in))
		return -1;
	if (!st->id) {
		char gen[48];
		snprintf(gen, sizeof gen, "%s-%zu", step_kind_name(kind), l->nsteps);
		if (!(st->id = strdup(gen)))
			return lex_fail(ps, line, "out of memory");
	}
	for (size_t i = 0; i + 1 < l->nsteps; i++)
		if (strcmp(l->steps[i].id, st->id) == 0)
			return lex_fail(ps, line, "duplicate step id '%s' (first used on line %d)",
			                st->id, l->steps[i].line);
	if (blank(st->code))
		return lex_fail(ps, line, "%s step '%s' has no code", step_kind_name(kind), st->id);
	if (kind == STEP_PREDICT && !st->raises && !pyexpr_ends_with_expression(st->code))
		return lex_fail(ps, line,
		                "predict step '%s' does not end with an expression to predict "
		                "(its last statement must be a value, like `user.__dict__`)",
		                st->id);
	return 0;
}

/* Attaches a check, hint, solution, variant, output or explain block to
 * the step before it. Steals text, whatever it returns. Returns 0 or -1. */
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
	} else if (strcmp(w, "output") == 0 && info_has(in, "python")) {
		list = st ? &st->outputs : NULL; /* what one Python prints */
		label_key = "python";
		owner = STEP_EXAMPLE;
	} else if (strcmp(w, "output") == 0) {
		slot = st ? &st->output : NULL;
		owner = STEP_EXAMPLE;
	} else {
		slot = st ? &st->explain : NULL;
		owner = STEP_PREDICT;
	}
	int rc = 0;
	if (!st)
		rc = lex_fail(ps, line,
		              "a '%s' block before any step (it belongs to %s %s before it)", w,
		              article(owner), step_kind_name(owner));
	else if (st->kind != owner)
		rc = lex_fail(
		    ps, line, "a '%s' block belongs to %s %s and cannot follow %s step '%s'", w,
		    article(owner), step_kind_name(owner), step_kind_name(st->kind), st->id);
	else if (slot && *slot)
		rc = lex_fail(
		    ps, line, "%s step '%s' already has %s '%s' block (only one is allowed)",
		    step_kind_name(st->kind), st->id, *w == 'o' || *w == 'e' ? "an" : "a", w);
	else if (owner != STEP_EXAMPLE && blank(text))
		rc = lex_fail(ps, line, "the '%s' block is empty", w);
	if (rc) {
		free(text);
		return rc;
	}
	if (slot) {
		*slot = text;
		return lex_info_all_used(ps, line, in);
	}
	char *label = label_key ? lex_info_take(in, label_key) : NULL;
	if (list == &st->variants && (!label || !*label)) {
		free(text);
		free(label);
		return lex_fail(ps, line,
		                "variant needs name=\"...\" (the name shown on the plot)");
	}
	if (list == &st->outputs && !pyversion_valid(label))
		rc = lex_fail(ps, line, "output python=%s: name a Python version, like python=3.13",
		              label ? label : "");
	else if (list == &st->outputs && step_output_for(st, label) != st->output)
		rc = lex_fail(ps, line,
		              "example step '%s' already has an output block for Python %s", st->id,
		              label);
	if (rc) {
		free(text);
		free(label);
		return rc;
	}
	if (lesson_part_add(list, text, label, line)) {
		free(text);
		free(label);
		return lex_fail(ps, line, "out of memory");
	}
	return lex_info_all_used(ps, line, in);
}

/* A ```text python=SPEC block (its fence's line is open, open_len bytes):
 * Markdown for the Pythons SPEC names, kept in the prose, fences and all,
 * and listed in ps->versions. It joins the group of the version block
 * before it when only blank lines are between, and no two blocks of a
 * group may match one Python. body is its text, read by lex_fence_body
 * (stolen, whatever this returns); the block is copied again from
 * body_start. Returns 0 or -1 (lex_fail). */
static int add_version_prose(struct parser *ps, int line, struct info *in, char *body,
                             const char *open, size_t open_len, char ch, size_t n,
                             const char *body_start, int body_line)
{
	char *spec = lex_info_take(in, "python");
	int rc = 0, group = ps->version_open ? ps->version_group : ps->version_group + 1;
	if (strcmp(in->lang, "text") != 0)
		rc = lex_fail(ps, line,
		              "python=%s marks prose for some Pythons: open it with ```text "
		              "python=%s",
		              spec, spec);
	else if (!pyversion_spec_valid(spec))
		rc = lex_fail(ps, line,
		              "python=%s: name a Python version like python=3.13 or python=3.12+",
		              spec);
	for (int k = 0; !rc && k < in->nattrs; k++)
		if (in->attrs[k].value)
			rc = lex_fail(ps, line,
			              "unknown attribute '%s' on a python=%s block (it takes "
			              "python= alone)",
			              in->attrs[k].key, spec);
	if (!rc && blank(body))
		rc = lex_fail(ps, line, "the python=%s block is empty", spec);
	for (size_t k = 0; !rc && k < ps->versions.len; k++) {
		const struct python_prose *v = &ps->versions.items[k];
		if (v->group == group && pyversion_specs_overlap(v->spec, spec))
			rc =
			    lex_fail(ps, line,
			             "python=%s overlaps python=%s of line %d: version blocks in a "
			             "row are alternatives, and one Python would see both (narrow "
			             "one, or put a line of prose between them)",
			             spec, v->spec, v->line);
	}
	size_t start = ps->prose.len;
	if (!rc)
		rc = lex_plain_block(ps, line, open, open_len, ch, n, body_start, body_line);
	if (!rc &&
	    lesson_python_prose_add(&ps->versions, spec, body, start, ps->prose.len, group, line))
		rc = lex_fail(ps, line, "out of memory");
	if (rc) {
		free(spec);
		free(body);
		return -1;
	}
	ps->version_group = group;
	ps->version_open = true;
	return 0;
}

/* Parses the body after the front matter. */
static int parse_body(struct parser *ps)
{
	const char *line;
	size_t len;
	while (lex_next_line(ps, &line, &len)) {
		int at = ps->line - 1;
		char ch;
		const char *info;
		size_t info_len, indent;
		size_t n = lex_fence(line, len, &ch, &indent, &info, &info_len);
		if (!n) {
			if (lex_prose_line(ps, at, line, len))
				return -1;
			continue;
		}
		struct info in;
		if (lex_info_parse(ps, at, info, info_len, &in) < 0)
			return -1;
		bool is_step = lex_is_kind_word(in.word), is_part = lex_is_part_word(in.word);
		bool is_version = !in.word[0] && info_has(&in, "python");
		int rc = 0;
		if (in.word[0] && !is_step && !is_part)
			rc = lex_fail(ps, at,
			              "unknown step kind '%s' (use example, predict, goal or "
			              "experiment; parts: check, hint, solution, variant, output, "
			              "explain)",
			              in.word);
		else if (!in.word[0] && (lex_is_kind_word(in.lang) || lex_is_part_word(in.lang)))
			rc = lex_fail(ps, at,
			              "'%s' needs a language first: ```python %s or ```text %s",
			              in.lang, in.lang, in.lang);
		else if (!in.word[0] && !is_version && in.nattrs)
			rc = lex_fail(ps, at,
			              "attribute '%s' on a plain code block: name the step first, "
			              "e.g. ```python example %s=...",
			              in.attrs[0].key, in.attrs[0].key);
		if (rc) {
			lex_info_free(&in);
			return -1;
		}
		const char *body_start = ps->p;
		int body_line = ps->line;
		char *body = lex_fence_body(ps, at, ch, n, indent);
		if (!body) {
			lex_info_free(&in);
			return -1;
		}
		enum step_kind kind = STEP_EXAMPLE;
		for (int k = 0; k < 4; k++)
			if (strcmp(in.word, step_kind_name((enum step_kind)k)) == 0)
				kind = (enum step_kind)k;
		if (is_step) {
			rc = add_step(ps, at, kind, &in, body);
		} else if (is_part) {
			ps->version_open = false; /* a part between two version blocks parts them */
			rc = add_part(ps, at, &in, body);
		} else if (is_version) {
			rc = add_version_prose(ps, at, &in, body, line, len, ch, n, body_start,
			                       body_line);
		} else {
			free(body);
			rc = lex_plain_block(ps, at, line, len, ch, n, body_start, body_line);
		}
		lex_info_free(&in);
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
		return lex_fail(ps, at, "'%s' is given twice", key);
	if (vlen == 0)
		return lex_fail(ps, at, "'%s' is empty", key);
	if (strcmp(key, "id") == 0 && !valid_id(val, vlen))
		return lex_fail(ps, at, "id '%.*s' may only use letters, digits, '-' and '_'",
		                (int)vlen, val);
	*slot = lex_dup(val, vlen);
	return *slot ? 0 : lex_fail(ps, at, "out of memory");
}

/* Parses "a, b" (or "none", or nothing) into the lesson's builds_on. */
static int front_matter_builds_on(struct parser *ps, int at, const char *val, size_t vlen)
{
	struct lesson *l = ps->lesson;
	if (ps->builds_on_seen)
		return lex_fail(ps, at, "'builds_on' is given twice");
	ps->builds_on_seen = true;
	if (vlen == 0 || (vlen == 4 && strncmp(val, "none", 4) == 0))
		return 0;
	for (;;) {
		const char *comma = memchr(val, ',', vlen);
		size_t n = comma ? (size_t)(comma - val) : vlen;
		const char *item = val;
		size_t ilen = n;
		lex_trim(&item, &ilen);
		if (!valid_id(item, ilen))
			return lex_fail(
			    ps, at,
			    "builds_on: '%.*s' is not a lesson id (give ids separated by "
			    "commas, or none)",
			    (int)ilen, item);
		if (lesson_builds_on_add(l, item, ilen) < 0)
			return lex_fail(ps, at, "out of memory");
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
			return lex_fail(ps, at, "'order' is given twice");
		ps->order_seen = true;
		long v = 0;
		size_t i = 0;
		while (i < vlen && isdigit((unsigned char)val[i]) && v <= 100000)
			v = v * 10 + (val[i++] - '0');
		if (vlen == 0 || i < vlen || v > 100000)
			return lex_fail(ps, at,
			                "order: '%.*s' is not a whole number from 0 to 100000",
			                (int)vlen, val);
		l->order = (int)v;
		return 0;
	}
	return lex_fail(
	    ps, at, "unknown front matter key '%.*s' (use id, title, order, summary, builds_on)",
	    (int)klen, key);
}

/* Parses the "---" delimited front matter at the top of the file. */
static int parse_front_matter(struct parser *ps)
{
	const char *line;
	size_t len;
	if (!lex_next_line(ps, &line, &len) || len != 3 || strncmp(line, "---", 3) != 0)
		return lex_fail(ps, 1,
		                "a lesson starts with front matter: a line '---', then id, "
		                "title, order, summary, then '---'");
	while (lex_next_line(ps, &line, &len)) {
		int at = ps->line - 1;
		if (len == 3 && strncmp(line, "---", 3) == 0) {
			const char *missing = !ps->lesson->id        ? "id"
			                      : !ps->lesson->title   ? "title"
			                      : !ps->order_seen      ? "order"
			                      : !ps->lesson->summary ? "summary"
			                                             : NULL;
			if (missing)
				return lex_fail(ps, at, "front matter has no '%s'", missing);
			return 0;
		}
		const char *colon = memchr(line, ':', len);
		if (!colon) {
			const char *t = line;
			size_t tl = len;
			lex_trim(&t, &tl);
			if (tl == 0)
				continue;
			return lex_fail(ps, at,
			                "front matter lines look like 'key: value' (is the closing "
			                "'---' missing?)");
		}
		const char *key = line, *val = colon + 1;
		size_t klen = (size_t)(colon - line), vlen = len - klen - 1;
		lex_trim(&key, &klen);
		lex_trim(&val, &vlen);
		if (front_matter_field(ps, at, key, klen, val, vlen) < 0)
			return -1;
	}
	return lex_fail(ps, 1, "front matter is not closed by a '---' line");
}

/* Whole-lesson rules that need every step: goals and experiments complete.
 * Then the prose left over becomes the intro (no steps) or the outro. */
static int check_steps(struct parser *ps)
{
	struct lesson *l = ps->lesson;
	for (size_t i = 0; i < l->nsteps; i++) {
		struct step *st = &l->steps[i];
		if (st->kind == STEP_GOAL && st->checks.len == 0)
			return lex_fail(ps, st->line,
			                "goal '%s' has no check block (```python check)", st->id);
		if (st->kind == STEP_GOAL && !st->solution)
			return lex_fail(ps, st->line,
			                "goal '%s' has no solution block (```python solution)",
			                st->id);
		if (st->kind == STEP_EXPERIMENT && st->variants.len < 2)
			return lex_fail(ps, st->line,
			                "experiment '%s' needs at least two variant blocks "
			                "(```python variant name=\"...\")",
			                st->id);
	}
	int at = ps->line - 1;
	if (!l->intro ? lex_prose_take(ps, at, &l->intro, &l->intro_versions)
	              : lex_prose_take(ps, at, &l->outro, &l->outro_versions))
		return -1;
	if (!l->outro && !(l->outro = strdup("")))
		return lex_fail(ps, 1, "out of memory");
	return 0;
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
		return lex_fail(&ps, line, "the file contains a NUL byte");
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3; /* UTF-8 byte order mark */
	out->file = strdup(file);
	int rc = out->file ? 0 : lex_fail(&ps, 1, "out of memory");
	if (!rc)
		rc = parse_front_matter(&ps);
	if (!rc)
		rc = parse_body(&ps);
	if (!rc)
		rc = check_steps(&ps);
	buf_free(&ps.prose);
	lesson_python_prose_free(&ps.versions);
	if (rc)
		lesson_free(out);
	return rc;
}
