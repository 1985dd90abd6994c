/* teacher.h: who is the teacher. Holds the token (from the token file),
 * the teacher sessions that /teach logs into, and the wrong-guess
 * throttle, all in memory under one lock.
 *
 * A request is the teacher's when it carries "Authorization: Bearer
 * <token>" with the right token, or the session cookie a right login
 * handed out. Sessions are 256 random bits, live TEACHER_SESSION_S, and
 * are forgotten on restart (the teacher logs in again); at most
 * TEACHER_SESSIONS live at once, the oldest making room. Every token
 * comparison is constant-time (teachauth.h); session ids are compared in
 * constant time too. Wrong tokens count per client address in the
 * throttle; a throttled client is refused before its guess is looked at. */
#ifndef LESSOND_TEACHER_H
#define LESSOND_TEACHER_H

#include "classes/teachauth.h"
#include "http/http.h"

#include <stdint.h>

#define TEACHER_COOKIE    "lessond_teacher"
#define TEACHER_SESSIONS  32
#define TEACHER_SESSION_S (12 * 3600)

enum teacher_verdict {
	TEACHER_YES,       /* the teacher */
	TEACHER_NONE,      /* no credential at all, or an unknown session: 401 */
	TEACHER_WRONG,     /* a wrong token: 403 (counted) */
	TEACHER_THROTTLED, /* too many wrong tokens from this client: 429 */
};

struct teacher;

/* A teacher with this secret (copied), or NULL when memory runs out. */
struct teacher *teacher_new(const struct teach_secret *secret);

void teacher_free(struct teacher *t);

/* Judges a request's credentials at now_ms; *retry_s gets the seconds to
 * wait when throttled. */
enum teacher_verdict teacher_judge(struct teacher *t, const struct http_request *req,
                                   int64_t now_ms, int *retry_s);

/* Logs in with a token (len bytes) for client at now_ms: TEACHER_YES with a
 * Set-Cookie value for the new session in cookie (Secure when secure),
 * else TEACHER_WRONG or TEACHER_THROTTLED (then *retry_s) and cookie "". */
enum teacher_verdict teacher_login(struct teacher *t, const char *token, size_t len,
                                   const char *client, bool secure, int64_t now_ms, char *cookie,
                                   size_t cookie_len, int *retry_s);

/* Ends the request's session, if any, and writes the Set-Cookie value
 * that clears the cookie into cookie. */
void teacher_logout(struct teacher *t, const struct http_request *req, bool secure, char *cookie,
                    size_t cookie_len);

/* True when the request came over TLS, as a proxy in front says
 * (X-Forwarded-Proto: https): cookies then carry Secure. */
bool teacher_request_secure(const struct http_request *req);

#endif
