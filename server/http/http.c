/* http.c: libmicrohttpd glue. Accumulates bodies (with a cap), calls the
 * handler once per request, suspends pending requests, and sends responses.
 * A watchdog thread drops clients too slow to send a whole request. */
#include "http/http.h"

#include "http/urlpath.h"

#include "common/buf.h"
#include "common/errbody.h"
#include "common/log.h"
#include "api/metrics.h"

#include <arpa/inet.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Limits on what one client may hold. A class behind a NAT shares one
 * address, so there is no per-address limit: time bounds a slow client.
 * MHD's timeout is an idle one (any byte restarts it), so a client that
 * trickles a header byte every few seconds would never meet it; the
 * watchdog drops a connection whose request has not fully arrived within
 * HTTP_RECEIVE_DEADLINE_S of the connection becoming ready for it. */
/* No byte in or out for this long: MHD closes the connection. */
#define HTTP_IDLE_TIMEOUT_S 10
/* The request line, headers and body must all arrive within this long. */
#define HTTP_RECEIVE_DEADLINE_S 15
/* How often the watchdog looks. */
#define HTTP_WATCHDOG_TICK_MS 500
/* Per connection: the request line and headers must fit (MHD answers 414
 * or 431 and closes beyond it); cookies of a few KiB leave room. */
#define HTTP_MEMORY_LIMIT (32 * 1024)
/* Open connections at most, whoever holds them. */
#define HTTP_CONNECTION_LIMIT 1000

enum ex_state { EX_NEW, EX_SUSPENDED, EX_DONE };

struct http_exchange {
	pthread_mutex_t lock;
	struct MHD_Connection *conn;
	struct http_server *srv;
	enum ex_state state;
	bool handled, too_big;
	struct buf body; /* the upload, capped at body_max */
	struct http_response resp;
	struct timespec started;
	char method[8], path[120]; /* for the access log */
	bool logged;               /* its access log line is written */
};

/* One open connection, as the watchdog sees it. Guarded by watch_lock. */
struct http_conn {
	struct http_conn *prev, *next;
	int fd;                /* MHD's socket: borrowed; only shut down, never closed */
	bool busy;             /* a whole request is in: being handled or answered */
	bool dropped;          /* shut down by the watchdog */
	struct timespec ready; /* since when the connection waits for a request */
	char client[64];
};

struct http_server {
	struct MHD_Daemon *daemon;
	http_handler_fn handler;
	void *ctx;
	size_t body_max;
	int port;
	atomic_int in_flight;
	pthread_mutex_t watch_lock;
	pthread_cond_t watch_wake;
	struct http_conn *conns; /* every open connection */
	bool watch_stop;
	pthread_t watchdog;
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

/* Sets a JSON error on the exchange (for errors found before any handler or
 * without its answer); message is borrowed. */
static void fixed_error(struct http_exchange *ex, int status, const char *message)
{
	free(ex->resp.body);
	ex->resp.status = status;
	ex->resp.body = errbody_json(message, &ex->resp.body_len);
	ex->resp.content_type = "application/json";
}

/* Writes the request's access log line (method, path, status, body bytes,
 * time since the request began, a run's status), once. */
static void access_log(struct http_exchange *ex, int status, size_t bytes)
{
	if (ex->logged)
		return;
	ex->logged = true;
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	log_info("%s %s %d %zu bytes %.3f ms%s%s", ex->method[0] ? ex->method : "-",
	         ex->path[0] ? ex->path : "-", status, bytes,
	         (double)(end.tv_sec - ex->started.tv_sec) * 1e3 +
	             (double)(end.tv_nsec - ex->started.tv_nsec) / 1e6,
	         ex->resp.note[0] ? " run=" : "", ex->resp.note);
}

/* Hands the exchange's response to MHD, which steals the body. */
static enum MHD_Result send_response(struct MHD_Connection *conn, struct http_exchange *ex)
{
	struct http_response *r = &ex->resp;
	if (!r->status)
		fixed_error(ex, 500, "the handler gave no response");
	struct MHD_Response *mr = MHD_create_response_from_buffer(
	    r->body_len, r->body ? r->body : (void *)"",
	    r->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!mr)
		return MHD_NO;
	r->body = NULL; /* now owned by mr */
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
	if (r->encoding)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_ENCODING, r->encoding);
	if (r->vary)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_VARY, r->vary);
	if (r->set_cookie[0])
		MHD_add_response_header(mr, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
	if (r->set_cookie2[0])
		MHD_add_response_header(mr, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie2);
	if (r->disposition[0])
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_DISPOSITION, r->disposition);
	MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(mr, "Referrer-Policy", "no-referrer");
	/* Counted and logged before the answer leaves, so a scrape or a look at
	 * the log right after the answer sees it, in the order answers left. */
	metrics_request(ex->path, r->status);
	access_log(ex, r->status, r->body_len);
	enum MHD_Result rc = MHD_queue_response(conn, (unsigned)r->status, mr);
	MHD_destroy_response(mr);
	return rc;
}

