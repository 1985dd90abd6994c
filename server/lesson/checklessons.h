/* checklessons.h: `lessond --check-lessons`: every step of every lesson
 * through the real sandbox; the interpreter is the truth. */
#ifndef LESSOND_CHECKLESSONS_H
#define LESSOND_CHECKLESSONS_H

#include "common/config.h"
#include "lesson/lessons.h"
#include "pool/pool.h"

/* Checks every step of the course on each of the n Pythons in turn (a
 * predict step's answer for that version: step_answer_for). Prints
 * "file:line: ... on Python X.Y: ..." for the first disagreement and
 * returns 1, or prints a summary per Python and returns 0. */
int checklessons_run(const struct python_pool *pythons, size_t n, const struct lessons *course,
                     const struct config *cfg);

#endif
