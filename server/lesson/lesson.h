/* lesson.h: a lesson as parsed from its Markdown file. Pure data
 * (lesson_model.c) and the parser (lesson_parse.c, the rules, over
 * lesson_lex.c, the Markdown); rendering and JSON live in lessons.c.
 *
 * File format (see lessons/README.md): front matter between "---" lines,
 * then Markdown prose with fenced code blocks whose info string names a
 * step kind ("python example id=make-user") or a part of the step before it
 * ("python check", "text hint", "python solution", "python variant",
 * "text output", "text explain"). A ```text python=3.13 block in the prose
 * is Markdown for some Pythons only (struct python_prose). */
#ifndef LESSOND_LESSON_H
#define LESSOND_LESSON_H

#include <stdbool.h>
#include <stddef.h>

enum step_kind { STEP_EXAMPLE, STEP_PREDICT, STEP_GOAL, STEP_EXPERIMENT };

/* A block attached to a step: a check, a hint, a variant. */
struct part {
	char *text;  /* owned */
	char *label; /* owned: a check's message, a variant's name; may be NULL */
	int line;    /* where the block starts (1-based) */
};

struct part_list {
	struct part *items;
	size_t len, cap;
};

/* A ```text python=SPEC block in some prose: Markdown the page shows only
 * when the learner's Python matches SPEC ("3.13", or "3.12+": that one and
 * later). Consecutive blocks, blank lines apart, are one group of
 * alternatives; no two blocks of a group match the same Python. The block
 * stays in its prose text, fences and all, so that text reads as the author
 * wrote it; start and end say where. */
struct python_prose {
	char *spec;        /* owned: "3.13" or "3.12+" */
	char *markdown;    /* owned: the block's body */
	size_t start, end; /* the block, fences included, in its prose text: [start, end) */
	int group;         /* 1, 2, ... in order within its prose; a group's blocks share it */
	int line;          /* the opening fence */
};

struct python_prose_list {
	struct python_prose *items; /* in the order of the text */
	size_t len, cap;
};

struct step {
	enum step_kind kind;
	char *id;    /* owned; unique within the lesson; letters, digits, '-', '_';
	              * "<kind>-<n>" when not given (n: 1-based place in the lesson) */
	char *code;  /* owned: the code, starter code (goal) or workload (experiment) */
	char *prose; /* owned: Markdown between the previous step and this one, parts
	              * removed, no leading or trailing blank lines; "" for the first */
	struct python_prose_list prose_versions; /* the version blocks in prose */
	int line;                                /* line of the opening fence */
	char *raises; /* owned or NULL: exception an example or predict is declared to raise */
	char *answer; /* owned or NULL: the author's answer to a predict step */
	struct part_list answers; /* predict: answer@X.Y= answers for one Python each
	                           * (label "3.13"); `answer` serves the others */
	char *output;             /* owned or NULL: declared stdout of an example */
	struct part_list outputs; /* example: `output python=X.Y` blocks, what one Python
	                           * prints (label "3.13"); `output` serves the others */
	char *explain;            /* owned or NULL: explanation shown after a prediction */
	char *solution;           /* owned or NULL: a goal's solution */
	bool chain;              /* earlier definitions: does this step's code join later setups? */
	struct part_list checks; /* goal: hidden checks, label = message */
	struct part_list hints;  /* goal: graded hints */
	struct part_list variants; /* experiment: label = variant name */
	long *sizes;               /* experiment: the sizes N */
	size_t nsizes;
};

struct lesson {
	char *file; /* owned: path as given to the parser */
	char *id, *title, *summary;
	int order;
	char **builds_on; /* owned array of owned ids */
	size_t nbuilds_on;
	char *intro; /* owned: Markdown before the first step (all of it when no steps) */
	char *outro; /* owned: Markdown after the last step ("" when no steps) */
	struct python_prose_list intro_versions, outro_versions; /* their version blocks */
	struct step *steps;
	size_t nsteps;
};

/* Parses one lesson file's text (len bytes). Returns 0 with *out filled
 * (caller frees with lesson_free), or -1 with err holding
 * "file:line: what is wrong". Nothing is left allocated on error. */
int lesson_parse(const char *file, const char *text, size_t len, struct lesson *out, char *err,
                 size_t errlen);

void lesson_free(struct lesson *lesson);

/* The author's answer to predict step st on Python `version` ("3.13"):
 * its answer@version=, else its answer=, else NULL (borrowed). */
const char *step_answer_for(const struct step *st, const char *version);

/* The declared stdout of example st on Python `version`: its `output
 * python=version` block, else its plain output block, else NULL (borrowed). */
const char *step_output_for(const struct step *st, const char *version);

/* Name of a step kind ("example", ...); "unknown" when out of range. */
const char *step_kind_name(enum step_kind kind);

/* Building a lesson (the parser's side of the data model, lesson_model.c). */

/* Appends a zeroed step to l->steps (whose room for *cap steps grows, and
 * *cap with it). Returns the new step, borrowed from the lesson (lesson_free
 * frees what it holds), or NULL when out of memory. */
struct step *lesson_step_add(struct lesson *l, size_t *cap);

/* Appends a copy of the len bytes of id to l->builds_on. Returns 0, or -1
 * when out of memory. */
int lesson_builds_on_add(struct lesson *l, const char *id, size_t len);

/* Appends a version block to l. Returns 0 having stolen spec and markdown,
 * or -1 when out of memory: they stay the caller's. */
int lesson_python_prose_add(struct python_prose_list *l, char *spec, char *markdown, size_t start,
                            size_t end, int group, int line);

/* Frees a list of version blocks and what they hold; leaves it empty. */
void lesson_python_prose_free(struct python_prose_list *l);

/* Appends a part to l. Returns 0 having stolen text and label (label may be
 * NULL), or -1 when out of memory: they stay the caller's. */
int lesson_part_add(struct part_list *l, char *text, char *label, int line);

/* The setup for running step `index`: the code of every earlier step of the
 * lesson that chains (examples without a declared exception, unless marked
 * chain=no; goals contribute their solution unless chain=no; predicts and
 * experiments nothing), joined by one blank line; "" when none. Returns a
 * new string (caller frees), or NULL when out of memory. */
char *lesson_setup_for(const struct lesson *lesson, size_t index);

/* The series position (variant * nsizes + size index) of the k-th point of
 * an experiment to submit: the largest N first, each variant in turn.
 * Points queue two at a time per learner (--client-runs), so the longest
 * runs starting first keep both cores busy to the end: the experiment then
 * takes about its total CPU time halved, not that plus its largest point. */
size_t step_point_order(const struct step *st, size_t k);

#endif
