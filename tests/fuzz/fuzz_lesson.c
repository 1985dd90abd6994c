/* fuzz_lesson.c: libFuzzer harness for lesson_parse (server/lesson/: the
 * rules in lesson_parse.c over lesson_lex.c's Markdown and lesson_model.c's
 * data, with pyexpr.c for predict steps), the parser of one lesson file.
 * Built and run by `make fuzz`.
 *
 * Each input is one lesson file. Besides ASan, UBSan and LeakSanitizer,
 * abort() when a property of lesson.h breaks:
 *   - failure: -1, err is "fuzz.md:<line>: ..." and the lesson is zeroed;
 *   - success: front matter complete (ids valid, order 0..100000); every step
 *     has a valid, unique id, non-blank code, the parts its kind allows and
 *     needs (goals: checks and a solution; experiments: two named variants
 *     and sizes 1..100000000), lines that grow; prose, intro and outro have no
 *     leading or trailing blank lines; their version blocks (```text
 *     python=SPEC) have a valid spec and a non-blank body, sit in order
 *     inside their prose text where a ``` fence opens, number their groups
 *     1, 2, ... in order, and no two blocks of a group match one Python;
 *   - lesson_setup_for(i) is a prefix of lesson_setup_for(i + 1);
 *   - lesson_free leaves the lesson zeroed. */
#include "lesson/lesson.h"

#include "lesson/pyexpr.h"
#include "lesson/pyversion.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_NAME "fuzz.md"
#define MAX_SIZE  100000000L /* lesson_parse.c's largest experiment size */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with the failed property and where it is checked (libFuzzer then
 * saves the input as a crash artifact). */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_lesson: property failed: %s (%s:%d)\n", #cond,       \
			        __FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* True for a non-empty id of letters, digits, '-' and '_'. */
