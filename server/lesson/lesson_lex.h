/* lesson_lex.h: the Markdown side of the lesson parser, shared by its
 * three files only (lesson_lex.c, lesson_parse.c, lesson_model.c): the
 * cursor over the file's lines, fences and their info strings, and the
 * prose between steps. Knows the words an info string may use, not what
 * a step needs (lesson_parse.c) or how a lesson is held (lesson_model.c). */
#ifndef LESSOND_LESSON_LEX_H
#define LESSOND_LESSON_LEX_H

#include "common/buf.h"
#include "lesson/lesson.h"

#include <stdbool.h>
#include <stddef.h>

#define LEX_MAX_ATTRS 8

/* One parse of one file: the cursor, where errors go, and what is built. */
struct parser {
	const char *file;
	const char *p, *end; /* unread text */
	int line;            /* number of the next line to read */
	char *err;
	size_t errlen;
	struct lesson *lesson;
	struct buf prose;                  /* Markdown since the last step */
	struct python_prose_list versions; /* version blocks in that prose */
	int version_group;                 /* the last group number given in it */
	bool version_open;                 /* the prose ends in a version block (blank lines after):
	                                    * the next one joins its group */
	size_t steps_cap;
	bool order_seen, builds_on_seen;
};

struct attr {
	char key[32];
	char *value; /* owned; NULL once taken */
};

/* A fence's info string: "python example id=x name=\"a b\"". */
struct info {
	char lang[32]; /* truncated; only its presence matters */
	char word[32]; /* step kind or part name; "" for plain code */
	struct attr attrs[LEX_MAX_ATTRS];
	int nattrs;
};

/* Formats "file:line: message" into the parser's error buffer; returns -1. */
int lex_fail(struct parser *ps, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads the next line (without its newline). Returns false at the end. */
bool lex_next_line(struct parser *ps, const char **line, size_t *len);

/* Returns a new NUL-terminated copy of len bytes of s (caller frees), or
 * NULL when out of memory. */
char *lex_dup(const char *s, size_t len);

/* Trims white space in place on both ends of [*s, *s+*len). */
void lex_trim(const char **s, size_t *len);

/* If the line opens or closes a fence, returns its length (>= 3) and sets
 * *ch, *indent (0-3 spaces) and *info (trimmed); otherwise 0. As in
 * CommonMark, a backtick fence's info string cannot hold a backtick. */
size_t lex_fence(const char *line, size_t len, char *ch, size_t *indent, const char **info,
                 size_t *info_len);

/* True for a step kind: example, predict, goal, experiment. */
bool lex_is_kind_word(const char *w);

/* True for a part that attaches to the step before it. */
bool lex_is_part_word(const char *w);

/* Frees the attribute values an info string still owns. */
void lex_info_free(struct info *in);

/* Parses "python example id=x name=\"a b\"" into *in. Returns 0, or -1
 * with the error set and nothing left allocated. */
int lex_info_parse(struct parser *ps, int line, const char *s, size_t len, struct info *in);

/* Returns attribute `key`'s value and removes it from *in: a string the
 * caller now owns and frees (NULL when absent). */
char *lex_info_take(struct info *in, const char *key);

/* Fails (lex_fail, -1) on any attribute nobody took with lex_info_take;
 * returns 0 when none is left. */
int lex_info_all_used(struct parser *ps, int line, struct info *in);

/* Reads a fenced block's body up to its closing fence, removing up to
 * `indent` leading spaces from each line as CommonMark does. Returns the
 * body as a new string (caller frees), or NULL with the error set. A line that opens another
 * step or part with the same fence means this block was never closed. */
char *lex_fence_body(struct parser *ps, int open_line, char ch, size_t n, size_t indent);

/* Takes the prose since the last step: its Markdown without leading and
 * trailing blank lines into *text (a new string: "" when there is no text,
 * else text ending in one newline) and its version blocks into *versions
 * (offsets moved with the text); the parser's prose is left empty. Returns
 * 0, or -1 when out of memory (reported at line `at`), taking nothing. */
int lex_prose_take(struct parser *ps, int at, char **text, struct python_prose_list *versions);

/* Appends one line and its newline to the prose; a line that is not blank
 * ends a group of version blocks. Returns 0, or -1 (out of memory,
 * reported at line `at`). */
int lex_prose_line(struct parser *ps, int at, const char *line, size_t len);

/* Copies a code block, fences and all, into the prose; it ends a group of
 * version blocks (lesson_parse.c reopens one for a version block). The body
 * was already checked by lex_fence_body; this re-reads it from body_start
 * (body_line is its line number). Returns 0 or -1. */
int lex_plain_block(struct parser *ps, int at, const char *open, size_t open_len, char ch, size_t n,
                    const char *body_start, int body_line);

#endif
