/* pythons.h: the interpreters a server can run, each in a zygote of its
 * own (docs/ARCHITECTURE.md §9): the Python lessond links, whose zygote is
 * lessond itself re-executed with --zygote, and each Python prepared in a
 * Debian tree under the pythons directory: <dir>/<X.Y>/root, the tree
 * (`make python313`), and <dir>/<X.Y>/zygote, the zygote-only binary built
 * against it, which the server starts through the tree's own dynamic
 * loader. Finding and choosing them only looks at the file system; nothing
 * is started here (pool.h starts zygotes). Used by main.c at start-up. */
#ifndef LESSOND_PYTHONS_H
#define LESSOND_PYTHONS_H

#include <stddef.h>

#define PYTHONS_MAX     4
#define PYTHON_PATH_MAX 1024

/* One interpreter, and how its zygote is started. */
struct python {
	char version[16];           /* "3.11", "3.13": major.minor */
	char exe[PYTHON_PATH_MAX];  /* the binary run with --zygote */
	char tree[PYTHON_PATH_MAX]; /* "": lessond's own Python; else the tree's root,
	                             * whose loader, libraries and usr/ (the home)
	                             * the zygote gets */
};

/* The tree's dynamic loader and library directories, relative to its root. */
#if defined(__x86_64__)
#define PYTHON_TREE_LOADER    "lib64/ld-linux-x86-64.so.2"
#define PYTHON_TREE_MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define PYTHON_TREE_LOADER    "lib/ld-linux-aarch64.so.1"
#define PYTHON_TREE_MULTIARCH "aarch64-linux-gnu"
#else
#error "a Debian tree's loader is only known on x86_64 and aarch64"
#endif

/* Compares two "major.minor" versions numerically: < 0, 0 or > 0. */
int python_version_cmp(const char *a, const char *b);

/* Chooses what to run. `wanted` is a comma-separated list of versions
 * ("3.11,3.13"), or "" for every one installed: lessond's own (`own`
 * version, run from `exe`) always, and each tree under `dir` that is
 * ready (root/.lessond-tree, root's loader and an executable zygote). A
 * default choice logs, for each tree under dir that is not ready and when
 * there is none, what is missing and the make target that prepares it.
 * Returns how many (1 to PYTHONS_MAX) are in out[], oldest first, or -1
 * with err holding why (a wanted version that is not installed, named with
 * the ones that are and why it is not; a malformed list). */
int pythons_choose(const char *wanted, const char *own, const char *exe, const char *dir,
                   struct python *out, char *err, size_t errlen);

#endif
