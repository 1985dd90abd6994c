/* lesson_model.c: the lesson as data (lesson.h): growing its lists while
 * the parser builds it, freeing it, and the setup a step runs after. */
#include "lesson/lesson.h"

#include "common/buf.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"example", "predict", "goal", "experiment"};

struct step *lesson_step_add(struct lesson *l, size_t *cap)
{
	if (l->nsteps == *cap) {
		size_t n = *cap ? *cap * 2 : 8;
		struct step *ns = realloc(l->steps, n * sizeof *ns);
		if (!ns)
			return NULL;
		l->steps = ns;
		*cap = n;
	}
	struct step *st = &l->steps[l->nsteps++];
	memset(st, 0, sizeof *st);
	return st;
}

int lesson_builds_on_add(struct lesson *l, const char *id, size_t len)
{
	char **nb = realloc(l->builds_on, (l->nbuilds_on + 1) * sizeof *nb);
	if (!nb)
		return -1;
	l->builds_on = nb;
	if (!(l->builds_on[l->nbuilds_on] = strndup(id, len)))
		return -1;
	l->nbuilds_on++;
	return 0;
}

/* Makes room for one more item of `size` bytes in the array *items that
 * holds len of cap items (doubling, 4 at first). Returns 0, or -1 when out
 * of memory, the array as it was. */
static int room_for_one(void **items, size_t len, size_t *cap, size_t size)
{
	if (len < *cap)
		return 0;
	size_t n = *cap ? *cap * 2 : 4;
	void *grown = realloc(*items, n * size);
	if (!grown)
		return -1;
	*items = grown;
	*cap = n;
	return 0;
}

int lesson_part_add(struct part_list *l, char *text, char *label, int line)
{
	void *items = l->items;
	if (room_for_one(&items, l->len, &l->cap, sizeof *l->items))
		return -1;
	l->items = items;
	l->items[l->len++] = (struct part){text, label, line};
	return 0;
}

int lesson_python_prose_add(struct python_prose_list *l, char *spec, char *markdown, size_t start,
                            size_t end, int group, int line)
{
	void *items = l->items;
	if (room_for_one(&items, l->len, &l->cap, sizeof *l->items))
		return -1;
	l->items = items;
	l->items[l->len++] = (struct python_prose){spec, markdown, start, end, group, line};
	return 0;
}

void lesson_python_prose_free(struct python_prose_list *l)
{
	for (size_t i = 0; i < l->len; i++) {
		free(l->items[i].spec);
		free(l->items[i].markdown);
	}
	free(l->items);
	memset(l, 0, sizeof *l);
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
		lesson_python_prose_free(&st->prose_versions);
		free(st->raises);
		free(st->answer);
		free(st->output);
		free(st->explain);
		free(st->solution);
		parts_free(&st->answers);
		parts_free(&st->outputs);
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
	lesson_python_prose_free(&l->intro_versions);
	lesson_python_prose_free(&l->outro_versions);
	memset(l, 0, sizeof *l);
}

const char *step_kind_name(enum step_kind kind)
{
	return (unsigned)kind < 4 ? kind_names[kind] : "unknown";
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

size_t step_point_order(const struct step *st, size_t k)
{
	size_t nvariants = st->variants.len, rank = k / nvariants, variant = k % nvariants;
	for (size_t s = 0; s < st->nsizes; s++) {
		size_t before = 0; /* sizes submitted before size s: larger, or equal and earlier */
		for (size_t t = 0; t < st->nsizes; t++)
			before +=
			    st->sizes[t] > st->sizes[s] || (st->sizes[t] == st->sizes[s] && t < s);
		if (before == rank)
			return variant * st->nsizes + s;
	}
	return k; /* not reached: ranks are 0 .. nsizes - 1 */
}

/* The text of the part in l labelled `version`, or `fallback`. */
static const char *for_version(const struct part_list *l, const char *version, const char *fallback)
{
	for (size_t i = 0; version && i < l->len; i++)
		if (strcmp(l->items[i].label, version) == 0)
			return l->items[i].text;
	return fallback;
}

const char *step_answer_for(const struct step *st, const char *version)
{
	return for_version(&st->answers, version, st->answer);
}

const char *step_output_for(const struct step *st, const char *version)
{
	return for_version(&st->outputs, version, st->output);
}
