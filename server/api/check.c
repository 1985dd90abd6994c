/* check.c: one check of a lesson step = one or more sandboxed runs whose
 * contracts (and the runner's verdict) become one JSON answer. */
#include "api/check.h"

#include "api/metrics.h"
#include "api/result.h"
#include "common/errbody.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One check in flight: how many runs are outstanding and what they gave. */
struct check_job {
	pthread_mutex_t lock;
	const struct step *step; /* borrowed from the course, which outlives the server */
	struct result_context ctx;
	char python[32];
	check_done_fn done;
	void *user;
	bool measure; /* check_request.measure */
	size_t total, remaining;
	json_t **runs; /* one contract per run, in submission order */
	long *sizes;   /* experiment: n of each run */
	size_t *variants;
};

/* The string value of v (borrowed), or `fallback` when v is not a string. */
static const char *text_or(json_t *v, const char *fallback)
{
	const char *s = json_string_value(v);
	return s ? s : fallback;
}

/* Builds the verdict request a predict or goal run carries. */
static char *verdict_request(const struct step *st, const char *answer)
{
	json_t *spec;
	if (st->kind == STEP_PREDICT) {
		spec = json_pack("{s:s}", "predict", answer);
	} else {
		json_t *checks = json_array();
		for (size_t i = 0; i < st->checks.len; i++)
			json_array_append_new(checks, json_pack("{s:s, s:s}", "code",
			                                        st->checks.items[i].text, "message",
			                                        st->checks.items[i].label
			                                            ? st->checks.items[i].label
			                                            : "a hidden check"));
		spec = json_pack("{s:o}", "checks", checks);
	}
	char *text = spec ? json_dumps(spec, JSON_COMPACT) : NULL;
	json_decref(spec);
	return text;
}

/* Adds "usage" to a run contract: what the run used as the pool saw it
 * from outside, {"cpu_ms": the child's whole CPU time (rusage, what
 * RLIMIT_CPU counts; null when unknown: no exit reported, or a wall-clock
 * kill), "wall_ms": from hand-over to the frame or death (what the wall
 * limit counts)}. Leaves the contract as it was when out of memory. */
static void add_usage(json_t *run, const struct pool_outcome *o)
{
	bool known = (o->kind == OUTCOME_RESULT || o->kind == OUTCOME_DIED) && o->cpu_ms >= 0;
	json_object_set_new(run, "usage",
	                    json_pack("{s:o, s:f}", "cpu_ms",
	                              known ? json_integer(o->cpu_ms) : json_null(), "wall_ms",
	                              o->wall_ms));
}

/* Takes the runner's verdict out of a contract (new reference or NULL). */
static json_t *take_verdict(json_t *run)
{
	json_t *v = json_object_get(run, "verdict");
	json_incref(v);
	json_object_del(run, "verdict");
	return v;
}

/* The answer to a prediction. */
static json_t *predict_answer(const struct step *st, json_t *run)
{
	json_t *v = take_verdict(run);
	json_t *expected = json_object_get(v, "expected");
	bool correct = json_is_true(json_object_get(v, "correct"));
	const char *exc = json_string_value(json_object_get(expected, "exception"));
	const char *repr = json_string_value(json_object_get(expected, "repr"));
	const char *type = json_string_value(json_object_get(expected, "type"));
	char msg[600];
	if (!v || !expected)
		snprintf(msg, sizeof msg, "The snippet did not run to a result: %s",
		         text_or(json_object_get(run, "message"), "see the run."));
	else if (exc)
		snprintf(msg, sizeof msg, "%s It raises %s.", correct ? "Right!" : "Not quite.",
		         exc);
	else
		snprintf(msg, sizeof msg, "%s It evaluates to %.400s (type %s).",
		         correct ? "Right!" : "Not quite.", repr ? repr : "?", type ? type : "?");
	json_t *body = json_pack("{s:b, s:O, s:s, s:O*}", "correct", correct, "run", run, "message",
	                         msg, "expected", expected);
	if (body && st->explain)
		json_object_set_new(body, "explain", json_string(st->explain));
	json_decref(v);
	return body;
}

