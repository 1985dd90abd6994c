/* test_metrics.c: the Prometheus text behind GET /metrics. */
#include "api/metrics.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

/* A fixed name per layer bit. */
static const char *layer_name(unsigned bit)
{
	return bit == 1u ? "rlimits" : bit == 2u ? "landlock" : "seccomp";
}

/* Renders with some pool gauges; caller frees. */
static char *render(void)
{
	struct pool_stats st = {.pool_size = 2,
	                        .runs_max = 16,
	                        .ready = 1,
	                        .in_flight = 3,
	                        .queued = 4,
	                        .queue_max = 64,
	                        .zygote_restarts = 5,
	                        .layers = 1u | 4u,
	                        .clients = 7,
	                        .demoted = 8,
	                        .idled = 9};
	size_t len = 0;
	char *text = metrics_render(&st, 3, layer_name, NULL, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

/* Requests count by route and status; runs by status and latency bucket. */
static void test_counters(void **state)
{
	(void)state;
	metrics_reset();
	metrics_request("/api/run", 200);
	metrics_request("/api/run", 200);
	metrics_request("/api/run", 503);
	metrics_request("/evil\"label", 404);
	metrics_run("ok", 0.8);       /* 0.0008 s: le 0.001 */
	metrics_run("timeout", 5000); /* le 5 */
	metrics_run("weird", 20000);  /* other, +Inf only */
	char *t = render();
	assert_non_null(strstr(t, "lessond_http_requests_total{route=\"run\",code=\"200\"} 2\n"));
	assert_non_null(strstr(t, "lessond_http_requests_total{route=\"run\",code=\"503\"} 1\n"));
	assert_non_null(
	    strstr(t, "lessond_http_requests_total{route=\"static\",code=\"404\"} 1\n"));
	assert_null(strstr(t, "evil"));
	assert_non_null(strstr(t, "lessond_runs_total{status=\"ok\"} 1\n"));
	assert_non_null(strstr(t, "lessond_runs_total{status=\"timeout\"} 1\n"));
	assert_non_null(strstr(t, "lessond_runs_total{status=\"other\"} 1\n"));
	assert_non_null(strstr(t, "lessond_run_duration_seconds_bucket{le=\"0.0005\"} 0\n"));
	assert_non_null(strstr(t, "lessond_run_duration_seconds_bucket{le=\"0.001\"} 1\n"));
	assert_non_null(strstr(t, "lessond_run_duration_seconds_bucket{le=\"2.5\"} 1\n"));
	assert_non_null(strstr(t, "lessond_run_duration_seconds_bucket{le=\"5\"} 2\n"));
	assert_non_null(strstr(t, "lessond_run_duration_seconds_bucket{le=\"10\"} 2\n"));
	assert_non_null(strstr(t, "lessond_run_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(t, "lessond_run_duration_seconds_count 3\n"));
	free(t);
}

/* Pool gauges and one gauge per sandbox layer. */
static void test_gauges(void **state)
{
	(void)state;
	metrics_reset();
	char *t = render();
	assert_non_null(strstr(t, "# TYPE lessond_queue_depth gauge\nlessond_queue_depth 4\n"));
	assert_non_null(strstr(t, "lessond_pool_size 2\n"));
	assert_non_null(strstr(t, "lessond_runs_in_flight 3\n"));
	assert_non_null(strstr(t, "lessond_runs_max 16\n"));
	assert_non_null(strstr(t, "lessond_zygote_restarts_total 5\n"));
	assert_non_null(strstr(t, "lessond_runs_demoted_total 8\n"));
	assert_non_null(strstr(t, "lessond_runs_idled_total 9\n"));
	assert_non_null(strstr(t, "lessond_sandbox_layer_active{layer=\"rlimits\"} 1\n"));
	assert_non_null(strstr(t, "lessond_sandbox_layer_active{layer=\"landlock\"} 0\n"));
	assert_non_null(strstr(t, "lessond_sandbox_layer_active{layer=\"seccomp\"} 1\n"));
	assert_null(strstr(t, "lessond_http_requests_total{")); /* nothing counted */
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counters),
	    cmocka_unit_test(test_gauges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
