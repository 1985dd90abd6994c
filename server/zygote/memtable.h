/* memtable.h: the bookkeeping of the runner's memory instrument (memcount.c).
 *
 * For every live block allocated while tracking is on, the table holds the
 * size the interpreter asked for, keyed by the block's address, and keeps
 * two running totals with tracemalloc's rules (docs/ARCHITECTURE.md §4):
 *  - tracked: every block since memtable_track(); the learner's memory
 *    limit applies to it.
 *  - measured: the blocks since memtable_measure_start(), with its peak:
 *    the figures a run reports, equal to tracemalloc's current and peak
 *    traced memory for the same code.
 * Pure C: no Python, no malloc (the tables are mmap'd), so the allocator
 * hooks can call it without re-entering an allocator. Not thread-safe:
 * the caller serialises (memcount.c holds one lock). */
#ifndef LESSOND_MEMTABLE_H
#define LESSOND_MEMTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a limited request would have needed, when the limit refused one. */
struct memtable_refusal {
	uint64_t in_use;    /* tracked bytes when the request came */
	uint64_t requested; /* the bytes it asked for on top */
};

/* Starts tracking with a limit on tracked bytes (0: none). Totals start at
 * zero; blocks already in the table are forgotten first. */
void memtable_track(uint64_t limit);

/* True while tracking is on. */
bool memtable_tracking(void);

/* May `more` bytes be added to the tracked total? When not, the first
 * refusal is remembered (memtable_refused) and the limit grows once by a
 * reserve, so the runner can still report after a MemoryError. */
bool memtable_room(uint64_t more);

/* Raises the limit once by the reserve (if a refusal has not already),
 * so the runner can report on a snippet that left little room. */
void memtable_grant_reserve(void);

/* Records a new block of `size` bytes at `ptr` (replacing any record
 * there). Returns 0, or -1 when the side table could not grow (the block
 * is then not counted). */
int memtable_add(uintptr_t ptr, size_t size);

/* The recorded size of the block at ptr, or -1 when it has none. */
int64_t memtable_size(uintptr_t ptr);

/* Forgets the block at ptr, taking it off the totals it was counted in.
 * A block with no record is ignored. */
void memtable_remove(uintptr_t ptr);

/* Starts a measurement: measured and peak from zero, counting only blocks
 * recorded from now on (tracemalloc.start()). Tracking starts, without a
 * limit, if it was off. A measurement already running goes on untouched. */
void memtable_measure_start(void);

/* Ends the measurement; its totals read as zero afterwards (tracemalloc.stop()). */
void memtable_measure_stop(void);

/* True while a measurement runs. */
bool memtable_measuring(void);

/* The measurement's current and peak bytes. */
void memtable_measured(uint64_t *current, uint64_t *peak);

/* The tracked total and its peak since memtable_track(). */
void memtable_tracked(uint64_t *current, uint64_t *peak);

/* The first refusal since memtable_track(); false when there was none. */
bool memtable_refused(struct memtable_refusal *out);

/* Stops tracking and measuring and gives every table back to the system. */
void memtable_reset(void);

#endif
