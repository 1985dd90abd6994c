/* main.c: lessond's entry point. Parses the configuration, starts one
 * runner pool per Python it serves (each starts its zygote) and the HTTP
 * server, and shuts down cleanly on SIGTERM or SIGINT. With --zygote it
 * becomes the zygote of the Python it links. */
#include "api/api.h"
#include "api/classes.h"
#include "api/routes.h"
#include "api/teacher.h"
#include "classes/roster.h"
#include "classes/tokenfile.h"
#include "store/store.h"
#include "lesson/checklessons.h"
#include "common/config.h"
#include "http/http.h"
#include "api/learner.h"
#include "lesson/lessons.h"
#include "common/log.h"
#include "pool/pool.h"
#include "pool/pythons.h"
#include "http/static.h"
#include "zygote/pyrun.h"
#include "zygote/zygote.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How often the server deletes class records past --keep-days. */
#define RETAIN_EVERY_S 3600

struct router {
	struct api api;
	const char *static_dir;
};

/* Sends the API's paths (routes.h: /api and /metrics) to the API and
 * everything else to the static files. Names
 * the learner from the cookie, or hands out a cookie (this request itself
 * still counts by address, so a client that drops cookies gains nothing). */
static enum handler_result route(void *ctx, const struct http_request *in,
                                 struct http_response *resp, struct http_exchange *ex)
{
	struct router *r = ctx;
	struct http_request req = *in;
	char id[LEARNER_ID_LEN + 1];
	if (learner_from_cookie(in->cookie, id))
		req.learner = id;
	else if (learner_new(id) == 0) {
		learner_set_cookie(id, resp->set_cookie, sizeof resp->set_cookie);
		req.new_learner = id;
	}
	if (routes_owns(req.path))
		return api_handle(&r->api, &req, resp, ex);
	return static_handle(r->static_dir, &req, resp, ex);
}

/* config_getenv_fn over the process environment. */
static const char *env_lookup(const char *name)
{
	return getenv(name);
}

/* Writes the bound port to cfg->port_file (for tests), through a temporary
 * file renamed into place so a reader never sees half a number. A failure
 * is logged; the FILE is closed on every path. */
static void write_port_file(const struct config *cfg, int port)
{
	if (!*cfg->port_file)
		return;
	char tmp[600];
	snprintf(tmp, sizeof tmp, "%s.tmp", cfg->port_file);
	FILE *f = fopen(tmp, "w");
	if (!f)
		goto fail;
	bool written = fprintf(f, "%d\n", port) >= 0;
	if (fclose(f) != 0 || !written || rename(tmp, cfg->port_file) != 0)
		goto fail;
	return;
fail:
	log_error("cannot write the port file %s", cfg->port_file);
}

/* The class records a server keeps: main owns every part. */
struct records {
	struct store *store;
	struct roster *roster;
	struct teacher *teacher;
	struct classes *classes;
};

/* Frees what open_records made (any part may be NULL). */
static void close_records(struct records *r)
{
	classes_free(r->classes);
	teacher_free(r->teacher);
	store_close(r->store);
	roster_free(r->roster);
	memset(r, 0, sizeof *r);
}

/* Opens the database under --data-dir, loads or makes the teacher token,
 * and fills the roster. Returns 0, or -1 having logged why (a corrupt or
 * newer database, an unusable token file): the server must not start. */
