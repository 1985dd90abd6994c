/* teach.c: the teacher's routes (classes.h): the session, creating,
 * listing and deleting classes, the class view with each step's state and
 * who is stuck (without the learners' code unless ?code=all), one
 * learner's latest code for one step, and the CSV export. Every route but
 * the session's login asks teacher.h first. */
#include "api/classes_impl.h"

#include "api/teacher.h"
#include "classes/csvcell.h"
#include "common/buf.h"
#include "common/utf8.h"
#include "http/query.h"
#include "lesson/lessons.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Tries at a free code before giving up (22^6 codes: a clash is rare). */
#define CODE_TRIES 8

/* How to ask for one learner's code, quoted by its 400s. */
#define CODE_QUERY "?learner=N&lesson=ID&step=ID"

/* Answers for a verdict that is not TEACHER_YES; true when it was YES. */
static bool teacher_only(struct api *api, const struct http_request *req,
                         struct http_response *resp)
{
	if (!classes_on(api, resp))
		return false;
	int retry = 0;
	enum teacher_verdict v =
	    teacher_judge(api->classes->teacher, req, classes_now_ms(), &retry);
	switch (v) {
	case TEACHER_YES: return true;
	case TEACHER_NONE:
		api_error(
		    resp, 401,
		    "this is for the teacher: log in at /teach, or send Authorization: Bearer "
		    "with the teacher token");
		break;
	case TEACHER_WRONG: api_error(resp, 403, "that is not the teacher token"); break;
	case TEACHER_THROTTLED:
		api_error(resp, 429, "too many wrong teacher tokens from here; wait a minute");
		resp->retry_after = retry;
		break;
	}
	return false;
}

enum handler_result handle_teach_session(struct api *api, const struct http_request *req,
                                         struct http_response *resp, struct http_exchange *ex,
                                         const char *param)
{
	(void)ex;
	(void)param;
	if (!classes_on(api, resp))
		return HANDLER_DONE;
	struct teacher *t = api->classes->teacher;
	bool secure = teacher_request_secure(req);
	if (strcmp(req->method, "DELETE") == 0) {
		teacher_logout(t, req, secure, resp->set_cookie2, sizeof resp->set_cookie2);
		api_json(resp, 200, json_pack("{s:b}", "teacher", 0));
		return HANDLER_DONE;
	}
	if (strcmp(req->method, "POST") != 0) {
		if (teacher_only(api, req, resp))
			api_json(resp, 200, json_pack("{s:b}", "teacher", 1));
		return HANDLER_DONE;
	}
	json_t *root = api_body_object(req, resp, "{\"token\": \"...\"}");
	if (!root)
		return HANDLER_DONE;
	json_t *tok = json_object_get(root, "token");
	int retry = 0;
	enum teacher_verdict v =
	    json_is_string(tok) ? teacher_login(t, json_string_value(tok), json_string_length(tok),
	                                        req->client, secure, classes_now_ms(),
	                                        resp->set_cookie2, sizeof resp->set_cookie2, &retry)
	                        : TEACHER_NONE;
	json_decref(root);
	if (v == TEACHER_YES) {
		api_json(resp, 200, json_pack("{s:b}", "teacher", 1));
	} else if (v == TEACHER_THROTTLED) {
		api_error(resp, 429, "too many wrong teacher tokens from here; wait a minute");
		resp->retry_after = retry;
	} else if (v == TEACHER_WRONG) {
		api_error(resp, 401, "that is not the teacher token");
	} else {
		api_error(resp, 400,
		          "the body must be {\"token\": \"...\"} with the token as a string");
	}
	return HANDLER_DONE;
}

/* Adds "display" ("CDF-HJK") beside obj's "code". */
static void add_display(json_t *obj)
{
	const char *code = json_string_value(json_object_get(obj, "code"));
	if (!code || !joincode_is_canonical(code))
		return;
	char display[JOINCODE_LEN + 2];
	joincode_display(code, display);
	json_object_set_new(obj, "display", json_string(display));
}

