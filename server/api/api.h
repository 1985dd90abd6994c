/* api.h: the JSON API and GET /metrics, routed by the table in routes.h
 * (POST /api/run, /api/check, /api/solution; GET /api/health,
 * /api/lessons, /api/lessons/{id}, /metrics). Uses jansson; knows nothing
 * of sockets (http.h types only). */
#ifndef LESSOND_API_H
#define LESSOND_API_H

#include "common/config.h"
#include "http/http.h"
#include "pool/pool.h"

#include <jansson.h>

struct lessons;
struct classes;

struct api {
	const struct config *cfg;      /* borrowed */
	struct pool *pool;             /* borrowed; may be NULL in unit tests */
	const struct lessons *lessons; /* borrowed */
	struct classes *classes;       /* borrowed; NULL: class records are off */
};

/* Answers one request for a path routes_owns: the route's handler, 405
 * with Allow for a method it does not take, 404 for no route. Runs and
 * checks answer later (HANDLER_PENDING). */
enum handler_result api_handle(void *api, const struct http_request *req,
                               struct http_response *resp, struct http_exchange *ex);

/* Fills resp with {"error": message} and the given status. */
void api_error(struct http_response *resp, int status, const char *message);

/* Fills resp with the compact JSON of value (steals the reference; NULL
 * means memory ran out: a 500). */
void api_json(struct http_response *resp, int status, json_t *value);

/* Fills resp with a text body (steals text; NULL means memory ran out: a
 * 500) of len bytes and a static content type, never cached. */
void api_text(struct http_response *resp, char *text, size_t len, const char *content_type);

/* Parses the request body as a JSON object (a new reference), or answers
 * 400 naming the expected shape (`example`) and returns NULL. */
json_t *api_body_object(const struct http_request *req, struct http_response *resp,
                        const char *example);

#endif
