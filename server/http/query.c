/* query.c: one argument of a request's query string (query.h). */
#include "http/query.h"

#include <string.h>

enum query_found query_get(const struct http_request *req, const char *key, const char **value)
{
	const char *ignored;
	if (!value)
		value = &ignored;
	*value = NULL;
	if (req->query_count > HTTP_QUERY_MAX)
		return QUERY_TOO_MANY;
	unsigned seen = 0;
	for (unsigned i = 0; req->query && i < req->query_count; i++) {
		if (!req->query[i].key || strcmp(req->query[i].key, key) != 0)
			continue;
		if (seen++)
			break;
		*value = req->query[i].value ? req->query[i].value : "";
	}
	if (seen > 1) {
		*value = NULL;
		return QUERY_MANY;
	}
	return seen ? QUERY_ONE : QUERY_ABSENT;
}
