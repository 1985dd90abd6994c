/* test_stepstate.c: a learner's state on a step: every transition, done
 * is sticky, the kept lists' caps, and the stuck rule at its thresholds. */
#include "classes/stepstate.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

static const struct step_rules rules = STEP_RULES_DEFAULT;

/* Applies one event to p under the default rules. */
static void ev(struct step_progress *p, enum step_event_kind kind, bool correct, const char *text,
               int64_t at_ms)
{
	struct step_event e = {.kind = kind, .correct = correct, .text = text, .at_ms = at_ms};
	step_apply(p, &rules, &e);
}

/* A fresh step is not started, counts nothing, and is not stuck however
 * late it is. */
static void test_fresh(void **state)
{
	(void)state;
	struct step_progress p;
	step_init(&p);
	assert_int_equal(p.state, STEP_NOT_STARTED);
	assert_int_equal(p.attempts, 0);
	assert_string_equal(p.failed_check, "");
	assert_false(step_stuck(&p, &rules, INT64_MAX / 2));
	assert_string_equal(step_state_name(STEP_NOT_STARTED), "not_started");
	assert_string_equal(step_state_name(STEP_TRIED), "tried");
	assert_string_equal(step_state_name(STEP_DONE), "done");
}

/* not_started -> tried by each trying event: a run (with or without an
 * exception), a failed check, a wrong prediction. */
static void test_to_tried(void **state)
{
	(void)state;
	struct step_progress p;
	const struct step_event tries[] = {
	    {.kind = STEP_EV_RUN},
	    {.kind = STEP_EV_RUN, .text = "ZeroDivisionError"},
	    {.kind = STEP_EV_CHECK, .text = "expected 3"},
	    {.kind = STEP_EV_PREDICT, .text = "2"},
	};
	for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
		step_init(&p);
		step_apply(&p, &rules, &tries[i]);
		assert_int_equal(p.state, STEP_TRIED);
		assert_int_equal(p.attempts, 1);
	}
}

/* -> done by a correct check, a correct prediction or the page's mark,
 * from not_started and from tried; the mark is no attempt. */
static void test_to_done(void **state)
{
	(void)state;
	struct step_progress p;
	const struct step_event dones[] = {
	    {.kind = STEP_EV_CHECK, .correct = true, .at_ms = 50},
	    {.kind = STEP_EV_PREDICT, .correct = true, .text = "3", .at_ms = 50},
	    {.kind = STEP_EV_MARK_DONE, .at_ms = 50},
	};
	for (size_t i = 0; i < sizeof dones / sizeof dones[0]; i++) {
		step_init(&p);
		step_apply(&p, &rules, &dones[i]);
		assert_int_equal(p.state, STEP_DONE);
		assert_int_equal(p.done_ms, 50);
		assert_int_equal(p.attempts, dones[i].kind == STEP_EV_MARK_DONE ? 0 : 1);
		assert_int_equal(p.failures, 0);
		step_init(&p);
		ev(&p, STEP_EV_RUN, false, NULL, 10);
		step_apply(&p, &rules, &dones[i]);
		assert_int_equal(p.state, STEP_DONE);
		assert_int_equal(p.first_try_ms, 10);
	}
}

/* Nothing leaves done: failures, runs and a second done keep the state and
 * the time it was first done, while attempts and failures still count. */
static void test_done_sticky(void **state)
{
	(void)state;
	struct step_progress p;
	step_init(&p);
	ev(&p, STEP_EV_CHECK, true, NULL, 100);
	ev(&p, STEP_EV_CHECK, false, "expected 3", 200);
	ev(&p, STEP_EV_PREDICT, false, "4", 300);
	ev(&p, STEP_EV_RUN, false, "NameError", 400);
	ev(&p, STEP_EV_MARK_DONE, false, NULL, 500);
	assert_int_equal(p.state, STEP_DONE);
	assert_int_equal(p.done_ms, 100);
	assert_int_equal(p.attempts, 4);
	assert_int_equal(p.failures, 2);
	assert_int_equal(p.last_ms, 500);
	for (int i = 0; i < 10; i++)
		ev(&p, STEP_EV_CHECK, false, "x", 600 + i);
	assert_false(step_stuck(&p, &rules, 10 * 60 * 1000 * 10));
}

/* The lists keep the latest `keep` texts newest first, the failed check
 * only the latest message; a run without an exception adds nothing. */
