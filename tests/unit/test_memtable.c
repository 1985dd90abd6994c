/* Unit tests for memtable.c: the memory instrument's bookkeeping, with
 * made-up addresses (the table never dereferences them). A model (a plain
 * array of blocks) checks the totals after random operations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "zygote/memtable.h"

#define BASE UINT64_C(0x10000000)

static uint64_t current(void)
{
	uint64_t c, p;
	memtable_measured(&c, &p);
	return c;
}

static uint64_t peak(void)
{
	uint64_t c, p;
	memtable_measured(&c, &p);
	return p;
}

static uint64_t tracked(void)
{
	uint64_t c, p;
	memtable_tracked(&c, &p);
	return c;
}

static int fresh(void **state)
{
	(void)state;
	memtable_reset();
	return 0;
}

static void test_add_remove_and_peak(void **state)
{
	(void)state;
	memtable_measure_start();
	assert_int_equal(memtable_add(BASE, 48), 0);
	assert_int_equal(memtable_add(BASE + 64, 100), 0);
	assert_int_equal(current(), 148);
	memtable_remove(BASE);
	assert_int_equal(current(), 100);
	assert_int_equal(peak(), 148);
	assert_int_equal(memtable_size(BASE), -1);
	assert_int_equal(memtable_size(BASE + 64), 100);
	memtable_remove(BASE + 4096); /* never recorded: ignored */
	memtable_remove(BASE + (UINT64_C(1) << 40));
	assert_int_equal(current(), 100);
	assert_int_equal(tracked(), 100);
}

static void test_zero_size_block_is_recorded(void **state)
{
	(void)state;
	memtable_measure_start();
	assert_int_equal(memtable_add(BASE, 0), 0);
	assert_int_equal(memtable_size(BASE), 0);
	memtable_remove(BASE);
	assert_int_equal(memtable_size(BASE), -1);
}

static void test_add_at_a_recorded_address_replaces(void **state)
{
	(void)state;
	memtable_measure_start();
	memtable_add(BASE, 40);
	memtable_add(BASE, 400); /* realloc in place */
	assert_int_equal(current(), 400);
	assert_int_equal(peak(), 400);
	memtable_add(BASE, 1 << 20); /* now too big for an entry: the side table */
	assert_int_equal(current(), 1 << 20);
	memtable_add(BASE, 8); /* and back */
	assert_int_equal(current(), 8);
	assert_int_equal(memtable_size(BASE), 8);
}

static void test_large_and_off_grid_blocks_use_the_side_table(void **state)
{
	(void)state;
	memtable_measure_start();
	uint64_t big = UINT64_C(5) << 32; /* beyond any entry, beyond 32 bits */
	assert_int_equal(memtable_add(BASE, (size_t)big), 0);
	assert_int_equal(memtable_add(BASE + 8, 24), 0);          /* off the grid */
	assert_int_equal(memtable_add(UINT64_C(1) << 50, 32), 0); /* above 47 bits */
	assert_int_equal(memtable_add(BASE + 32, 32765), 0);      /* the largest inline */
	assert_int_equal(memtable_add(BASE + (UINT64_C(1) << 20), 32766), 0); /* the first side */
	assert_int_equal(memtable_size(BASE), (int64_t)big);
	assert_int_equal(memtable_size(BASE + 8), 24);
	assert_int_equal(memtable_size(UINT64_C(1) << 50), 32);
	assert_int_equal(memtable_size(BASE + 32), 32765);
	assert_int_equal(memtable_size(BASE + (UINT64_C(1) << 20)), 32766);
	assert_int_equal(current(), big + 24 + 32 + 32765 + 32766);
	memtable_remove(BASE);
	memtable_remove(BASE + 8);
	memtable_remove(UINT64_C(1) << 50);
	assert_int_equal(current(), 32765 + 32766);
}

static void test_side_table_grows_and_deletes_without_losing_entries(void **state)
{
	(void)state;
	enum { N = 5000 };
	memtable_measure_start();
	for (uint64_t i = 0; i < N; i++) /* off the grid: every one in the side table */
		assert_int_equal(memtable_add(BASE + i * 24 + 8, (size_t)i + 1), 0);
	for (uint64_t i = 0; i < N; i += 2)
		memtable_remove(BASE + i * 24 + 8);
	uint64_t want = 0;
	for (uint64_t i = 0; i < N; i++) {
		int64_t got = memtable_size(BASE + i * 24 + 8);
		assert_int_equal(got, i % 2 ? (int64_t)i + 1 : -1);
		if (i % 2)
			want += i + 1;
	}
	assert_int_equal(current(), want);
}

static void test_only_blocks_of_the_measurement_are_measured(void **state)
{
	(void)state;
	memtable_track(0);
	memtable_add(BASE, 1000); /* setup's block: tracked, not measured */
	memtable_measure_start();
	memtable_add(BASE + 2048, 50);
	memtable_remove(BASE); /* freeing setup's block leaves the measurement alone */
	assert_int_equal(current(), 50);
	assert_int_equal(tracked(), 50);
	memtable_add(BASE + 4096, 10);
	memtable_measure_stop();
	assert_int_equal(current(), 0);
	assert_int_equal(peak(), 0);
	memtable_remove(BASE + 4096); /* freed between measurements */
	assert_int_equal(current(), 0);
	memtable_add(BASE + 4096, 10);
	/* A second measurement does not count the first one's blocks. */
	memtable_measure_start();
	memtable_remove(BASE + 2048);
	assert_int_equal(current(), 0);
	memtable_add(BASE + 8192, 7);
	memtable_remove(BASE + 4096);
	assert_int_equal(current(), 7);
	assert_int_equal(tracked(), 7);
}

