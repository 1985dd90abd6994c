/* lessons.c: loading the course, rendering Markdown once, and the JSON the
 * lesson endpoints serve from memory. */
#include "lesson/lessons.h"

#include "common/buf.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <md4c-html.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LESSON_FILE_MAX (1 << 20)

struct entry {
	struct lesson lesson;
	char *detail_json; /* owned */
	char **setups;     /* owned: one per step */
};

struct lessons {
	struct entry *entries;
	size_t len;
	char *index_json; /* owned */
};

/* md4c output callback: appends to the struct buf in `user` (its failure
 * sticks; render checks it once). */
static void html_append(const MD_CHAR *text, MD_SIZE size, void *user)
{
	buf_add(user, text, size);
}

/* Appends the HTML of len bytes of Markdown to o. Raw HTML in lessons is
 * not passed through: lessons render as text, safe under a strict CSP.
 * Returns 0, or -1 when md4c or the buffer failed. */
static int markdown_html(struct buf *o, const char *markdown, size_t len)
{
	unsigned flags = MD_DIALECT_GITHUB | MD_FLAG_NOHTML;
	return md_html(markdown, (MD_SIZE)len, html_append, o, flags, 0) == 0 && !o->failed ? 0
	                                                                                    : -1;
}

/* Renders some prose to HTML (a new JSON string, or NULL when out of
 * memory): its Markdown, with each group of version blocks as one <div
 * class="python-group"> holding a <div class="python-prose"
 * data-python="SPEC"> per block (its Markdown rendered), which the page
 * shows only when the learner's Python matches SPEC. A spec is digits, '.'
 * and '+' (the parser's rule), safe in an attribute as it is. */
static json_t *render(const char *markdown, const struct python_prose_list *versions)
{
	struct buf o = {0};
	size_t at = 0;
	for (size_t i = 0; i < versions->len; i++) {
		const struct python_prose *v = &versions->items[i];
		bool first = i == 0 || versions->items[i - 1].group != v->group;
		bool last = i + 1 == versions->len || versions->items[i + 1].group != v->group;
		if ((v->start > at && markdown_html(&o, markdown + at, v->start - at)) ||
		    (first && buf_addstr(&o, "<div class=\"python-group\">\n")) ||
		    buf_printf(&o, "<div class=\"python-prose\" data-python=\"%s\">\n", v->spec) ||
		    markdown_html(&o, v->markdown, strlen(v->markdown)) ||
		    buf_addstr(&o, "</div>\n") || (last && buf_addstr(&o, "</div>\n"))) {
			buf_free(&o);
			return NULL;
		}
		at = v->end;
	}
	size_t len = strlen(markdown);
	if (len > at && markdown_html(&o, markdown + at, len - at)) {
		buf_free(&o);
		return NULL;
	}
	char *html = buf_take(&o, NULL);
	json_t *s = html ? json_string(html) : NULL;
	free(html);
	return s;
}

/* Reads a whole file into a new NUL-terminated buffer (caller frees). */
static char *read_text(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s:1: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(LESSON_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, LESSON_FILE_MAX + 1, f) : 0;
	fclose(f);
	if (!buf || n > LESSON_FILE_MAX) {
		snprintf(err, errlen, "%s:1: %s", path,
		         buf ? "the file is larger than 1 MiB" : "out of memory");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Sets obj[key] to value, stealing it (NULL counts as a failure, so a
 * failed constructor can be passed straight in). Returns 0 or -1. */
static int put(json_t *obj, const char *key, json_t *value)
{
	return value && json_object_set_new(obj, key, value) == 0 ? 0 : -1;
}

/* Appends value to arr, stealing it (NULL counts as a failure). */
static int push(json_t *arr, json_t *value)
{
	return value && json_array_append_new(arr, value) == 0 ? 0 : -1;
}

/* Returns v as compact JSON text (new, caller frees), or NULL when out of
 * memory. The text is parsed back and compared: jansson's json_dumps can
 * drop an object key whose copy failed to allocate and still return text
 * (seen in test_lessons), and a course served with a key missing is a
 * half-loaded course. */
static char *dump_whole(const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT);
	json_t *back = text ? json_loads(text, 0, NULL) : NULL;
	bool whole = back && json_equal(back, v);
	json_decref(back);
	if (!whole) {
		free(text);
		return NULL;
	}
	return text;
}

/* The public JSON of one step: what the browser may see (new reference, or
 * NULL when out of memory: never a step with a field missing). Hidden
 * checks, solutions, declared answers, explanations and the setup (which
 * may hold an earlier goal's solution) stay on the server: the browser
 * runs a step with {"lesson", "step"} and the server supplies the setup. */
static json_t *step_json(const struct step *st)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "id", st->id, "kind",
	                      step_kind_name(st->kind), "code", st->code, "chain", st->chain);
	if (!o || put(o, "html", render(st->prose, &st->prose_versions)) ||
	    (st->raises && put(o, "raises", json_string(st->raises))))
		goto free_o;
	if (st->kind == STEP_GOAL) {
		if (put(o, "hints", json_array()) ||
		    put(o, "checks", json_integer((json_int_t)st->checks.len)))
			goto free_o;
		json_t *hints = json_object_get(o, "hints");
		for (size_t i = 0; i < st->hints.len; i++)
			if (push(hints, json_string(st->hints.items[i].text)))
				goto free_o;
	}
	if (st->kind == STEP_EXPERIMENT) {
		if (put(o, "variants", json_array()) || put(o, "sizes", json_array()))
			goto free_o;
		json_t *variants = json_object_get(o, "variants"),
		       *sizes = json_object_get(o, "sizes");
		for (size_t i = 0; i < st->variants.len; i++)
			if (push(variants,
			         json_pack("{s:s, s:s}", "name", st->variants.items[i].label,
			                   "code", st->variants.items[i].text)))
				goto free_o;
		for (size_t i = 0; i < st->nsizes; i++)
			if (push(sizes, json_integer(st->sizes[i])))
				goto free_o;
	}
	return o;