static int open_records(const struct config *cfg, struct records *r)
{
	char err[768];
	memset(r, 0, sizeof *r);
	r->store = store_open(cfg->data_dir, NULL, err, sizeof err);
	if (!r->store) {
		log_error("class records: %s", err);
		return -1;
	}
	char path[1100];
	if (*cfg->teacher_token_file)
		snprintf(path, sizeof path, "%s", cfg->teacher_token_file);
	else
		snprintf(path, sizeof path, "%s/teacher-token", cfg->data_dir);
	struct teach_secret secret;
	struct tokenfile_info info;
	if (tokenfile_load(path, &secret, &info, err, sizeof err) != 0) {
		log_error("teacher token: %s", err);
		close_records(r);
		return -1;
	}
	log_info("teacher token: %s %s (give it to teachers to log in at /teach)",
	         info.created ? "made a new one in" : "read from", path);
	if (info.loose_mode)
		log_warn("teacher token: %s has mode %03o: others on this machine may read it; "
		         "chmod 600 it",
		         path, info.mode);
	r->roster = roster_new();
	r->teacher = teacher_new(&secret);
	memset(&secret, 0, sizeof secret);
	r->classes = r->roster && r->teacher ? classes_new(r->store, r->roster, r->teacher) : NULL;
	if (!r->classes || classes_load_roster(r->classes) != 0) {
		log_error("class records: cannot load who is in which class");
		close_records(r);
		return -1;
	}
	log_info("class records in %s/lessond.db (%zu learners in classes, kept %d days)",
	         cfg->data_dir, roster_count(r->roster), cfg->keep_days);
	return 0;
}

/* Deletes class records older than --keep-days; logs what it did. */
static void retain(const struct config *cfg, struct records *r)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	long deleted = 0;
	enum store_status s = classes_retain(r->classes, (unsigned)cfg->keep_days,
	                                     (int64_t)now.tv_sec * 1000, &deleted);
	if (s != STORE_OK)
		log_warn("class records: retention failed: %s", store_strerror(s));
	else if (deleted)
		log_info("class records: deleted %ld events older than %d days", deleted,
		         cfg->keep_days);
}

/* `lessond --backup FILE`: copies the database under --data-dir to FILE
 * while another lessond may be serving it. A data dir without records is
 * refused, not given new empty ones (a mistyped --data-dir would "succeed"
 * with an empty copy). Returns the exit status. */
static int backup_mode(const struct config *cfg)
{
	char err[768];
	const struct store_options existing = {.must_exist = true};
	struct store *st = store_open(cfg->data_dir, &existing, err, sizeof err);
	if (!st) {
		fprintf(stderr, "lessond --backup: %s\n", err);
		return 1;
	}
	enum store_status s = store_backup(st, cfg->backup_file, err, sizeof err);
	store_close(st);
	if (s != STORE_OK) {
		fprintf(stderr, "lessond --backup: %s\n", err);
		return 1;
	}
	printf("lessond: backed up %s/lessond.db to %s\n", cfg->data_dir, cfg->backup_file);
	return 0;
}

/* The Pythons this server runs and their pools; main owns both. */
struct runners {
	struct python pythons[PYTHONS_MAX];
	struct python_pool pools[PYTHONS_MAX];
	size_t n;
};

/* Stops every pool start_runners started. */
static void stop_runners(struct runners *r)
{
	for (size_t i = 0; i < r->n; i++)
		pool_stop(r->pools[i].pool);
	r->n = 0;
}

/* Chooses the Pythons (--pythons, else every one installed: pythons.h)
 * and starts a pool for each. A Python chosen by default whose zygote
 * cannot start is left out, loudly; lessond's own, or one --pythons names,
 * stops the server. Returns 0, or -1 with err filled and nothing running. */