/* The query arguments of one request, as dispatch collects them. */
struct query_args {
	struct http_arg arg[HTTP_QUERY_MAX];
	unsigned n; /* all of them, kept or not */
};

/* MHD_KeyValueIterator: keeps the first HTTP_QUERY_MAX arguments (MHD owns
 * the strings for the request's life) and counts every one. */
static enum MHD_Result keep_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
	(void)kind;
	struct query_args *a = cls;
	if (a->n < HTTP_QUERY_MAX)
		a->arg[a->n] = (struct http_arg){key, value};
	if (a->n < UINT_MAX)
		a->n++;
	return MHD_YES;
}

/* Runs the handler once the whole body is in; suspends when it is pending. */
static enum MHD_Result dispatch(struct http_server *srv, struct MHD_Connection *conn,
                                struct http_exchange *ex, const char *url, const char *method)
{
	ex->handled = true;
	if (ex->too_big) {
		fixed_error(ex, 413, "the request body is larger than the server accepts");
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
	struct http_request req = {
	    method,
	    url,
	    ex->body.data,
	    ex->body.len,
	    client,
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH),
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE),
	    NULL,
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING),
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST),
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Proto"),
	    NULL,
	    NULL,
	    0};
	struct query_args args = {.n = 0};
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, keep_arg, &args);
	req.query = args.arg;
	req.query_count = args.n;
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

/* Milliseconds from `from` to `to` (monotonic clock). */
static double elapsed_ms(const struct timespec *from, const struct timespec *to)
{
	return (double)(to->tv_sec - from->tv_sec) * 1e3 +
	       (double)(to->tv_nsec - from->tv_nsec) / 1e6;
}

/* Marks the connection of `conn` busy (a whole request is in, so the
 * receive deadline no longer applies) or, with busy false, ready for its
 * next request from now on. */
static void conn_mark(struct http_server *srv, struct MHD_Connection *conn, bool busy)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct http_conn *c = ci ? ci->socket_context : NULL;
	if (!c)
		return;
	pthread_mutex_lock(&srv->watch_lock);
	c->busy = busy;
	if (!busy)
		clock_gettime(CLOCK_MONOTONIC, &c->ready);
	pthread_mutex_unlock(&srv->watch_lock);
}

/* MHD_OPTION_NOTIFY_CONNECTION: registers a new connection with the
 * watchdog, and forgets it when it closes. MHD sends the close notice
 * before it closes the socket, so while a record is listed (under
 * watch_lock) its fd is still that connection's. A connection whose record
 * cannot be allocated is not watched (MHD's idle timeout still applies). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	struct http_server *srv = cls;
	struct http_conn *c = *socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fi =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!fi || !(c = calloc(1, sizeof *c)))
			return;
		c->fd = fi->connect_fd;
		const union MHD_ConnectionInfo *ai =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		const struct sockaddr *sa = ai ? ai->client_addr : NULL;
		if (sa && sa->sa_family == AF_INET)
			inet_ntop(AF_INET,
			          &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			          c->client, sizeof c->client);
		else if (sa && sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
			          &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			          c->client, sizeof c->client);
		clock_gettime(CLOCK_MONOTONIC, &c->ready);
		pthread_mutex_lock(&srv->watch_lock);
		c->next = srv->conns;
		if (c->next)
			c->next->prev = c;
		srv->conns = c;
		pthread_mutex_unlock(&srv->watch_lock);
		*socket_context = c;
		return;
	}
	if (code != MHD_CONNECTION_NOTIFY_CLOSED || !c)
		return;
	pthread_mutex_lock(&srv->watch_lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&srv->watch_lock);
	free(c);
	*socket_context = NULL;
}

/* The watchdog thread: shuts down every connection whose request has not
 * fully arrived within HTTP_RECEIVE_DEADLINE_S of the connection becoming
 * ready for it (slowloris: headers or a body trickled a byte at a time).
 * MHD then sees the socket end and closes the connection on its own
 * thread. Connections being handled, suspended or answered are left alone. */
