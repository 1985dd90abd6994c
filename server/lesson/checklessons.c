/* checklessons.c: what `make check-lessons` verifies, step by step:
 * examples run without an unexpected exception (or raise the declared one)
 * and print their declared output; predictions have a well-defined answer
 * and the author's answer is judged right; goals' solutions pass every
 * check while their starters fail one; experiments measure every point,
 * each named when it does not. Every step (every point) is also reported
 * with what it used, and fails when it used more than half of a limit it
 * runs under (stepusage.h). Version-specific prose that offers
 * alternatives must offer one for every Python checked. */
#include "lesson/checklessons.h"

#include "api/check.h"
#include "lesson/pyversion.h"
#include "lesson/stepusage.h"

#include <stdio.h>
#include <string.h>

/* Prints the disagreement for a step; returns 1 so callers can `return`. */
static int disagree(const struct python_pool *py, const struct lesson *l, const struct step *st,
                    const char *what, json_t *evidence)
{
	char *text = evidence ? json_dumps(evidence, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
	fprintf(stderr, "Python %s: %s:%d: %s step '%s': %s\n", py->version, l->file, st->line,
	        step_kind_name(st->kind), st->id, what);
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

/* Runs step i's own code after its setup and adds its figures to *u.
 * Returns 1 (reported) when the step declares raises= and the run did not
 * raise exactly that, else 0; the run (new reference) is left in *run
 * either way. */
static int run_step(const struct python_pool *py, const struct lessons *course,
                    const struct config *cfg, const struct lesson *l, size_t i, json_t **run,
                    struct step_usage *u)
{
	const struct step *st = &l->steps[i];
	*run = check_run_sync(py->pool, cfg, st->code, lessons_setup(course, l, i));
	step_usage_add_run(u, *run);
	const char *exc = exception_type(*run);
	if (st->raises && (!exc || strcmp(exc, st->raises) != 0))
		return disagree(py, l, st, "declared raises= but the run did not raise it", *run);
	return 0;
}

/* A check of a predict or goal step, measured: the answer (new reference),
 * its run's figures added to *u. */
static json_t *check_measured(const struct python_pool *py, const struct lessons *course,
                              const struct config *cfg, const struct check_request *req,
                              int *status, struct step_usage *u)
{
	json_t *body = check_sync(py->pool, course, cfg, req, status);
	step_usage_add_run(u, json_object_get(body, "run"));
	return body;
}

/* The check_* functions below return 1 when the step disagrees (reported)
 * and add the figures of every run they make to *u. */

static int check_example(const struct python_pool *py, const struct lessons *course,
                         const struct config *cfg, const struct lesson *l, size_t i,
                         struct step_usage *u)
{
	const struct step *st = &l->steps[i];
	json_t *run;
	int bad = run_step(py, course, cfg, l, i, &run, u);
	const char *printed = json_string_value(json_object_get(run, "stdout"));
	const char *output = step_output_for(st, py->version);
	if (!bad && !st->raises && strcmp(status_of(run), "ok") != 0)
		bad = disagree(py, l, st, "the example does not run cleanly", run);
	else if (!bad && output && strcmp(printed ? printed : "", output) != 0)
		bad = disagree(py, l, st, "its output block differs from what it prints", run);
	json_decref(run);
	return bad;
}

static int check_predict(const struct python_pool *py, const struct lessons *course,
                         const struct config *cfg, const struct lesson *l, size_t i,
                         struct step_usage *u)
{
	const struct step *st = &l->steps[i];
	json_t *run;
	int bad = run_step(py, course, cfg, l, i, &run, u);
	if (!bad && !st->raises) {
		if (exception_type(run))
			bad = disagree(py, l, st,
			               "the code raises, so there is no value to predict", run);
		else if (!json_is_object(json_object_get(run, "result")))
			bad = disagree(py, l, st, "the last statement is not an expression", run);
		else if (strcmp(status_of(run), "ok") != 0)
			bad = disagree(py, l, st, "the code does not run cleanly", run);
	}
	json_decref(run);
	const char *answer = step_answer_for(st, py->version);
	if (bad || !answer)
		return bad;
	struct check_request req = {.lesson = l->id, .step = st->id, .answer = answer};
	int status;
	json_t *body = check_measured(py, course, cfg, &req, &status, u);
	if (status != 200 || !json_is_true(json_object_get(body, "correct")))
		bad = disagree(py, l, st, "the interpreter does not accept the declared answer",
		               body);
	json_decref(body);
	return bad;
}

static int check_goal(const struct python_pool *py, const struct lessons *course,
                      const struct config *cfg, const struct lesson *l, size_t i,
                      struct step_usage *u)
{
	const struct step *st = &l->steps[i];
	struct check_request req = {.lesson = l->id, .step = st->id, .code = st->solution};
	int status;
	json_t *body = check_measured(py, course, cfg, &req, &status, u);
	int bad = 0;
	if (status != 200 || !json_is_true(json_object_get(body, "correct")))
		bad = disagree(py, l, st, "the solution does not pass every check", body);
	json_decref(body);
	if (bad)
		return bad;
	req.code = st->code;
	body = check_measured(py, course, cfg, &req, &status, u);
	if (status != 200 || json_is_true(json_object_get(body, "correct")))
		bad = disagree(py, l, st, "the starter code already passes every check", body);
	json_decref(body);
	return bad;
}

/* "'plain class' at N = 1000000": which point p of a series is (into buf). */
static void point_name(json_t *p, char *buf, size_t len)
{
	snprintf(buf, len, "'%s' at N = %lld", json_string_value(json_object_get(p, "variant")),
	         (long long)json_integer_value(json_object_get(p, "n")));
}

/* Names every point of an experiment's series that did not run or has no
 * memory figure, on stderr. Returns how many there were. */
static size_t name_failed_points(const struct python_pool *py, const struct lesson *l,
                                 const struct step *st, json_t *series)
{
	size_t failed = 0, k;
	json_t *p;
	json_array_foreach(series, k, p)
	{
		const char *status = json_string_value(json_object_get(p, "status"));
		char what[64], name[160];
		if (!status || strcmp(status, "ok") != 0)
			snprintf(what, sizeof what, "did not run (status %s)",
			         status ? status : "?");
		else if (!json_is_integer(json_object_get(p, "peak_bytes")))
			snprintf(what, sizeof what, "has no memory figure");
		else
			continue;
		point_name(p, name, sizeof name);
		fprintf(stderr, "Python %s: %s:%d: experiment step '%s': point %s %s\n",
		        py->version, l->file, st->line, st->id, name, what);
		failed++;
	}
	return failed;
}

/* Checks an experiment: every point must run and be measured, each within
 * half of the experiment limits. Prints the step's line (its worst point:
 * the one nearest to a limit) and one line per point; *u gets the worst
 * point's figures. */
static int check_experiment(const struct python_pool *py, const struct lessons *course,
                            const struct config *cfg, const struct lesson *l, size_t i,
                            struct step_usage *u)
{
	const struct step *st = &l->steps[i];
	struct check_request req = {.lesson = l->id, .step = st->id};
	int status;
	json_t *body = check_sync(py->pool, course, cfg, &req, &status);
	json_t *series = json_object_get(body, "series");
	int bad = 0;
	if (status != 200)
		bad = disagree(py, l, st, "the experiment could not run", body);
	else if (name_failed_points(py, l, st, series) ||
	         !json_is_true(json_object_get(body, "correct")))
		bad = disagree(py, l, st, "some points did not run", json_object_get(body, "run"));
	else if (json_array_size(series) != st->variants.len * st->nsizes)
		bad = disagree(py, l, st, "the series is incomplete", body);
	if (bad) {
		json_decref(body);
		return bad;
	}
	struct step_limits lim = step_limits_of(cfg, true);
	char text[400], why[400], name[160];
	size_t k, worst = 0;
	json_t *p;
	json_array_foreach(series, k, p)
	{
		struct step_usage one = step_usage_none();
		step_usage_add_point(&one, p);
		if (k == 0 || step_usage_share(&one, &lim) > step_usage_share(u, &lim)) {
			*u = one;
			worst = k;
		}
	}
	step_usage_text(u, &lim, text, sizeof text);
	point_name(json_array_get(series, worst), name, sizeof name);
	printf("%s:%d experiment %s, %zu points, worst %s: %s\n", l->file, st->line, st->id,
	       json_array_size(series), name, text);
	json_array_foreach(series, k, p)
	{
		struct step_usage one = step_usage_none();
		step_usage_add_point(&one, p);
		step_usage_text(&one, NULL, text, sizeof text);
		point_name(p, name, sizeof name);
		printf("  %s: %s\n", name, text);
		if (!bad && step_usage_too_close(&one, &lim, why, sizeof why)) {
			fprintf(
			    stderr,
			    "Python %s: %s:%d: experiment step '%s': too close to the limit: it "
			    "will fail on a slower machine: point %s used %s\n",
			    py->version, l->file, st->line, st->id, name, why);
			bad = 1;
		}
	}
	json_decref(body);
	return bad;
}

/* Fails a group of two or more version blocks, which are alternatives,
 * when none of them is for Python py: a learner on it would read none
 * there. One block alone is an addition, shown on the Pythons it names and
 * on no other (lessons/README.md). Returns 1 (reported) or 0. */
static int check_versions(const struct python_pool *py, const struct lesson *l,
                          const struct python_prose_list *v)
{
	for (size_t i = 0, j; i < v->len; i = j) {
		bool matched = false;
		char specs[256] = "";
		for (j = i; j < v->len && v->items[j].group == v->items[i].group; j++) {
			matched = matched || pyversion_spec_matches(v->items[j].spec, py->version);
			size_t n = strlen(specs);
			snprintf(specs + n, sizeof specs - n, "%spython=%s", j > i ? ", " : "",
			         v->items[j].spec);
		}
		if (j - i >= 2 && !matched) {
			fprintf(stderr,
			        "Python %s: %s:%d: the version blocks here (%s) are alternatives, "
			        "and none is for Python %s: add a python=%s block, or widen one "
			        "with a plus (python=X.Y+ is X.Y and every later one)\n",
			        py->version, l->file, v->items[i].line, specs, py->version,
			        py->version);
			return 1;
		}
	}
	return 0;
}

/* check_versions on every prose of lesson l: intro, steps, outro. */
static int check_lesson_versions(const struct python_pool *py, const struct lesson *l)
{
	if (check_versions(py, l, &l->intro_versions))
		return 1;
	for (size_t i = 0; i < l->nsteps; i++)
		if (check_versions(py, l, &l->steps[i].prose_versions))
			return 1;
	return check_versions(py, l, &l->outro_versions);
}

/* The heaviest steps by CPU time, experiments apart, heaviest first. */
#define HEAVIEST 5
struct heavy {
	const struct lesson *lesson;
	const struct step *step;
	struct step_usage use;
};

/* Keeps step st among the HEAVIEST in top[] (*n of them so far). */
static void keep_heavy(struct heavy *top, size_t *n, const struct lesson *l, const struct step *st,
                       const struct step_usage *u)
{
	size_t at = *n;
	while (at > 0 && top[at - 1].use.cpu_ms < u->cpu_ms)
		at--;
	if (at >= HEAVIEST)
		return;
	size_t last = *n < HEAVIEST ? *n : HEAVIEST - 1;
	memmove(&top[at + 1], &top[at], (last - at) * sizeof *top);
	top[at] = (struct heavy){l, st, *u};
	if (*n < HEAVIEST)
		(*n)++;
}

/* Checks one non-experiment step, prints its line, and judges its margin.
 * Returns 1 when it disagrees or is too close to a limit (reported). */
static int check_step(const struct python_pool *py, const struct lessons *course,
                      const struct config *cfg, const struct lesson *l, size_t i,
                      struct step_usage *u)
{
	const struct step *st = &l->steps[i];
	int bad = 0;
	switch (st->kind) {
	case STEP_EXAMPLE: bad = check_example(py, course, cfg, l, i, u); break;
	case STEP_PREDICT: bad = check_predict(py, course, cfg, l, i, u); break;
	case STEP_GOAL: bad = check_goal(py, course, cfg, l, i, u); break;
	case STEP_EXPERIMENT: return check_experiment(py, course, cfg, l, i, u);
	}
	if (bad)
		return bad;
	struct step_limits lim = step_limits_of(cfg, false);
	char text[400], why[400];
	step_usage_text(u, &lim, text, sizeof text);
	printf("%s:%d %s %s: %s\n", l->file, st->line, step_kind_name(st->kind), st->id, text);
	if (step_usage_too_close(u, &lim, why, sizeof why)) {
		fprintf(stderr,
		        "Python %s: %s:%d: %s step '%s': too close to the limit: it will fail on "
		        "a slower machine: it used %s\n",
		        py->version, l->file, st->line, step_kind_name(st->kind), st->id, why);
		return 1;
	}
	return 0;
}

/* Checks every step of the course on one Python; prints its summary and
 * its heaviest steps. Returns 0, or 1 at the first disagreement. */
static int check_course(const struct python_pool *py, const struct lessons *course,
                        const struct config *cfg)
{
	size_t steps = 0, nheavy = 0;
	struct heavy top[HEAVIEST];
	printf("check-lessons: Python %s\n", py->version);
	for (size_t k = 0; k < lessons_count(course); k++) {
		const struct lesson *l = lessons_at(course, k);
		if (check_lesson_versions(py, l))
			return 1;
		for (size_t i = 0; i < l->nsteps; i++) {
			struct step_usage u = step_usage_none();
			if (check_step(py, course, cfg, l, i, &u))
				return 1;
			if (l->steps[i].kind != STEP_EXPERIMENT)
				keep_heavy(top, &nheavy, l, &l->steps[i], &u);
			steps++;
		}
	}
	printf("check-lessons: Python %s: %zu lessons, %zu steps agree with the interpreter, each "
	       "within half of its limits\n",
	       py->version, lessons_count(course), steps);
	if (nheavy)
		printf("check-lessons: Python %s: the %zu heaviest steps by CPU (experiments "
		       "apart):\n",
		       py->version, nheavy);
	for (size_t h = 0; h < nheavy; h++) {
		char text[400];
		step_usage_text(&top[h].use, NULL, text, sizeof text);
		printf("  %s:%d %s %s: %s\n", top[h].lesson->file, top[h].step->line,
		       step_kind_name(top[h].step->kind), top[h].step->id, text);
	}
	return 0;
}

int checklessons_run(const struct python_pool *pythons, size_t n, const struct lessons *course,
                     const struct config *cfg)
{
	for (size_t i = 0; i < n; i++)
		if (check_course(&pythons[i], course, cfg))
			return 1;
	printf("check-lessons: every step agrees on Python");
	for (size_t i = 0; i < n; i++)
		printf("%s %s", i ? "," : "", pythons[i].version);
	printf("\n");
	return 0;
}
