/* test_fairq.c: the run queue that is fair between clients. */
#include "pool/fairq.h"

#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

static int items[64];

/* One client's items come out in the order they went in. */
static void test_fifo_within_a_client(void **state)
{
	(void)state;
	struct fairq *q = fairq_new(16, 8, 8);
	for (int i = 0; i < 5; i++)
		assert_int_equal(fairq_push(q, "ip:a", &items[i], i), FAIRQ_OK);
	assert_int_equal(fairq_len(q), 5);
	for (int i = 0; i < 5; i++)
		assert_ptr_equal(fairq_pop(q), &items[i]);
	assert_null(fairq_pop(q));
	assert_int_equal(fairq_len(q), 0);
	fairq_free(q);
}

/* A burst from one client does not delay a later single run of another:
 * clients are served in turn. */
static void test_round_robin_between_clients(void **state)
{
	(void)state;
	struct fairq *q = fairq_new(64, 16, 16);
	for (int i = 0; i < 10; i++)
		assert_int_equal(fairq_push(q, "l:burst", &items[i], i), FAIRQ_OK);
	assert_int_equal(fairq_push(q, "l:single", &items[20], 10), FAIRQ_OK);
	assert_ptr_equal(fairq_pop(q), &items[0]);
	assert_ptr_equal(fairq_pop(q), &items[20]); /* second, not eleventh */
	assert_ptr_equal(fairq_pop(q), &items[1]);
	assert_int_equal(fairq_clients(q), 2);
	fairq_free(q);
}

/* A client at its running cap waits; others go first; done frees a place. */
static void test_running_cap_per_client(void **state)
{
	(void)state;
	struct fairq *q = fairq_new(64, 16, 2);
	for (int i = 0; i < 4; i++)
		assert_int_equal(fairq_push(q, "ip:nat", &items[i], i), FAIRQ_OK);
	assert_ptr_equal(fairq_pop(q), &items[0]);
	assert_ptr_equal(fairq_pop(q), &items[1]);
	assert_null(fairq_pop(q)); /* two running: the third waits */
	assert_int_equal(fairq_push(q, "l:other", &items[10], 5), FAIRQ_OK);
	assert_ptr_equal(fairq_pop(q), &items[10]);
	fairq_done(q, "ip:nat");
	assert_ptr_equal(fairq_pop(q), &items[2]);
	assert_null(fairq_pop(q));
	fairq_free(q);
}

/* The per-client and the total bounds give different answers. */
static void test_bounds(void **state)
{
	(void)state;
	struct fairq *q = fairq_new(5, 3, 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(fairq_push(q, "l:a", &items[i], i), FAIRQ_OK);
	assert_int_equal(fairq_push(q, "l:a", &items[3], 3), FAIRQ_CLIENT_FULL);
	assert_int_equal(fairq_push(q, "l:b", &items[4], 4), FAIRQ_OK);
	assert_int_equal(fairq_push(q, "l:c", &items[5], 5), FAIRQ_OK);
	assert_int_equal(fairq_push(q, "l:d", &items[6], 6), FAIRQ_FULL);
	assert_int_equal(fairq_len(q), 5);
	assert_int_equal(fairq_clients(q), 3);
	fairq_free(q);
}

/* Expiry takes items older than the bound, oldest client heads first seen,
 * and forgets clients left with nothing. */
static void test_expire_and_oldest(void **state)
{
	(void)state;
	struct fairq *q = fairq_new(16, 8, 8);
	assert_true(fairq_oldest(q) < 0);
	assert_int_equal(fairq_push(q, "l:a", &items[0], 100), FAIRQ_OK);
	assert_int_equal(fairq_push(q, "l:b", &items[1], 50), FAIRQ_OK);
	assert_int_equal(fairq_push(q, "l:a", &items[2], 300), FAIRQ_OK);
	assert_true(fairq_oldest(q) == 50);
	assert_null(fairq_expire(q, 50));
	void *first = fairq_expire(q, 200);
	void *second = fairq_expire(q, 200);
	assert_true((first == &items[0] && second == &items[1]) ||
	            (first == &items[1] && second == &items[0]));
	assert_null(fairq_expire(q, 200));
	assert_int_equal(fairq_clients(q), 1); /* l:b had nothing left */
	assert_true(fairq_oldest(q) == 300);
	fairq_free(q);
}

/* Clients leave the table once done, and the turn stays valid while the
 * table shrinks and grows. */
static void test_clients_come_and_go(void **state)
{
	(void)state;
	struct fairq *q = fairq_new(64, 4, 1);
	char key[16];
	for (int round = 0; round < 50; round++) {
		for (int c = 0; c < 3; c++) {
			snprintf(key, sizeof key, "l:%d", (round + c) % 7);
			assert_int_equal(fairq_push(q, key, &items[c], round), FAIRQ_OK);
		}
		for (int c = 0; c < 3; c++) {
			assert_non_null(fairq_pop(q));
		}
		assert_null(fairq_pop(q));
		for (int c = 0; c < 3; c++) {
			snprintf(key, sizeof key, "l:%d", (round + c) % 7);
			fairq_done(q, key);
		}
		assert_int_equal(fairq_clients(q), 0);
	}
	fairq_done(q, "l:unknown"); /* harmless */
	fairq_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fifo_within_a_client),
	    cmocka_unit_test(test_round_robin_between_clients),
	    cmocka_unit_test(test_running_cap_per_client),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_expire_and_oldest),
	    cmocka_unit_test(test_clients_come_and_go),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
