/* checklessons.c: what `make check-lessons` verifies, step by step:
 * examples run without an unexpected exception (or raise the declared one)
 * and print their declared output; predictions have a well-defined answer
 * and the author's answer is judged right; goals' solutions pass every
 * check while their starters fail one; experiments measure every point. */
#include "lesson/checklessons.h"

#include "api/check.h"

#include <stdio.h>
#include <string.h>

/* Prints the disagreement for a step; returns 1 so callers can `return`. */
static int disagree(const struct lesson *l, const struct step *st, const char *what,
                    json_t *evidence)
{
	char *text = evidence ? json_dumps(evidence, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
	fprintf(stderr, "%s:%d: %s step '%s': %s\n", l->file, st->line, step_kind_name(st->kind),
	        st->id, what);
	if (text)
		fprintf(stderr, "  interpreter said: %.1500s\n", text);
	free(text);
	return 1;
}

/* The run's status string, "?" when absent (borrowed). */
static const char *status_of(json_t *run)
{
	const char *s = json_string_value(json_object_get(run, "status"));
	return s ? s : "?";
}

/* The run's exception type name, or NULL (borrowed). */
static const char *exception_type(json_t *run)
{
	return json_string_value(json_object_get(json_object_get(run, "exception"), "type"));
}

/* Runs step i's own code after its setup. Returns 1 (reported) when the step
 * declares raises= and the run did not raise exactly that, else 0; the run
 * (new reference) is left in *run either way. */
static int run_step(struct pool *pool, const struct lessons *course, const struct config *cfg,
                    const struct lesson *l, size_t i, json_t **run)
{
	const struct step *st = &l->steps[i];
	*run = check_run_sync(pool, cfg, st->code, lessons_setup(course, l, i));
	const char *exc = exception_type(*run);
	if (st->raises && (!exc || strcmp(exc, st->raises) != 0))
		return disagree(l, st, "declared raises= but the run did not raise it", *run);
	return 0;
}

static int check_example(struct pool *pool, const struct lessons *course, const struct config *cfg,
                         const struct lesson *l, size_t i)
{
	const struct step *st = &l->steps[i];
	json_t *run;
	int bad = run_step(pool, course, cfg, l, i, &run);
	const char *printed = json_string_value(json_object_get(run, "stdout"));
	if (!bad && !st->raises && strcmp(status_of(run), "ok") != 0)
		bad = disagree(l, st, "the example does not run cleanly", run);
	else if (!bad && st->output && strcmp(printed ? printed : "", st->output) != 0)
		bad = disagree(l, st, "its output block differs from what it prints", run);
	json_decref(run);
	return bad;
}

static int check_predict(struct pool *pool, const struct lessons *course, const struct config *cfg,
                         const struct lesson *l, size_t i)
{
	const struct step *st = &l->steps[i];
	json_t *run;
	int bad = run_step(pool, course, cfg, l, i, &run);
	if (!bad && !st->raises) {
		if (exception_type(run))
			bad = disagree(l, st, "the code raises, so there is no value to predict",
			               run);
		else if (!json_is_object(json_object_get(run, "result")))
			bad = disagree(l, st, "the last statement is not an expression", run);
		else if (strcmp(status_of(run), "ok") != 0)
			bad = disagree(l, st, "the code does not run cleanly", run);
	}
	json_decref(run);
	if (bad || !st->answer)
		return bad;
	struct check_request req = {.lesson = l->id, .step = st->id, .answer = st->answer};
	int status;
	json_t *body = check_sync(pool, course, cfg, &req, &status);
	if (status != 200 || !json_is_true(json_object_get(body, "correct")))
		bad = disagree(l, st, "the interpreter does not accept the declared answer", body);
	json_decref(body);
	return bad;
}

static int check_goal(struct pool *pool, const struct lessons *course, const struct config *cfg,
                      const struct lesson *l, size_t i)
{
	const struct step *st = &l->steps[i];
	struct check_request req = {.lesson = l->id, .step = st->id, .code = st->solution};
	int status;
	json_t *body = check_sync(pool, course, cfg, &req, &status);
	int bad = 0;
	if (status != 200 || !json_is_true(json_object_get(body, "correct")))
		bad = disagree(l, st, "the solution does not pass every check", body);
	json_decref(body);
	if (bad)
		return bad;
	req.code = st->code;
	body = check_sync(pool, course, cfg, &req, &status);
	if (status != 200 || json_is_true(json_object_get(body, "correct")))
		bad = disagree(l, st, "the starter code already passes every check", body);
	json_decref(body);
	return bad;
}

static int check_experiment(struct pool *pool, const struct lessons *course,
                            const struct config *cfg, const struct lesson *l, size_t i)
{
	const struct step *st = &l->steps[i];
	struct check_request req = {.lesson = l->id, .step = st->id};
	int status;
	json_t *body = check_sync(pool, course, cfg, &req, &status);
	json_t *series = json_object_get(body, "series");
	int bad = 0;
	if (status != 200 || !json_is_true(json_object_get(body, "correct")))
		bad = disagree(l, st, "some points did not run", body);
	else if (json_array_size(series) != st->variants.len * st->nsizes)
		bad = disagree(l, st, "the series is incomplete", body);
	json_decref(body);
	return bad;
}

int checklessons_run(struct pool *pool, const struct lessons *course, const struct config *cfg)
{
	size_t steps = 0;
	for (size_t k = 0; k < lessons_count(course); k++) {
		const struct lesson *l = lessons_at(course, k);
		for (size_t i = 0; i < l->nsteps; i++) {
			int bad = 0;
			switch (l->steps[i].kind) {
			case STEP_EXAMPLE: bad = check_example(pool, course, cfg, l, i); break;
			case STEP_PREDICT: bad = check_predict(pool, course, cfg, l, i); break;
			case STEP_GOAL: bad = check_goal(pool, course, cfg, l, i); break;
			case STEP_EXPERIMENT:
				bad = check_experiment(pool, course, cfg, l, i);
				break;
			}
			if (bad)
				return 1;
			steps++;
		}
	}
	printf("check-lessons: %zu lessons, %zu steps agree with the interpreter\n",
	       lessons_count(course), steps);
	return 0;
}