/* The answer to a goal: which checks pass, and the first hint when not. */
static json_t *goal_answer(const struct step *st, json_t *run)
{
	json_t *v = take_verdict(run);
	json_t *checks = json_object_get(v, "checks");
	bool correct = v && json_is_true(json_object_get(v, "correct"));
	const char *status = json_string_value(json_object_get(run, "status"));
	char msg[600];
	if (correct) {
		snprintf(msg, sizeof msg, "Goal reached: every check passes.");
	} else if (!checks) {
		snprintf(msg, sizeof msg, "Your code did not finish (%s): %s",
		         status ? status : "?",
		         text_or(json_object_get(run, "message"), "see the run."));
	} else {
		const char *first = "a check";
		size_t i;
		json_t *c;
		json_array_foreach(checks, i, c) if (!json_is_true(json_object_get(c, "passed")))
		{
			first = text_or(json_object_get(c, "message"), first);
			break;
		}
		snprintf(msg, sizeof msg, "Not yet: %s", first);
	}
	json_t *body = json_pack("{s:b, s:O, s:s, s:O*}", "correct", correct, "run", run, "message",
	                         msg, "checks", checks);
	if (body && !correct && st->hints.len)
		json_object_set_new(body, "hint", json_string(st->hints.items[0].text));
	json_decref(v);
	return body;
}

/* The answer to an experiment: the series, in variant-major order. */
static json_t *experiment_answer(struct check_job *j)
{
	const struct step *st = j->step;
	json_t *series = json_array();
	json_t *first_bad = NULL;
	for (size_t i = 0; i < j->total; i++) {
		json_t *run = j->runs[i];
		const char *status = text_or(json_object_get(run, "status"), "crashed");
		json_t *peak = json_object_get(json_object_get(run, "memory"), "peak_bytes");
		json_array_append_new(series,
		                      json_pack("{s:s, s:I, s:O*, s:s, s:O*}", "variant",
		                                st->variants.items[j->variants[i]].label, "n",
		                                (json_int_t)j->sizes[i], "peak_bytes",
		                                json_is_integer(peak) ? peak : NULL, "status",
		                                status, "usage", json_object_get(run, "usage")));
		if (!first_bad && (strcmp(status, "ok") != 0 || !json_is_integer(peak)))
			first_bad = run; /* a point without a measurement is no point */
	}
	char msg[600];
	const char *absent =
	    json_string_value(json_object_get(json_object_get(first_bad, "memory"), "absent"));
	if (first_bad && absent && !json_string_value(json_object_get(first_bad, "message")))
		snprintf(msg, sizeof msg, "Some points have no memory figure: %s.", absent);
	else if (first_bad)
		snprintf(msg, sizeof msg, "Some points did not run: %s",
		         text_or(json_object_get(first_bad, "message"), "see the run."));
	else
		snprintf(msg, sizeof msg, "Measured %zu variants at %zu sizes.", st->variants.len,
		         st->nsizes);
	return json_pack("{s:b, s:o, s:O, s:s}", "correct", first_bad == NULL, "series", series,
	                 "run", first_bad ? first_bad : j->runs[j->total - 1], "message", msg);
}

/* Frees a check and every run contract it holds. */
static void check_job_free(struct check_job *j)
{
	for (size_t i = 0; i < j->total; i++)
		json_decref(j->runs[i]);
	free(j->runs);
	free(j->sizes);
	free(j->variants);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

/* Returns {"error": message} as a new JSON value, the text errbody_json
 * builds for every error answer (message borrowed), or NULL when out of
 * memory. */
static json_t *error_value(const char *message)
{
	char *text = errbody_json(message, NULL);
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	return v;
}

/* Builds the answer once every run is in, and hands it over. */
static void check_finish(struct check_job *j)
{
	json_t *body;
	if (j->step->kind == STEP_EXPERIMENT)
		body = experiment_answer(j);
	else if (j->step->kind == STEP_PREDICT)
		body = predict_answer(j->step, j->runs[0]);
	else
		body = goal_answer(j->step, j->runs[0]);
	if (body) /* which Python answered, as each run says too */
		json_object_set_new(body, "python", json_string(j->python));
	j->done(j->user, body ? 200 : 500, body ? body : error_value("out of memory"));
	check_job_free(j);
}

/* Context of one run of a check. */
struct run_slot {
	struct check_job *job;
	size_t index;
};

/* Pool callback for one run of a check. */
static void run_done(void *user, const struct pool_outcome *o)
{
	struct run_slot *slot = user;
	struct check_job *j = slot->job;
	j->ctx.python = j->python;
	json_t *run = result_from_outcome(o, &j->ctx);
	if (run && j->measure)
		add_usage(run, o);
	metrics_run(json_string_value(json_object_get(run, "status")), o->wall_ms + o->queue_ms);
	pthread_mutex_lock(&j->lock);
	j->runs[slot->index] = run;
	bool last = --j->remaining == 0;
	pthread_mutex_unlock(&j->lock);
	free(slot);
	if (last)
		check_finish(j);
}

/* Records that run `index` will never come (its submission failed). */
static void run_missing(struct check_job *j, size_t index)
{
	pthread_mutex_lock(&j->lock);
	j->runs[index] = json_pack("{s:s, s:s}", "status", "crashed", "message",
	                           "The server was too busy to run this point; try again.");
	bool last = --j->remaining == 0;
	pthread_mutex_unlock(&j->lock);
	if (last)
		check_finish(j);
}

/* Returns a new string (caller frees): a, b and c joined by newlines; NULL
 * when out of memory. */
static char *join3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = malloc(la + lb + lc + 3);
	if (s)
		snprintf(s, la + lb + lc + 3, "%s\n%s\n%s", a, b, c);
	return s;
}

