/* test_api.c: the JSON API handlers (api.h) called the way http.c calls
 * them, without sockets and without a pool: health, the lesson index and
 * details, metrics, every error path, and runs and checks, which answer
 * 503 "no runner" at once, and check_start out of memory. The course is tests/unit/fixtures/course
 * (or $LESSOND_COURSE_DIR). No Python runs here. */
#include "api/api.h"

#include "common/config.h"
#include "lesson/lessons.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Allocation failures and the mutex contract, through the linker's --wrap
 * (the Makefile's TEST_LDFLAGS_api): calloc fails once when its countdown
 * reaches zero; pthread_mutex_destroy must only see mutexes that
 * pthread_mutex_init set up (POSIX leaves anything else undefined). */
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
int __real_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a);
int __wrap_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a);
int __real_pthread_mutex_destroy(pthread_mutex_t *m);
int __wrap_pthread_mutex_destroy(pthread_mutex_t *m);

static int calloc_countdown; /* 0: never fail */
static pthread_mutex_t *inited[64];
static int destroyed_uninited;

void *__wrap_calloc(size_t n, size_t size)
{
	if (calloc_countdown > 0 && --calloc_countdown == 0)
		return NULL;
	return __real_calloc(n, size);
}

int __wrap_pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
	for (size_t i = 0; i < sizeof inited / sizeof *inited; i++)
		if (!inited[i]) {
			inited[i] = m;
			break;
		}
	return __real_pthread_mutex_init(m, a);
}

int __wrap_pthread_mutex_destroy(pthread_mutex_t *m)
{
	size_t i = 0;
	while (i < sizeof inited / sizeof *inited && inited[i] != m)
		i++;
	if (i == sizeof inited / sizeof *inited)
		destroyed_uninited++;
	else
		inited[i] = NULL;
	return __real_pthread_mutex_destroy(m);
}

static struct config cfg;
static struct lessons *course;
static struct api api;

/* Loads the course and a default config; the API has no pool. */
static int setup(void **state)
{
	(void)state;
	static char *const argv[] = {"lessond", NULL};
	char err[256];
	if (config_parse(&cfg, 1, argv, NULL, err, sizeof err) != CONFIG_OK)
		return -1;
	const char *dir = getenv("LESSOND_COURSE_DIR");
	course = lessons_load(dir && *dir ? dir : "tests/unit/fixtures/course", err, sizeof err);
	if (!course) {
		fprintf(stderr, "test_api: %s\n", err);
		return -1;
	}
	api = (struct api){.cfg = &cfg, .pool = NULL, .lessons = course};
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lessons_free(course);
	return 0;
}

/* One answered request: its status, its body parsed (new reference, NULL
 * when it is not JSON) and the response the handler filled. */
struct answer {
	int status;
	json_t *json;
	struct http_response resp;
};

/* Calls api_handle as http.c does; the handler must answer at once. */
static struct answer call(const char *method, const char *path, const char *body)
{
	struct http_request req = {.method = method,
	                           .path = path,
	                           .body = body ? body : "",
	                           .body_len = body ? strlen(body) : 0,
	                           .client = "127.0.0.1"};
	struct answer a = {0};
	assert_int_equal(api_handle(&api, &req, &a.resp, NULL), HANDLER_DONE);
	a.status = a.resp.status;
	assert_non_null(a.resp.body);
	assert_string_equal(a.resp.content_type, "application/json");
	a.json = json_loadb(a.resp.body, a.resp.body_len, 0, NULL);
	assert_non_null(a.json);
	return a;
}

static void answer_free(struct answer *a)
{
	json_decref(a->json);
	free(a->resp.body);
}

/* Asserts an {"error": ...} answer with `status` whose text holds `words`. */
static void assert_error(const char *method, const char *path, const char *body, int status,
                         const char *words)
{
	struct answer a = call(method, path, body);
	assert_int_equal(a.status, status);
	const char *text = json_string_value(json_object_get(a.json, "error"));
	assert_non_null(text);
	if (!strstr(text, words))
		fail_msg("%s %s: '%s' does not say '%s'", method, path, text, words);
	answer_free(&a);
}

/* GET /api/health without a pool: limits from the config, an empty pool,
 * no sandbox layer, so "degraded". */