static void test_limit_refuses_once_then_grants_a_reserve(void **state)
{
	(void)state;
	memtable_track(1000);
	assert_true(memtable_room(1000));
	memtable_add(BASE, 900);
	assert_true(memtable_room(100));
	struct memtable_refusal r;
	assert_false(memtable_refused(&r));
	assert_false(memtable_room(101));
	assert_true(memtable_refused(&r));
	assert_int_equal(r.in_use, 900);
	assert_int_equal(r.requested, 101);
	assert_true(memtable_room(4096)); /* the reserve, for the report */
	assert_false(memtable_room(UINT64_C(1) << 40));
	assert_true(memtable_refused(&r));
	assert_int_equal(r.requested, 101); /* the first refusal is the one kept */
	memtable_track(0);                  /* no limit */
	assert_false(memtable_refused(&r));
	assert_true(memtable_room(UINT64_C(1) << 50));
}

static void test_reserve_is_granted_once(void **state)
{
	(void)state;
	memtable_track(1000);
	memtable_add(BASE, 1000);
	memtable_grant_reserve(); /* the runner, after the snippet */
	assert_true(memtable_room(4096));
	memtable_grant_reserve();
	assert_false(memtable_room(UINT64_C(17) << 20)); /* not twice */
	struct memtable_refusal r;
	assert_true(memtable_refused(&r));
	assert_false(memtable_room(UINT64_C(17) << 20)); /* nor after a refusal */
	memtable_track(0);
	memtable_grant_reserve(); /* no limit: stays none */
	assert_true(memtable_room(UINT64_C(1) << 50));
}

static void test_track_forgets_what_came_before(void **state)
{
	(void)state;
	memtable_measure_start();
	memtable_add(BASE, 64);
	memtable_track(0);
	assert_int_equal(memtable_size(BASE), -1);
	assert_int_equal(tracked(), 0);
	assert_false(memtable_measuring());
}

/* Random adds, resizes and removes against a model array. */
static void test_random_operations_match_a_model(void **state)
{
	(void)state;
	enum { SLOTS = 4096 };
	static int64_t model[SLOTS]; /* size per slot, -1 = none */
	for (int i = 0; i < SLOTS; i++)
		model[i] = -1;
	srand(7);
	memtable_measure_start();
	uint64_t sum = 0, top = 0;
	for (int step = 0; step < 200000; step++) {
		int i = rand() % SLOTS;
		/* Slots spread over several leaves, some off the grid. */
		uintptr_t p = (uintptr_t)(BASE + (uint64_t)(i % 1024) * 4096 * 17 +
		                          (uint64_t)(i / 1024) * 16 + (i % 7 == 0 ? 8 : 0));
		if (rand() % 3 == 0) {
			memtable_remove(p);
			if (model[i] >= 0)
				sum -= (uint64_t)model[i];
			model[i] = -1;
		} else {
			size_t size =
			    rand() % 5 == 0 ? (size_t)rand() % 200000 : (size_t)rand() % 600;
			memtable_add(p, size);
			if (model[i] >= 0)
				sum -= (uint64_t)model[i];
			sum += size;
			model[i] = (int64_t)size;
			top = sum > top ? sum : top;
		}
		if (step % 9973 == 0)
			assert_int_equal(memtable_size(p), model[i]);
	}
	for (int i = 0; i < SLOTS; i++) {
		uintptr_t p = (uintptr_t)(BASE + (uint64_t)(i % 1024) * 4096 * 17 +
		                          (uint64_t)(i / 1024) * 16 + (i % 7 == 0 ? 8 : 0));
		assert_int_equal(memtable_size(p), model[i]);
	}
	assert_int_equal(current(), sum);
	assert_int_equal(peak(), top);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_add_remove_and_peak, fresh),
	    cmocka_unit_test_setup(test_zero_size_block_is_recorded, fresh),
	    cmocka_unit_test_setup(test_add_at_a_recorded_address_replaces, fresh),
	    cmocka_unit_test_setup(test_large_and_off_grid_blocks_use_the_side_table, fresh),
	    cmocka_unit_test_setup(test_side_table_grows_and_deletes_without_losing_entries, fresh),
	    cmocka_unit_test_setup(test_only_blocks_of_the_measurement_are_measured, fresh),
	    cmocka_unit_test_setup(test_limit_refuses_once_then_grants_a_reserve, fresh),
	    cmocka_unit_test_setup(test_reserve_is_granted_once, fresh),
	    cmocka_unit_test_setup(test_track_forgets_what_came_before, fresh),
	    cmocka_unit_test_setup(test_random_operations_match_a_model, fresh),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
