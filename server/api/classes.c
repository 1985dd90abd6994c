/* classes.c: classes.h's recording and the learner's routes (join, the
 * membership, the page's progress events); teach.c has the teacher's. */
#include "api/classes_impl.h"

#include "common/log.h"
#include "common/utf8.h"
#include "lesson/lessons.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Unknown codes one address may try per minute before 429: a class that
 * mistypes together stays well under it; guessing 1e8 codes does not. */
#define JOIN_MISSES_PER_MINUTE 20

int64_t classes_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct classes *classes_new(struct store *store, struct roster *roster, struct teacher *teacher)
{
	struct classes *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->store = store;
	c->roster = roster;
	c->teacher = teacher;
	c->rules = (struct step_rules)STEP_RULES_DEFAULT;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->members, NULL);
	c->joins = (struct teach_throttle)TEACH_THROTTLE_INIT;
	c->joins.max_fails = JOIN_MISSES_PER_MINUTE;
	return c;
}

void classes_free(struct classes *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->members);
	free(c);
}

/* store_member_fn: one membership into the roster (a later join wins). */
static void load_member(void *arg, const char *learner, const char *code, const char *class_name,
                        const char *name)
{
	if (roster_set(arg, learner, code, class_name, name) != 0)
		log_warn("classes: a learner's membership of %s could not be kept in memory", code);
}

int classes_load_roster(struct classes *c)
{
	struct roster *fresh = roster_new();
	pthread_mutex_lock(&c->members);
	int rc = fresh ? store_memberships(c->store, load_member, fresh) : -1;
	if (rc == 0)
		roster_swap(c->roster, fresh);
	pthread_mutex_unlock(&c->members);
	roster_free(fresh);
	return rc;
}

enum store_status classes_retain(struct classes *c, unsigned days, int64_t now_ms, long *deleted)
{
	long gone = 0;
	enum store_status s = store_retain(c->store, days, now_ms, &gone);
	if (deleted)
		*deleted = gone;
	/* Learners may go without events: reload anyway. */
	if (s == STORE_OK && classes_load_roster(c) != 0)
		log_error("classes: the roster could not be reloaded after retention");
	return s;
}

void classes_stats(struct classes *c, struct classes_stats *out)
{
	memset(out, 0, sizeof *out);
	if (!c)
		return;
	out->saved = c->saved;
	out->queued = c->queued;
	out->unsaved = c->unsaved;
	out->members = roster_count(c->roster);
	store_get_stats(c->store, &out->store);
}

bool classes_on(const struct api *api, struct http_response *resp)
{
	if (api->classes)
		return true;
	api_error(resp, 503, "this server keeps no class records");
	return false;
}

bool classes_code_param(const char *param, char code[JOINCODE_LEN + 1], struct http_response *resp)
{
	size_t len = param ? strcspn(param, "/") : 0;
	if (len > JOINCODE_TYPED_MAX) {
		api_error(resp, 404, "there is no class with that code");
		return false;
	}
	enum joincode_err e = joincode_parse(param ? param : "", len, code, NULL);
	if (e == JOINCODE_OK)
		return true;
	api_error(resp, 400, joincode_strerror(e));
	return false;
}

const char *classes_name_problem(const char *name)
{
	if (!name)
		return "a name is needed";
	size_t len = strlen(name), chars = 0;
	bool visible = false;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(name + i, len - i, NULL);
		if (!n)
			return "the name is not valid text";
		unsigned char b = (unsigned char)name[i];
		if (n == 1 && (b < 0x20 || b == 0x7f))
			return "the name may not hold control characters such as tabs or new lines";
		if (!(n == 1 && b == ' '))
			visible = true;
		i += n;
		chars++;
	}
	if (!visible)
		return "a name is needed";
	if (chars > STORE_NAME_CHARS)
		return "the name is longer than 40 characters";
	return NULL;
}

void classes_store_error(struct http_response *resp, enum store_status s, const char *not_found)
{
	if (s == STORE_ENOTFOUND && not_found)
		api_error(resp, 404, not_found);
	else if (s == STORE_EINVAL)
		api_error(resp, 400, "a value is too long or not valid text");
	else if (s == STORE_EFULL || s == STORE_ECLOSED)
		api_error(resp, 503, store_strerror(s));
	else
		api_error(resp, 500, store_strerror(s));
	if (s == STORE_EFULL)
		resp->retry_after = 1;
}

/* ---- recording --------------------------------------------------------- */

struct classes_ticket {
	struct roster_entry member;
	char learner[ROSTER_ID_MAX + 1];
	char lesson[STORE_STEP_ID_MAX + 1];
	char step[STORE_STEP_ID_MAX + 1];
	char *answer, *code;
};

