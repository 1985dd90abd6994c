/* memtable.c: block sizes by address, and the totals tracemalloc would keep
 * (see memtable.h).
 *
 * Blocks from CPython's allocators start on a 16-byte grid (pymalloc's
 * ALIGNMENT and glibc malloc's), so one 16-bit entry per 16-byte granule of
 * address space can hold a block's size: a direct-mapped shadow, reached
 * through a two-level radix tree (top: 13 address bits, mid: 14, leaf: one
 * MiB of address space in 65,536 entries). A lookup is three loads and no
 * hashing; consecutive blocks share cache lines. Sizes too big for an
 * entry, and blocks off the grid (other allocators), go to a small open
 * addressing hash table on the side.
 *
 * Entry: bit 15 = counted in the current measurement; bits 0-14 = 0 for no
 * block, size + 1 for sizes up to INLINE_MAX, CODE_SIDE for "see the side
 * table". All tables are anonymous mappings, created on first use. */
#include "zygote/memtable.h"

#include <string.h>
#include <sys/mman.h>

#define GRAIN_SHIFT   4
#define LEAF_SHIFT    20 /* a leaf maps one MiB of address space */
#define LEAF_LEN      (1u << (LEAF_SHIFT - GRAIN_SHIFT))
#define MID_BITS      14
#define TOP_BITS      13
#define ADDR_BITS     (LEAF_SHIFT + MID_BITS + TOP_BITS) /* 47: x86-64 user space */
#define MEASURED      0x8000u
#define CODE_MASK     0x7fffu
#define CODE_SIDE     0x7fffu
#define INLINE_MAX    (CODE_SIDE - 2u) /* size + 1 must stay below CODE_SIDE */
#define SIDE_MEASURED (UINT64_C(1) << 63)
#define SIDE_MIN      1024u
#define RESERVE       (UINT64_C(16) << 20) /* headroom granted once after a refusal */

struct side_entry {
	uintptr_t key; /* block address; 0 = empty */
	uint64_t val;  /* size, SIDE_MEASURED when in the measurement */
};

static uint16_t **top[1u << TOP_BITS];
static struct side_entry *side;
static size_t side_cap, side_len;

static bool tracking, measuring, measured_before, dirty, refused, reserved;
static uint64_t limit, tracked, tracked_peak, measured, measured_peak;
static struct memtable_refusal refusal;

