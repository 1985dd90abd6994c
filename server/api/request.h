/* request.h: parsing and validating the body of POST /api/run. Pure. */
#ifndef LESSOND_REQUEST_H
#define LESSOND_REQUEST_H

#include <stddef.h>

struct run_request {
	char *code; /* owned, NUL-terminated, valid UTF-8, no NUL inside */
	size_t code_len;
	char *setup; /* owned, may be empty */
	size_t setup_len;
	char *lesson; /* owned or NULL: run in the context of this lesson step... */
	char *step;   /* owned or NULL: ...so the server supplies the setup */
	char *python; /* owned: the Python asked for ("3.13"), "" for the default */
};

/* Parses `body` (len bytes, not NUL-terminated). Returns 0 with *out filled
 * (caller frees with run_request_free), or an HTTP status (400, 413) with
 * err holding a sentence for {"error": ...}. Nothing is allocated on error. */
int run_request_parse(const char *body, size_t len, long source_limit, struct run_request *out,
                      char *err, size_t errlen);

void run_request_free(struct run_request *req);

#endif
