/* test_static.c: static_resolve (path confinement) and static_mime. */
#include "http/static.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	    cmocka_unit_test(test_mime),
	};
	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