static int start_runners(const struct config *cfg, const char *exe, struct runners *r, char *err,
                         size_t errlen)
{
	char dir[PATH_MAX + 16], own[16], exe_copy[PATH_MAX];
	snprintf(exe_copy, sizeof exe_copy, "%s", exe);
	if (*cfg->pythons_dir)
		snprintf(dir, sizeof dir, "%s", cfg->pythons_dir);
	else
		snprintf(dir, sizeof dir, "%s/pythons", dirname(exe_copy));
	int major = 0, minor = 0;
	sscanf(pyrun_linked_version(), "%d.%d", &major, &minor);
	snprintf(own, sizeof own, "%d.%d", major, minor);
	r->n = 0;
	int n = pythons_choose(cfg->pythons, own, exe, dir, r->pythons, err, errlen);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const struct python *py = &r->pythons[i];
		struct pool *pool = pool_start(cfg, py, err, errlen);
		if (!pool && (*cfg->pythons || !*py->tree)) {
			stop_runners(r);
			return -1;
		}
		if (!pool) {
			log_error("python %s is left out: %s", py->version, err);
			continue;
		}
		r->pools[r->n++] = (struct python_pool){py->version, pool};
	}
	char names[128] = "";
	for (size_t i = 0; i < r->n; i++)
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
		         r->pools[i].version);
	log_info("serving Python %s (the default: %s)", names, r->pools[r->n - 1].version);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--zygote") == 0)
		return zygote_command(argc, argv);
	bool check_only = argc > 1 && strcmp(argv[1], "--check-lessons") == 0;
	if (check_only) {
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	struct config cfg;
	char err[512];
	enum config_result cr = config_parse(&cfg, argc, argv, env_lookup, err, sizeof err);
	if (cr == CONFIG_HELP) {
		char usage[8192];
		config_usage(usage, sizeof usage);
		fputs(usage, stdout);
		return 0;
	}
	if (cr == CONFIG_ERROR) {
		fprintf(stderr, "lessond: %s\n", err);
		return 2;
	}
	log_threshold = cfg.log_level;
	if (*cfg.backup_file)
		return backup_mode(&cfg);
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0) {
		log_error("cannot find my own binary in /proc/self/exe");
		return 1;
	}
	exe[n] = '\0';

	/* Every thread inherits this mask; main waits for the signals itself. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct lessons *course = lessons_load(cfg.lessons_dir, err, sizeof err);
	if (!course) {
		log_error("%s", err);
		return 1;
	}
	log_info("%zu lessons loaded from %s", lessons_count(course), cfg.lessons_dir);
	struct runners runners;
	if (start_runners(&cfg, exe, &runners, err, sizeof err) < 0) {
		log_error("%s", err);
		lessons_free(course);
		return 1;
	}
	if (check_only) {
		int rc = checklessons_run(runners.pools, runners.n, course, &cfg);
		stop_runners(&runners);
		lessons_free(course);
		return rc;
	}
	struct records records;
	if (open_records(&cfg, &records) != 0) {
		stop_runners(&runners);
		lessons_free(course);
		return 1;
	}
	retain(&cfg, &records);
	struct router router = {{.cfg = &cfg, .lessons = course, .classes = records.classes},
	                        cfg.static_dir};
	memcpy(router.api.pythons, runners.pools, runners.n * sizeof *runners.pools);
	router.api.npythons = runners.n;
	struct http_server *srv = http_start(&cfg, route, &router, err, sizeof err);
	if (!srv) {
		log_error("%s", err);
		stop_runners(&runners);
		close_records(&records);
		lessons_free(course);
		return 1;
	}
	write_port_file(&cfg, http_port(srv));
	log_info("listening on http://%s:%d/ (pool %d, runs %d, queue %d, per learner %d/%d, cpu "
	         "%d s, wall %d ms, memory %ld bytes)",
	         cfg.bind, http_port(srv), cfg.pool_size, cfg.runs_max, cfg.queue_max,
	         cfg.client_runs, cfg.client_queue, cfg.cpu_seconds, cfg.wall_ms, cfg.memory_bytes);

	int sig;
	const struct timespec every = {RETAIN_EVERY_S, 0};
	while ((sig = sigtimedwait(&stop, NULL, &every)) < 0)
		if (errno == EAGAIN)
			retain(&cfg, &records);
	log_info("signal %d: finishing in-flight runs, then stopping", sig);
	http_quiesce(srv);
	stop_runners(&runners);
	http_stop(srv, 2000);
	/* Every answer is out: what is queued is written, then the file closes. */
	close_records(&records);
	lessons_free(course);
	log_info("stopped");
	return 0;
}
