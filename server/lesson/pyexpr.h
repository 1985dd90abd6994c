/* pyexpr.h: a small, honest heuristic about Python source, without Python
 * (the server process never initialises it). */
#ifndef LESSOND_PYEXPR_H
#define LESSOND_PYEXPR_H

#include <stdbool.h>

/* True when the last top-level statement of `code` looks like an expression
 * (a value to predict), not an assignment, a block or another statement.
 * Strings, comments, brackets, continuations and `;` are understood; the
 * real interpreter confirms the answer in `make check-lessons`. */
bool pyexpr_ends_with_expression(const char *code);

#endif
