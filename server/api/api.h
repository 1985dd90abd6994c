/* api.h: the JSON API: POST /api/run, GET /api/health, GET /api/lessons,
 * GET /api/lessons/{id}, POST /api/check, POST /api/solution. Uses jansson;
 * knows nothing of sockets (http.h types only). */
#ifndef LESSOND_API_H
#define LESSOND_API_H

#include "common/config.h"
#include "http/http.h"
#include "pool/pool.h"

struct lessons;

struct api {
	const struct config *cfg;      /* borrowed */
	struct pool *pool;             /* borrowed; may be NULL in unit tests */
	const struct lessons *lessons; /* borrowed */
};

/* Routes one /api/ request. Runs answer later (HANDLER_PENDING). */
enum handler_result api_handle(void *api, const struct http_request *req,
                               struct http_response *resp, struct http_exchange *ex);

/* GET /metrics: the Prometheus text format (metrics.h). */
enum handler_result api_metrics(void *api, const struct http_request *req,
                                struct http_response *resp);

/* Fills resp with {"error": message} and the given status. */
void api_error(struct http_response *resp, int status, const char *message);

#endif