/* Validates the request against the course. Returns 0 with *lesson and
 * *index set, or an HTTP status with err filled. */
static int find_step(const struct lessons *course, const struct check_request *req,
                     const struct lesson **lesson, int *index, char *err, size_t errlen)
{
	if (!req->lesson || !req->step) {
		snprintf(err, errlen, "send {\"lesson\": id, \"step\": id, ...}");
		return 400;
	}
	*lesson = lessons_find(course, req->lesson);
	if (!*lesson) {
		snprintf(err, errlen, "no lesson '%.100s'", req->lesson);
		return 404;
	}
	*index = lessons_step_index(*lesson, req->step);
	if (*index < 0) {
		snprintf(err, errlen, "lesson '%.100s' has no step '%.100s'", req->lesson,
		         req->step);
		return 404;
	}
	const struct step *st = &(*lesson)->steps[*index];
	if (st->kind == STEP_EXAMPLE) {
		snprintf(err, errlen, "'%.100s' is an example: run it with POST /api/run",
		         req->step);
		return 400;
	}
	if (st->kind == STEP_PREDICT && !req->answer) {
		snprintf(err, errlen, "a prediction needs \"answer\"");
		return 400;
	}
	if (st->kind == STEP_GOAL && !req->code) {
		snprintf(err, errlen, "a goal needs \"code\"");
		return 400;
	}
	return 0;
}

int check_start(struct pool *pool, const struct lessons *course, const struct config *cfg,
                const struct check_request *req, check_done_fn done, void *user, char *err,
                size_t errlen)
{
	const struct lesson *lesson;
	int index;
	int status = find_step(course, req, &lesson, &index, err, errlen);
	if (status)
		return status;
	const struct step *st = &lesson->steps[index];
	const char *setup = lessons_setup(course, lesson, (size_t)index);
	size_t total = st->kind == STEP_EXPERIMENT ? st->variants.len * st->nsizes : 1;
	char *extra = NULL;
	status = 500;
	snprintf(err, errlen, "out of memory");
	struct check_job *j = calloc(1, sizeof *j);
	if (!j)
		return status;
	pthread_mutex_init(&j->lock, NULL); /* before anything that may fail: check_job_free */
	if (!(j->runs = calloc(total, sizeof *j->runs)) ||
	    !(j->sizes = calloc(total, sizeof *j->sizes)) ||
	    !(j->variants = calloc(total, sizeof *j->variants)))
		goto free_job;
	if (st->kind != STEP_EXPERIMENT && !(extra = verdict_request(st, req->answer)))
		goto free_job;
	j->step = st;
	j->done = done;
	j->user = user;
	j->measure = req->measure;
	j->total = j->remaining = total;
	bool point = st->kind == STEP_EXPERIMENT;
	j->ctx = (struct result_context){point ? cfg->experiment_cpu_seconds : cfg->cpu_seconds,
	                                 point ? cfg->experiment_wall_ms : cfg->wall_ms,
	                                 point ? cfg->experiment_memory_bytes : cfg->memory_bytes,
	                                 cfg->output_bytes, NULL};
	struct pool_stats ps;
	pool_stats(pool, &ps);
	memcpy(j->python, ps.python, sizeof j->python);

	const char *code = st->kind == STEP_PREDICT ? st->code : req->code ? req->code : st->code;
	for (size_t k = 0; k < total; k++) {
		size_t i = st->kind == STEP_EXPERIMENT ? step_point_order(st, k) : k;
		char *point_setup = NULL;
		if (st->kind == STEP_EXPERIMENT) {
			char n[48];
			j->variants[i] = i / st->nsizes;
			j->sizes[i] = st->sizes[i % st->nsizes];
			snprintf(n, sizeof n, "N = %ld", j->sizes[i]);
			point_setup = join3(setup, st->variants.items[j->variants[i]].text, n);
		}
		const char *s = point_setup ? point_setup : setup;
		struct run_input in = {.code = code,
		                       .code_len = strlen(code),
		                       .setup = s,
		                       .setup_len = strlen(s),
		                       .extra = extra,
		                       .extra_len = extra ? strlen(extra) : 0,
		                       .memory_bytes = j->ctx.memory_bytes,
		                       .cpu_seconds = j->ctx.cpu_seconds,
		                       .wall_ms = j->ctx.wall_ms,
		                       .client = req->client,
		                       .never_idle = st->kind == STEP_EXPERIMENT,
		                       .whole_cpu = req->measure};
		struct run_slot *slot = malloc(sizeof *slot);
		enum pool_submit_result rc = POOL_NOMEM;
		if (slot && (st->kind == STEP_EXPERIMENT ? point_setup != NULL : true)) {
			*slot = (struct run_slot){j, i};
			rc = pool_submit(pool, &in, run_done, slot);
		}
		free(point_setup);
		if (rc == POOL_QUEUED)
			continue;
		free(slot);
		if (k == 0) { /* nothing started: refuse the whole check */
			status = rc == POOL_CLIENT_FULL ? 429 : 503;
			snprintf(err, errlen, "%s",
			         rc == POOL_CLIENT_FULL
			             ? "you have too many runs waiting; try again "
			               "when they have finished"
			         : rc == POOL_NO_POOL
			             ? "this server has no runner, so it cannot check code"
			             : "every runner is busy; try again in a moment");
			goto free_job;
		}
		for (; k < total; k++)
			run_missing(j, st->kind == STEP_EXPERIMENT ? step_point_order(st, k) : k);
		break;
	}
	free(extra);
	return 0;
free_job:
	free(extra);
	check_job_free(j);
	return status;
}

