/* test_static.c: static_resolve (path confinement, the page routes served
 * as index.html with the page's CSP), static_mime, which
 * names are content-hashed, the choice of a content coding from
 * Accept-Encoding, and static_open's choice among precompressed siblings. */
#include "http/static.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The tree, under a fresh temporary directory `base`:
 *   root/index.html  root/app.js  root/sub/page.css
 *   root/inner   -> sub/page.css        (symlink inside root: allowed)
 *   root/evil    -> ../secret.txt       (symlink outside root: refused)
 *   root/sibling -> ../root2/x.html     (outside, but shares root's prefix)
 *   root/loop    -> loop                (symlink loop)
 *   secret.txt   root2/x.html */
static char base[64];
static char root[128];           /* as given to static_resolve */
static char real_root[PATH_MAX]; /* realpath(root) */

static void make_path(const char *rel, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", base, rel);
}

static void write_file(const char *rel)
{
	char path[256];
	make_path(rel, path, sizeof path);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("x\n", f);
	fclose(f);
}

static void make_dir(const char *rel)
{
	char path[256];
	make_path(rel, path, sizeof path);
	assert_int_equal(mkdir(path, 0700), 0);
}

static void make_link(const char *target, const char *rel)
{
	char path[256];
	make_path(rel, path, sizeof path);
	assert_int_equal(symlink(target, path), 0);
}

static const char *const files[] = {"root/index.html", "root/app.js", "root/sub/page.css",
                                    "secret.txt", "root2/x.html"};
static const char *const links[] = {"root/inner", "root/evil", "root/sibling", "root/loop"};
static const char *const dirs[] = {"root/sub", "root", "root2"};

static int setup_tree(void **state)
{
	(void)state;
	snprintf(base, sizeof base, "%s", "/tmp/lessond-static-XXXXXX");
	if (!mkdtemp(base))
		return -1;
	make_dir("root");
	make_dir("root/sub");
	make_dir("root2");
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		write_file(files[i]);
	make_link("sub/page.css", "root/inner");
	make_link("../secret.txt", "root/evil");
	make_link("../root2/x.html", "root/sibling");
	make_link("loop", "root/loop");
	make_path("root", root, sizeof root);
	if (!realpath(root, real_root))
		return -1;
	return 0;
}

static int teardown_tree(void **state)
{
	(void)state;
	char path[256];
	for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
		make_path(links[i], path, sizeof path);
		unlink(path);
	}
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		make_path(files[i], path, sizeof path);
		unlink(path);
	}
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		make_path(dirs[i], path, sizeof path);
		rmdir(path);
	}
	return rmdir(base);
}

/* Asserts that url resolves to real_root + `want`. */
static void assert_resolves(const char *url, const char *want)
{
	char out[PATH_MAX], expect[PATH_MAX + 64];
	snprintf(expect, sizeof expect, "%s%s", real_root, want);
	if (static_resolve(root, url, out, sizeof out) != 0)
		fail_msg("'%s' was refused, expected %s", url, expect);
	assert_string_equal(out, expect);
}

/* Asserts that url is refused and out is not filled. */
static void assert_refused(const char *url)
{
	char out[PATH_MAX];
	strcpy(out, "untouched");
	if (static_resolve(root, url, out, sizeof out) != -1)
		fail_msg("'%s' was served as %s, expected refusal", url, out);
	assert_string_equal(out, "untouched");
}

/* "/" is index.html. */
static void test_root_is_index(void **state)
{
	(void)state;
	assert_resolves("/", "/index.html");
}

/* Ordinary files, at the top and in a subdirectory, resolve to their real path. */
static void test_normal_files(void **state)
{
	(void)state;
	assert_resolves("/index.html", "/index.html");
	assert_resolves("/app.js", "/app.js");
	assert_resolves("/sub/page.css", "/sub/page.css");
	assert_resolves("//sub//page.css", "/sub/page.css");
}

/* A root given with a trailing slash works the same. */
static void test_root_trailing_slash(void **state)
{
	(void)state;
	char slashed[160], out[PATH_MAX], expect[PATH_MAX + 64];
	snprintf(slashed, sizeof slashed, "%s/", root);
	snprintf(expect, sizeof expect, "%s/app.js", real_root);
	assert_int_equal(static_resolve(slashed, "/app.js", out, sizeof out), 0);
	assert_string_equal(out, expect);
}

