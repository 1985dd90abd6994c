/* api.c: handlers of the JSON API. */
#include "api/api.h"

#include "api/check.h"
#include "api/classes.h"
#include "pool/fairq.h"
#include "api/learner.h"
#include "lesson/lessons.h"
#include "api/metrics.h"
#include "api/request.h"
#include "api/result.h"
#include "api/routes.h"
#include "common/errbody.h"
#include "sandbox/sandbox.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sets resp to the JSON `text` (steals it). NULL text means memory ran out:
 * the answer is then a 500 error body, or no body at all. */
static void text_response(struct http_response *resp, int status, char *text)
{
	if (!text) {
		text = errbody_json("out of memory", NULL);
		status = 500;
	}
	resp->status = status;
	resp->body = text;
	resp->body_len = text ? strlen(text) : 0;
	resp->content_type = "application/json";
	resp->cache = "no-store";
}

/* Sets resp to the compact JSON of `value` (steals the reference). */
static void json_response(struct http_response *resp, int status, json_t *value)
{
	char *text = value ? json_dumps(value, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
	json_decref(value);
	text_response(resp, status, text);
}

void api_error(struct http_response *resp, int status, const char *message)
{
	text_response(resp, status, errbody_json(message, NULL));
}

void api_json(struct http_response *resp, int status, json_t *value)
{
	json_response(resp, status, value);
}

void api_text(struct http_response *resp, char *text, size_t len, const char *content_type)
{
	if (!text) {
		api_error(resp, 500, "out of memory");
		return;
	}
	resp->status = 200;
	resp->body = text;
	resp->body_len = len;
	resp->content_type = content_type;
	resp->cache = "no-store";
}

json_t *api_body_object(const struct http_request *req, struct http_response *resp,
                        const char *example)
{
	json_error_t jerr;
	json_t *root =
	    json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (root && json_is_object(root))
		return root;
	char msg[320];
	snprintf(msg, sizeof msg, "the body must be a JSON object like %s%s%s", example,
	         root ? "" : ": ", root ? "" : jerr.text);
	json_decref(root);
	api_error(resp, 400, msg);
	return NULL;
}

/* What a run callback needs: where to answer and how to word limits. */
struct run_call {
	struct http_exchange *ex;
	struct result_context ctx;
	char python[32];
	struct classes *classes;
	struct classes_ticket *ticket; /* a class member's run of a lesson step, or NULL */
};

/* Pool callback: turns the outcome into the contract and resumes the request. */
static void run_done(void *user, const struct pool_outcome *outcome)
{
	struct run_call *call = user;
	call->ctx.python = call->python;
	json_t *r = result_from_outcome(outcome, &call->ctx); /* new */
	struct http_response *resp = http_exchange_response(call->ex);
	const char *status = json_string_value(json_object_get(r, "status"));
	snprintf(resp->note, sizeof resp->note, "%s", status ? status : "?");
	metrics_run(status, outcome->wall_ms + outcome->queue_ms);
	classes_record_run(call->classes, call->ticket, r);
	json_response(resp, 200, r);
	http_complete(call->ex);
	free(call);
}

static enum handler_result handle_run(struct api *api, const struct http_request *req,
                                      struct http_response *resp, struct http_exchange *ex,
                                      const char *param)
{
	(void)param;
	char err[256];
	struct run_request run;
	int status = run_request_parse(req->body, req->body_len, api->cfg->source_bytes, &run, err,
	                               sizeof err);
	if (status) {
		api_error(resp, status, err);
		return HANDLER_DONE;
	}
	struct run_call *call = calloc(1, sizeof *call);
	if (!call) {
		run_request_free(&run);
		api_error(resp, 500, "out of memory");
		return HANDLER_DONE;
	}
	struct pool_stats st;
	pool_stats(api->pool, &st);
	call->ex = ex;
	call->ctx = (struct result_context){api->cfg->cpu_seconds, api->cfg->wall_ms,
	                                    api->cfg->memory_bytes, api->cfg->output_bytes, NULL};
	memcpy(call->python, st.python, sizeof call->python);
	char client[FAIRQ_KEY_MAX];
	learner_client_key(req->learner, req->client, client, sizeof client);
	struct run_input in = {.code = run.code,
	                       .code_len = run.code_len,
	                       .setup = run.setup,
	                       .setup_len = run.setup_len,
	                       .memory_bytes = api->cfg->memory_bytes,
	                       .cpu_seconds = api->cfg->cpu_seconds,
	                       .client = client};
	if (*run.lesson) { /* the setup of a lesson step stays on the server */
		const struct lesson *l = lessons_find(api->lessons, run.lesson);
		int index = l ? lessons_step_index(l, run.step) : -1;
		if (index < 0) {
			run_request_free(&run);
			free(call);
			api_error(resp, 404, "no such lesson step");
			return HANDLER_DONE;
		}
		in.setup = lessons_setup(api->lessons, l, (size_t)index);
		in.setup_len = strlen(in.setup);
		call->classes = api->classes;
		call->ticket = classes_ticket_new(api->classes, req->learner, run.lesson, run.step,
		                                  NULL, run.code);
	}
	enum pool_submit_result rc = pool_submit(api->pool, &in, run_done, call);
	run_request_free(&run);
	if (rc == POOL_QUEUED)
		return HANDLER_PENDING;
	classes_ticket_free(call->ticket);
	free(call);
	if (rc == POOL_NOMEM) {
		api_error(resp, 500, "out of memory");
		return HANDLER_DONE;
	}
	if (rc == POOL_NO_POOL) {
		api_error(resp, 503, "this server has no runner, so it cannot run code");
		return HANDLER_DONE;
	}
	if (rc == POOL_CLIENT_FULL)
		api_error(resp, 429,
		          "you have too many runs waiting; try again when they have finished");
	else
		api_error(resp, 503,
		          rc == POOL_FULL
		              ? "every runner is busy and the queue is full; try again in a moment"
		              : "the server is shutting down");
	resp->retry_after = 1;
	return HANDLER_DONE;
}

/* GET /api/health: Python version, sandbox layers, pool state and limits. */
static enum handler_result handle_health(struct api *api, const struct http_request *req,
                                         struct http_response *resp, struct http_exchange *ex,
                                         const char *param)
{
	(void)req;
	(void)ex;
	(void)param;
	struct pool_stats st;
	pool_stats(api->pool, &st);
	json_t *layers = json_object();
	for (unsigned bit = 1; bit < (1u << LAYER_COUNT); bit <<= 1)
		json_object_set_new(layers, sandbox_layer_name(bit),
		                    json_string(st.layers & bit ? "active" : "unavailable"));
	bool complete = (st.layers & LAYERS_REQUIRED) == LAYERS_REQUIRED;
	json_t *body = json_pack(
	    "{s:s, s:s, s:{s:o, s:b, s:b, s:i}, s:{s:i, s:i, s:i, s:I, s:I, s:i, s:I, s:I}, "
	    "s:{s:i, s:i, s:I, s:I, s:i, s:i, s:I, s:I}, s:{s:i, s:i, s:i, s:i, s:I, s:I, s:I}}",
	    "status", complete ? "ok" : "degraded", "python", st.python, "sandbox", "layers",
	    layers, "strict", api->cfg->strict, "required_active", complete, "landlock_abi",
	    st.landlock_abi, "pool", "size", st.pool_size, "ready", st.ready, "in_flight",
	    st.in_flight, "queued", (json_int_t)st.queued, "queue_max", (json_int_t)st.queue_max,
	    "zygote_pid", (int)st.zygote_pid, "zygote_restarts", (json_int_t)st.zygote_restarts,
	    "runs", (json_int_t)st.runs, "limits", "cpu_seconds", api->cfg->cpu_seconds, "wall_ms",
	    api->cfg->wall_ms, "memory_bytes", (json_int_t)api->cfg->memory_bytes,
	    "experiment_memory_bytes", (json_int_t)api->cfg->experiment_memory_bytes,
	    "experiment_cpu_seconds", api->cfg->experiment_cpu_seconds, "experiment_wall_ms",
	    api->cfg->experiment_wall_ms, "output_bytes", (json_int_t)api->cfg->output_bytes,
	    "source_bytes", (json_int_t)api->cfg->source_bytes, "fairness", "runs_max", st.runs_max,
	    "client_runs", api->cfg->client_runs, "demote_cpu_ms", api->cfg->demote_cpu_ms,
	    "idle_cpu_ms", api->cfg->idle_cpu_ms, "clients", (json_int_t)st.clients, "demoted",
	    (json_int_t)st.demoted, "idled", (json_int_t)st.idled);
	json_response(resp, 200, body);
	return HANDLER_DONE;
}

/* Copies a prebuilt JSON body into the response. */
static enum handler_result static_json(struct http_response *resp, const char *json)
{
	resp->status = 200;
	resp->body = strdup(json);
	resp->body_len = resp->body ? strlen(json) : 0;
	resp->content_type = "application/json";
	resp->cache = "no-cache";
	if (!resp->body)
		api_error(resp, 500, "out of memory");
	return HANDLER_DONE;
}

/* GET /api/lessons: the course index, prebuilt. */
static enum handler_result handle_lessons(struct api *api, const struct http_request *req,
                                          struct http_response *resp, struct http_exchange *ex,
                                          const char *param)
{
	(void)req;
	(void)ex;
	(void)param;
	return static_json(resp, lessons_index_json(api->lessons));
}

/* GET /api/lessons/{id}: one lesson, prebuilt; 404 for an unknown id. */
static enum handler_result handle_lesson(struct api *api, const struct http_request *req,
                                         struct http_response *resp, struct http_exchange *ex,
                                         const char *param)
{
	(void)req;
	(void)ex;
	const char *json = lessons_detail_json(api->lessons, param);
	if (!json) {
		api_error(resp, 404, "no such lesson");
		return HANDLER_DONE;
	}
	return static_json(resp, json);
}

/* A check in flight: where to answer, and a class member's ticket. */
struct check_call {
	struct http_exchange *ex;
	struct classes *classes;
	struct classes_ticket *ticket; /* NULL: nothing to record */
};

/* Answers a check's request (classes_finish_fn too). */
static void check_answer(void *user, int status, json_t *body)
{
	struct http_exchange *ex = user;
	json_response(http_exchange_response(ex), status, body);
	http_complete(ex);
}

/* Check callback: records a member's check, answering once it is written,
 * or answers at once. */
static void check_done(void *user, int status, json_t *body)
{
	struct check_call *call = user;
	struct http_exchange *ex = call->ex;
	struct classes_ticket *t = call->ticket;
	struct classes *c = call->classes;
	free(call);
	if (!body || !classes_record_check(c, t, status, body, check_answer, ex)) {
		if (!body)
			classes_ticket_free(t);
		check_answer(ex, status, body);
	}
}

/* Reads an optional string member; false when present with another type. */
static bool optional_string(json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);
	*out = json_string_value(v);
	return !v || json_is_null(v) || json_is_string(v);
}