static void test_health_without_pool(void **state)
{
	(void)state;
	struct answer a = call("GET", "/api/health", NULL);
	assert_int_equal(a.status, 200);
	assert_string_equal(json_string_value(json_object_get(a.json, "status")), "degraded");
	json_t *limits = json_object_get(a.json, "limits");
	assert_int_equal(json_integer_value(json_object_get(limits, "wall_ms")), cfg.wall_ms);
	assert_int_equal(json_integer_value(json_object_get(limits, "memory_bytes")),
	                 cfg.memory_bytes);
	json_t *pool = json_object_get(a.json, "pool");
	assert_int_equal(json_integer_value(json_object_get(pool, "ready")), 0);
	assert_int_equal(json_integer_value(json_object_get(pool, "runs")), 0);
	json_t *layers = json_object_get(json_object_get(a.json, "sandbox"), "layers");
	assert_string_equal(json_string_value(json_object_get(layers, "seccomp")), "unavailable");
	assert_string_equal(a.resp.cache, "no-store");
	answer_free(&a);
	a = call("HEAD", "/api/health", NULL);
	assert_int_equal(a.status, 200);
	answer_free(&a);
}

/* GET /api/lessons lists the course in order. */
static void test_lessons_index(void **state)
{
	(void)state;
	struct answer a = call("GET", "/api/lessons", NULL);
	assert_int_equal(a.status, 200);
	json_t *list = json_object_get(a.json, "lessons");
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "id")),
	                    "points");
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "id")),
	                    "bases");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "steps")), 5);
	answer_free(&a);
}

/* GET /api/lessons/{id}: the steps the browser may see, nothing hidden. */
static void test_lesson_detail(void **state)
{
	(void)state;
	struct answer a = call("GET", "/api/lessons/points", NULL);
	assert_int_equal(a.status, 200);
	assert_string_equal(json_string_value(json_object_get(a.json, "title")),
	                    "Points with and without slots");
	json_t *steps = json_object_get(a.json, "steps");
	assert_int_equal(json_array_size(steps), 5);
	json_t *goal = json_array_get(steps, 3);
	assert_string_equal(json_string_value(json_object_get(goal, "kind")), "goal");
	assert_int_equal(json_integer_value(json_object_get(goal, "checks")), 2);
	assert_null(json_object_get(goal, "solution"));
	assert_null(strstr(a.resp.body, "Pixel:\\n    __slots__")); /* the solution */
	assert_null(strstr(a.resp.body, "raises(AttributeError"));  /* a hidden check */
	answer_free(&a);
	assert_error("GET", "/api/lessons/nope", NULL, 404, "no such lesson");
	assert_error("POST", "/api/lessons/points", "{}", 405, "method not allowed");
}

/* A run without a pool: 503 with a plain reason, after the body checks. */
static void test_run_without_pool(void **state)
{
	(void)state;
	assert_error("POST", "/api/run", "{\"code\": \"1 + 1\"}", 503, "no runner");
	assert_error("POST", "/api/run",
	             "{\"code\": \"1\", \"lesson\": \"points\", \"step\": \"define\"}", 503,
	             "no runner");
	assert_error("POST", "/api/run",
	             "{\"code\": \"1\", \"lesson\": \"points\", \"step\": \"no\"}", 404,
	             "no such lesson step");
	assert_error("POST", "/api/run", "{\"code\": ", 400, "not valid JSON");
	assert_error("POST", "/api/run", "{\"setup\": \"x = 1\"}", 400, "'code' is missing");
	assert_error("POST", "/api/run", "", 400, "empty");
	assert_error("GET", "/api/run", NULL, 405, "method not allowed");
}

/* A check without a pool: 503 "no runner" once the step is known; the
 * request's own errors come first. */
static void test_check_without_pool(void **state)
{
	(void)state;
	assert_error("POST", "/api/check",
	             "{\"lesson\": \"points\", \"step\": \"has-dict\", \"answer\": \"False\"}", 503,
	             "no runner");
	assert_error("POST", "/api/check", "{\"lesson\": \"points\", \"step\": \"scale\"}", 503,
	             "no runner");
	assert_error("POST", "/api/check", "{\"lesson\": \"points\", \"step\": \"define\"}", 400,
	             "is an example");
	assert_error("POST", "/api/check", "{\"lesson\": \"points\", \"step\": \"slot-it\"}", 400,
	             "needs \"code\"");
	assert_error("POST", "/api/check", "{\"lesson\": \"nope\", \"step\": \"x\"}", 404,
	             "no lesson 'nope'");
	assert_error("POST", "/api/check", "{\"lesson\": 3}", 400, "must be strings");
	assert_error("POST", "/api/check", "[1]", 400, "must be a JSON object");
}

