/* test_teacher.c: who is the teacher: Bearer tokens, session cookies from a
 * login, logout, expiry, the throttle on wrong tokens, and that nothing but
 * the right token or a live session passes. */
#include "api/teacher.h"

#include <stdio.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#define TOKEN "correct-horse-battery-staple"
#define T0    1000000

static struct teacher *make(void)
{
	struct teach_secret s;
	assert_int_equal(teach_secret_set(&s, TOKEN, strlen(TOKEN)), 0);
	struct teacher *t = teacher_new(&s);
	assert_non_null(t);
	return t;
}

/* A request from addr with these headers (either may be NULL). */
static struct http_request req_with(const char *auth, const char *cookie, const char *addr)
{
	return (struct http_request){.method = "GET",
	                             .path = "/api/classes",
	                             .authorization = auth,
	                             .cookie = cookie,
	                             .client = addr};
}

/* The cookie header a browser sends back for a Set-Cookie value. */
static void cookie_from(const char *set_cookie, char *out, size_t len)
{
	snprintf(out, len, "lessond_learner=0123; %.*s", (int)strcspn(set_cookie, ";"), set_cookie);
}

/* Bearer with the right token passes; a wrong one is WRONG; no credential,
 * a learner cookie or another scheme is NONE. */
static void test_bearer(void **state)
{
	(void)state;
	struct teacher *t = make();
	int retry;
	struct http_request r = req_with("Bearer " TOKEN, NULL, "1.1.1.1");
	assert_int_equal(teacher_judge(t, &r, T0, &retry), TEACHER_YES);
	r = req_with("bearer   " TOKEN "  ", NULL, "1.1.1.1");
	assert_int_equal(teacher_judge(t, &r, T0, &retry), TEACHER_YES);
	r = req_with("Bearer " TOKEN "x", NULL, "1.1.1.1");
	assert_int_equal(teacher_judge(t, &r, T0, &retry), TEACHER_WRONG);
	r = req_with(NULL, "lessond_learner=0123456789abcdef0123456789abcdef", "1.1.1.1");
	assert_int_equal(teacher_judge(t, &r, T0, &retry), TEACHER_NONE);
	r = req_with("Basic " TOKEN, NULL, "1.1.1.1");
	assert_int_equal(teacher_judge(t, &r, T0, &retry), TEACHER_NONE);
	r = req_with(NULL, NULL, NULL);
	assert_int_equal(teacher_judge(t, &r, T0, &retry), TEACHER_NONE);
	teacher_free(t);
}

/* A login hands out a session cookie that then passes, is HttpOnly and
 * SameSite=Strict (Secure only over TLS), and lasts TEACHER_SESSION_S. A
 * made-up or altered session id passes nothing. Logout ends it. */
static void test_session(void **state)
{
	(void)state;
	struct teacher *t = make();
	char set[192], hdr[256];
	int retry;
	assert_int_equal(
	    teacher_login(t, TOKEN, strlen(TOKEN), "1.1.1.1", false, T0, set, sizeof set, &retry),
	    TEACHER_YES);
	assert_non_null(strstr(set, "lessond_teacher="));
	assert_non_null(strstr(set, "HttpOnly"));
	assert_non_null(strstr(set, "SameSite=Strict"));
	assert_null(strstr(set, "Secure"));
	cookie_from(set, hdr, sizeof hdr);
	struct http_request r = req_with(NULL, hdr, "2.2.2.2");
	assert_int_equal(teacher_judge(t, &r, T0 + 1000, &retry), TEACHER_YES);
	assert_int_equal(teacher_judge(t, &r, T0 + (int64_t)TEACHER_SESSION_S * 1000, &retry),
	                 TEACHER_NONE);

	char forged[256];
	snprintf(forged, sizeof forged, "%s", hdr);
	char *last = forged + strlen(forged) - 1;
	*last = *last == '0' ? '1' : '0';
	r = req_with(NULL, forged, "2.2.2.2");
	assert_int_equal(teacher_judge(t, &r, T0 + 1000, &retry), TEACHER_NONE);
	r = req_with(NULL, "lessond_teacher=", "2.2.2.2");
	assert_int_equal(teacher_judge(t, &r, T0 + 1000, &retry), TEACHER_NONE);

	r = req_with(NULL, hdr, "2.2.2.2");
	char cleared[192];
	teacher_logout(t, &r, true, cleared, sizeof cleared);
	assert_non_null(strstr(cleared, "Max-Age=0"));
	assert_non_null(strstr(cleared, "; Secure"));
	assert_int_equal(teacher_judge(t, &r, T0 + 1000, &retry), TEACHER_NONE);

	assert_int_equal(
	    teacher_login(t, TOKEN, strlen(TOKEN), "1.1.1.1", true, T0, set, sizeof set, &retry),
	    TEACHER_YES);
	assert_non_null(strstr(set, "; Secure"));
	teacher_free(t);
}

