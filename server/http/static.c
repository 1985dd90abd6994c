/* static.c: files of the browser UI. Small files, read per request. */
#include "http/static.h"

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATIC_MAX_FILE (8 << 20)

/* Pages may load only what lessond serves: no inline script or style. */
static const char page_csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

/* Whether some segment of the path starts with a dot: "..", and files
 * such as .git or .env that were never meant to be served. */
static bool has_dot_segment(const char *path)
{
	for (const char *p = path; (p = strchr(p, '/')); p++)
		if (p[1] == '.')
			return true;
	return false;
}

int static_resolve(const char *root, const char *url_path, char *out, size_t outlen)
{
	char want[PATH_MAX], real_root[PATH_MAX], real[PATH_MAX];
	if (url_path[0] != '/' || strstr(url_path, "..") || strchr(url_path, '\\') ||
	    has_dot_segment(url_path))
		return -1;
	const char *rel = strcmp(url_path, "/") == 0 ? "/index.html" : url_path;
	if ((size_t)snprintf(want, sizeof want, "%s%s", root, rel) >= sizeof want)
		return -1;
	if (!realpath(root, real_root) || !realpath(want, real))
		return -1;
	size_t n = strlen(real_root);
	if (strncmp(real, real_root, n) != 0 || real[n] != '/')
		return -1;
	if (strlen(real) >= outlen)
		return -1;
	strcpy(out, real);
	return 0;
}

const char *static_mime(const char *path)
{
	static const char *const types[][2] = {
	    {".html", "text/html; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".mjs", "text/javascript; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},
	    {".json", "application/json"},
	    {".map", "application/json"},
	    {".webmanifest", "application/manifest+json"},
	    {".svg", "image/svg+xml"},
	    {".png", "image/png"},
	    {".jpg", "image/jpeg"},
	    {".jpeg", "image/jpeg"},
	    {".gif", "image/gif"},
	    {".webp", "image/webp"},
	    {".avif", "image/avif"},
	    {".ico", "image/x-icon"},
	    {".woff2", "font/woff2"},
	    {".woff", "font/woff"},
	    {".ttf", "font/ttf"},
	    {".otf", "font/otf"},
	    {".wasm", "application/wasm"},
	    {".txt", "text/plain; charset=utf-8"},
	};
	const char *base = strrchr(path, '/');
	const char *dot = strrchr(base ? base : path, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
		if (strcasecmp(dot, types[i][0]) == 0)
			return types[i][1];
	return "application/octet-stream";
}

/* Sets a fixed JSON error, like the API's ({"error": ...}). */
static void json_error(struct http_response *resp, int status, const char *json)
{
	resp->status = status;
	resp->body = strdup(json);
	resp->body_len = resp->body ? strlen(json) : 0;
	resp->content_type = "application/json";
	resp->cache = "no-store";
}

/* Whether an If-None-Match value (a list of entity tags, or "*") names
 * `etag`. The comparison is weak, as RFC 9110 asks: W/ is ignored. */
static bool etag_matches(const char *if_none_match, const char *etag)
{
	size_t n = strlen(etag);
	for (const char *p = if_none_match; p && *p;) {
		p += strspn(p, " \t,");
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || strchr(" \t,", p[n])))
			return true;
		p = strchr(p, ',');
	}
	return false;
}

/* Reads a whole regular file into a malloc'd buffer, unless its entity
 * tag (size and modification time) equals `if_none_match`: then *buf stays
 * NULL and 1 is returned (the browser's copy is current). Returns 0, 1 or -1. */
static int read_file(const char *path, const char *if_none_match, char **buf, size_t *len,
                     char *etag, size_t etag_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX_FILE) {
		close(fd);
		return -1;
	}
	snprintf(etag, etag_len, "\"%llx-%llx.%lx\"", (unsigned long long)st.st_size,
	         (unsigned long long)st.st_mtim.tv_sec, (unsigned long)st.st_mtim.tv_nsec);
	if (if_none_match && etag_matches(if_none_match, etag)) {
		close(fd);
		*buf = NULL;
		*len = 0;
		return 1;
	}
	*buf = malloc((size_t)st.st_size + 1);
	ssize_t got = *buf ? read(fd, *buf, (size_t)st.st_size) : -1;
	close(fd);
	if (got != st.st_size) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	*len = (size_t)got;
	return 0;
}

enum handler_result static_handle(const char *root, const struct http_request *req,
                                  struct http_response *resp, struct http_exchange *ex)
{
	(void)ex;
	char path[PATH_MAX];
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		json_error(resp, 405,
		           "{\"error\": \"method not allowed: files are read with GET\"}");
		resp->allow = "GET, HEAD";
		return HANDLER_DONE;
	}
	int got = static_resolve(root, req->path, path, sizeof path) < 0
	              ? -1
	              : read_file(path, req->if_none_match, &resp->body, &resp->body_len,
	                          resp->etag, sizeof resp->etag);
	if (got < 0) {
		resp->etag[0] = '\0';
		json_error(resp, 404, "{\"error\": \"not found\"}");
		return HANDLER_DONE;
	}
	resp->status = got == 1 ? 304 : 200;
	resp->content_type = static_mime(path);
	if (strncmp(resp->content_type, "text/html", 9) == 0)
		resp->csp = page_csp;
	/* Revalidate every time (a 304 costs one round trip): vite writes
	 * fixed names (dist/app.js), so a long max-age would keep a stale UI
	 * after an upgrade. Only content-hashed names could be immutable. */
	resp->cache = "no-cache";
	return HANDLER_DONE;
}