/* check_start out of memory at each of its allocations: 500, and its one
 * cleanup path destroys only the mutex it initialised (it used to destroy
 * it before pthread_mutex_init on three of these paths). */
static void test_check_out_of_memory(void **state)
{
	(void)state;
	static const char *const bodies[] = {
	    "{\"lesson\": \"points\", \"step\": \"has-dict\", \"answer\": \"False\"}",
	    "{\"lesson\": \"points\", \"step\": \"scale\"}"};
	for (size_t b = 0; b < 2; b++) {
		/* the call, the job, its runs, sizes and variants */
		for (int k = 1; k <= 5; k++) {
			calloc_countdown = k;
			destroyed_uninited = 0;
			assert_error("POST", "/api/check", bodies[b], 500, "out of memory");
			assert_int_equal(calloc_countdown, 0);
			assert_int_equal(destroyed_uninited, 0);
		}
		calloc_countdown = 6; /* past check_start's allocations: the pool is next */
		assert_error("POST", "/api/check", bodies[b], 503, "no runner");
		assert_int_equal(destroyed_uninited, 0);
		calloc_countdown = 0;
	}
}

/* POST /api/solution gives a goal's solution and nothing else. */
static void test_solution(void **state)
{
	(void)state;
	struct answer a =
	    call("POST", "/api/solution", "{\"lesson\": \"points\", \"step\": \"slot-it\"}");
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(json_string_value(json_object_get(a.json, "solution")),
	                       "__slots__ = (\"x\", \"y\")"));
	answer_free(&a);
	assert_error("POST", "/api/solution", "{\"lesson\": \"points\", \"step\": \"has-dict\"}",
	             400, "only goals");
	assert_error("POST", "/api/solution", "{\"lesson\": \"points\", \"step\": \"zz\"}", 404,
	             "no such lesson step");
}

/* Unknown routes and GET /metrics without a pool. */
static void test_unknown_route_and_metrics(void **state)
{
	(void)state;
	assert_error("GET", "/api/nothing", NULL, 404, "no such API route");
	struct http_request req = {
	    .method = "GET", .path = "/metrics", .body = "", .client = "::1"};
	struct http_response resp = {0};
	assert_int_equal(api_handle(&api, &req, &resp, NULL), HANDLER_DONE);
	assert_int_equal(resp.status, 200);
	assert_non_null(strstr(resp.body, "lessond_"));
	free(resp.body);
	assert_error("POST", "/metrics", "", 405, "method not allowed");
}

/* A server without class records (api.classes NULL) says so on every
 * class route, and a learner's membership and progress are simply off. */
static void test_class_routes_without_records(void **state)
{
	(void)state;
	static const char *const routes[][2] = {
	    {"GET", "/api/classes"},
	    {"POST", "/api/classes"},
	    {"GET", "/api/classes/CDFHJK"},
	    {"DELETE", "/api/classes/CDFHJK"},
	    {"GET", "/api/classes/CDFHJK/export.csv"},
	    {"POST", "/api/classes/CDFHJK/join"},
	    {"POST", "/api/teach/session"},
	};
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		assert_error(routes[i][0], routes[i][1], "{\"name\": \"x\"}", 503,
		             "keeps no class records");
	struct answer a = call("GET", "/api/membership", NULL);
	assert_int_equal(a.status, 200);
	assert_true(json_is_null(json_object_get(a.json, "class")));
	answer_free(&a);
	assert_error("POST", "/api/classes/CDFHJK/leave", "{}", 404, "no such API route");
	assert_error("PUT", "/api/classes/CDFHJK/join", "{}", 405, "method not allowed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_class_routes_without_records),
	    cmocka_unit_test(test_health_without_pool),
	    cmocka_unit_test(test_lessons_index),
	    cmocka_unit_test(test_lesson_detail),
	    cmocka_unit_test(test_run_without_pool),
	    cmocka_unit_test(test_check_without_pool),
	    cmocka_unit_test(test_check_out_of_memory),
	    cmocka_unit_test(test_solution),
	    cmocka_unit_test(test_unknown_route_and_metrics),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
