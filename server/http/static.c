/* static.c: files of the browser UI. Small files, read per request, sent
 * precompressed (.br, .gz siblings made by the build) when the client accepts
 * it; content-hashed names are cached for good, everything else revalidated. */
#include "http/static.h"

#include "common/errbody.h"

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Whether c may be in a class code as a /join/ URL spells it: letters,
 * digits and dashes (the page and the server judge the code itself). */
static bool is_code_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

bool static_is_page_route(const char *url_path)
{
	static const char *const pages[] = {"/teach", "/teach/", "/join", "/join/"};
	static const char join[] = "/join/";
	for (size_t i = 0; i < sizeof pages / sizeof *pages; i++)
		if (strcmp(url_path, pages[i]) == 0)
			return true;
	if (strncmp(url_path, join, sizeof join - 1) != 0)
		return false;
	const char *code = url_path + sizeof join - 1;
	size_t n = 0;
	while (n <= STATIC_JOIN_CODE_MAX && is_code_char(code[n]))
		n++;
	return n >= 1 && n <= STATIC_JOIN_CODE_MAX &&
	       (code[n] == '\0' || (code[n] == '/' && code[n + 1] == '\0'));
}

int static_resolve(const char *root, const char *url_path, char *out, size_t outlen)
{
	char want[PATH_MAX], real_root[PATH_MAX], real[PATH_MAX];
	if (url_path[0] != '/' || strstr(url_path, "..") || strchr(url_path, '\\') ||
	    has_dot_segment(url_path))
		return -1;
	const char *rel =
	    strcmp(url_path, "/") == 0 || static_is_page_route(url_path) ? "/index.html" : url_path;
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

/* The types lessond knows: extension, MIME type, whether it compresses. */
static const struct {
	const char *ext, *mime;
	bool compressible;
} types[] = {
    {".html", "text/html; charset=utf-8", true},
    {".js", "text/javascript; charset=utf-8", true},
    {".mjs", "text/javascript; charset=utf-8", true},
    {".css", "text/css; charset=utf-8", true},
    {".json", "application/json", true},
    {".map", "application/json", true},
    {".webmanifest", "application/manifest+json", true},
    {".svg", "image/svg+xml", true},
    {".png", "image/png", false},
    {".jpg", "image/jpeg", false},
    {".jpeg", "image/jpeg", false},
    {".gif", "image/gif", false},
    {".webp", "image/webp", false},
    {".avif", "image/avif", false},
    {".ico", "image/x-icon", false},
    {".woff2", "font/woff2", false},
    {".woff", "font/woff", false},
    {".ttf", "font/ttf", false},
    {".otf", "font/otf", false},
    {".wasm", "application/wasm", false},
    {".txt", "text/plain; charset=utf-8", true},
};

/* The index in types of a file name's extension, or -1. */
static int type_of(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot = strrchr(base ? base : path, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			return (int)i;
	return -1;
}

const char *static_mime(const char *path)
{
	int t = type_of(path);
	return t < 0 ? "application/octet-stream" : types[t].mime;
}

bool static_compressible(const char *path)
{
	int t = type_of(path);
	return t >= 0 && types[t].compressible;
}

bool static_is_hashed(const char *url_path)
{
	static const char dir[] = "/dist/";
	if (strncmp(url_path, dir, sizeof dir - 1) != 0)
		return false;
	const char *base = strrchr(url_path, '/') + 1;
	const char *dash = strrchr(base, '-');
	if (!dash || dash == base)
		return false;
	const char *h = dash + 1;
	for (int i = 0; i < 8; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return h[8] == '.' && h[9] != '\0';
}

/* The value of a qvalue, value..value+n ("0", "0.5", "1.000"), in
 * thousandths, or -1 unless it is one (RFC 9110: 0 to 1, at most three
 * decimals). */
static int parse_qvalue(const char *value, size_t n)
{
	if (n == 0 || n > 5 || (value[0] != '0' && value[0] != '1') || (n > 1 && value[1] != '.'))
		return -1;
	int v = (value[0] - '0') * 1000, scale = 100;
	for (size_t i = 2; i < n; i++, scale /= 10) {
		if (value[i] < '0' || value[i] > '9')
			return -1;
		v += (value[i] - '0') * scale;
	}
	return v > 1000 ? -1 : v;
}

/* Whether c is optional white space (OWS). */
static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* The q-value given by an Accept-Encoding element's parameters, p..end
 * (what follows its token: ";q=0.5", " ; Q=1", or nothing), in
 * thousandths: 1000 when there is no q, -1 when the parameters or the q
 * are malformed (each is "name=value"). Parameters other than q are passed
 * over. */
static int parse_q(const char *p, const char *end)
{
	int q = 1000;
	for (;;) {
		while (p < end && is_ows(*p))
			p++;
		if (p == end)
			return q;
		if (*p++ != ';')
			return -1;
		while (p < end && is_ows(*p))
			p++;
		const char *name = p;
		while (p < end && *p != '=' && *p != ';' && !is_ows(*p))
			p++;
		size_t name_len = (size_t)(p - name);
		while (p < end && is_ows(*p))
			p++;
		if (name_len == 0 || p == end || *p != '=')
			return -1;
		for (p++; p < end && is_ows(*p); p++)
			;
		const char *value = p;
		while (p < end && *p != ';' && !is_ows(*p))
			p++;
		if (name_len == 1 && (name[0] == 'q' || name[0] == 'Q') &&
		    (q = parse_qvalue(value, (size_t)(p - value))) < 0)
			return -1;
	}
}

/* Whether the token at p (len bytes) is `name`, case-insensitively. */
static bool token_is(const char *p, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(p, name, len) == 0;
}

enum static_encoding static_choose_encoding(const char *accept_encoding, unsigned offered)
{
	/* The q each coding is given, in thousandths; -1: not named. */
	int q_gzip = -1, q_br = -1, q_identity = -1, q_any = -1;
	if (!accept_encoding)
		return STATIC_IDENTITY;
	for (const char *p = accept_encoding; *p;) {
		p += strspn(p, " \t,");
		const char *end = p + strcspn(p, ",");
		size_t len = strcspn(p, ",; \t");
		int q = len ? parse_q(p + len, end) : -1;
		int *slot = NULL;
		if (token_is(p, len, "gzip") || token_is(p, len, "x-gzip"))
			slot = &q_gzip;
		else if (token_is(p, len, "br"))
			slot = &q_br;
		else if (token_is(p, len, "identity"))
			slot = &q_identity;
		else if (token_is(p, len, "*"))
			slot = &q_any;
		if (slot && q >= 0 && *slot < 0)
			*slot = q;
		p = end;
	}
	if (q_gzip < 0)
		q_gzip = q_any < 0 ? 0 : q_any;
	if (q_br < 0)
		q_br = q_any < 0 ? 0 : q_any;
	if (q_identity < 0)
		q_identity = q_any < 0 ? 0 : q_any; /* unnamed: the fallback, below any coding */
	enum static_encoding best = STATIC_IDENTITY;
	int best_q = q_identity;
	if ((offered & STATIC_OFFER(STATIC_GZIP)) && q_gzip > 0 && q_gzip >= best_q) {
		best = STATIC_GZIP;
		best_q = q_gzip;
	}
	if ((offered & STATIC_OFFER(STATIC_BR)) && q_br > 0 && q_br >= best_q)
		best = STATIC_BR;
	return best;
}

/* Sets a JSON error, {"error": message}, as the API answers (errbody.h);
 * out of memory leaves an empty body with the same status. */
static void json_error(struct http_response *resp, int status, const char *message)
{
	resp->status = status;
	resp->body = errbody_json(message, &resp->body_len);
	if (!resp->body)
		resp->body_len = 0;
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

/* Whether a is older than b (modification times). */
static bool older(const struct stat *a, const struct stat *b)
{
	return a->st_mtim.tv_sec < b->st_mtim.tv_sec ||
	       (a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec < b->st_mtim.tv_nsec);
}

/* Opens path + suffix as a regular file of at most STATIC_MAX_FILE bytes,
 * not through a symlink, and fills *st. Returns the fd, or -1. */
static int open_regular(const char *path, const char *suffix, struct stat *st)
{
	char name[PATH_MAX];
	if ((size_t)snprintf(name, sizeof name, "%s%s", path, suffix) >= sizeof name)
		return -1;
	int fd = open(name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_size > STATIC_MAX_FILE) {
		close(fd);
		return -1;
	}
	return fd;
}

int static_open(const char *path, const char *accept_encoding, struct static_file *out)
{
	static const char *const suffix[] = {[STATIC_GZIP] = ".gz", [STATIC_BR] = ".br"};
	struct stat plain;
	int fd = open_regular(path, "", &plain);
	if (fd < 0)
		return -1;
	unsigned offered =
	    static_compressible(path) ? STATIC_OFFER(STATIC_GZIP) | STATIC_OFFER(STATIC_BR) : 0;
	for (;;) {
		enum static_encoding enc = static_choose_encoding(accept_encoding, offered);
		if (enc == STATIC_IDENTITY)
			break;
		struct stat st;
		int vfd = open_regular(path, suffix[enc], &st);
		if (vfd >= 0 && !older(&st, &plain)) {
			close(fd);
			out->fd = vfd;
			out->st = st;
			out->encoding = enc;
			return 0;
		}
		if (vfd >= 0)
			close(vfd); /* stale: the file changed after it was compressed */
		offered &= ~STATIC_OFFER(enc);
	}
	out->fd = fd;
	out->st = plain;
	out->encoding = STATIC_IDENTITY;
	return 0;
}

/* Reads the opened file into *buf, a new buffer the caller frees, unless its entity tag
 * (size and modification time of the file sent, and its coding) is named
 * by `if_none_match`: then *buf stays NULL and 1 is returned (the browser's
 * copy is current). Closes f->fd. Returns 0, 1 or -1. */
static int read_file(struct static_file *f, const char *if_none_match, char **buf, size_t *len,
                     char *etag, size_t etag_len)
{
	static const char *const tag[] = {
	    [STATIC_IDENTITY] = "", [STATIC_GZIP] = "-gz", [STATIC_BR] = "-br"};
	int rc = -1;
	snprintf(etag, etag_len, "\"%llx-%llx.%lx%s\"", (unsigned long long)f->st.st_size,
	         (unsigned long long)f->st.st_mtim.tv_sec, (unsigned long)f->st.st_mtim.tv_nsec,
	         tag[f->encoding]);
	*buf = NULL;
	*len = 0;
	if (if_none_match && etag_matches(if_none_match, etag)) {
		rc = 1;
		goto close_fd;
	}
	*buf = malloc((size_t)f->st.st_size + 1);
	ssize_t got = *buf ? read(f->fd, *buf, (size_t)f->st.st_size) : -1;
	if (got != f->st.st_size) {
		free(*buf);
		*buf = NULL;
		goto close_fd;
	}
	*len = (size_t)got;
	rc = 0;
close_fd:
	close(f->fd);
	f->fd = -1;
	return rc;
}

enum handler_result static_handle(const char *root, const struct http_request *req,
                                  struct http_response *resp, struct http_exchange *ex)
{
	static const char *const coding[] = {[STATIC_GZIP] = "gzip", [STATIC_BR] = "br"};
	(void)ex;
	char path[PATH_MAX];
	struct static_file f;
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		json_error(resp, 405, "method not allowed: files are read with GET");
		resp->allow = "GET, HEAD";
		return HANDLER_DONE;
	}
	int got = static_resolve(root, req->path, path, sizeof path) < 0 ||
	                  static_open(path, req->accept_encoding, &f) < 0
	              ? -1
	              : read_file(&f, req->if_none_match, &resp->body, &resp->body_len, resp->etag,
	                          sizeof resp->etag);
	if (got < 0) {
		resp->etag[0] = '\0';
		json_error(resp, 404, "not found");
		return HANDLER_DONE;
	}
	resp->status = got == 1 ? 304 : 200;
	resp->content_type = static_mime(path);
	if (got == 0 && f.encoding != STATIC_IDENTITY)
		resp->encoding = coding[f.encoding];
	if (static_compressible(path))
		resp->vary = "Accept-Encoding";
	if (strncmp(resp->content_type, "text/html", 9) == 0)
		resp->csp = page_csp;
	if (static_is_hashed(req->path)) {
		/* The name changes with the content: keep it a year, never ask
		 * again. Shared caches may keep it too, so it must not carry
		 * one learner's cookie (the page itself hands that out). */
		resp->cache = "public, max-age=31536000, immutable";
		resp->set_cookie[0] = '\0';
	} else {
		/* The page, and anything named the same across builds: revalidate
		 * every time (a 304 costs one round trip). */
		resp->cache = "no-cache";
	}
	return HANDLER_DONE;
}
