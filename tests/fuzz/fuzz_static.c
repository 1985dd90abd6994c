/* fuzz_static.c: libFuzzer harness for static_resolve (server/http/static.c), the
 * URL path to file resolver of the browser UI. Built and run by `make fuzz`.
 *
 * LLVMFuzzerInitialize builds, once, under a fresh temporary directory `base`
 * in $TMPDIR (removed at a normal exit; run.sh points TMPDIR into its work
 * directory, so a crash leaves nothing in /tmp):
 *   root/index.html  root/app.js  root/.hidden  root/sub/page.css
 *   root/sub/deep/x.txt  root/a..b.txt
 *   root/inner    -> sub/page.css          (inside: allowed)
 *   root/subdir   -> sub                   (inside: allowed)
 *   root/evil     -> ../secret.txt         (outside: refused)
 *   root/evil_abs -> <base>/secret.txt     (outside, absolute: refused)
 *   root/outdir   -> ../outside            (a directory outside: refused)
 *   root/up       -> ..                    (the parent: refused)
 *   root/sibling  -> ../root2/x.html       (outside, shares root's prefix)
 *   root/slash    -> /                     (refused)
 *   root/loop     -> loop     root/dangling -> nowhere
 *   secret.txt  outside/secret2.txt  outside/index.html  root2/x.html
 *   rootlink      -> root                  (the root, reached by a symlink)
 *
 * Each input is a URL path as the client sent it. The HTTP layer hands the
 * handler the path decoded by urlpath_decode (server/http/urlpath.c, which
 * never decodes %00, so a decoded path holds no NUL); the harness resolves
 * both the raw path (up to its first NUL byte) and the path urlpath_decode
 * makes of it, against the root given three ways (absolute, with a trailing
 * '/', through `rootlink`).
 * abort() unless, whenever a path resolves:
 *   - the result is NUL-terminated within outlen, starts with realpath(root)
 *     and a '/', and is a real path: realpath(result) is itself;
 *   - the path has no ".." segment;
 *   - the three spellings of the root agree (same answer, same file). */
#include "http/static.h"
#include "http/urlpath.h"

#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with the failed property and where it is checked (libFuzzer then
 * saves the input as a crash artifact). */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_static: property failed: %s (%s:%d)\n", #cond,       \
			        __FILE__, __LINE__);                                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define NROOTS 3

static char base[PATH_MAX];
static char roots[NROOTS][PATH_MAX]; /* the root, spelled three ways */
static char real_root[PATH_MAX];     /* realpath of the root */
static size_t real_root_len;

/* Writes base/rel, or aborts. */
static void make_path(const char *rel, char *out, size_t len)
{
	CHECK((size_t)snprintf(out, len, "%s/%s", base, rel) < len);
}

static void make_file(const char *rel)
{
	char path[PATH_MAX];
	make_path(rel, path, sizeof path);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("x\n", f);
	CHECK(fclose(f) == 0);
}

static void make_dir(const char *rel)
{
	char path[PATH_MAX];
	make_path(rel, path, sizeof path);
	CHECK(mkdir(path, 0700) == 0);
}

static void make_link(const char *target, const char *rel)
{
	char path[PATH_MAX];
	make_path(rel, path, sizeof path);
	CHECK(symlink(target, path) == 0);
}

/* nftw callback: removes one entry (depth first). */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* atexit: removes the temporary tree. */
static void remove_tree(void)
{
	if (base[0])
		nftw(base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *tmp = getenv("TMPDIR");
	snprintf(base, sizeof base, "%s/lessond-fuzz-static-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	CHECK(mkdtemp(base) != NULL);
	atexit(remove_tree);
	char abs_base[PATH_MAX]; /* TMPDIR may be relative; evil_abs needs an absolute path */
	CHECK(realpath(base, abs_base) != NULL);
	memcpy(base, abs_base, sizeof base);
	static const char *const dirs[] = {"root", "root/sub", "root/sub/deep", "outside", "root2"};
	static const char *const files[] = {
	    "root/index.html",     "root/app.js",   "root/.hidden", "root/sub/page.css",
	    "root/sub/deep/x.txt", "root/a..b.txt", "secret.txt",   "outside/secret2.txt",
	    "outside/index.html",  "root2/x.html"};
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
		make_dir(dirs[i]);
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		make_file(files[i]);
	char secret[PATH_MAX];
	make_path("secret.txt", secret, sizeof secret);
	make_link("sub/page.css", "root/inner");
	make_link("sub", "root/subdir");
	make_link("../secret.txt", "root/evil");
	make_link(secret, "root/evil_abs");
	make_link("../outside", "root/outdir");
	make_link("..", "root/up");
	make_link("../root2/x.html", "root/sibling");
	make_link("/", "root/slash");
	make_link("loop", "root/loop");
	make_link("nowhere", "root/dangling");
	make_link("root", "rootlink");
	make_path("root", roots[0], sizeof roots[0]);
	make_path("root/", roots[1], sizeof roots[1]);
	make_path("rootlink", roots[2], sizeof roots[2]);
	CHECK(realpath(roots[0], real_root) != NULL);
	real_root_len = strlen(real_root);
	return 0;
}

/* True when the path has a ".." segment ("/../", or at the end). */
static bool has_dotdot_segment(const char *p)
{
	for (const char *s = p; (s = strstr(s, "..")) != NULL; s++)
		if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
			return true;
	return false;
}

/* Resolves url against every spelling of the root, checks each answer and
 * that they agree. `outlen` is the size of the heap buffer given for the
 * result (exact, so ASan sees a write past it). */
static void resolve_checked(const char *url, size_t outlen)
{
	char *outs[NROOTS];
	int rcs[NROOTS];
	for (int r = 0; r < NROOTS; r++) {
		outs[r] = malloc(outlen);
		CHECK(outs[r] != NULL);
		memset(outs[r], 'x', outlen);
		rcs[r] = static_resolve(roots[r], url, outs[r], outlen);
		CHECK(rcs[r] == 0 || rcs[r] == -1);
		if (rcs[r] != 0)
			continue;
		const char *out = outs[r];
		CHECK(memchr(out, '\0', outlen) != NULL);
		CHECK(strncmp(out, real_root, real_root_len) == 0 && out[real_root_len] == '/');
		char again[PATH_MAX];
		CHECK(realpath(out, again) != NULL);
		CHECK(strcmp(again, out) == 0);
		CHECK(!has_dotdot_segment(url));
		CHECK(static_mime(out) != NULL);
	}
	/* Spelling the root differently changes the length of the joined path:
	 * compare only where none of them can reach PATH_MAX. */
	if (strlen(url) + strlen(roots[2]) + 16 < PATH_MAX)
		for (int r = 1; r < NROOTS; r++) {
			CHECK(rcs[r] == rcs[0]);
			CHECK(rcs[0] != 0 || strcmp(outs[r], outs[0]) == 0);
		}
	for (int r = 0; r < NROOTS; r++)
		free(outs[r]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* As a C string, the path ends at its first NUL, as in the HTTP layer. */
	char *url = malloc(size + 1);
	CHECK(url != NULL);
	memcpy(url, data, size);
	url[size] = '\0';
	resolve_checked(url, PATH_MAX);
	resolve_checked(url, real_root_len + 8); /* room for short names only */
	urlpath_decode(url);
	resolve_checked(url, PATH_MAX);
	free(url);
	return 0;
}