/* Five wrong tokens from one address (by login or by Bearer) and it must
 * wait, even with the right token; another address is not held up; the
 * window ends. */
static void test_throttle(void **state)
{
	(void)state;
	struct teacher *t = make();
	char set[192];
	int retry;
	for (int i = 0; i < 4; i++)
		assert_int_equal(teacher_login(t, "wrong-wrong-wrong", 17, "6.6.6.6", false, T0,
		                               set, sizeof set, &retry),
		                 TEACHER_WRONG);
	struct http_request r = req_with("Bearer nope-nope-nope-nope", NULL, "6.6.6.6");
	assert_int_equal(teacher_judge(t, &r, T0, &retry), TEACHER_WRONG);
	assert_true(retry > 0);
	assert_int_equal(teacher_login(t, TOKEN, strlen(TOKEN), "6.6.6.6", false, T0 + 1, set,
	                               sizeof set, &retry),
	                 TEACHER_THROTTLED);
	assert_string_equal(set, "");
	assert_true(retry > 0 && retry <= 60);
	r = req_with("Bearer " TOKEN, NULL, "6.6.6.6");
	assert_int_equal(teacher_judge(t, &r, T0 + 1, &retry), TEACHER_THROTTLED);
	r = req_with("Bearer " TOKEN, NULL, "7.7.7.7");
	assert_int_equal(teacher_judge(t, &r, T0 + 1, &retry), TEACHER_YES);
	assert_int_equal(teacher_login(t, TOKEN, strlen(TOKEN), "6.6.6.6", false, T0 + 61000, set,
	                               sizeof set, &retry),
	                 TEACHER_YES);
	teacher_free(t);
}

/* More logins than slots: the oldest session makes room, the newest live. */
static void test_session_slots(void **state)
{
	(void)state;
	struct teacher *t = make();
	char set[TEACHER_SESSIONS + 1][192], hdr[256];
	int retry;
	for (int i = 0; i <= TEACHER_SESSIONS; i++)
		assert_int_equal(teacher_login(t, TOKEN, strlen(TOKEN), "1.1.1.1", false, T0 + i,
		                               set[i], sizeof set[i], &retry),
		                 TEACHER_YES);
	cookie_from(set[0], hdr, sizeof hdr);
	struct http_request r = req_with(NULL, hdr, "1.1.1.1");
	assert_int_equal(teacher_judge(t, &r, T0 + 100, &retry), TEACHER_NONE);
	for (int i = 1; i <= TEACHER_SESSIONS; i++) {
		cookie_from(set[i], hdr, sizeof hdr);
		r = req_with(NULL, hdr, "1.1.1.1");
		assert_int_equal(teacher_judge(t, &r, T0 + 100, &retry), TEACHER_YES);
	}
	teacher_free(t);
	teacher_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bearer),
	    cmocka_unit_test(test_session),
	    cmocka_unit_test(test_throttle),
	    cmocka_unit_test(test_session_slots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