/* Any ".." is refused, whether or not it would leave root. */
static void test_dot_dot(void **state)
{
	(void)state;
	assert_refused("..");
	assert_refused("/..");
	assert_refused("/../");
	assert_refused("/../etc/passwd");
	assert_refused("/a/../../x");
	assert_refused("/sub/../../secret.txt");
	assert_refused("/sub/../index.html");
	assert_refused("/../root2/x.html");
}

/* Backslashes are refused (no Windows-style separators). */
static void test_backslashes(void **state)
{
	(void)state;
	assert_refused("/sub\\page.css");
	assert_refused("\\..\\secret.txt");
	assert_refused("/\\");
}

/* Paths not starting with "/" are refused. */
static void test_relative_paths(void **state)
{
	(void)state;
	assert_refused("");
	assert_refused("index.html");
	assert_refused("sub/page.css");
}

/* A missing file, or a missing root, is refused. */
static void test_missing(void **state)
{
	(void)state;
	char out[PATH_MAX];
	assert_refused("/nope.html");
	assert_refused("/sub/nope.css");
	assert_refused("/nope/");
	assert_int_equal(
	    static_resolve("/nonexistent-lessond-root", "/index.html", out, sizeof out), -1);
}

/* A symlink to a file inside root is served as its target. */
static void test_symlink_inside(void **state)
{
	(void)state;
	assert_resolves("/inner", "/sub/page.css");
}

/* Symlinks leading outside root, to a prefix-sharing sibling, or in a loop are refused. */
static void test_symlink_outside(void **state)
{
	(void)state;
	assert_refused("/evil");
	assert_refused("/sibling");
	assert_refused("/loop");
}

/* An out buffer too small for the path is refused, never overrun. */
static void test_small_out_buffer(void **state)
{
	(void)state;
	char expect[PATH_MAX + 64];
	size_t need = (size_t)snprintf(expect, sizeof expect, "%s/app.js", real_root) + 1;
	char *out = malloc(need);
	assert_non_null(out);
	assert_int_equal(static_resolve(root, "/app.js", out, need - 1), -1);
	assert_int_equal(static_resolve(root, "/app.js", out, need), 0);
	assert_string_equal(out, expect);
	free(out);
}

/* The pages the UI draws itself are index.html; near misses are not pages. */
static void test_page_routes(void **state)
{
	(void)state;
	const char *pages[] = {"/teach",       "/teach/",        "/join",       "/join/",
	                       "/join/CDFHJK", "/join/cdf-hjk/", "/join/CDF0I1"};
	for (size_t i = 0; i < sizeof pages / sizeof *pages; i++) {
		if (!static_is_page_route(pages[i]))
			fail_msg("'%s' should be a page route", pages[i]);
		assert_resolves(pages[i], "/index.html");
	}
	const char *not_pages[] = {"/",
	                           "/teach/x",
	                           "/teachx",
	                           "/Teach",
	                           "/teach//",
	                           "/join/CDF/x",
	                           "/join//",
	                           "/join/CDFHJK//",
	                           "/join/CD F",
	                           "/join/CD_F",
	                           "/join/CD%2FF",
	                           "/join/.env",
	                           "/joinCDFHJK",
	                           "/api/teach",
	                           "/index.html",
	                           "",
	                           "/join/\xc3\xa9"};
	for (size_t i = 0; i < sizeof not_pages / sizeof *not_pages; i++)
		if (static_is_page_route(not_pages[i]))
			fail_msg("'%s' should not be a page route", not_pages[i]);
	assert_refused("/teach/x");
	assert_refused("/join/CDF/x");
	assert_refused("/join/.env");
}

/* A code of STATIC_JOIN_CODE_MAX symbols is a page; one more is not. */
static void test_page_route_code_length(void **state)
{
	(void)state;
	char url[16 + STATIC_JOIN_CODE_MAX];
	int n = snprintf(url, sizeof url, "/join/%.*s", STATIC_JOIN_CODE_MAX,
	                 "CDFHJKMNPRTWXY23456789CDFHJKMNPRTWXY");
	assert_int_equal(n, 6 + STATIC_JOIN_CODE_MAX);
	assert_true(static_is_page_route(url));
	strcat(url, "/");
	assert_true(static_is_page_route(url));
	url[n] = 'C';
	assert_false(static_is_page_route(url));
}

