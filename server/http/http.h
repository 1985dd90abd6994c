/* http.h: the HTTP layer. The only module that includes microhttpd.h.
 * Handlers see a plain request and fill a plain response, so unit tests can
 * call them without sockets. A handler may answer later (HANDLER_PENDING):
 * the connection is suspended, no thread waits, and http_complete resumes it. */
#ifndef LESSOND_HTTP_H
#define LESSOND_HTTP_H

#include "common/config.h"

#include <stddef.h>

/* The most query arguments a request keeps (http_request.query); a request
 * with more says so in query_count, and query_get (http/query.h) then
 * answers QUERY_TOO_MANY. */
#define HTTP_QUERY_MAX 8

/* One query argument, percent-decoded (urlpath.h's rules, '+' a space);
 * value is NULL for "?key" without '='. Both borrowed. */
struct http_arg {
	const char *key;
	const char *value;
};

struct http_request {
	const char *method;
	const char *path; /* decoded, without the query string */
	const char *body; /* borrowed, not NUL-terminated */
	size_t body_len;
	const char *client;        /* "127.0.0.1", borrowed */
	const char *if_none_match; /* the If-None-Match header, borrowed, or NULL */
	const char *cookie;        /* the Cookie header, borrowed, or NULL */
	const char *learner;       /* the learner id from the cookie (route sets it), or NULL */
	/* the Accept-Encoding header, borrowed, or NULL */
	const char *accept_encoding;
	const char *authorization;   /* the Authorization header, borrowed, or NULL */
	const char *host;            /* the Host header, borrowed, or NULL */
	const char *forwarded_proto; /* X-Forwarded-Proto from a TLS proxy, borrowed, or NULL */
	const char *new_learner; /* the learner id this answer hands out (route sets it), or NULL */
	const struct http_arg *query; /* the query arguments in order, borrowed, or NULL */
	unsigned query_count;         /* how many the URL had (more than kept: HTTP_QUERY_MAX) */
};

struct http_response {
	int status;
	char *body; /* a new buffer; the HTTP layer steals it */
	size_t body_len;
	const char *content_type; /* static string */
	const char *allow;        /* for 405, static string */
	int retry_after;          /* seconds, for 503; 0 for none */
	const char *cache;        /* Cache-Control value, static string or NULL */
	const char *csp;          /* Content-Security-Policy for pages, static string or NULL */
	const char *encoding;     /* Content-Encoding of the body, static string or NULL */
	const char *vary;         /* Vary value, static string or NULL */
	char etag[64];            /* entity tag of a static file, "" for none */
	char note[16];            /* a run's status, for the access log; "" for none */
	char set_cookie[128];     /* a Set-Cookie value, "" for none */
	char set_cookie2[192];    /* a second Set-Cookie value (the teacher's), "" for none */
	char disposition[96];     /* Content-Disposition of a download, "" for none */
};

enum handler_result { HANDLER_DONE, HANDLER_PENDING };

struct http_exchange; /* one request in flight, owned by http.c */

typedef enum handler_result (*http_handler_fn)(void *ctx, const struct http_request *req,
                                               struct http_response *resp,
                                               struct http_exchange *ex);

struct http_server;

/* Listens on cfg->bind:cfg->port. `handler` gets every request. Returns NULL
 * with err filled when the address cannot be bound. */
struct http_server *http_start(const struct config *cfg, http_handler_fn handler, void *ctx,
                               char *err, size_t errlen);

/* The port actually bound (useful with port 0). */
int http_port(const struct http_server *srv);

/* The response a pending handler fills before calling http_complete. */
struct http_response *http_exchange_response(struct http_exchange *ex);

/* Finishes a request whose handler returned HANDLER_PENDING. Call exactly
 * once, from any thread, after filling the response. */
void http_complete(struct http_exchange *ex);

/* Stops accepting connections (in-flight requests continue). */
void http_quiesce(struct http_server *srv);

/* Waits up to wait_ms for in-flight requests, then stops and frees. */
void http_stop(struct http_server *srv, int wait_ms);

#endif
