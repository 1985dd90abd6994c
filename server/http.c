/* http.c: libmicrohttpd glue. Accumulates bodies (with a cap), calls the
 * handler once per request, suspends pending requests, and sends responses. */
#include "http.h"

#include "log.h"
#include "metrics.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum ex_state { EX_NEW, EX_SUSPENDED, EX_DONE };

struct http_exchange {
	pthread_mutex_t lock;
	struct MHD_Connection *conn;
	struct http_server *srv;
	enum ex_state state;
	bool handled, too_big;
	char *body;
	size_t body_len, body_cap;
	struct http_response resp;
	struct timespec started;
	char method[8], path[120]; /* for the access log */
	size_t sent;               /* response body bytes */
};

struct http_server {
	struct MHD_Daemon *daemon;
	http_handler_fn handler;
	void *ctx;
	size_t body_max;
	int port;
	atomic_int in_flight;
};

struct http_response *http_exchange_response(struct http_exchange *ex)
{
	return &ex->resp;
}

/* Marks the exchange done. If its handler already suspended the connection,
 * resumes it; otherwise the handler's thread sees EX_DONE and answers at
 * once. `ex` is not touched after the unlock: once resumed (or answered),
 * MHD may complete the request and free it on another thread. */
void http_complete(struct http_exchange *ex)
{
	pthread_mutex_lock(&ex->lock);
	bool suspended = ex->state == EX_SUSPENDED;
	struct MHD_Connection *conn = ex->conn;
	ex->state = EX_DONE;
	pthread_mutex_unlock(&ex->lock);
	if (suspended)
		MHD_resume_connection(conn);
}

/* Sets a fixed JSON error on the exchange (for errors found before any handler). */
static void fixed_error(struct http_exchange *ex, int status, const char *json)
{
	free(ex->resp.body);
	ex->resp.status = status;
	ex->resp.body = strdup(json);
	ex->resp.body_len = ex->resp.body ? strlen(json) : 0;
	ex->resp.content_type = "application/json";
}

/* Hands the exchange's response to MHD. The body's ownership passes to MHD. */
static enum MHD_Result send_response(struct MHD_Connection *conn, struct http_exchange *ex)
{
	struct http_response *r = &ex->resp;
	if (!r->status)
		fixed_error(ex, 500, "{\"error\": \"the handler gave no response\"}");
	struct MHD_Response *mr = MHD_create_response_from_buffer(
	    r->body_len, r->body ? r->body : (void *)"",
	    r->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!mr)
		return MHD_NO;
	r->body = NULL; /* now owned by mr */
	ex->sent = r->body_len;
	if (r->content_type)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	if (r->allow)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->cache)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, r->cache);
	if (r->retry_after > 0) {
		char secs[16];
		snprintf(secs, sizeof secs, "%d", r->retry_after);
		MHD_add_response_header(mr, MHD_HTTP_HEADER_RETRY_AFTER, secs);
	}
	if (r->csp)
		MHD_add_response_header(mr, "Content-Security-Policy", r->csp);
	if (r->etag[0])
		MHD_add_response_header(mr, MHD_HTTP_HEADER_ETAG, r->etag);
	if (r->set_cookie[0])
		MHD_add_response_header(mr, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(mr, "Referrer-Policy", "no-referrer");
	enum MHD_Result rc = MHD_queue_response(conn, (unsigned)r->status, mr);
	MHD_destroy_response(mr);
	return rc;
}

/* Appends an upload chunk, or marks the body too big (it is then dropped). */
static void body_append(struct http_exchange *ex, const char *data, size_t len, size_t max)
{
	if (ex->too_big || ex->body_len + len > max) {
		ex->too_big = true;
		return;
	}
	if (ex->body_len + len > ex->body_cap) {
		size_t cap = ex->body_cap ? ex->body_cap : 4096;
		while (cap < ex->body_len + len)
			cap *= 2;
		char *nb = realloc(ex->body, cap);
		if (!nb) {
			ex->too_big = true;
			return;
		}
		ex->body = nb;
		ex->body_cap = cap;
	}
	memcpy(ex->body + ex->body_len, data, len);
	ex->body_len += len;
}