/* The join URL of code: absolute from the Host header when there is one
 * (a projector's QR code needs the whole address), else a path. */
static void join_url(const struct http_request *req, const char *code, char *out, size_t len)
{
	const char *host = req->host;
	bool host_ok = host && *host && strlen(host) < 256 && !strpbrk(host, "/\\\"<> \t@");
	if (host_ok)
		snprintf(out, len, "%s://%s/join/%s",
		         teacher_request_secure(req) ? "https" : "http", host, code);
	else
		snprintf(out, len, "/join/%s", code);
}

/* POST /api/classes {"name"}: a new class with a fresh code. */
static void create_class(struct api *api, const struct http_request *req,
                         struct http_response *resp)
{
	json_t *root = api_body_object(req, resp, "{\"name\": \"Year 10, Tuesday\"}");
	if (!root)
		return;
	const char *name = json_string_value(json_object_get(root, "name"));
	const char *problem = classes_name_problem(name);
	if (problem) {
		api_error(resp, 400, problem);
		json_decref(root);
		return;
	}
	char code[JOINCODE_LEN + 1];
	int64_t now = classes_now_ms();
	enum store_status s = STORE_EEXIST;
	for (int i = 0; i < CODE_TRIES && s == STORE_EEXIST; i++) {
		if (joincode_new(code) != 0) {
			s = STORE_EDB;
			break;
		}
		s = store_class_create(api->classes->store, code, name, now);
	}
	if (s != STORE_OK) {
		classes_store_error(resp, s, NULL);
	} else {
		char url[320];
		join_url(req, code, url, sizeof url);
		json_t *body = json_pack("{s:s, s:s, s:I, s:s}", "code", code, "name", name,
		                         "created", (json_int_t)now, "join_url", url);
		add_display(body);
		api_json(resp, 201, body);
	}
	json_decref(root);
}

enum handler_result handle_classes(struct api *api, const struct http_request *req,
                                   struct http_response *resp, struct http_exchange *ex,
                                   const char *param)
{
	(void)ex;
	(void)param;
	if (!teacher_only(api, req, resp))
		return HANDLER_DONE;
	if (strcmp(req->method, "POST") == 0) {
		create_class(api, req, resp);
		return HANDLER_DONE;
	}
	json_t *list = store_class_list(api->classes->store);
	if (!list) {
		api_error(resp, 500, "the class records cannot be read now");
		return HANDLER_DONE;
	}
	size_t i;
	json_t *item;
	json_array_foreach(list, i, item) add_display(item);
	api_json(resp, 200, json_pack("{s:o}", "classes", list));
	return HANDLER_DONE;
}

/* The summary entry of lesson/step, made when missing (NULL on memory). */
static json_t *summary_of(json_t *summary, const char *lesson, const char *step)
{
	json_t *l = json_object_get(summary, lesson);
	if (!l && (!(l = json_object()) || json_object_set_new(summary, lesson, l)))
		return NULL;
	json_t *o = json_object_get(l, step);
	if (!o && (!(o = json_object()) || json_object_set_new(l, step, o)))
		return NULL;
	return o;
}

/* Adds 1 to obj[key]. */
static void bump(json_t *obj, const char *key)
{
	json_object_set_new(obj, key,
	                    json_integer(json_integer_value(json_object_get(obj, key)) + 1));
}

/* The latest "last" over a learner's steps: the step they are on now has
 * it. */
static json_int_t latest_step_time(json_t *learner)
{
	json_int_t latest = 0;
	const char *lesson, *step;
	json_t *steps, *o;
	json_object_foreach(json_object_get(learner, "steps"), lesson, steps)
	{
		json_object_foreach(steps, step, o)
		{
			json_int_t last = json_integer_value(json_object_get(o, "last"));
			latest = last > latest ? last : latest;
		}
	}
	return latest;
}

/* Gives each learner's step its state and stuck flag (stepstate.h's
 * rules), counts them per step in the summary, and lists who is stuck.
 * The time rule ("long on one step") holds only for the step a learner is
 * on now: one they tried and left is not where they are stuck; the
 * failures rule holds for any step not done. */
