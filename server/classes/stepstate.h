/* stepstate.h: where one learner stands on one step, folded from the
 * events recorded for it.
 *
 *   not_started --run, check or prediction--> tried --correct check or
 *   prediction, or the page marks the step done--> done
 *
 * Any event may jump straight to done; nothing leaves done (later events
 * still count, the state stays). A prediction is the predict step's check,
 * so a correct one is done and a wrong one a failure, as in api/check.c.
 *
 * What a teacher sees: attempts (runs, checks, predictions), failures
 * (failed checks and wrong predictions: the server's own judgements; a run
 * that raises is not one, since examples raise on purpose), the latest
 * few wrong predictions and exception types, newest first, and the latest
 * failed check's message. Text is copied, cut to STEP_TEXT_MAX bytes on a
 * UTF-8 boundary, never interpreted.
 *
 * Stuck: tried but not done, with at least stuck_failures failures, or at
 * least stuck_ms since the first try. Both thresholds are parameters.
 * Pure: no I/O, no clock; the caller passes times in milliseconds. */
#ifndef LESSOND_STEPSTATE_H
#define LESSOND_STEPSTATE_H

#include <stdbool.h>
#include <stdint.h>

#define STEP_KEEP_MAX 8   /* the most entries a kept list can hold */
#define STEP_TEXT_MAX 200 /* bytes kept of one text */

enum step_state { STEP_NOT_STARTED, STEP_TRIED, STEP_DONE };

enum step_event_kind {
	STEP_EV_RUN,       /* text: the exception type the run raised, NULL or "" for none */
	STEP_EV_CHECK,     /* a goal check; correct; text: the failure message */
	STEP_EV_PREDICT,   /* a prediction; correct; text: the learner's answer */
	STEP_EV_MARK_DONE, /* the page marked the step done (no attempt) */
};

/* One recorded event; the caller owns text. */
struct step_event {
	enum step_event_kind kind;
	bool correct;
	const char *text;
	int64_t at_ms;
};

/* The thresholds: keep is how many wrong predictions and exception types
 * are kept (at most STEP_KEEP_MAX); a threshold of 0 turns its rule off. */
struct step_rules {
	unsigned keep;
	unsigned stuck_failures;
	int64_t stuck_ms;
};

#define STEP_RULES_DEFAULT                                                                         \
	{                                                                                          \
		.keep = 3, .stuck_failures = 3, .stuck_ms = 10 * 60 * 1000                         \
	}

/* The latest texts, newest first. */
struct step_list {
	unsigned n;
	char text[STEP_KEEP_MAX][STEP_TEXT_MAX + 1];
};

/* One learner on one step; plain data, owns nothing. */
struct step_progress {
	enum step_state state;
	unsigned attempts, failures;
	int64_t first_try_ms; /* the earliest attempt; valid once tried or done by one */
	int64_t last_ms;      /* the latest event of any kind; valid once any */
	int64_t done_ms;      /* the event that made it done; valid once done */
	bool any;             /* an event was applied */
	bool tried_once;      /* first_try_ms is set */
	struct step_list wrong_predictions, exceptions;
	char failed_check[STEP_TEXT_MAX + 1]; /* "" when no check failed */
};

/* Makes p a step no event has touched. */
void step_init(struct step_progress *p);

/* Folds one event into p under rules r. Events may come in any time order:
 * first_try_ms keeps the earliest, last_ms the latest, the lists the order
 * applied. Never fails; an unknown kind changes nothing. */
void step_apply(struct step_progress *p, const struct step_rules *r, const struct step_event *e);

/* True when the learner is stuck on the step at now_ms (see above). */
bool step_stuck(const struct step_progress *p, const struct step_rules *r, int64_t now_ms);

/* "not_started", "tried" or "done": the names the API and the CSV use. */
const char *step_state_name(enum step_state s);

#endif
