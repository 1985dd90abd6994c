/* lessons.h: the course in memory. Every lesson file under a directory is
 * parsed, its Markdown rendered to HTML with md4c and its JSON answers built
 * once at start-up; requests only read this immutable structure. */
#ifndef LESSOND_LESSONS_H
#define LESSOND_LESSONS_H

#include "lesson/lesson.h"

#include <stddef.h>

struct lessons;

/* Loads every *.md file of `dir` except README.md. Returns the course, or
 * NULL with err holding "file:line: what is wrong" for the first broken
 * lesson (duplicate ids and unknown builds_on included): the server must
 * not start half-loaded. An empty directory is a valid, empty course. */
struct lessons *lessons_load(const char *dir, char *err, size_t errlen);

void lessons_free(struct lessons *course);

size_t lessons_count(const struct lessons *course);

/* The i-th lesson in course order (borrowed). */
const struct lesson *lessons_at(const struct lessons *course, size_t i);

/* Finds a lesson by id (borrowed), or NULL. */
const struct lesson *lessons_find(const struct lessons *course, const char *id);

/* Finds a step of a lesson by id; returns its index or -1. */
int lessons_step_index(const struct lesson *lesson, const char *step_id);

/* GET /api/lessons and GET /api/lessons/{id} bodies, built at load
 * (borrowed, NUL-terminated). lessons_detail_json returns NULL for an
 * unknown id. */
const char *lessons_index_json(const struct lessons *course);
const char *lessons_detail_json(const struct lessons *course, const char *id);

/* The setup (earlier steps' definitions) for a step, built at load
 * (borrowed). */
const char *lessons_setup(const struct lessons *course, const struct lesson *lesson,
                          size_t step_index);

#endif