static void decorate(struct classes *c, json_t *view, int64_t now)
{
	json_t *summary = json_object_get(view, "summary");
	json_t *stuck = json_array();
	struct step_rules left = c->rules;
	left.stuck_ms = 0;
	size_t i;
	json_t *learner;
	json_array_foreach(json_object_get(view, "learners"), i, learner)
	{
		const char *lesson;
		json_t *steps;
		json_int_t current = latest_step_time(learner);
		json_object_foreach(json_object_get(learner, "steps"), lesson, steps)
		{
			const char *step;
			json_t *o;
			json_object_foreach(steps, step, o)
			{
				json_t *first = json_object_get(o, "first_try");
				struct step_progress p;
				step_init(&p);
				p.attempts =
				    (unsigned)json_integer_value(json_object_get(o, "attempts"));
				p.failures =
				    (unsigned)json_integer_value(json_object_get(o, "failures"));
				p.state = json_is_true(json_object_get(o, "done")) ? STEP_DONE
				          : p.attempts                             ? STEP_TRIED
				                       : STEP_NOT_STARTED;
				p.tried_once = json_is_integer(first);
				p.first_try_ms = json_integer_value(first);
				bool on_it =
				    json_integer_value(json_object_get(o, "last")) == current;
				bool is_stuck = step_stuck(&p, on_it ? &c->rules : &left, now);
				json_object_set_new(o, "state",
				                    json_string(step_state_name(p.state)));
				json_object_set_new(o, "stuck", json_boolean(is_stuck));
				json_t *sum = summary_of(summary, lesson, step);
				if (sum)
					bump(sum, step_state_name(p.state));
				if (sum && is_stuck)
					bump(sum, "stuck");
				if (is_stuck)
					json_array_append_new(
					    stuck,
					    json_pack("{s:O, s:O, s:s, s:s, s:I, s:O}", "learner",
					              json_object_get(learner, "learner"), "name",
					              json_object_get(learner, "name"), "lesson",
					              lesson, "step", step, "failures",
					              (json_int_t)p.failures, "since", first));
			}
		}
	}
	json_object_set_new(view, "stuck", stuck);
	json_object_set_new(view, "now", json_integer(now));
	add_display(view);
}

/* The decorated view of the class in param, with every step's latest code
 * when with_code is set, or NULL having answered. */
static json_t *class_view(struct api *api, const struct http_request *req,
                          struct http_response *resp, const char *param, bool with_code)
{
	char code[JOINCODE_LEN + 1];
	if (!teacher_only(api, req, resp) || !classes_code_param(param, code, resp))
		return NULL;
	enum store_status s;
	json_t *view = store_class_view(api->classes->store, code, with_code, &s);
	if (!view) {
		classes_store_error(resp, s, "there is no class with that code");
		return NULL;
	}
	decorate(api->classes, view, classes_now_ms());
	char url[320];
	join_url(req, code, url, sizeof url);
	json_object_set_new(view, "join_url", json_string(url));
	return view;
}

enum handler_result handle_class(struct api *api, const struct http_request *req,
                                 struct http_response *resp, struct http_exchange *ex,
                                 const char *param)
{
	(void)ex;
	if (strcmp(req->method, "DELETE") != 0) {
		/* ?code=all: the old full view, each step's latest code included. */
		const char *want = NULL;
		enum query_found q = query_get(req, "code", &want);
		if (q == QUERY_TOO_MANY || q == QUERY_MANY ||
		    (q == QUERY_ONE && strcmp(want, "all") != 0)) {
			if (teacher_only(api, req, resp))
				api_error(
				    resp, 400,
				    "?code=all, once, is what code= takes: the view with every "
				    "step's latest code; without it each step says has_code and "
				    "code_at, and GET /api/classes/{code}/code" CODE_QUERY
				    " gives one learner's code");
			return HANDLER_DONE;
		}
		json_t *view = class_view(api, req, resp, param, q == QUERY_ONE);
		if (view)
			api_json(resp, 200, view);
		return HANDLER_DONE;
	}
	char code[JOINCODE_LEN + 1];
	if (!teacher_only(api, req, resp) || !classes_code_param(param, code, resp))
		return HANDLER_DONE;
	struct classes *c = api->classes;
	pthread_mutex_lock(&c->members);
	enum store_status s = store_class_delete(c->store, code);
	if (s == STORE_OK)
		roster_remove_class(c->roster, code);
	pthread_mutex_unlock(&c->members);
	if (s == STORE_OK) {
		api_json(resp, 200, json_pack("{s:s}", "deleted", code));
	} else {
		classes_store_error(resp, s, "there is no class with that code");
	}
	return HANDLER_DONE;
}

