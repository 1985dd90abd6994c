/* classes.h: the class records over HTTP (issue #12's API, ARCHITECTURE.md
 * "Classes"): teacher login, classes, the class view and its CSV, joining
 * and leaving, the page's own progress events, and recording a class
 * member's runs and checks. The records live in the store (store.h); who
 * is in which class is mirrored in memory (roster.h) so the run path asks
 * no database; who is the teacher is teacher.h's.
 *
 * Recording never stands in the way of an answer: a run's event is queued
 * and the run answers at once ("progress": "queued"); a check's or the
 * page's event answers once it is on disk ("saved"); whenever the store
 * cannot take or write an event the answer still comes, saying
 * "not_saved" with the reason, and the failure is logged and counted. */
#ifndef LESSOND_CLASSES_H
#define LESSOND_CLASSES_H

#include "api/api.h"
#include "classes/roster.h"
#include "classes/stepstate.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct teacher;

/* Counters for /metrics. */
struct classes_stats {
	uint64_t saved;   /* events answered as on disk */
	uint64_t queued;  /* run events queued without waiting */
	uint64_t unsaved; /* events the store refused or failed */
	size_t members;   /* learners in a class now */
	struct store_stats store;
};

/* The module's state: borrows the store, the roster and the teacher
 * (main owns them and frees them after the HTTP server stops). */
struct classes *classes_new(struct store *store, struct roster *roster, struct teacher *teacher);
void classes_free(struct classes *c);

/* Fills the roster from the store's memberships: builds a new one and
 * swaps it in, so a run never finds an empty roster meanwhile. Returns 0,
 * or -1 with the roster as it was. */
int classes_load_roster(struct classes *c);

/* Deletes records older than days (store_retain), then reloads the roster
 * so learners retention removed are recorded nowhere.
 * A leave racing the reload may leave a stale entry, whose events the
 * store then refuses as not found (counted unsaved, never a failure),
 * until the next reload.
 * Returns the store's status; *deleted as store_retain's. */
enum store_status classes_retain(struct classes *c, unsigned days, int64_t now_ms, long *deleted);

void classes_stats(struct classes *c, struct classes_stats *out);

/* A run's or a check's learner, class and step, copied when it starts so
 * its event can be recorded when it ends. */
struct classes_ticket;

/* A ticket when learner is in a class (c may be NULL: never), else NULL.
 * answer and code may be NULL; they are copied (code only up to the
 * store's cap, else left out). NULL also when memory runs out. */
struct classes_ticket *classes_ticket_new(struct classes *c, const char *learner,
                                          const char *lesson, const char *step, const char *answer,
                                          const char *code);
void classes_ticket_free(struct classes_ticket *t);

/* Records a finished run (result: the run contract) and sets
 * result["progress"] ("queued" or "not_saved" with "progress_reason").
 * Frees the ticket. */
void classes_record_run(struct classes *c, struct classes_ticket *t, json_t *result);

/* Called with the answer once a check's event is on disk or failed; steals
 * body. */
typedef void (*classes_finish_fn)(void *arg, int status, json_t *body);

/* Records a judged check (body: the check's answer, status its HTTP
 * status): returns true when finish(arg, status, body) will be called once
 * the event is written, with body["progress"] set; false when the answer
 * can go now (body["progress"] already says "not_saved"). Frees the
 * ticket either way. */
bool classes_record_check(struct classes *c, struct classes_ticket *t, int status, json_t *body,
                          classes_finish_fn finish, void *arg);

/* The route handlers (routes.h). */
enum handler_result handle_teach_session(struct api *api, const struct http_request *req,
                                         struct http_response *resp, struct http_exchange *ex,
                                         const char *param);
enum handler_result handle_classes(struct api *api, const struct http_request *req,
                                   struct http_response *resp, struct http_exchange *ex,
                                   const char *param);
enum handler_result handle_class(struct api *api, const struct http_request *req,
                                 struct http_response *resp, struct http_exchange *ex,
                                 const char *param);
enum handler_result handle_class_csv(struct api *api, const struct http_request *req,
                                     struct http_response *resp, struct http_exchange *ex,
                                     const char *param);
/* GET /api/classes/{code}/code?learner=N&lesson=ID&step=ID: one learner's
 * latest code for one step, {"code", "at"} (teach.c). */
enum handler_result handle_class_code(struct api *api, const struct http_request *req,
                                      struct http_response *resp, struct http_exchange *ex,
                                      const char *param);
enum handler_result handle_class_join(struct api *api, const struct http_request *req,
                                      struct http_response *resp, struct http_exchange *ex,
                                      const char *param);
enum handler_result handle_membership(struct api *api, const struct http_request *req,
                                      struct http_response *resp, struct http_exchange *ex,
                                      const char *param);
enum handler_result handle_progress(struct api *api, const struct http_request *req,
                                    struct http_response *resp, struct http_exchange *ex,
                                    const char *param);

#endif