/* Runs the handler once the whole body is in; suspends when it is pending. */
static enum MHD_Result dispatch(struct http_server *srv, struct MHD_Connection *conn,
                                struct http_exchange *ex, const char *url, const char *method)
{
	ex->handled = true;
	if (ex->too_big) {
		fixed_error(ex, 413,
		            "{\"error\": \"the request body is larger than the server accepts\"}");
		return send_response(conn, ex);
	}
	char client[64] = "";
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET,
		          &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr,
		          client, sizeof client);
	else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		          &((const struct sockaddr_in6 *)(const void *)ci->client_addr)->sin6_addr,
		          client, sizeof client);
	snprintf(ex->method, sizeof ex->method, "%s", method);
	snprintf(ex->path, sizeof ex->path, "%s", url);
	struct http_request req = {
	    method,
	    url,
	    ex->body,
	    ex->body_len,
	    client,
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH),
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE),
	    NULL};
	if (srv->handler(srv->ctx, &req, &ex->resp, ex) == HANDLER_DONE)
		return send_response(conn, ex);
	pthread_mutex_lock(&ex->lock);
	bool done = ex->state == EX_DONE;
	if (!done) {
		ex->state = EX_SUSPENDED;
		MHD_suspend_connection(conn);
	}
	pthread_mutex_unlock(&ex->lock);
	return done ? send_response(conn, ex) : MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	(void)version;
	struct http_server *srv = cls;
	struct http_exchange *ex = *con_cls;
	if (!ex) {
		ex = calloc(1, sizeof *ex);
		if (!ex)
			return MHD_NO;
		pthread_mutex_init(&ex->lock, NULL);
		ex->conn = conn;
		ex->srv = srv;
		clock_gettime(CLOCK_MONOTONIC, &ex->started);
		atomic_fetch_add(&srv->in_flight, 1);
		*con_cls = ex;
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > srv->body_max)
			ex->too_big = true;
		return MHD_YES;
	}
	if (*upload_size) {
		body_append(ex, upload, *upload_size, srv->body_max);
		*upload_size = 0;
		return MHD_YES;
	}
	if (!ex->handled)
		return dispatch(srv, conn, ex, url, method);
	return send_response(conn, ex); /* resumed after HANDLER_PENDING */
}

/* Frees the exchange once MHD is done with the connection's request. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
	(void)conn;
	(void)code;
	struct http_server *srv = cls;
	struct http_exchange *ex = *con_cls;
	if (!ex)
		return;
	*con_cls = NULL;
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	/* The access log: one line per request. */
	log_info("%s %s %d %zu bytes %.3f ms%s%s", ex->method[0] ? ex->method : "-",
	         ex->path[0] ? ex->path : "-", ex->resp.status, ex->sent,
	         (double)(end.tv_sec - ex->started.tv_sec) * 1e3 +
	             (double)(end.tv_nsec - ex->started.tv_nsec) / 1e6,
	         ex->resp.note[0] ? " run=" : "", ex->resp.note);
	metrics_request(ex->path, ex->resp.status);
	free(ex->body);
	free(ex->resp.body);
	pthread_mutex_destroy(&ex->lock);
	free(ex);
	atomic_fetch_sub(&srv->in_flight, 1);
}

/* Routes MHD's own error messages to our log. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_warn("http: %s", line);
}

struct http_server *http_start(const struct config *cfg, http_handler_fn handler, void *ctx,
                               char *err, size_t errlen)
{
	struct http_server *srv = calloc(1, sizeof *srv);
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->handler = handler;
	srv->ctx = ctx;
	srv->body_max = (size_t)cfg->source_bytes * 2 * 6 + 4096; /* JSON may escape each byte */
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)cfg->port)};
	struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)cfg->port)};
	const struct sockaddr *addr;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	                 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (inet_pton(AF_INET, cfg->bind, &a4.sin_addr) == 1) {
		addr = (const struct sockaddr *)&a4;
	} else if (inet_pton(AF_INET6, cfg->bind, &a6.sin6_addr) == 1) {
		addr = (const struct sockaddr *)&a6;
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "--bind: '%s' is not an IPv4 or IPv6 address", cfg->bind);
		free(srv);
		return NULL;
	}
	srv->daemon = MHD_start_daemon(
	    flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
	    on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)2,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)1000, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
	if (!srv->daemon) {
		snprintf(err, errlen, "cannot listen on %s:%d (in use, or not allowed)", cfg->bind,
		         cfg->port);
		free(srv);
		return NULL;
	}
	const union MHD_DaemonInfo *di =
	    MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? di->port : cfg->port;
	return srv;
}

int http_port(const struct http_server *srv)
{
	return srv->port;
}

void http_quiesce(struct http_server *srv)
{
	MHD_socket s = MHD_quiesce_daemon(srv->daemon);
	if (s != MHD_INVALID_SOCKET)
		close(s);
}

void http_stop(struct http_server *srv, int wait_ms)
{
	for (int waited = 0; atomic_load(&srv->in_flight) > 0 && waited < wait_ms; waited += 10)
		usleep(10000);
	MHD_stop_daemon(srv->daemon);
	free(srv);
}
