/* teacher.c: teacher.h. */
#include "api/teacher.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct session {
	char id[TEACH_TOKEN_HEX + 1]; /* "" for a free slot */
	int64_t expires_ms;
};

struct teacher {
	pthread_mutex_t lock;
	struct teach_secret secret;
	struct teach_throttle throttle;
	struct session sessions[TEACHER_SESSIONS];
};

struct teacher *teacher_new(const struct teach_secret *secret)
{
	struct teacher *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	t->secret = *secret;
	t->throttle = (struct teach_throttle)TEACH_THROTTLE_INIT;
	return t;
}

void teacher_free(struct teacher *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof *t); /* the token does not outlive the server in memory */
	free(t);
}

bool teacher_request_secure(const struct http_request *req)
{
	return req->forwarded_proto && strcasecmp(req->forwarded_proto, "https") == 0;
}

/* Finds the session cookie's value in a Cookie header: a pointer to it and
 * its length in *len (up to ';' or a space), or NULL. */
static const char *session_cookie(const char *cookie, size_t *len)
{
	const size_t name_len = strlen(TEACHER_COOKIE);
	for (const char *at = cookie; at && *at;) {
		while (*at == ' ' || *at == '\t' || *at == ';')
			at++;
		if (strncmp(at, TEACHER_COOKIE, name_len) == 0 && at[name_len] == '=') {
			at += name_len + 1;
			*len = strcspn(at, "; \t");
			return at;
		}
		at = strchr(at, ';');
	}
	return NULL;
}

/* Constant-time equality of a presented session id with a live one. */
static bool id_equal(const char *live, const char *given, size_t len)
{
	unsigned char diff = len != TEACH_TOKEN_HEX;
	for (size_t i = 0; i < TEACH_TOKEN_HEX; i++)
		diff |= (unsigned char)(live[i] ^ (i < len ? given[i] : 0));
	return diff == 0;
}

/* Under t->lock: the live session with this id, or NULL. Looks at every
 * slot whatever it finds, so the time says nothing about which matched. */
static struct session *session_find(struct teacher *t, const char *id, size_t len, int64_t now_ms)
{
	struct session *found = NULL;
	for (int i = 0; i < TEACHER_SESSIONS; i++) {
		struct session *s = &t->sessions[i];
		if (s->id[0] && s->expires_ms > now_ms && id_equal(s->id, id, len))
			found = s;
	}
	return found;
}

/* Under t->lock: counts a wrong guess and says how long to wait after it. */
static enum teacher_verdict wrong_guess(struct teacher *t, const char *client, int64_t now_ms,
                                        int *retry_s)
{
	teach_throttle_failed(&t->throttle, client, now_ms);
	int64_t wait = teach_throttle_wait(&t->throttle, client, now_ms);
	*retry_s = (int)((wait + 999) / 1000);
	return TEACHER_WRONG;
}

/* Under t->lock: TEACHER_THROTTLED (with *retry_s) when client must wait. */
static bool throttled(struct teacher *t, const char *client, int64_t now_ms, int *retry_s)
{
	int64_t wait = teach_throttle_wait(&t->throttle, client, now_ms);
	*retry_s = (int)((wait + 999) / 1000);
	return wait > 0;
}

enum teacher_verdict teacher_judge(struct teacher *t, const struct http_request *req,
                                   int64_t now_ms, int *retry_s)
{
	const char *client = req->client ? req->client : "";
	size_t len = 0;
	const char *bearer = teach_bearer(req->authorization, &len);
	enum teacher_verdict v = TEACHER_NONE;
	*retry_s = 0;
	pthread_mutex_lock(&t->lock);
	if (bearer) {
		if (throttled(t, client, now_ms, retry_s))
			v = TEACHER_THROTTLED;
		else if (teach_token_equal(&t->secret, bearer, len))
			v = TEACHER_YES;
		else
			v = wrong_guess(t, client, now_ms, retry_s);
	} else {
		const char *id = session_cookie(req->cookie, &len);
		if (id && session_find(t, id, len, now_ms))
			v = TEACHER_YES;
	}
	pthread_mutex_unlock(&t->lock);
	return v;
}

/* Writes the session cookie's Set-Cookie value (max_age 0 clears it). */
static void write_cookie(char *out, size_t len, const char *id, int max_age, bool secure)
{
	snprintf(out, len, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", TEACHER_COOKIE,
	         id, max_age, secure ? "; Secure" : "");
}

enum teacher_verdict teacher_login(struct teacher *t, const char *token, size_t len,
                                   const char *client, bool secure, int64_t now_ms, char *cookie,
                                   size_t cookie_len, int *retry_s)
{
	*cookie = '\0';
	*retry_s = 0;
	client = client ? client : "";
	char id[TEACH_TOKEN_HEX + 1];
	if (teach_token_new(id) != 0)
		return TEACHER_NONE;
	enum teacher_verdict v;
	pthread_mutex_lock(&t->lock);
	if (throttled(t, client, now_ms, retry_s)) {
		v = TEACHER_THROTTLED;
	} else if (!teach_token_equal(&t->secret, token, len)) {
		v = wrong_guess(t, client, now_ms, retry_s);
	} else {
		teach_throttle_succeeded(&t->throttle, client);
		struct session *slot = &t->sessions[0];
		for (int i = 0; i < TEACHER_SESSIONS; i++) {
			struct session *s = &t->sessions[i];
			if (!s->id[0] || s->expires_ms <= now_ms) {
				slot = s;
				break;
			}
			if (s->expires_ms < slot->expires_ms)
				slot = s;
		}
		memcpy(slot->id, id, sizeof id);
		slot->expires_ms = now_ms + (int64_t)TEACHER_SESSION_S * 1000;
		v = TEACHER_YES;
	}
	pthread_mutex_unlock(&t->lock);
	if (v == TEACHER_YES)
		write_cookie(cookie, cookie_len, id, TEACHER_SESSION_S, secure);
	return v;
}

void teacher_logout(struct teacher *t, const struct http_request *req, bool secure, char *cookie,
                    size_t cookie_len)
{
	size_t len = 0;
	const char *id = session_cookie(req->cookie, &len);
	pthread_mutex_lock(&t->lock);
	for (int i = 0; id && i < TEACHER_SESSIONS; i++)
		if (t->sessions[i].id[0] && id_equal(t->sessions[i].id, id, len))
			memset(&t->sessions[i], 0, sizeof t->sessions[i]);
	pthread_mutex_unlock(&t->lock);
	write_cookie(cookie, cookie_len, "", 0, secure);
}