/* A time in ms as an ISO 8601 UTC cell ("" for none). */
static void csv_time(struct csv *c, json_t *ms)
{
	char text[32] = "";
	if (json_is_integer(ms)) {
		time_t secs = (time_t)(json_integer_value(ms) / 1000);
		struct tm tm;
		if (gmtime_r(&secs, &tm))
			strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	csv_str(c, text);
}

/* A list of strings as one cell, " | " between them. */
static void csv_list(struct csv *c, json_t *list)
{
	struct buf cell = {0};
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		if (i)
			buf_add(&cell, " | ", 3);
		buf_add(&cell, json_string_value(v), json_string_length(v));
	}
	csv_text(c, cell.data ? cell.data : "", cell.len);
	buf_free(&cell);
}

/* One CSV row of a learner on a step (o NULL: the learner touched none). */
static void csv_row(struct csv *c, json_t *learner, const char *lesson, const char *step, json_t *o)
{
	csv_int(c, json_integer_value(json_object_get(learner, "learner")));
	csv_str(c, json_string_value(json_object_get(learner, "name")));
	csv_time(c, json_object_get(learner, "joined"));
	csv_time(c, json_object_get(learner, "last_seen"));
	csv_str(c, lesson);
	csv_str(c, step);
	csv_str(c, o ? json_string_value(json_object_get(o, "state")) : "not_started");
	csv_str(c, o && json_is_true(json_object_get(o, "stuck")) ? "yes" : "no");
	csv_int(c, o ? json_integer_value(json_object_get(o, "attempts")) : 0);
	csv_int(c, o ? json_integer_value(json_object_get(o, "failures")) : 0);
	csv_time(c, o ? json_object_get(o, "last") : NULL);
	csv_list(c, o ? json_object_get(o, "wrong_answers") : NULL);
	csv_list(c, o ? json_object_get(o, "exceptions") : NULL);
	csv_list(c, o ? json_object_get(o, "failed_checks") : NULL);
	csv_str(c, o ? json_string_value(json_object_get(o, "code")) : NULL);
	csv_end_row(c);
}

enum handler_result handle_class_csv(struct api *api, const struct http_request *req,
                                     struct http_response *resp, struct http_exchange *ex,
                                     const char *param)
{
	(void)ex;
	json_t *view = class_view(api, req, resp, param, true);
	if (!view)
		return HANDLER_DONE;
	static const char *const header[] = {
	    "learner", "name",          "joined",     "last_seen",     "lesson",
	    "step",    "state",         "stuck",      "attempts",      "failures",
	    "last",    "wrong_answers", "exceptions", "failed_checks", "latest_code"};
	struct buf out = {0};
	struct csv c = {&out, 0};
	for (size_t i = 0; i < sizeof header / sizeof header[0]; i++)
		csv_str(&c, header[i]);
	csv_end_row(&c);
	size_t i;
	json_t *learner;
	json_array_foreach(json_object_get(view, "learners"), i, learner)
	{
		const char *lesson;
		json_t *steps;
		size_t rows = 0;
		json_object_foreach(json_object_get(learner, "steps"), lesson, steps)
		{
			const char *step;
			json_t *o;
			json_object_foreach(steps, step, o)
			{
				csv_row(&c, learner, lesson, step, o);
				rows++;
			}
		}
		if (!rows)
			csv_row(&c, learner, "", "", NULL);
	}
	const char *code = json_string_value(json_object_get(view, "code"));
	snprintf(resp->disposition, sizeof resp->disposition,
	         "attachment; filename=\"class-%s.csv\"", code ? code : "export");
	json_decref(view);
	size_t len = 0;
	char *text = buf_take(&out, &len);
	api_text(resp, text, len, "text/csv; charset=utf-8; header=present");
	return HANDLER_DONE;
}