free_o:
	json_decref(o);
	return NULL;
}

/* The GET /api/lessons/{id} body of one lesson (new reference), or NULL
 * when out of memory. */
static json_t *detail_json(const struct lesson *l)
{
	json_t *d = json_pack("{s:s, s:s, s:s, s:i}", "id", l->id, "title", l->title, "summary",
	                      l->summary, "order", l->order);
	if (!d || put(d, "builds_on", json_array()) ||
	    put(d, "html", render(l->intro, &l->intro_versions)) ||
	    put(d, "outro_html", render(l->outro, &l->outro_versions)) ||
	    put(d, "steps", json_array()))
		goto free_d;
	json_t *builds = json_object_get(d, "builds_on"), *steps = json_object_get(d, "steps");
	for (size_t i = 0; i < l->nbuilds_on; i++)
		if (push(builds, json_string(l->builds_on[i])))
			goto free_d;
	for (size_t i = 0; i < l->nsteps; i++)
		if (push(steps, step_json(&l->steps[i])))
			goto free_d;
	return d;
free_d:
	json_decref(d);
	return NULL;
}

/* Builds one lesson's setups and GET /api/lessons/{id} body. Returns 0, or
 * -1 with err filled (what it built is freed by lessons_free). */
static int entry_build(struct entry *e, char *err, size_t errlen)
{
	const struct lesson *l = &e->lesson;
	e->setups = calloc(l->nsteps ? l->nsteps : 1, sizeof *e->setups);
	for (size_t i = 0; e->setups && i < l->nsteps; i++)
		if (!(e->setups[i] = lesson_setup_for(l, i)))
			goto fail;
	json_t *d = e->setups ? detail_json(l) : NULL;
	e->detail_json = d ? dump_whole(d) : NULL;
	json_decref(d);
	if (e->detail_json)
		return 0;
fail:
	snprintf(err, errlen, "%s:1: cannot render the lesson (out of memory)", l->file);
	return -1;
}

/* qsort order of the course: `order`, then id. */
static int by_order(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->lesson.order != y->lesson.order)
		return x->lesson.order < y->lesson.order ? -1 : 1;
	return strcmp(x->lesson.id, y->lesson.id);
}

/* qsort order of file names. */
static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists *.md files of dir (except README.md), sorted. Returns the count or
 * -1 with err set; *names is a new array of new strings (caller frees each
 * and the array). */
static int list_lessons(const char *dir, char ***names, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: cannot open the lessons directory: %s", dir,
		         strerror(errno));
		return -1;
	}
	int n = 0, cap = 0;
	*names = NULL;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 4 || strcmp(de->d_name + len - 3, ".md") ||
		    !strcmp(de->d_name, "README.md") || de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nn = realloc(*names, (size_t)cap * sizeof *nn);
			if (!nn)
				goto free_names;
			*names = nn;
		}
		size_t plen = strlen(dir) + len + 2;
		(*names)[n] = malloc(plen);
		if (!(*names)[n])
			goto free_names;
		snprintf((*names)[n++], plen, "%s/%s", dir, de->d_name);
	}
	closedir(d);
	if (n)
		qsort(*names, (size_t)n, sizeof **names, by_name);
	return n;
free_names: /* a course missing a lesson is no course */
	closedir(d);
	for (int i = 0; i < n; i++)
		free((*names)[i]);
	free(*names);
	*names = NULL;
	snprintf(err, errlen, "%s: out of memory", dir);
	return -1;
}