static void *watchdog_main(void *arg)
{
	struct http_server *srv = arg;
	pthread_mutex_lock(&srv->watch_lock);
	while (!srv->watch_stop) {
		struct timespec now, wake;
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (struct http_conn *c = srv->conns; c; c = c->next) {
			if (c->busy || c->dropped ||
			    elapsed_ms(&c->ready, &now) < HTTP_RECEIVE_DEADLINE_S * 1e3)
				continue;
			c->dropped = true;
			shutdown(c->fd, SHUT_RDWR);
			log_warn("http: dropped a connection from %s: no whole request within %d s",
			         c->client[0] ? c->client : "?", HTTP_RECEIVE_DEADLINE_S);
		}
		wake = now;
		wake.tv_nsec += HTTP_WATCHDOG_TICK_MS * 1000000L;
		wake.tv_sec += wake.tv_nsec / 1000000000L;
		wake.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&srv->watch_wake, &srv->watch_lock, &wake);
	}
	pthread_mutex_unlock(&srv->watch_lock);
	return NULL;
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
		ex->body.max = srv->body_max;
		clock_gettime(CLOCK_MONOTONIC, &ex->started);
		snprintf(ex->method, sizeof ex->method, "%s", method);
		snprintf(ex->path, sizeof ex->path, "%s", url);
		atomic_fetch_add(&srv->in_flight, 1);
		*con_cls = ex;
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > srv->body_max)
			ex->too_big = true;
		const char *expect =
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
		if (!ex->too_big || !expect || strcasecmp(expect, "100-continue") != 0)
			return MHD_YES;
		/* Too big by its own account, and the client waits for a go-ahead:
		 * 413 at once, and the body is never sent. Other clients send it
		 * anyway, so it is read and dropped for them to see the 413 (the
		 * receive deadline bounds how long that may take). */
	}
	if (*upload_size) {
		/* Past body_max (or out of memory) the body is dropped: 413. */
		if (!ex->too_big && buf_add(&ex->body, upload, *upload_size) < 0)
			ex->too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	if (!ex->handled) {
		conn_mark(srv, conn, true);
		return dispatch(srv, conn, ex, url, method);
	}
	return send_response(conn, ex); /* resumed after HANDLER_PENDING */
}

/* Frees the exchange once MHD is done with the connection's request. A
 * request that never got an answer (the client went away first) gets its
 * access log line here, with status 0. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
	(void)code;
	struct http_server *srv = cls;
	struct http_exchange *ex = *con_cls;
	conn_mark(srv, conn, false);
	if (!ex)
		return;
	*con_cls = NULL;
	access_log(ex, 0, 0);
	buf_free(&ex->body);
	free(ex->resp.body);
	pthread_mutex_destroy(&ex->lock);
	free(ex);
	atomic_fetch_sub(&srv->in_flight, 1);
}

/* MHD_OPTION_UNESCAPE_CALLBACK: urlpath_decode, which never decodes %00.
 * Returns the new length. */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	(void)cls;
	(void)conn;
	return urlpath_decode(s);
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
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->watch_wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&srv->watch_lock, NULL);
	srv->daemon = MHD_start_daemon(
	    flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
	    on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)2,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTION_LIMIT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
	if (srv->daemon && pthread_create(&srv->watchdog, NULL, watchdog_main, srv) != 0) {
		MHD_stop_daemon(srv->daemon);
		srv->daemon = NULL;
	}
	if (!srv->daemon) {
		snprintf(err, errlen, "cannot listen on %s:%d (in use, or not allowed)", cfg->bind,
		         cfg->port);
		pthread_mutex_destroy(&srv->watch_lock);
		pthread_cond_destroy(&srv->watch_wake);
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
	pthread_mutex_lock(&srv->watch_lock);
	srv->watch_stop = true;
	pthread_cond_signal(&srv->watch_wake);
	pthread_mutex_unlock(&srv->watch_lock);
	pthread_join(srv->watchdog, NULL);
	MHD_stop_daemon(srv->daemon);
	pthread_mutex_destroy(&srv->watch_lock);
	pthread_cond_destroy(&srv->watch_wake);
	free(srv);
}