/* GETs the url from the test tree with static_handle; returns the status
 * and fills *resp (the caller frees resp->body). */
static int get_page(const char *url, struct http_response *resp)
{
	struct http_request req = {.method = "GET", .path = url, .client = "127.0.0.1"};
	memset(resp, 0, sizeof *resp);
	assert_int_equal(static_handle(root, &req, resp, NULL), HANDLER_DONE);
	return resp->status;
}

/* /teach and /join/{code} are sent as the page is: HTML, the page's CSP
 * (no inline script or style, images from lessond or data: URLs), and
 * revalidated; a near miss is a 404 without a CSP. */
static void test_page_route_served_as_page(void **state)
{
	(void)state;
	struct http_response index, page;
	assert_int_equal(get_page("/", &index), 200);
	assert_non_null(index.csp);
	assert_non_null(strstr(index.csp, "script-src 'self';"));
	assert_non_null(strstr(index.csp, "style-src 'self';"));
	assert_non_null(strstr(index.csp, "img-src 'self' data:;"));
	const char *urls[] = {"/teach", "/join/CDF-HJK"};
	for (size_t i = 0; i < sizeof urls / sizeof *urls; i++) {
		assert_int_equal(get_page(urls[i], &page), 200);
		assert_string_equal(page.content_type, "text/html; charset=utf-8");
		assert_non_null(page.csp);
		assert_string_equal(page.csp, index.csp);
		assert_string_equal(page.cache, "no-cache");
		assert_string_equal(page.etag, index.etag);
		assert_int_equal(page.body_len, index.body_len);
		assert_memory_equal(page.body, index.body, index.body_len);
		free(page.body);
	}
	assert_int_equal(get_page("/join/CDF/HJK", &page), 404);
	assert_null(page.csp);
	free(page.body);
	free(index.body);
}

/* MIME types by extension, with a safe default for anything unknown. */
static void test_mime(void **state)
{
	(void)state;
	assert_string_equal(static_mime("/x/index.html"), "text/html; charset=utf-8");
	assert_string_equal(static_mime("app.js"), "text/javascript; charset=utf-8");
	assert_string_equal(static_mime("style.css"), "text/css; charset=utf-8");
	assert_string_equal(static_mime("logo.svg"), "image/svg+xml");
	assert_string_equal(static_mime("data.json"), "application/json");
	assert_string_equal(static_mime("x.min.js"), "text/javascript; charset=utf-8");
	assert_string_equal(static_mime("code.py"), "application/octet-stream");
	assert_string_equal(static_mime("README"), "application/octet-stream");
	assert_string_equal(static_mime("/dir.html/README"), "application/octet-stream");
	assert_string_equal(static_mime("page.htmlx"), "application/octet-stream");
	assert_string_equal(static_mime(""), "application/octet-stream");
}