/* Parses {"lesson", "step", "answer"|"code"} (a new reference through *root,
 * which owns the strings). Returns 0 or an HTTP status with err filled. */
static int parse_check(const struct http_request *req, long source_limit, json_t **root,
                       struct check_request *out, char *err, size_t errlen)
{
	json_error_t jerr;
	*root = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*root || !json_is_object(*root)) {
		snprintf(err, errlen,
		         "the body must be a JSON object like {\"lesson\": ..., \"step\": ...}%s%s",
		         *root ? "" : ": ", *root ? "" : jerr.text);
		return 400;
	}
	if (!optional_string(*root, "lesson", &out->lesson) ||
	    !optional_string(*root, "step", &out->step) ||
	    !optional_string(*root, "answer", &out->answer) ||
	    !optional_string(*root, "code", &out->code)) {
		snprintf(err, errlen, "lesson, step, answer and code must be strings");
		return 400;
	}
	const char *texts[2] = {out->answer, out->code};
	for (int i = 0; i < 2; i++)
		if (texts[i] && (long)strlen(texts[i]) > source_limit) {
			snprintf(err, errlen, "the %s is longer than %ld bytes",
			         i ? "code" : "answer", source_limit);
			return 413;
		}
	return 0;
}

static enum handler_result handle_check(struct api *api, const struct http_request *req,
                                        struct http_response *resp, struct http_exchange *ex,
                                        const char *param)
{
	(void)param;
	char err[256];
	json_t *root = NULL;
	struct check_request creq = {0};
	char client[FAIRQ_KEY_MAX];
	learner_client_key(req->learner, req->client, client, sizeof client);
	creq.client = client;
	int status = parse_check(req, api->cfg->source_bytes, &root, &creq, err, sizeof err);
	struct check_call *call = status ? NULL : calloc(1, sizeof *call);
	if (!status && !call) {
		status = 500;
		snprintf(err, sizeof err, "out of memory");
	}
	if (!status) {
		*call =
		    (struct check_call){ex, api->classes,
		                        classes_ticket_new(api->classes, req->learner, creq.lesson,
		                                           creq.step, creq.answer, creq.code)};
		status = check_start(api->pool, api->lessons, api->cfg, &creq, check_done, call,
		                     err, sizeof err);
		if (status) {
			classes_ticket_free(call->ticket);
			free(call);
		}
	}
	json_decref(root);
	if (!status)
		return HANDLER_PENDING;
	api_error(resp, status, err);
	if (status == 503 || status == 429)
		resp->retry_after = 1;
	return HANDLER_DONE;
}

