/* static.h: serving the browser UI from the static directory. */
#ifndef LESSOND_STATIC_H
#define LESSOND_STATIC_H

#include "http/http.h"

#include <stddef.h>

/* Resolves a URL path to a file beneath root: "/" is index.html; "..",
 * backslashes, any segment starting with a dot (.git, .env) and paths that
 * resolve (through symlinks) outside root are refused. (A %00 in the URL
 * is never decoded by http.c, so a path here never hides a NUL.)
 * Returns 0 with the real path in out, or -1. Pure apart from realpath(3). */
int static_resolve(const char *root, const char *url_path, char *out, size_t outlen);

/* MIME type for a file name, by extension. */
const char *static_mime(const char *path);

/* Handler for everything outside /api/: GET and HEAD of files. `root` is the
 * root directory (borrowed). */
enum handler_result static_handle(const char *root, const struct http_request *req,
                                  struct http_response *resp, struct http_exchange *ex);

#endif