static bool valid_id(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

/* True when the text is only white space. */
static bool blank(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

/* Prose as lesson.h promises it: "" or text ending in exactly one newline,
 * with no blank first line and no white space before that newline. */
static void check_prose(const char *s)
{
	CHECK(s != NULL);
	size_t len = strlen(s);
	if (len == 0)
		return;
	CHECK(s[len - 1] == '\n');
	CHECK(len >= 2 && !isspace((unsigned char)s[len - 2]));
	size_t i = 0;
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	CHECK(s[i] != '\n');
}

/* Checks the version blocks of a prose text as lesson.h promises them. */
static void check_versions(const char *text, const struct python_prose_list *v)
{
	CHECK(v->len <= v->cap);
	CHECK(v->len == 0 || v->items != NULL);
	size_t len = strlen(text), at = 0;
	for (size_t i = 0; i < v->len; i++) {
		const struct python_prose *b = &v->items[i];
		CHECK(pyversion_spec_valid(b->spec));
		CHECK(b->markdown && !blank(b->markdown));
		CHECK(b->start >= at && b->start < b->end && b->end <= len);
		CHECK(strncmp(text + b->start + strspn(text + b->start, " "), "```", 3) == 0 ||
		      strncmp(text + b->start + strspn(text + b->start, " "), "~~~", 3) == 0);
		int prev = i ? v->items[i - 1].group : 0;
		CHECK(i == 0 ? b->group == 1 : b->group == prev || b->group == prev + 1);
		CHECK(b->line > 0);
		for (size_t j = 0; j < i; j++)
			CHECK(v->items[j].group != b->group ||
			      !pyversion_specs_overlap(v->items[j].spec, b->spec));
		at = b->end;
	}
}

/* Checks a list of parts; `labelled` says whether each needs a non-empty label. */
static void check_parts(const struct part_list *l, int step_line, bool labelled)
{
	CHECK(l->len <= l->cap);
	CHECK(l->len == 0 || l->items != NULL);
	for (size_t i = 0; i < l->len; i++) {
		CHECK(l->items[i].text != NULL);
		CHECK(l->items[i].line > step_line);
		CHECK(!labelled || (l->items[i].label && *l->items[i].label));
		pyexpr_ends_with_expression(l->items[i].text);
	}
}

/* Checks one step against lesson.h and the kind's rules. */
static void check_step(const struct lesson *l, size_t index, int prev_line)
{
	const struct step *st = &l->steps[index];
	CHECK(st->kind >= STEP_EXAMPLE && st->kind <= STEP_EXPERIMENT);
	CHECK(strcmp(step_kind_name(st->kind), "unknown") != 0);
	CHECK(valid_id(st->id));
	for (size_t j = 0; j < index; j++)
		CHECK(strcmp(l->steps[j].id, st->id) != 0);
	CHECK(st->code && !blank(st->code));
	check_prose(st->prose);
	check_versions(st->prose, &st->prose_versions);
	CHECK(index > 0 || st->prose[0] == '\0');
	CHECK(st->line > prev_line);
	CHECK(!st->raises || st->kind == STEP_EXAMPLE || st->kind == STEP_PREDICT);
	CHECK(!st->answer || st->kind == STEP_PREDICT);
	CHECK(!st->output || st->kind == STEP_EXAMPLE);
	CHECK(!st->explain || st->kind == STEP_PREDICT);
	CHECK(!st->solution || st->kind == STEP_GOAL);
	CHECK(st->kind == STEP_GOAL ? st->checks.len >= 1 && st->solution : st->checks.len == 0);
	CHECK(st->kind == STEP_GOAL || st->hints.len == 0);
	CHECK(st->kind == STEP_EXPERIMENT ? st->variants.len >= 2 : st->variants.len == 0);
	CHECK(st->kind == STEP_EXPERIMENT ? st->nsizes >= 1 : st->nsizes == 0);
	for (size_t k = 0; k < st->nsizes; k++)
		CHECK(st->sizes[k] >= 1 && st->sizes[k] <= MAX_SIZE);
	if (st->kind == STEP_PREDICT && !st->raises)
		CHECK(pyexpr_ends_with_expression(st->code));
	else
		pyexpr_ends_with_expression(st->code);
	check_parts(&st->checks, st->line, false);
	check_parts(&st->hints, st->line, false);
	check_parts(&st->variants, st->line, true);
}

/* Checks what lesson_setup_for returns: each setup extends the one before. */
static void check_setups(const struct lesson *l)
{
	char *prev = lesson_setup_for(l, 0); /* caller frees */
	CHECK(prev && prev[0] == '\0');
	for (size_t i = 1; i <= l->nsteps; i++) {
		char *cur = lesson_setup_for(l, i); /* caller frees */
		CHECK(cur != NULL);
		size_t plen = strlen(prev);
		CHECK(strncmp(cur, prev, plen) == 0);
		CHECK(cur[0] == '\0' || cur[strlen(cur) - 1] == '\n');
		free(prev);
		prev = cur;
	}
	free(prev);
}

/* Checks a successfully parsed lesson. */
static void check_lesson(const struct lesson *l)
{
	CHECK(l->file && strcmp(l->file, FILE_NAME) == 0);
	CHECK(valid_id(l->id));
	CHECK(l->title && *l->title);
	CHECK(l->summary && *l->summary);
	CHECK(l->order >= 0 && l->order <= 100000);
	CHECK(l->nbuilds_on == 0 || l->builds_on != NULL);
	for (size_t i = 0; i < l->nbuilds_on; i++)
		CHECK(valid_id(l->builds_on[i]));
	check_prose(l->intro);
	check_prose(l->outro);
	check_versions(l->intro, &l->intro_versions);
	check_versions(l->outro, &l->outro_versions);
	CHECK(l->nsteps > 0 || l->outro[0] == '\0');
	CHECK(l->nsteps == 0 || l->steps != NULL);
	int prev_line = 0;
	for (size_t i = 0; i < l->nsteps; i++) {
		check_step(l, i, prev_line);
		prev_line = l->steps[i].line;
	}
	check_setups(l);
}

/* True when every byte of the object is zero. */
static bool zeroed(const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* libFuzzer's data is an exact-size heap copy: ASan sees any read past it. */
	const char *text = (const char *)data;
	char err[512];
	struct lesson l;
	memset(err, 'x', sizeof err);
	memset(&l, 0xa5, sizeof l);
	int rc = lesson_parse(FILE_NAME, text, size, &l, err, sizeof err);
	if (rc != 0) {
		CHECK(rc == -1);
		CHECK(memchr(err, '\0', sizeof err) != NULL);
		CHECK(strncmp(err, FILE_NAME ":", strlen(FILE_NAME ":")) == 0);
		CHECK(isdigit((unsigned char)err[strlen(FILE_NAME ":")]));
		CHECK(zeroed(&l, sizeof l));
		return 0;
	}
	check_lesson(&l);
	lesson_free(&l);
	CHECK(zeroed(&l, sizeof l));
	return 0;
}
