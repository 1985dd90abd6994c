/* pythons.c: finding the Pythons prepared in Debian trees and choosing the
 * ones a server runs (pythons.h). Reads directories and file modes only. */
#include "pool/pythons.h"

#include "common/log.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the Makefile can prepare, for the hint when nothing is (its
 * `make python313` target). */
#define PREPARE_HINT "`make python313` prepares Python 3.13 from Debian 13"

/* True for "3.13": digits, one dot, digits, short enough for a version. */
static bool valid_version(const char *s, size_t len)
{
	size_t dots = 0, digits = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.' && digits && !dots) {
			dots++;
			digits = 0;
		} else if (isdigit((unsigned char)s[i]) && digits < 4) {
			digits++;
		} else {
			return false;
		}
	}
	return dots == 1 && digits > 0;
}

int python_version_cmp(const char *a, const char *b)
{
	long av[2] = {0, 0}, bv[2] = {0, 0};
	sscanf(a, "%ld.%ld", &av[0], &av[1]);
	sscanf(b, "%ld.%ld", &bv[0], &bv[1]);
	for (int i = 0; i < 2; i++)
		if (av[i] != bv[i])
			return av[i] < bv[i] ? -1 : 1;
	return 0;
}

/* Fills *out for the tree of `version` under dir when it is ready.
 * Returns 0, or -1 with why naming what is missing. */
static int tree_ready(const char *dir, const char *version, struct python *out, char *why,
                      size_t whylen)
{
	char root[PYTHON_PATH_MAX], path[PYTHON_PATH_MAX + 64];
	snprintf(root, sizeof root, "%s/%s/root", dir, version);
	const char *missing = NULL;
	snprintf(path, sizeof path, "%s/.lessond-tree", root);
	if (access(path, R_OK) != 0)
		missing = path;
	else if (snprintf(path, sizeof path, "%s/" PYTHON_TREE_LOADER, root),
	         access(path, X_OK) != 0)
		missing = path;
	else if (snprintf(path, sizeof path, "%s/%s/zygote", dir, version), access(path, X_OK) != 0)
		missing = path;
	if (missing) {
		snprintf(why, whylen, "%s is missing or unusable", missing);
		return -1;
	}
	char real_root[PATH_MAX], real_exe[PATH_MAX];
	if (!realpath(root, real_root) || !realpath(path, real_exe) ||
	    strlen(real_root) >= sizeof out->tree || strlen(real_exe) >= sizeof out->exe) {
		snprintf(why, whylen, "%s or its zygote cannot be resolved to a short path", root);
		return -1;
	}
	memset(out, 0, sizeof *out);
	snprintf(out->version, sizeof out->version, "%s", version);
	snprintf(out->tree, sizeof out->tree, "%s", real_root);
	snprintf(out->exe, sizeof out->exe, "%s", real_exe);
	return 0;
}

/* Adds p to out[] (*n of them), keeping them sorted, oldest first. */
static void add_sorted(struct python *out, int *n, const struct python *p)
{
	int at = *n;
	while (at > 0 && python_version_cmp(out[at - 1].version, p->version) > 0) {
		out[at] = out[at - 1];
		at--;
	}
	out[at] = *p;
	(*n)++;
}

/* The default choice: lessond's own Python and every tree under dir that
 * is ready; says what is not. Returns the count (>= 1). */
static int choose_installed(const struct python *own, const char *dir, struct python *out)
{
	int n = 0;
	add_sorted(out, &n, own);
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL && n < PYTHONS_MAX) {
		if (!valid_version(e->d_name, strlen(e->d_name)))
			continue;
		struct python p;
		char why[PYTHON_PATH_MAX + 96];
		if (strcmp(e->d_name, own->version) == 0)
			log_info("python %s in %s/%s is left out: lessond links %s itself",
			         e->d_name, dir, e->d_name, own->version);
		else if (tree_ready(dir, e->d_name, &p, why, sizeof why) < 0)
			log_warn("python %s is not prepared, so it is left out: %s (%s)", e->d_name,
			         why, PREPARE_HINT);
		else
			add_sorted(out, &n, &p);
	}
	if (d)
		closedir(d);
	if (n == 1)
		log_warn("serving Python %s only: no other Python is prepared in %s (%s)",
		         own->version, dir, PREPARE_HINT);
	return n;
}

int pythons_choose(const char *wanted, const char *own_version, const char *exe, const char *dir,
                   struct python *out, char *err, size_t errlen)
{
	struct python own = {0};
	snprintf(own.version, sizeof own.version, "%s", own_version);
	snprintf(own.exe, sizeof own.exe, "%s", exe);
	if (!*wanted)
		return choose_installed(&own, dir, out);
	int n = 0;
	for (const char *p = wanted;;) {
		p += strspn(p, " ");
		size_t len = strcspn(p, ", ");
		const char *next = p + len + strspn(p + len, " ");
		if (!valid_version(p, len) || (*next && *next != ',')) {
			snprintf(err, errlen,
			         "--pythons: '%s' is not a list of versions like 3.11,3.13",
			         wanted);
			return -1;
		}
		char version[16];
		snprintf(version, sizeof version, "%.*s", (int)len, p);
		for (int i = 0; i < n; i++)
			if (strcmp(out[i].version, version) == 0) {
				snprintf(err, errlen, "--pythons: %s is named twice", version);
				return -1;
			}
		struct python py;
		char why[PYTHON_PATH_MAX + 96];
		if (strcmp(version, own.version) == 0) {
			py = own;
		} else if (n >= PYTHONS_MAX || tree_ready(dir, version, &py, why, sizeof why) < 0) {
			snprintf(
			    err, errlen,
			    "--pythons: Python %s is not installed (%s); lessond links %s, and "
			    "%s",
			    version, n >= PYTHONS_MAX ? "too many Pythons" : why, own.version,
			    PREPARE_HINT);
			return -1;
		}
		add_sorted(out, &n, &py);
		if (!*next)
			return n;
		p = next + 1;
	}
}
