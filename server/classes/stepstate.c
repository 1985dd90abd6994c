/* stepstate.c: a learner's state on one step from its events (see
 * stepstate.h). */
#include "classes/stepstate.h"

#include <string.h>

void step_init(struct step_progress *p)
{
	memset(p, 0, sizeof *p);
	p->state = STEP_NOT_STARTED;
}

/* Copies the NUL-terminated s (NULL as "") into out, cut to STEP_TEXT_MAX
 * bytes without splitting a UTF-8 sequence. */
static void copy_text(char out[STEP_TEXT_MAX + 1], const char *s)
{
	size_t n = s ? strnlen(s, STEP_TEXT_MAX + 1) : 0;
	if (n > STEP_TEXT_MAX) {
		n = STEP_TEXT_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--; /* s[n] continues a sequence: cut before its lead byte */
	}
	if (n)
		memcpy(out, s, n);
	out[n] = '\0';
}

/* Puts s first in list l, keeping at most keep entries (capped at
 * STEP_KEEP_MAX); the oldest falls off. */
static void push_text(struct step_list *l, unsigned keep, const char *s)
{
	if (keep > STEP_KEEP_MAX)
		keep = STEP_KEEP_MAX;
	if (keep == 0)
		return;
	unsigned n = l->n < keep ? l->n + 1 : keep;
	memmove(l->text[1], l->text[0], (n - 1) * sizeof l->text[0]);
	copy_text(l->text[0], s);
	l->n = n;
}

/* Records that an attempt happened at at_ms. */
static void attempt(struct step_progress *p, int64_t at_ms)
{
	p->attempts++;
	if (!p->tried_once || at_ms < p->first_try_ms)
		p->first_try_ms = at_ms;
	p->tried_once = true;
	if (p->state == STEP_NOT_STARTED)
		p->state = STEP_TRIED;
}

/* Makes the step done at at_ms unless it already is. */
static void finish(struct step_progress *p, int64_t at_ms)
{
	if (p->state != STEP_DONE) {
		p->state = STEP_DONE;
		p->done_ms = at_ms;
	}
}

void step_apply(struct step_progress *p, const struct step_rules *r, const struct step_event *e)
{
	switch (e->kind) {
	case STEP_EV_RUN:
		attempt(p, e->at_ms);
		if (e->text && *e->text)
			push_text(&p->exceptions, r->keep, e->text);
		break;
	case STEP_EV_CHECK:
	case STEP_EV_PREDICT:
		attempt(p, e->at_ms);
		if (e->correct) {
			finish(p, e->at_ms);
			break;
		}
		p->failures++;
		if (e->kind == STEP_EV_CHECK)
			copy_text(p->failed_check, e->text);
		else
			push_text(&p->wrong_predictions, r->keep, e->text);
		break;
	case STEP_EV_MARK_DONE: finish(p, e->at_ms); break;
	default: return;
	}
	if (!p->any || e->at_ms > p->last_ms)
		p->last_ms = e->at_ms;
	p->any = true;
}

bool step_stuck(const struct step_progress *p, const struct step_rules *r, int64_t now_ms)
{
	if (p->state != STEP_TRIED)
		return false;
	if (r->stuck_failures && p->failures >= r->stuck_failures)
		return true;
	return r->stuck_ms > 0 && p->tried_once && now_ms - p->first_try_ms >= r->stuck_ms;
}

const char *step_state_name(enum step_state s)
{
	switch (s) {
	case STEP_NOT_STARTED: return "not_started";
	case STEP_TRIED: return "tried";
	case STEP_DONE: return "done";
	}
	return "not_started";
}