/* Copies s into dst (cap bytes); false when it does not fit. */
static bool fits(char *dst, size_t cap, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (!s || n >= cap)
		return false;
	memcpy(dst, s, n + 1);
	return true;
}

struct classes_ticket *classes_ticket_new(struct classes *c, const char *learner,
                                          const char *lesson, const char *step, const char *answer,
                                          const char *code)
{
	struct roster_entry member;
	if (!c || !roster_get(c->roster, learner, &member))
		return NULL;
	struct classes_ticket *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->member = member;
	if (!fits(t->learner, sizeof t->learner, learner) ||
	    !fits(t->lesson, sizeof t->lesson, lesson) || !fits(t->step, sizeof t->step, step)) {
		free(t);
		return NULL;
	}
	if (answer && strlen(answer) <= STORE_ANSWER_MAX)
		t->answer = strdup(answer);
	if (code && strlen(code) <= STORE_CODE_MAX)
		t->code = strdup(code);
	return t;
}

void classes_ticket_free(struct classes_ticket *t)
{
	if (!t)
		return;
	free(t->answer);
	free(t->code);
	free(t);
}

/* The exception type a run contract reports, or NULL. */
static const char *exception_of(json_t *run)
{
	const char *type =
	    json_string_value(json_object_get(json_object_get(run, "exception"), "type"));
	return type && strlen(type) <= STORE_EXCEPTION_MAX ? type : NULL;
}

/* Counts a written or failed event and keeps the failing flag. */
static void count_outcome(struct classes *c, enum store_status s)
{
	if (s == STORE_OK) {
		atomic_store(&c->failing, false);
		return;
	}
	atomic_fetch_add(&c->unsaved, 1);
	if (s != STORE_ENOTFOUND) /* a learner removed meanwhile is no failure */
		atomic_store(&c->failing, true);
}

/* Sets body's progress fields for a store status. */
static void set_progress(json_t *body, enum store_status s, const char *ok_word)
{
	json_object_set_new(body, "progress", json_string(s == STORE_OK ? ok_word : "not_saved"));
	if (s != STORE_OK)
		json_object_set_new(body, "progress_reason", json_string(store_strerror(s)));
}

/* store_done_fn of a run's event: counts it. */
static void run_written(void *arg, enum store_status s)
{
	count_outcome(arg, s);
}

/* Queues ev; *waiter, when not NULL, is called once it is written. */
static enum store_status queue_event(struct classes *c, const struct store_event *ev,
                                     store_done_fn done, void *arg)
{
	enum store_status s = store_record(c->store, ev, done, arg);
	if (s != STORE_OK) {
		log_warn("classes: progress of a learner in %s not saved: %s", ev->class_code,
		         store_strerror(s));
		count_outcome(c, s);
	}
	return s;
}

void classes_record_run(struct classes *c, struct classes_ticket *t, json_t *result)
{
	if (!t)
		return;
	struct store_event ev = {.class_code = t->member.code,
	                         .learner_id = t->learner,
	                         .lesson_id = t->lesson,
	                         .step_id = t->step,
	                         .kind = STORE_RUN,
	                         .correct = -1,
	                         .exception = exception_of(result),
	                         .code = t->code,
	                         .at_ms = classes_now_ms(),
	                         .lazy = true};
	enum store_status s = queue_event(c, &ev, run_written, c);
	if (s == STORE_OK)
		atomic_fetch_add(&c->queued, 1);
	if (s == STORE_OK && atomic_load(&c->failing))
		s = STORE_EDB; /* queued, but the store fails: say so */
	set_progress(result, s, "queued");
	classes_ticket_free(t);
}

/* A judged event waiting for the disk, with the answer it completes. */
struct waiting {
	struct classes *c;
	int status;
	json_t *body;
	classes_finish_fn finish;
	void *arg;
	const char *ok_word;
};

/* store_done_fn: the event is on disk (or failed): answer. */
static void written(void *arg, enum store_status s)
{
	struct waiting *w = arg;
	count_outcome(w->c, s);
	if (s == STORE_OK)
		atomic_fetch_add(&w->c->saved, 1);
	set_progress(w->body, s, w->ok_word);
	w->finish(w->arg, w->status, w->body);
	free(w);
}

/* Queues ev to answer body through finish once written: true, or false
 * with body's progress saying why not (the caller answers now). */