/* The id query argument key of the code route (lesson or step): once, 1
 * to STORE_STEP_ID_MAX bytes of UTF-8. NULL having answered 400. */
static const char *id_arg(const struct http_request *req, struct http_response *resp,
                          const char *key)
{
	const char *v = NULL;
	enum query_found q = query_get(req, key, &v);
	size_t n = v ? strlen(v) : 0;
	if (q == QUERY_ONE && n > 0 && n <= STORE_STEP_ID_MAX && utf8_valid(v, n))
		return v;
	char msg[200];
	snprintf(msg, sizeof msg,
	         "%s must be given once, a %s id of 1 to %d bytes of UTF-8 (" CODE_QUERY ")", key,
	         key, STORE_STEP_ID_MAX);
	api_error(resp, 400, msg);
	return NULL;
}

/* The learner query argument: once, the decimal number the class view
 * gives (1 or more, no sign). false having answered 400. */
static bool learner_arg(const struct http_request *req, struct http_response *resp,
                        int64_t *learner)
{
	const char *v = NULL;
	bool ok = query_get(req, "learner", &v) == QUERY_ONE;
	size_t n = v ? strlen(v) : 0;
	ok = ok && n > 0 && n <= 18 && strspn(v, "0123456789") == n;
	*learner = ok ? strtoll(v, NULL, 10) : 0;
	if (ok && *learner > 0)
		return true;
	api_error(resp, 400,
	          "learner must be given once, a learner's number from the class view "
	          "(its \"learner\": " CODE_QUERY ")");
	return false;
}

enum handler_result handle_class_code(struct api *api, const struct http_request *req,
                                      struct http_response *resp, struct http_exchange *ex,
                                      const char *param)
{
	(void)ex;
	char code[JOINCODE_LEN + 1];
	if (!teacher_only(api, req, resp) || !classes_code_param(param, code, resp))
		return HANDLER_DONE;
	if (req->query_count > HTTP_QUERY_MAX) {
		api_error(resp, 400, "too many query arguments: this takes " CODE_QUERY);
		return HANDLER_DONE;
	}
	int64_t learner;
	if (!learner_arg(req, resp, &learner))
		return HANDLER_DONE;
	const char *lesson = id_arg(req, resp, "lesson");
	const char *step = lesson ? id_arg(req, resp, "step") : NULL;
	if (!step)
		return HANDLER_DONE;
	enum store_status s;
	enum store_missing missing;
	json_t *body =
	    store_learner_code(api->classes->store, code, learner, lesson, step, &missing, &s);
	if (body) {
		api_json(resp, 200, body);
		return HANDLER_DONE;
	}
	if (s != STORE_ENOTFOUND) {
		classes_store_error(resp, s, NULL);
		return HANDLER_DONE;
	}
	/* Records of a step the course no longer has are still read above. */
	const struct lesson *l = lessons_find(api->lessons, lesson);
	bool in_course = l && lessons_step_index(l, step) >= 0;
	char msg[160];
	if (missing == STORE_MISSING_CLASS)
		snprintf(msg, sizeof msg, "there is no class with that code");
	else if (missing == STORE_MISSING_LEARNER)
		snprintf(msg, sizeof msg,
		         "there is no learner %lld in this class (they may have left it)",
		         (long long)learner);
	else if (!in_course)
		snprintf(msg, sizeof msg, "no such lesson step in the course");
	else
		snprintf(msg, sizeof msg, "learner %lld has no code recorded for this step yet",
		         (long long)learner);
	api_error(resp, 404, msg);
	return HANDLER_DONE;
}
