/* query.h: reading one argument of a request's query string (the
 * arguments http.c collected into struct http_request). Pure: no
 * allocation, no I/O; the values stay borrowed from the request. */
#ifndef LESSOND_QUERY_H
#define LESSOND_QUERY_H

#include "http/http.h"

enum query_found {
	QUERY_ABSENT = 0, /* the URL does not name the key */
	QUERY_ONE,        /* named once: *value is its value ("" for "?key" or "?key=") */
	QUERY_MANY,       /* named twice or more: which one is meant is not known */
	QUERY_TOO_MANY,   /* the URL has more than HTTP_QUERY_MAX arguments */
};

/* Looks key up in req's query. *value (value may be NULL) gets the value
 * for QUERY_ONE and NULL otherwise. */
enum query_found query_get(const struct http_request *req, const char *key, const char **value);

#endif