static bool record_then_answer(struct classes *c, const struct store_event *ev, int status,
                               json_t *body, classes_finish_fn finish, void *arg)
{
	struct waiting *w = malloc(sizeof *w);
	enum store_status s = STORE_ENOMEM;
	if (w) {
		*w = (struct waiting){c, status, body, finish, arg, "saved"};
		s = queue_event(c, ev, written, w);
	}
	if (s == STORE_OK)
		return true;
	free(w);
	set_progress(body, s, "saved");
	return false;
}

bool classes_record_check(struct classes *c, struct classes_ticket *t, int status, json_t *body,
                          classes_finish_fn finish, void *arg)
{
	if (!t)
		return false;
	bool judged = status == 200 && json_is_boolean(json_object_get(body, "correct"));
	bool correct = json_is_true(json_object_get(body, "correct"));
	const char *message = json_string_value(json_object_get(body, "message"));
	char msg[STORE_CHECK_MSG_MAX + 1] = "";
	/* A goal's failed check says what is missing; a prediction's message
	 * only restates the answer, and the wrong answer itself is kept. */
	if (message && !correct && !t->answer)
		snprintf(msg, sizeof msg, "%s", message);
	utf8_scrub(msg);
	bool queued = false;
	if (judged) {
		struct store_event ev = {.class_code = t->member.code,
		                         .learner_id = t->learner,
		                         .lesson_id = t->lesson,
		                         .step_id = t->step,
		                         .kind = STORE_CHECK,
		                         .correct = correct,
		                         .answer = t->answer,
		                         .exception = exception_of(json_object_get(body, "run")),
		                         .check_message = *msg ? msg : NULL,
		                         .code = t->code,
		                         .at_ms = classes_now_ms()};
		queued = record_then_answer(c, &ev, status, body, finish, arg);
	}
	classes_ticket_free(t);
	return queued;
}

/* ---- the learner's routes ---------------------------------------------- */

/* The learner id of a request: its cookie's, or the one this answer hands
 * out; NULL when neither (answered 400). */
static const char *learner_of(const struct http_request *req, struct http_response *resp)
{
	const char *id = req->learner ? req->learner : req->new_learner;
	if (!id)
		api_error(resp, 400,
		          "this needs the learner cookie: let the browser keep cookies and reload");
	return id;
}

/* {"code", "display", "name"} of a class. */
static json_t *class_brief(const char *code, const char *name)
{
	char display[JOINCODE_LEN + 2];
	joincode_display(code, display);
	return json_pack("{s:s, s:s, s:s}", "code", code, "display", display, "name", name);
}

/* The class's name from the store, into out; false when there is none. */
static bool class_name(struct classes *c, const char *code, char *out, size_t len)
{
	json_t *list = store_class_list(c->store);
	size_t i;
	json_t *item;
	bool found = false;
	json_array_foreach(list, i, item)
	{
		if (strcmp(json_string_value(json_object_get(item, "code")), code) == 0) {
			snprintf(out, len, "%s", json_string_value(json_object_get(item, "name")));
			found = true;
			break;
		}
	}
	json_decref(list);
	return found;
}

enum handler_result handle_class_join(struct api *api, const struct http_request *req,
                                      struct http_response *resp, struct http_exchange *ex,
                                      const char *param)
{
	(void)ex;
	char code[JOINCODE_LEN + 1];
	const char *learner;
	if (!classes_on(api, resp) || !(learner = learner_of(req, resp)))
		return HANDLER_DONE;
	struct classes *c = api->classes;
	const char *client = req->client ? req->client : "";
	int64_t now = classes_now_ms();
	pthread_mutex_lock(&c->lock);
	int64_t wait = teach_throttle_wait(&c->joins, client, now);
	pthread_mutex_unlock(&c->lock);
	if (wait > 0) {
		api_error(resp, 429, "too many tries with codes that do not exist; wait a minute");
		resp->retry_after = (int)((wait + 999) / 1000);
		return HANDLER_DONE;
	}
	if (!classes_code_param(param, code, resp))
		return HANDLER_DONE;
	json_t *root = api_body_object(req, resp, "{\"name\": \"Ada\"}");
	if (!root)
		return HANDLER_DONE;
	const char *name = json_string_value(json_object_get(root, "name"));
	const char *problem = classes_name_problem(name);
	char cname[STORE_NAME_BYTES + 1];
	if (problem) {
		api_error(resp, 400, problem);
	} else if (!class_name(c, code, cname, sizeof cname)) {
		pthread_mutex_lock(&c->lock);
		teach_throttle_failed(&c->joins, client, now);
		pthread_mutex_unlock(&c->lock);
		char display[JOINCODE_LEN + 2], msg[128];
		joincode_display(code, display);
		snprintf(msg, sizeof msg,
		         "There is no class with the code %s; check it with your teacher.",
		         display);
		api_error(resp, 404, msg);
	} else {
		pthread_mutex_lock(&c->members);
		enum store_status s = store_learner_add(c->store, code, learner, name, now);
		if (s == STORE_OK && roster_set(c->roster, learner, code, cname, name) != 0)
			s = STORE_ENOMEM;
		pthread_mutex_unlock(&c->members);
		if (s != STORE_OK)
			classes_store_error(resp, s, "that class was deleted just now");
		else
			api_json(resp, 200,
			         json_pack("{s:o, s:s}", "class", class_brief(code, cname), "name",
			                   name));
	}
	json_decref(root);
	return HANDLER_DONE;
}

