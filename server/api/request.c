/* request.c: POST /api/run bodies: JSON, types, sizes, NUL bytes. */
#include "api/request.h"

#include "common/utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies the string field `key` of obj (borrowed) into *dst, a new string
 * the caller frees. `required`
 * says whether absence is an error; null counts as absent. Returns 0 or an
 * HTTP status with err filled. */
static int take_string(json_t *obj, const char *key, int required, long limit, char **dst,
                       size_t *dst_len, char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key); /* borrowed */
	*dst = NULL;
	*dst_len = 0;
	if (!v || json_is_null(v)) {
		if (required) {
			snprintf(err, errlen, "'%s' is missing: send {\"%s\": \"...\"}", key, key);
			return 400;
		}
		*dst = strdup("");
		return *dst ? 0 : 500;
	}
	if (!json_is_string(v)) {
		snprintf(err, errlen, "'%s' must be a string", key);
		return 400;
	}
	size_t len = json_string_length(v);
	const char *s = json_string_value(v);
	if (memchr(s, '\0', len)) {
		snprintf(err, errlen,
		         "'%s' contains a NUL byte (\\u0000), which Python source cannot hold",
		         key);
		return 400;
	}
	if ((long)len > limit) {
		snprintf(err, errlen, "'%s' is %zu bytes; the limit is %ld bytes", key, len, limit);
		return 413;
	}
	*dst = malloc(len + 1);
	if (!*dst)
		return 500;
	memcpy(*dst, s, len + 1);
	*dst_len = len;
	return 0;
}

int run_request_parse(const char *body, size_t len, long source_limit, struct run_request *out,
                      char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (len == 0) {
		snprintf(err, errlen, "the body is empty: send {\"code\": \"...\"}");
		return 400;
	}
	json_error_t jerr;
	json_t *root =
	    json_loadb(body, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr); /* new */
	if (!root) {
		snprintf(err, errlen,
		         "the body is not valid JSON (UTF-8): %s at line %d, column %d", jerr.text,
		         jerr.line, jerr.column);
		/* jansson's text quotes the body near the error, possibly cut
		 * inside a character; err goes back in a JSON string. */
		if (errlen)
			utf8_scrub(err);
		return 400;
	}
	int status = 0;
	if (!json_is_object(root)) {
		snprintf(err, errlen, "the body must be a JSON object like {\"code\": \"...\"}");
		status = 400;
	}
	if (!status)
		status = take_string(root, "code", 1, source_limit, &out->code, &out->code_len, err,
		                     errlen);
	if (!status)
		status = take_string(root, "setup", 0, source_limit, &out->setup, &out->setup_len,
		                     err, errlen);
	size_t ignored;
	if (!status)
		status = take_string(root, "lesson", 0, 256, &out->lesson, &ignored, err, errlen);
	if (!status)
		status = take_string(root, "step", 0, 256, &out->step, &ignored, err, errlen);
	if (!status)
		status = take_string(root, "python", 0, 32, &out->python, &ignored, err, errlen);
	if (!status && (!*out->lesson != !*out->step)) {
		snprintf(err, errlen, "'lesson' and 'step' go together");
		status = 400;
	}
	if (!status && *out->lesson && out->setup_len) {
		snprintf(err, errlen, "send either 'setup' or 'lesson' and 'step', not both");
		status = 400;
	}
	json_decref(root);
	if (status) {
		if (status == 500)
			snprintf(err, errlen, "out of memory");
		run_request_free(out);
	}
	return status;
}

void run_request_free(struct run_request *req)
{
	free(req->code);
	free(req->setup);
	free(req->lesson);
	free(req->step);
	free(req->python);
	memset(req, 0, sizeof *req);
}