static void test_kept_lists(void **state)
{
	(void)state;
	struct step_progress p;
	step_init(&p);
	ev(&p, STEP_EV_PREDICT, false, "a", 1);
	ev(&p, STEP_EV_PREDICT, false, "b", 2);
	assert_int_equal(p.wrong_predictions.n, 2);
	assert_string_equal(p.wrong_predictions.text[0], "b");
	ev(&p, STEP_EV_PREDICT, false, "c", 3);
	ev(&p, STEP_EV_PREDICT, false, "d", 4);
	ev(&p, STEP_EV_PREDICT, false, NULL, 5);
	assert_int_equal(p.wrong_predictions.n, 3);
	assert_string_equal(p.wrong_predictions.text[0], "");
	assert_string_equal(p.wrong_predictions.text[1], "d");
	assert_string_equal(p.wrong_predictions.text[2], "c");
	ev(&p, STEP_EV_RUN, false, "TypeError", 6);
	ev(&p, STEP_EV_RUN, false, "", 7);
	ev(&p, STEP_EV_RUN, false, NULL, 8);
	assert_int_equal(p.exceptions.n, 1);
	assert_string_equal(p.exceptions.text[0], "TypeError");
	ev(&p, STEP_EV_CHECK, false, "first", 9);
	ev(&p, STEP_EV_CHECK, false, "second", 10);
	assert_string_equal(p.failed_check, "second");
	assert_int_equal(p.attempts, 10);
	assert_int_equal(p.failures, 7);

	struct step_rules big = {.keep = 1000}, none = {.keep = 0};
	struct step_event e = {.kind = STEP_EV_RUN, .text = "E"};
	step_init(&p);
	for (int i = 0; i < 20; i++)
		step_apply(&p, &big, &e);
	assert_int_equal(p.exceptions.n, STEP_KEEP_MAX);
	step_init(&p);
	step_apply(&p, &none, &e);
	assert_int_equal(p.exceptions.n, 0);
}

/* Texts are cut to STEP_TEXT_MAX bytes, never inside a UTF-8 sequence. */
static void test_text_cut(void **state)
{
	(void)state;
	char big[1000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	struct step_progress p;
	step_init(&p);
	ev(&p, STEP_EV_CHECK, false, big, 1);
	assert_int_equal(strlen(p.failed_check), STEP_TEXT_MAX);
	/* 199 ASCII bytes then "é": the two-byte sequence would end at 201. */
	memset(big, 'y', STEP_TEXT_MAX - 1);
	memcpy(big + STEP_TEXT_MAX - 1, "\xc3\xa9zz", 5);
	ev(&p, STEP_EV_PREDICT, false, big, 2);
	assert_int_equal(strlen(p.wrong_predictions.text[0]), STEP_TEXT_MAX - 1);
	memcpy(big + STEP_TEXT_MAX - 2, "\xc3\xa9", 3); /* ends exactly at 200 */
	ev(&p, STEP_EV_PREDICT, false, big, 3);
	assert_int_equal(strlen(p.wrong_predictions.text[0]), STEP_TEXT_MAX);
}

/* Stuck at exactly stuck_failures failures, not one before; at exactly
 * stuck_ms after the first try, not a millisecond before; runs with
 * exceptions are not failures; a 0 threshold turns its rule off. */
static void test_stuck(void **state)
{
	(void)state;
	struct step_progress p;
	step_init(&p);
	ev(&p, STEP_EV_RUN, false, "ValueError", 1000);
	ev(&p, STEP_EV_RUN, false, "ValueError", 1001);
	ev(&p, STEP_EV_RUN, false, "ValueError", 1002);
	assert_false(step_stuck(&p, &rules, 1003));
	ev(&p, STEP_EV_CHECK, false, "no", 1010);
	ev(&p, STEP_EV_PREDICT, false, "5", 1020);
	assert_false(step_stuck(&p, &rules, 1030));
	ev(&p, STEP_EV_CHECK, false, "no", 1040);
	assert_true(step_stuck(&p, &rules, 1050));
	struct step_rules no_count = {.keep = 3, .stuck_failures = 0, .stuck_ms = 600000};
	assert_false(step_stuck(&p, &no_count, 1050));

	step_init(&p);
	ev(&p, STEP_EV_RUN, false, NULL, 5000);
	ev(&p, STEP_EV_RUN, false, NULL, 2000); /* an earlier event, applied late */
	assert_int_equal(p.first_try_ms, 2000);
	assert_int_equal(p.last_ms, 5000);
	assert_false(step_stuck(&p, &rules, 2000 + 600000 - 1));
	assert_true(step_stuck(&p, &rules, 2000 + 600000));
	struct step_rules no_time = {.keep = 3, .stuck_failures = 3, .stuck_ms = 0};
	assert_false(step_stuck(&p, &no_time, INT64_MAX / 2));
	struct step_rules short_time = {.keep = 3, .stuck_failures = 3, .stuck_ms = 100};
	assert_true(step_stuck(&p, &short_time, 2100));
	ev(&p, STEP_EV_MARK_DONE, false, NULL, 3000);
	assert_false(step_stuck(&p, &short_time, 1000000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fresh),      cmocka_unit_test(test_to_tried),
	    cmocka_unit_test(test_to_done),    cmocka_unit_test(test_done_sticky),
	    cmocka_unit_test(test_kept_lists), cmocka_unit_test(test_text_cut),
	    cmocka_unit_test(test_stuck),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
