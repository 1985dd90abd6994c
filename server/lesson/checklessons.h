/* checklessons.h: `lessond --check-lessons`: every step of every lesson
 * through the real sandbox; the interpreter is the truth. */
#ifndef LESSOND_CHECKLESSONS_H
#define LESSOND_CHECKLESSONS_H

#include "common/config.h"
#include "lesson/lessons.h"
#include "pool/pool.h"

/* Checks every step of the course. Prints "file:line: ..." for the first
 * disagreement and returns 1, or prints a summary and returns 0. */
int checklessons_run(struct pool *pool, const struct lessons *course, const struct config *cfg);

#endif
