/* demote.h: dropping runs that use CPU to a lower priority, so fresh short
 * runs go first. Runs drop in two steps: past demote_ms of CPU to nice 10 (a
 * tenth of a fresh run's share, yet well ahead of any hog: a heavy lesson
 * step stays quick), past idle_ms to SCHED_IDLE (only cycles nobody else
 * wants: a CPU loop costs the class nothing). A child cannot undo either:
 * RLIMIT_NICE is 0 and it has no CAP_SYS_NICE outside its user namespace.
 * The pool owns the timing (it reads every CPU_CHECK_MS); this module only
 * reads /proc and applies the policy. */
#ifndef LESSOND_DEMOTE_H
#define LESSOND_DEMOTE_H

#include <sys/types.h>

#define DEMOTED_NICE 10 /* the nice value of a run past demote_ms */

/* How far a run has dropped. */
enum demotion { DEMOTE_NONE, DEMOTE_NICE, DEMOTE_IDLE };

/* The level a run that has used used_ms of CPU belongs at. A threshold of 0
 * (or less) is switched off. Pure. */
enum demotion demote_level(double used_ms, int demote_ms, int idle_ms);

/* The pid of a pidfd's process as this process sees it (the children live
 * in the zygote's PID namespace), from the pidfd's fdinfo; 0 when unknown. */
pid_t demote_host_pid(int pidfd);

/* CPU time every thread of `pid` has used, in ms, from their schedstat;
 * -1 when the process is gone. */
double demote_cpu_ms(pid_t pid);

/* Moves every thread of `pid` to `level` (nice DEMOTED_NICE, or
 * SCHED_IDLE); DEMOTE_NONE does nothing. Failures (the process just ended)
 * are ignored. */
void demote_apply(pid_t pid, enum demotion level);

#endif
