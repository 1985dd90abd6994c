/* memcount.h: the runner's memory instrument and the learner's memory limit
 * (memcount.c), as the zygote and its children drive them. */
#ifndef LESSOND_MEMCOUNT_H
#define LESSOND_MEMCOUNT_H

#include <stdint.h>

/* Adds the built-in module _lessond_memory to the interpreter's table of
 * built-in modules. Call before Py_Initialize. Returns 0, or -1 (no memory). */
int memcount_register(void);

/* Wraps the three allocator domains with the counting hooks, which stay
 * idle (one branch per call) until tracking starts. Call once, after
 * Py_Initialize, in the zygote; children inherit the hooks. */
void memcount_install(void);

/* In a child, before its job: tracks every block from now on and refuses
 * any allocation that would take the tracked bytes past `limit` (0: none). */
void memcount_track(uint64_t limit);

/* Stops tracking and gives the tables back (the zygote, after its warm-up,
 * so no child inherits a record of the zygote's own run). */
void memcount_reset(void);

#endif
