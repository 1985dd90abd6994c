/* metrics.c: the counters behind GET /metrics (see metrics.h). Label values
 * come from fixed tables (routes come from routes.h), so a client cannot
 * grow them. */
#include "api/metrics.h"

#include "api/routes.h"
#include "common/buf.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSTATUS 600 /* HTTP statuses 0..599; others count as 0 */

static const char *const run_statuses[] = {"ok",           "error",   "timeout", "memory_limit",
                                           "output_limit", "crashed", "other"};
#define NRUNSTATUS (sizeof run_statuses / sizeof *run_statuses)

/* Upper bounds of the run latency buckets, in seconds (+Inf is implied). */
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define NBUCKETS (sizeof buckets / sizeof *buckets)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long requests[ROUTE_LABELS][NSTATUS];
static unsigned long runs_by_status[NRUNSTATUS];
static unsigned long run_buckets[NBUCKETS + 1]; /* per bucket, not cumulative; last is +Inf */
static double run_seconds_sum;
static unsigned long run_count;

void metrics_request(const char *path, int status)
{
	int r = routes_label_of(path);
	pthread_mutex_lock(&lock);
	requests[r][status >= 0 && status < NSTATUS ? status : 0]++;
	pthread_mutex_unlock(&lock);
}

void metrics_run(const char *status, double ms)
{
	size_t s = 0;
	while (s < NRUNSTATUS - 1 && (!status || strcmp(run_statuses[s], status) != 0))
		s++;
	double secs = ms > 0 ? ms / 1000.0 : 0;
	size_t b = 0;
	while (b < NBUCKETS && secs > buckets[b])
		b++;
	pthread_mutex_lock(&lock);
	runs_by_status[s]++;
	run_buckets[b]++;
	run_seconds_sum += secs;
	run_count++;
	pthread_mutex_unlock(&lock);
}

void metrics_reset(void)
{
	pthread_mutex_lock(&lock);
	memset(requests, 0, sizeof requests);
	memset(runs_by_status, 0, sizeof runs_by_status);
	memset(run_buckets, 0, sizeof run_buckets);
	run_seconds_sum = 0;
	run_count = 0;
	pthread_mutex_unlock(&lock);
}