/* Which types get Vary: Accept-Encoding and precompressed siblings. */
static void test_compressible(void **state)
{
	(void)state;
	const char *yes[] = {"/index.html", "/dist/app-1234abcd.js",
	                     "x.mjs",       "a.CSS",
	                     "logo.svg",    "data.json",
	                     "app.js.map",  "notes.txt"};
	const char *no[] = {"pic.png", "font.woff2", "a.js.br", "a.js.gz", "README", "x.wasm", ""};
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		if (!static_compressible(yes[i]))
			fail_msg("'%s' should be compressible", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		if (static_compressible(no[i]))
			fail_msg("'%s' should not be compressible", no[i]);
}

/* Only /dist/<stem>-<8 lowercase hex>.<ext> is a content-hashed name. */
static void test_is_hashed(void **state)
{
	(void)state;
	const char *yes[] = {"/dist/app-3f2a9c1d.js",     "/dist/app-3f2a9c1d.css",
	                     "/dist/app-3f2a9c1d.js.map", "/dist/app-00000000.js.br",
	                     "/dist/my-lib-0123abcd.js",  "/dist/sub/chunk-deadbeef.js"};
	const char *no[] = {"/dist/app.js",
	                    "/dist/app.css",
	                    "/app-3f2a9c1d.js",
	                    "/src/app-3f2a9c1d.js",
	                    "/distx/app-3f2a9c1d.js",
	                    "/dist/app-3F2A9C1D.js",
	                    "/dist/app-3f2a9c1.js",
	                    "/dist/app-3f2a9c1dd.js",
	                    "/dist/app-3f2a9c1d",
	                    "/dist/app-3f2a9c1d.",
	                    "/dist/-3f2a9c1d.js",
	                    "/dist/app-settings.js",
	                    "/dist/app-3f2a9c1g.js",
	                    "/dist/3f2a9c1d.js",
	                    "/dist/app-3f2a9c1d-x.js",
	                    "/dist/app-3f2a9c1d/x.js",
	                    "/dist/",
	                    "/",
	                    "",
	                    "/index.html"};
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		if (!static_is_hashed(yes[i]))
			fail_msg("'%s' should count as hashed", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		if (static_is_hashed(no[i]))
			fail_msg("'%s' should not count as hashed", no[i]);
}

#define BOTH (STATIC_OFFER(STATIC_GZIP) | STATIC_OFFER(STATIC_BR))
#define GZ   STATIC_OFFER(STATIC_GZIP)
#define BR   STATIC_OFFER(STATIC_BR)

/* Asserts the coding chosen for an Accept-Encoding value and an offer. */
static void expect_coding(const char *header, unsigned offered, enum static_encoding want)
{
	static const char *const names[] = {"identity", "gzip", "br"};
	enum static_encoding got = static_choose_encoding(header, offered);
	if (got != want)
		fail_msg("Accept-Encoding '%s' (offer %u): chose %s, expected %s",
		         header ? header : "(none)", offered, names[got], names[want]);
}

/* Browsers' own values, and what is on offer. */
static void test_encoding_browsers(void **state)
{
	(void)state;
	expect_coding("gzip, deflate, br", BOTH, STATIC_BR); /* Chromium */
	expect_coding("gzip, deflate, br, zstd", BOTH, STATIC_BR);
	expect_coding("gzip, deflate", BOTH, STATIC_GZIP); /* Chromium over plain http */
	expect_coding("gzip, deflate, br", GZ, STATIC_GZIP);
	expect_coding("gzip, deflate, br", BR, STATIC_BR);
	expect_coding("gzip, deflate", BR, STATIC_IDENTITY);
	expect_coding("gzip, deflate, br", 0, STATIC_IDENTITY);
	expect_coding(NULL, BOTH, STATIC_IDENTITY); /* curl without --compressed */
	expect_coding("", BOTH, STATIC_IDENTITY);
	expect_coding("identity", BOTH, STATIC_IDENTITY);
	expect_coding("deflate, zstd", BOTH, STATIC_IDENTITY);
}

/* q=0 refuses a coding; q-values rank; ties go to br, gzip, identity. */
static void test_encoding_q_values(void **state)
{
	(void)state;
	expect_coding("gzip, br;q=0", BOTH, STATIC_GZIP);
	expect_coding("br;q=0, gzip;q=0", BOTH, STATIC_IDENTITY);
	expect_coding("br;q=0.000, gzip", BOTH, STATIC_GZIP);
	expect_coding("br;q=0.001", BOTH, STATIC_BR);
	expect_coding("br;q=0.5, gzip;q=0.8", BOTH, STATIC_GZIP);
	expect_coding("br;q=0.8, gzip;q=0.5", BOTH, STATIC_BR);
	expect_coding("gzip;q=1.0, br;q=1", BOTH, STATIC_BR);
	expect_coding("gzip;q=0.5, identity", BOTH, STATIC_IDENTITY);
	expect_coding("gzip;q=0.5, identity;q=0.4", BOTH, STATIC_GZIP);
	expect_coding("gzip;q=0.5, identity;q=0.5", BOTH, STATIC_GZIP);
	expect_coding("identity;q=0", BOTH, STATIC_IDENTITY); /* nothing else to send */
	expect_coding("br, gzip;q=0.9", GZ, STATIC_GZIP);
}

/* "*" stands for every coding not named; a named one wins over it. */
static void test_encoding_star(void **state)
{
	(void)state;
	expect_coding("*", BOTH, STATIC_BR);
	expect_coding("*", GZ, STATIC_GZIP);
	expect_coding("*;q=0", BOTH, STATIC_IDENTITY);
	expect_coding("*;q=0, gzip", BOTH, STATIC_GZIP);
	expect_coding("gzip, *;q=0", BOTH, STATIC_GZIP);
	expect_coding("*, br;q=0", BOTH, STATIC_GZIP);
	expect_coding("br;q=0, *", BOTH, STATIC_GZIP);
	expect_coding("*;q=0.5, gzip", BOTH, STATIC_GZIP);
	expect_coding("*;q=0.5", BOTH, STATIC_BR);
	expect_coding("*;q=0.5, identity", BOTH, STATIC_IDENTITY);
}

/* Tokens and "q" in any case, x-gzip, white space, empty elements. */
static void test_encoding_syntax(void **state)
{
	(void)state;
	expect_coding("GZIP", BOTH, STATIC_GZIP);
	expect_coding("Br", BOTH, STATIC_BR);
	expect_coding("x-gzip", BOTH, STATIC_GZIP);
	expect_coding("X-Gzip;Q=0.5", BOTH, STATIC_GZIP);
	expect_coding("gzip, BR;Q=0", BOTH, STATIC_GZIP);
	expect_coding("br ; q = 0 , gzip", BOTH, STATIC_GZIP);
	expect_coding("\tbr\t;\tq=0\t,\tgzip\t", BOTH, STATIC_GZIP);
	expect_coding(",,, ,br,,", BOTH, STATIC_BR);
	expect_coding("gzip;foo=bar;q=0.3, br;q=0.2", BOTH, STATIC_GZIP);
	expect_coding("brotli, gzips, xbr, br2", BOTH, STATIC_IDENTITY);
	expect_coding("b, r", BOTH, STATIC_IDENTITY);
	expect_coding("brgzip", BOTH, STATIC_IDENTITY);
	expect_coding("deflate;q=0.5, br", BOTH, STATIC_BR);
}

/* A malformed q makes its element count as absent (neither accepted nor
 * refused); the first element naming a coding counts. */
static void test_encoding_malformed(void **state)
{
	(void)state;
	const char *ignored[] = {"br;q=2",     "br;q=1.5", "br;q=1.001", "br;q=0.0001",
	                         "br;q=-1",    "br;q=",    "br;q",       "br;q=abc",
	                         "br;q=.5",    "br;q=0,5", "br q=0.5",   "br;;q=0.5x",
	                         "br;q=0.5 x", "br;q=01",  "br;=1",      ";q=1"};
	for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
		expect_coding(ignored[i], BOTH, STATIC_IDENTITY);
	expect_coding("br;q=2, gzip", BOTH, STATIC_GZIP);
	expect_coding("br;q=0.5.5, *;q=0.1", BOTH, STATIC_BR); /* br absent: * names it */
	expect_coding("br;q=1.000", BOTH, STATIC_BR);
	expect_coding("br;q=1.", BOTH, STATIC_BR);
	expect_coding("br;q=0, br", BOTH, STATIC_IDENTITY);
	expect_coding("br, br;q=0", BOTH, STATIC_BR);
}

/* static_open's tree, in a fresh temporary directory: `name` with the
 * plain file and its siblings (content "plain", "gz", "br"). */
static char vdir[64];

/* Writes vdir/name with `text`, modified at `mtime` seconds. */
static void write_at(const char *name, const char *text, time_t mtime)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", vdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

/* Opens vdir/name for accept_encoding; asserts the coding and the content sent. */
static void expect_open(const char *name, const char *accept_encoding, enum static_encoding want,
                        const char *content)
{
	char path[256], buf[64] = "";
	struct static_file f;
	snprintf(path, sizeof path, "%s/%s", vdir, name);
	assert_int_equal(static_open(path, accept_encoding, &f), 0);
	ssize_t n = read(f.fd, buf, sizeof buf - 1);
	close(f.fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	if (f.encoding != want || strcmp(buf, content) != 0)
		fail_msg("%s with '%s': sent '%s' as coding %d, expected '%s' as %d", name,
		         accept_encoding ? accept_encoding : "(none)", buf, f.encoding, content,
		         want);
	assert_int_equal(f.st.st_size, (off_t)strlen(content));
}

/* nftw callback removing one entry. */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Fresh siblings are chosen by Accept-Encoding; stale, symlinked, odd or
 * missing ones are passed over; only compressible types have siblings. */
static void test_open_variants(void **state)
{
	(void)state;
	char path[256];
	time_t t = time(NULL) - 100;
	snprintf(vdir, sizeof vdir, "%s", "/tmp/lessond-variants-XXXXXX");
	assert_non_null(mkdtemp(vdir));
	write_at("a.js", "plain", t);
	write_at("a.js.gz", "gz", t); /* as old as the file: fresh */
	write_at("a.js.br", "br", t + 1);
	write_at("stale.js", "plain", t);
	write_at("stale.js.br", "br", t - 1); /* the file changed after compression */
	write_at("stale.js.gz", "gz", t);
	write_at("old.css", "plain", t);
	write_at("old.css.br", "br", t - 1);
	write_at("old.css.gz", "gz", t - 10);
	write_at("only.html", "plain", t);
	write_at("pic.png", "plain", t);
	write_at("pic.png.gz", "gz", t);
	write_at("pic.png.br", "br", t);
	write_at("link.svg", "plain", t);
	write_at("elsewhere", "br", t);
	write_at("link.svg.gz", "gz", t);
	snprintf(path, sizeof path, "%s/link.svg.br", vdir);
	assert_int_equal(symlink("elsewhere", path), 0);
	write_at("dir.json", "plain", t);
	write_at("dir.json.gz", "gz", t);
	snprintf(path, sizeof path, "%s/dir.json.br", vdir);
	assert_int_equal(mkdir(path, 0700), 0);

	const char *chromium = "gzip, deflate, br";
	expect_open("a.js", chromium, STATIC_BR, "br");
	expect_open("a.js", "gzip", STATIC_GZIP, "gz");
	expect_open("a.js", "gzip, br;q=0", STATIC_GZIP, "gz");
	expect_open("a.js", "br;q=0, gzip;q=0", STATIC_IDENTITY, "plain");
	expect_open("a.js", NULL, STATIC_IDENTITY, "plain");
	expect_open("stale.js", chromium, STATIC_GZIP, "gz");
	expect_open("stale.js", "br", STATIC_IDENTITY, "plain");
	expect_open("old.css", chromium, STATIC_IDENTITY, "plain");
	expect_open("only.html", chromium, STATIC_IDENTITY, "plain");
	expect_open("pic.png", chromium, STATIC_IDENTITY, "plain");
	expect_open("link.svg", chromium, STATIC_GZIP, "gz");
	expect_open("dir.json", chromium, STATIC_GZIP, "gz");

	/* No plain file: nothing is sent, whatever siblings exist. */
	struct static_file f;
	snprintf(path, sizeof path, "%s/gone.js", vdir);
	write_at("gone.js.br", "br", t);
	assert_int_equal(static_open(path, chromium, &f), -1);
	snprintf(path, sizeof path, "%s/dir.json.br", vdir);
	assert_int_equal(static_open(path, chromium, &f), -1);
	assert_int_equal(nftw(vdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_root_is_index),
	    cmocka_unit_test(test_normal_files),
	    cmocka_unit_test(test_root_trailing_slash),
	    cmocka_unit_test(test_dot_dot),
	    cmocka_unit_test(test_backslashes),
	    cmocka_unit_test(test_relative_paths),
	    cmocka_unit_test(test_missing),
	    cmocka_unit_test(test_symlink_inside),
	    cmocka_unit_test(test_symlink_outside),
	    cmocka_unit_test(test_small_out_buffer),
	    cmocka_unit_test(test_page_routes),
	    cmocka_unit_test(test_page_route_code_length),
	    cmocka_unit_test(test_page_route_served_as_page),
	    cmocka_unit_test(test_mime),
	    cmocka_unit_test(test_compressible),
	    cmocka_unit_test(test_is_hashed),
	    cmocka_unit_test(test_encoding_browsers),
	    cmocka_unit_test(test_encoding_q_values),
	    cmocka_unit_test(test_encoding_star),
	    cmocka_unit_test(test_encoding_syntax),
	    cmocka_unit_test(test_encoding_malformed),
	    cmocka_unit_test(test_open_variants),
	};
	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