/* Rendezvous for check_sync. */
struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	int status;
	json_t *body;
};

/* check_done_fn for check_sync: hands the answer to the waiting thread. */
static void wake(void *user, int status, json_t *body)
{
	struct waiter *w = user;
	pthread_mutex_lock(&w->lock);
	w->status = status;
	w->body = body;
	w->done = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* A plain run waited for: the rendezvous and how to word its limits. */
struct plain_wait {
	struct waiter w;
	struct result_context ctx;
};

/* Pool callback for check_run_sync. */
static void plain_done(void *user, const struct pool_outcome *o)
{
	struct plain_wait *pw = user;
	json_t *run = result_from_outcome(o, &pw->ctx);
	if (run)
		add_usage(run, o);
	wake(&pw->w, 200, run);
}

json_t *check_run_sync(struct pool *pool, const struct config *cfg, const char *code,
                       const char *setup)
{
	struct pool_stats ps;
	pool_stats(pool, &ps);
	struct plain_wait pw = {
	    .w = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER},
	    .ctx = {cfg->cpu_seconds, cfg->wall_ms, cfg->memory_bytes, cfg->output_bytes,
	            ps.python}};
	struct run_input in = {.code = code,
	                       .code_len = strlen(code),
	                       .setup = setup,
	                       .setup_len = strlen(setup),
	                       .memory_bytes = cfg->memory_bytes,
	                       .cpu_seconds = cfg->cpu_seconds,
	                       .whole_cpu = true};
	if (pool_submit(pool, &in, plain_done, &pw) != POOL_QUEUED)
		return json_pack("{s:s, s:s}", "status", "crashed", "message",
		                 "the pool refused the run");
	pthread_mutex_lock(&pw.w.lock);
	while (!pw.w.done)
		pthread_cond_wait(&pw.w.cond, &pw.w.lock);
	pthread_mutex_unlock(&pw.w.lock);
	return pw.w.body;
}

json_t *check_sync(struct pool *pool, const struct lessons *course, const struct config *cfg,
                   const struct check_request *req, int *status)
{
	struct waiter w = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
	char err[256];
	struct check_request measured = *req;
	measured.measure = true;
	int rc = check_start(pool, course, cfg, &measured, wake, &w, err, sizeof err);
	if (rc) {
		*status = rc;
		return error_value(err);
	}
	pthread_mutex_lock(&w.lock);
	while (!w.done)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	*status = w.status;
	return w.body;
}