/* Writes a HELP and TYPE header. */
static void header(struct buf *t, const char *name, const char *type, const char *help)
{
	buf_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Writes one unlabelled gauge. */
static void gauge(struct buf *t, const char *name, const char *help, double value)
{
	header(t, name, "gauge", help);
	buf_printf(t, "%s %.17g\n", name, value);
}

/* Appends the class records' counters. */
static void render_records(struct buf *t, const struct metrics_records *rec)
{
	header(t, "lessond_progress_events_total", "counter",
	       "Learner events of class members, by what the answer said: saved (on disk), "
	       "queued (a run's, not waited for), unsaved (refused or failed).");
	buf_printf(t, "lessond_progress_events_total{outcome=\"saved\"} %lu\n", rec->saved);
	buf_printf(t, "lessond_progress_events_total{outcome=\"queued\"} %lu\n", rec->queued);
	buf_printf(t, "lessond_progress_events_total{outcome=\"unsaved\"} %lu\n", rec->unsaved);
	header(t, "lessond_store_commits_total", "counter",
	       "Transactions the class records' writer committed.");
	buf_printf(t, "lessond_store_commits_total %lu\n", rec->commits);
	header(t, "lessond_store_writes_total", "counter",
	       "Writes to the class records, by outcome.");
	buf_printf(t, "lessond_store_writes_total{outcome=\"written\"} %lu\n", rec->written);
	buf_printf(t, "lessond_store_writes_total{outcome=\"failed\"} %lu\n", rec->failed);
	buf_printf(t, "lessond_store_writes_total{outcome=\"rejected\"} %lu\n", rec->rejected);
	gauge(t, "lessond_class_members", "Learners in a class now.", (double)rec->members);
}

char *metrics_render(const struct pool_stats *st, unsigned nlayers,
                     metrics_layer_name_fn layer_name, const struct metrics_records *rec,
                     size_t *len)
{
	struct buf t = {0};
	unsigned long by_status[NRUNSTATUS], bucket_copy[NBUCKETS + 1], count;
	double sum;
	pthread_mutex_lock(&lock);
	memcpy(by_status, runs_by_status, sizeof by_status);
	memcpy(bucket_copy, run_buckets, sizeof bucket_copy);
	count = run_count;
	sum = run_seconds_sum;
	header(&t, "lessond_http_requests_total", "counter",
	       "HTTP requests answered, by route and status code.");
	for (int r = 0; r < ROUTE_LABELS; r++)
		for (int s = 0; s < NSTATUS; s++)
			if (requests[r][s])
				buf_printf(
				    &t,
				    "lessond_http_requests_total{route=\"%s\",code=\"%d\"} %lu\n",
				    routes_label_name(r), s, requests[r][s]);
	pthread_mutex_unlock(&lock);

	header(&t, "lessond_runs_total", "counter", "Runs finished, by the status of the result.");
	for (size_t s = 0; s < NRUNSTATUS; s++)
		buf_printf(&t, "lessond_runs_total{status=\"%s\"} %lu\n", run_statuses[s],
		           by_status[s]);

	header(&t, "lessond_run_duration_seconds", "histogram",
	       "Time from a run's submission to its answer, queueing included.");
	unsigned long cumulative = 0;
	for (size_t b = 0; b < NBUCKETS; b++) {
		cumulative += bucket_copy[b];
		buf_printf(&t, "lessond_run_duration_seconds_bucket{le=\"%g\"} %lu\n", buckets[b],
		           cumulative);
	}
	buf_printf(&t, "lessond_run_duration_seconds_bucket{le=\"+Inf\"} %lu\n", count);
	buf_printf(&t, "lessond_run_duration_seconds_sum %.9g\n", sum);
	buf_printf(&t, "lessond_run_duration_seconds_count %lu\n", count);

	gauge(&t, "lessond_queue_depth", "Runs waiting for a child.", (double)st->queued);
	gauge(&t, "lessond_queue_max", "Runs that may wait before 503.", (double)st->queue_max);
	gauge(&t, "lessond_pool_size", "Children kept forked and waiting.", st->pool_size);
	gauge(&t, "lessond_pool_ready", "Children waiting for a run now.", st->ready);
	gauge(&t, "lessond_runs_in_flight", "Children running a run now.", st->in_flight);
	gauge(&t, "lessond_runs_max", "Runs allowed in flight at once.", st->runs_max);
	gauge(&t, "lessond_clients_active", "Clients with runs queued or running.",
	      (double)st->clients);
	header(&t, "lessond_zygote_restarts_total", "counter", "Times the zygote was restarted.");
	buf_printf(&t, "lessond_zygote_restarts_total %u\n", st->zygote_restarts);
	header(&t, "lessond_runs_demoted_total", "counter",
	       "Runs dropped to nice 10 for using more CPU than --demote-cpu-ms.");
	buf_printf(&t, "lessond_runs_demoted_total %lu\n", st->demoted);
	header(&t, "lessond_runs_idled_total", "counter",
	       "Runs dropped to SCHED_IDLE for using more CPU than --idle-cpu-ms.");
	buf_printf(&t, "lessond_runs_idled_total %lu\n", st->idled);
	header(&t, "lessond_sandbox_layer_active", "gauge",
	       "1 when a sandbox layer is active in every run, 0 when unavailable.");
	for (unsigned i = 0; i < nlayers; i++)
		buf_printf(&t, "lessond_sandbox_layer_active{layer=\"%s\"} %d\n",
		           layer_name(1u << i), (st->layers >> i) & 1u ? 1 : 0);
	if (rec)
		render_records(&t, rec);
	return buf_take(&t, len);
}
