/* prefault.h: the pages one run touches, learned once per zygote and
 * faulted in by every waiting child in a few system calls, instead of by
 * running a warm-up snippet in each child. */
#ifndef LESSOND_PREFAULT_H
#define LESSOND_PREFAULT_H

/* In the zygote, once CPython is warm and frozen and before any child is
 * forked: shapes malloc's heap (trimmed, holes filled) so children allocate
 * from fresh pages, then forks one probe child that runs the runner's
 * exercise and reports which pages it wrote (copy-on-write breaks, first
 * use) and which file pages it read in. Keeps that plan for every later
 * child. Returns 0, or -1 (logged) when no plan could be made; children
 * then run the exercise themselves. Blocks at most 20 s. */
int prefault_learn(void);

/* In a child: faults in the planned pages (writable ones copied, file pages
 * mapped) so the run does not pay for them. Returns 0, or -1 when there is
 * no plan or the kernel lacks MADV_POPULATE_* (Linux < 5.14). */
int prefault_apply(void);

#endif