/* Checks ids are unique across the course and builds_on names real lessons. */
static int course_check(struct lessons *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->len; i++) {
		const struct lesson *l = &c->entries[i].lesson;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(l->id, c->entries[j].lesson.id)) {
				snprintf(err, errlen, "%s:2: duplicate lesson id '%s' (also in %s)",
				         l->file, l->id, c->entries[j].lesson.file);
				return -1;
			}
		for (size_t b = 0; b < l->nbuilds_on; b++) {
			bool found = false;
			for (size_t j = 0; j < c->len; j++)
				found |= !strcmp(l->builds_on[b], c->entries[j].lesson.id);
			if (!found) {
				snprintf(err, errlen,
				         "%s:2: builds_on names '%s', which is no lesson", l->file,
				         l->builds_on[b]);
				return -1;
			}
		}
	}
	return 0;
}

/* Builds GET /api/lessons. Returns 0, or -1 when out of memory. */
static int index_build(struct lessons *c)
{
	json_t *root = json_object();
	if (put(root, "lessons", json_array()))
		goto free_root;
	json_t *list = json_object_get(root, "lessons");
	for (size_t i = 0; i < c->len; i++) {
		const struct lesson *l = &c->entries[i].lesson;
		if (push(list, json_pack("{s:s, s:s, s:s, s:i, s:I}", "id", l->id, "title",
		                         l->title, "summary", l->summary, "order", l->order,
		                         "steps", (json_int_t)l->nsteps)))
			goto free_root;
	}
	c->index_json = dump_whole(root);
free_root:
	json_decref(root);
	return c->index_json ? 0 : -1;
}

struct lessons *lessons_load(const char *dir, char *err, size_t errlen)
{
	char **names = NULL;
	int n = list_lessons(dir, &names, err, errlen);
	struct lessons *c = n < 0 ? NULL : calloc(1, sizeof *c);
	if (c && n > 0)
		c->entries = calloc((size_t)n, sizeof *c->entries);
	int rc = c && (n == 0 || c->entries) ? 0 : -1;
	if (rc && n >= 0)
		snprintf(err, errlen, "%s: out of memory", dir);
	for (int i = 0; !rc && i < n; i++) {
		size_t len;
		char *text = read_text(names[i], &len, err, errlen);
		rc = text ? lesson_parse(names[i], text, len, &c->entries[i].lesson, err, errlen)
		          : -1;
		free(text);
		if (!rc)
			c->len++;
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!rc && c->len)
		qsort(c->entries, c->len, sizeof *c->entries, by_order);
	if (!rc)
		rc = course_check(c, err, errlen);
	for (size_t i = 0; !rc && i < c->len; i++)
		rc = entry_build(&c->entries[i], err, errlen);
	if (!rc && index_build(c) < 0) {
		snprintf(err, errlen, "%s: out of memory", dir);
		rc = -1;
	}
	if (rc) {
		lessons_free(c);
		return NULL;
	}
	return c;
}

void lessons_free(struct lessons *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->len; i++) {
		struct entry *e = &c->entries[i];
		for (size_t s = 0; e->setups && s < e->lesson.nsteps; s++)
			free(e->setups[s]);
		free(e->setups);
		free(e->detail_json);
		lesson_free(&e->lesson);
	}
	free(c->entries);
	free(c->index_json);
	free(c);
}

size_t lessons_count(const struct lessons *c)
{
	return c->len;
}

const struct lesson *lessons_at(const struct lessons *c, size_t i)
{
	return i < c->len ? &c->entries[i].lesson : NULL;
}

/* The course entry of a lesson id (borrowed), or NULL. */
static const struct entry *entry_find(const struct lessons *c, const char *id)
{
	for (size_t i = 0; i < c->len; i++)
		if (!strcmp(c->entries[i].lesson.id, id))
			return &c->entries[i];
	return NULL;
}

const struct lesson *lessons_find(const struct lessons *c, const char *id)
{
	const struct entry *e = entry_find(c, id);
	return e ? &e->lesson : NULL;
}

int lessons_step_index(const struct lesson *l, const char *step_id)
{
	for (size_t i = 0; i < l->nsteps; i++)
		if (!strcmp(l->steps[i].id, step_id))
			return (int)i;
	return -1;
}

const char *lessons_index_json(const struct lessons *c)
{
	return c->index_json;
}

const char *lessons_detail_json(const struct lessons *c, const char *id)
{
	const struct entry *e = entry_find(c, id);
	return e ? e->detail_json : NULL;
}

const char *lessons_setup(const struct lessons *c, const struct lesson *lesson, size_t step_index)
{
	const struct entry *e = entry_find(c, lesson->id);
	return e && step_index < lesson->nsteps ? e->setups[step_index] : "";
}