/* POST /api/solution {"lesson", "step"}: a goal's solution, on request. */
static enum handler_result handle_solution(struct api *api, const struct http_request *req,
                                           struct http_response *resp, struct http_exchange *ex,
                                           const char *param)
{
	(void)ex;
	(void)param;
	char err[256];
	json_t *root = NULL;
	struct check_request creq = {0};
	int status = parse_check(req, api->cfg->source_bytes, &root, &creq, err, sizeof err);
	const struct lesson *l =
	    status ? NULL : lessons_find(api->lessons, creq.lesson ? creq.lesson : "");
	int index = l && creq.step ? lessons_step_index(l, creq.step) : -1;
	json_decref(root);
	if (status) {
		api_error(resp, status, err);
	} else if (index < 0) {
		api_error(resp, 404, "no such lesson step");
	} else if (l->steps[index].kind != STEP_GOAL) {
		api_error(resp, 400, "only goals have solutions");
	} else {
		json_response(resp, 200, json_pack("{s:s}", "solution", l->steps[index].solution));
	}
	return HANDLER_DONE;
}

/* GET /metrics: the Prometheus text format (metrics.h). */
static enum handler_result handle_metrics(struct api *api, const struct http_request *req,
                                          struct http_response *resp, struct http_exchange *ex,
                                          const char *param)
{
	(void)req;
	(void)ex;
	(void)param;
	struct pool_stats st;
	pool_stats(api->pool, &st);
	size_t len;
	struct classes_stats cs;
	classes_stats(api->classes, &cs);
	struct metrics_records rec = {cs.saved,          cs.queued,        cs.unsaved,
	                              cs.store.commits,  cs.store.written, cs.store.failed,
	                              cs.store.rejected, cs.members};
	char *text =
	    metrics_render(&st, LAYER_COUNT, sandbox_layer_name, api->classes ? &rec : NULL, &len);
	api_text(resp, text, len, "text/plain; version=0.0.4; charset=utf-8");
	return HANDLER_DONE;
}

/* A route's handler: param is the {id} segment of the path, or NULL. */
typedef enum handler_result (*route_fn)(struct api *api, const struct http_request *req,
                                        struct http_response *resp, struct http_exchange *ex,
                                        const char *param);

/* Each route's handler, from the one table in routes.h. */
#define ROUTES_HANDLER(id, methods, path, label, handler) [ROUTE_##id] = handler,
static const route_fn handlers[ROUTE_COUNT] = {ROUTES(ROUTES_HANDLER)};
#undef ROUTES_HANDLER

enum handler_result api_handle(void *ctx, const struct http_request *req,
                               struct http_response *resp, struct http_exchange *ex)
{
	const char *param = NULL;
	int id = routes_find(req->path, &param);
	if (id < 0) {
		api_error(resp, 404, "no such API route");
		return HANDLER_DONE;
	}
	if (!routes_allows(id, req->method)) {
		api_error(resp, 405, "method not allowed on this route");
		resp->allow = routes_table[id].methods;
		return HANDLER_DONE;
	}
	return handlers[id](ctx, req, resp, ex, param);
}