/* A zeroed anonymous mapping of n bytes, or NULL. */
static void *map_zeroed(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
	               -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* True when ptr can have a shadow entry. */
static bool on_grid(uintptr_t ptr)
{
	return (ptr & ((1u << GRAIN_SHIFT) - 1)) == 0 && (ptr >> ADDR_BITS) == 0;
}

/* The shadow entry of an on-grid ptr, or NULL when its leaf does not exist
 * (and create is false, or mapping it failed). */
static uint16_t *shadow(uintptr_t ptr, bool create)
{
	uint16_t ***mid_slot = &top[ptr >> (LEAF_SHIFT + MID_BITS)];
	if (!*mid_slot) {
		if (!create || !(*mid_slot = map_zeroed(sizeof(uint16_t *) << MID_BITS)))
			return NULL;
	}
	uint16_t **leaf_slot = &(*mid_slot)[(ptr >> LEAF_SHIFT) & ((1u << MID_BITS) - 1)];
	if (!*leaf_slot) {
		if (!create || !(*leaf_slot = map_zeroed(sizeof(uint16_t) * LEAF_LEN)))
			return NULL;
	}
	return &(*leaf_slot)[(ptr >> GRAIN_SHIFT) & (LEAF_LEN - 1)];
}

/* The side table's home slot for key. */
static size_t side_home(uintptr_t key)
{
	return (size_t)(((uint64_t)key >> GRAIN_SHIFT) * UINT64_C(0x9e3779b97f4a7c15) >>
	                (64 - __builtin_ctzl(side_cap)));
}

/* The slot holding key, or the empty slot where it would go. side_cap > 0. */
static size_t side_find(uintptr_t key)
{
	size_t i = side_home(key);
	while (side[i].key && side[i].key != key)
		i = (i + 1) & (side_cap - 1);
	return i;
}

/* Doubles the side table (or makes the first). Returns 0 or -1. */
static int side_grow(void)
{
	size_t cap = side_cap ? side_cap * 2 : SIDE_MIN;
	struct side_entry *old = side, *fresh = map_zeroed(cap * sizeof *fresh);
	size_t old_cap = side_cap;
	if (!fresh)
		return -1;
	side = fresh;
	side_cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			side[side_find(old[i].key)] = old[i];
	if (old)
		munmap(old, old_cap * sizeof *old);
	return 0;
}

/* Empties slot i, moving later entries of its probe run back (no tombstones). */
static void side_delete(size_t i)
{
	size_t mask = side_cap - 1;
	for (size_t j = (i + 1) & mask; side[j].key; j = (j + 1) & mask) {
		size_t h = side_home(side[j].key);
		bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
		if (!stays) {
			side[i] = side[j];
			i = j;
		}
	}
	side[i].key = 0;
	side_len--;
}

/* Adds size to the totals (measured too when flagged). */
static void count_in(uint64_t size, bool in_measurement)
{
	tracked += size;
	if (tracked > tracked_peak)
		tracked_peak = tracked;
	if (in_measurement) {
		measured += size;
		if (measured > measured_peak)
			measured_peak = measured;
	}
}

/* Takes size off the totals; a flag from an ended measurement is stale. */
static void count_out(uint64_t size, bool in_measurement)
{
	tracked -= size;
	if (in_measurement && measuring)
		measured -= size;
}

/* Gives every mapping back and empties the tables. */
static void drop_tables(void)
{
	for (size_t t = 0; t < (1u << TOP_BITS); t++) {
		if (!top[t])
			continue;
		for (size_t m = 0; m < (1u << MID_BITS); m++)
			if (top[t][m])
				munmap(top[t][m], sizeof(uint16_t) * LEAF_LEN);
		munmap(top[t], sizeof(uint16_t *) << MID_BITS);
		top[t] = NULL;
	}
	if (side)
		munmap(side, side_cap * sizeof *side);
	side = NULL;
	side_cap = side_len = 0;
	dirty = false;
}

/* Clears every entry's measurement flag, before a second measurement.
 * Reads before it writes, so untouched leaf pages stay unbacked. */
static void clear_flags(void)
{
	for (size_t t = 0; t < (1u << TOP_BITS); t++) {
		if (!top[t])
			continue;
		for (size_t m = 0; m < (1u << MID_BITS); m++) {
			uint16_t *leaf = top[t][m];
			for (size_t i = 0; leaf && i < LEAF_LEN; i++)
				if (leaf[i] & MEASURED)
					leaf[i] &= (uint16_t)~MEASURED;
		}
	}
	for (size_t i = 0; i < side_cap; i++)
		side[i].val &= ~SIDE_MEASURED;
}

void memtable_track(uint64_t max_bytes)
{
	if (dirty)
		drop_tables();
	tracking = true;
	measuring = measured_before = refused = reserved = false;
	limit = max_bytes;
	tracked = tracked_peak = measured = measured_peak = 0;
}

bool memtable_tracking(void)
{
	return tracking;
}

bool memtable_room(uint64_t more)
{
	if (!limit || (tracked <= limit && more <= limit - tracked))
		return true;
	if (!refused) {
		refused = true;
		refusal = (struct memtable_refusal){tracked, more};
		memtable_grant_reserve();
	}
	return false;
}

void memtable_grant_reserve(void)
{
	if (limit && !reserved)
		limit += RESERVE;
	reserved = true;
}

/* Where ptr's record lives: its shadow entry (NULL when it has none) and,
 * for a record in the side table, its slot. */
struct place {
	uint16_t *entry;
	size_t slot; /* SIZE_MAX: not in the side table */
};

/* Finds ptr's record. Returns true with *at, *size and *in_measurement
 * filled, or false when ptr has no record. */
static bool locate(uintptr_t ptr, struct place *at, uint64_t *size, bool *in_measurement)
{
	*at = (struct place){on_grid(ptr) ? shadow(ptr, false) : NULL, SIZE_MAX};
	uint16_t code = at->entry ? *at->entry & CODE_MASK : 0;
	if (at->entry && code != CODE_SIDE) {
		*size = (uint64_t)code - 1;
		*in_measurement = *at->entry & MEASURED;
		return code != 0;
	}
	if ((on_grid(ptr) && !at->entry) || !side_cap)
		return false;
	at->slot = side_find(ptr);
	*size = side[at->slot].val & ~SIDE_MEASURED;
	*in_measurement = side[at->slot].val & SIDE_MEASURED;
	return side[at->slot].key != 0;
}

void memtable_remove(uintptr_t ptr)
{
	struct place at;
	uint64_t size;
	bool in_measurement;
	if (!locate(ptr, &at, &size, &in_measurement))
		return;
	count_out(size, in_measurement);
	if (at.slot != SIZE_MAX)
		side_delete(at.slot);
	if (at.entry)
		*at.entry = 0;
}

int memtable_add(uintptr_t ptr, size_t size)
{
	dirty = true;
	bool flag = measuring;
	uint16_t *e = NULL;
	if (on_grid(ptr)) {
		if (!(e = shadow(ptr, true)))
			return -1;
		if (*e)
			memtable_remove(ptr); /* resized in place: the new record replaces it */
	} else {
		memtable_remove(ptr);
	}
	if (e && size <= INLINE_MAX) {
		*e = (uint16_t)((size + 1) | (flag ? MEASURED : 0));
	} else {
		if ((side_len + 1) * 2 > side_cap && side_grow() < 0)
			return -1;
		size_t i = side_find(ptr);
		side[i] = (struct side_entry){ptr, (uint64_t)size | (flag ? SIDE_MEASURED : 0)};
		side_len++;
		if (e)
			*e = CODE_SIDE;
	}
	count_in(size, flag);
	return 0;
}

int64_t memtable_size(uintptr_t ptr)
{
	struct place at;
	uint64_t size;
	bool in_measurement;
	return locate(ptr, &at, &size, &in_measurement) ? (int64_t)size : -1;
}

void memtable_measure_start(void)
{
	if (measuring)
		return;
	if (!tracking)
		memtable_track(0);
	if (measured_before)
		clear_flags();
	measuring = measured_before = true;
	measured = measured_peak = 0;
}

void memtable_measure_stop(void)
{
	measuring = false;
	measured = measured_peak = 0;
}

bool memtable_measuring(void)
{
	return measuring;
}

void memtable_measured(uint64_t *current, uint64_t *peak)
{
	*current = measured;
	*peak = measured_peak;
}

void memtable_tracked(uint64_t *current, uint64_t *peak)
{
	*current = tracked;
	*peak = tracked_peak;
}

bool memtable_refused(struct memtable_refusal *out)
{
	if (refused)
		*out = refusal;
	return refused;
}

void memtable_reset(void)
{
	drop_tables();
	tracking = measuring = measured_before = refused = reserved = false;
	limit = tracked = tracked_peak = measured = measured_peak = 0;
}
