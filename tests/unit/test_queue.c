/* test_queue.c: the bounded FIFO behind the run queue. */
#include "queue.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

static int items[16];

/* Items come out in the order they went in. */
static void test_fifo_order(void **state)
{
	(void)state;
	struct queue q;
	assert_int_equal(queue_init(&q, 4), 0);
	for (int i = 0; i < 4; i++)
		assert_true(queue_push(&q, &items[i]));
	assert_int_equal(queue_len(&q), 4);
	for (int i = 0; i < 4; i++) {
		assert_ptr_equal(queue_pop(&q), &items[i]);
		assert_int_equal(queue_len(&q), (size_t)(3 - i));
	}
	assert_null(queue_pop(&q));
	queue_free(&q);
}

/* Interleaved pushes and pops keep FIFO order as the ring wraps many times. */
static void test_wrap_around(void **state)
{
	(void)state;
	struct queue q;
	assert_int_equal(queue_init(&q, 3), 0);
	size_t in = 0, out = 0;
	assert_true(queue_push(&q, &items[in++ % 16]));
	assert_true(queue_push(&q, &items[in++ % 16]));
	for (int round = 0; round < 100; round++) {
		assert_true(queue_push(&q, &items[in++ % 16]));
		assert_false(queue_push(&q, &items[15]));
		assert_ptr_equal(queue_pop(&q), &items[out++ % 16]);
		assert_ptr_equal(queue_pop(&q), &items[out++ % 16]);
		assert_true(queue_push(&q, &items[in++ % 16]));
		assert_int_equal(queue_len(&q), 2);
	}
	assert_ptr_equal(queue_pop(&q), &items[out++ % 16]);
	assert_ptr_equal(queue_pop(&q), &items[out++ % 16]);
	assert_int_equal(out, in);
	assert_null(queue_pop(&q));
	queue_free(&q);
}

/* A full queue refuses a push, keeps what it had, and accepts again after a pop. */
static void test_full_at_cap(void **state)
{
	(void)state;
	struct queue q;
	assert_int_equal(queue_init(&q, 2), 0);
	assert_true(queue_push(&q, &items[0]));
	assert_true(queue_push(&q, &items[1]));
	assert_false(queue_push(&q, &items[2]));
	assert_int_equal(queue_len(&q), 2);
	assert_ptr_equal(queue_pop(&q), &items[0]);
	assert_true(queue_push(&q, &items[3]));
	assert_false(queue_push(&q, &items[4]));
	assert_ptr_equal(queue_pop(&q), &items[1]);
	assert_ptr_equal(queue_pop(&q), &items[3]);
	assert_null(queue_pop(&q));
	queue_free(&q);
}

/* A queue of capacity 0 initialises, refuses every push and pops nothing. */
static void test_cap_zero(void **state)
{
	(void)state;
	struct queue q;
	assert_int_equal(queue_init(&q, 0), 0);
	assert_false(queue_push(&q, &items[0]));
	assert_false(queue_push(&q, &items[1]));
	assert_int_equal(queue_len(&q), 0);
	assert_null(queue_pop(&q));
	queue_free(&q);
}

/* Popping an empty queue returns NULL and leaves it usable. */
static void test_pop_empty(void **state)
{
	(void)state;
	struct queue q;
	assert_int_equal(queue_init(&q, 1), 0);
	assert_null(queue_pop(&q));
	assert_null(queue_pop(&q));
	assert_int_equal(queue_len(&q), 0);
	assert_true(queue_push(&q, &items[7]));
	assert_int_equal(queue_len(&q), 1);
	assert_ptr_equal(queue_pop(&q), &items[7]);
	assert_null(queue_pop(&q));
	queue_free(&q);
}

/* queue_free releases the storage and resets the queue to an empty one. */
static void test_free_resets(void **state)
{
	(void)state;
	struct queue q;
	assert_int_equal(queue_init(&q, 3), 0);
	assert_true(queue_push(&q, &items[0]));
	queue_free(&q);
	assert_null(q.items);
	assert_int_equal(queue_len(&q), 0);
	assert_null(queue_pop(&q));
	assert_false(queue_push(&q, &items[1]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fifo_order),  cmocka_unit_test(test_wrap_around),
	    cmocka_unit_test(test_full_at_cap), cmocka_unit_test(test_cap_zero),
	    cmocka_unit_test(test_pop_empty),   cmocka_unit_test(test_free_resets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
