/* classes_impl.h: what classes.c (recording, the learner's routes) and
 * teach.c (the teacher's routes) share. Not for other modules. */
#ifndef LESSOND_CLASSES_IMPL_H
#define LESSOND_CLASSES_IMPL_H

#include "api/classes.h"
#include "classes/joincode.h"
#include "classes/teachauth.h"

#include <pthread.h>
#include <stdatomic.h>

struct classes {
	struct store *store;     /* borrowed */
	struct roster *roster;   /* borrowed */
	struct teacher *teacher; /* borrowed */
	struct step_rules rules;
	pthread_mutex_t lock; /* the join throttle */
	/* Held across every change of who is in which class (join, leave,
	 * class delete, roster reload): the store's change and the roster's
	 * happen as one, so the two never disagree. */
	pthread_mutex_t members;
	struct teach_throttle joins; /* join attempts with an unknown code, per address */
	atomic_ullong saved, queued, unsaved;
	atomic_bool failing; /* the latest write failed: runs say not_saved */
};

/* Milliseconds since the epoch. */
int64_t classes_now_ms(void);

/* The class code in a path segment (up to '/' or the end), normalised into
 * code; or answers 400 with joincode_strerror (or 404 for a segment too
 * long to be a code) and returns false. */
bool classes_code_param(const char *param, char code[JOINCODE_LEN + 1], struct http_response *resp);

/* Answers 503 and returns false when the server keeps no class records. */
bool classes_on(const struct api *api, struct http_response *resp);

/* A display or class name's problem, or NULL when it is one: 1 to
 * STORE_NAME_CHARS characters, not only spaces, no control characters. */
const char *classes_name_problem(const char *name);

/* Answers for a store failure (404 for ENOTFOUND with not_found). */
void classes_store_error(struct http_response *resp, enum store_status s, const char *not_found);

#endif