enum handler_result handle_membership(struct api *api, const struct http_request *req,
                                      struct http_response *resp, struct http_exchange *ex,
                                      const char *param)
{
	(void)ex;
	(void)param;
	struct roster_entry m;
	struct classes *c = api->classes;
	bool leave = strcmp(req->method, "DELETE") == 0;
	if (c && leave)
		pthread_mutex_lock(&c->members);
	bool member = c && roster_get(c->roster, req->learner, &m);
	enum store_status s = STORE_OK;
	if (member && leave) {
		s = store_learner_remove(c->store, m.code, req->learner);
		if (s == STORE_OK || s == STORE_ENOTFOUND) {
			roster_remove(c->roster, req->learner, m.code);
			member = false;
			s = STORE_OK;
		}
	}
	if (c && leave)
		pthread_mutex_unlock(&c->members);
	if (s != STORE_OK) {
		classes_store_error(resp, s, NULL);
		return HANDLER_DONE;
	}
	if (member)
		api_json(resp, 200,
		         json_pack("{s:o, s:s}", "class", class_brief(m.code, m.class_name), "name",
		                   m.name));
	else
		api_json(resp, 200, json_pack("{s:n, s:n}", "class", "name"));
	return HANDLER_DONE;
}

/* classes_finish_fn of a progress event: answers the waiting request. */
static void progress_finish(void *arg, int status, json_t *body)
{
	struct http_exchange *ex = arg;
	api_json(http_exchange_response(ex), status, body);
	http_complete(ex);
}

enum handler_result handle_progress(struct api *api, const struct http_request *req,
                                    struct http_response *resp, struct http_exchange *ex,
                                    const char *param)
{
	(void)param;
	json_t *root = api_body_object(
	    req, resp,
	    "{\"lesson\": ..., \"step\": ..., \"kind\": \"done\" or \"code\", \"code\": ...}");
	if (!root)
		return HANDLER_DONE;
	const char *lesson = json_string_value(json_object_get(root, "lesson"));
	const char *step = json_string_value(json_object_get(root, "step"));
	const char *kind = json_string_value(json_object_get(root, "kind"));
	json_t *code_v = json_object_get(root, "code");
	const char *code = json_string_value(code_v);
	const struct lesson *l = lesson ? lessons_find(api->lessons, lesson) : NULL;
	bool is_done = kind && strcmp(kind, "done") == 0;
	bool is_code = kind && strcmp(kind, "code") == 0;
	enum handler_result r = HANDLER_DONE;
	if (!lesson || !step || !(is_done || is_code) || (code_v && !code) || (is_code && !code)) {
		api_error(resp, 400,
		          "lesson and step must be strings, kind \"done\" or \"code\", and a code "
		          "event needs its code as a string");
	} else if (code && strlen(code) > STORE_CODE_MAX) {
		api_error(resp, 413, "the code is longer than 65536 bytes");
	} else if (!l || lessons_step_index(l, step) < 0) {
		api_error(resp, 404, "no such lesson step");
	} else {
		struct classes_ticket *t =
		    classes_ticket_new(api->classes, req->learner, lesson, step, NULL, code);
		json_t *body = json_object();
		if (!t) {
			json_object_set_new(body, "progress", json_string("off"));
			api_json(resp, 200, body);
		} else {
			struct store_event ev = {.class_code = t->member.code,
			                         .learner_id = t->learner,
			                         .lesson_id = t->lesson,
			                         .step_id = t->step,
			                         .kind = is_done ? STORE_DONE : STORE_CODE,
			                         .correct = -1,
			                         .code = is_code ? t->code : NULL,
			                         .at_ms = classes_now_ms()};
			if (record_then_answer(api->classes, &ev, 200, body, progress_finish, ex))
				r = HANDLER_PENDING;
			else
				api_json(resp, 200, body);
			classes_ticket_free(t);
		}
	}
	json_decref(root);
	return r;
}
