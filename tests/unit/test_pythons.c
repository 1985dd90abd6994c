/* test_pythons.c: choosing the Pythons a server runs (pool/pythons.c) over
 * a pythons directory made in /tmp: ready trees, half-made ones, --pythons
 * lists right and wrong, and the version order. Nothing is started. */
#include "pool/pythons.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static struct python out[PYTHONS_MAX];
static char err[1024];

/* Creates an empty file at dir/rel (its directories too) with `mode`. */
static void touch(const char *rel, mode_t mode)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	int fd = open(path, O_CREAT | O_WRONLY, mode);
	assert_true(fd >= 0);
	close(fd);
	chmod(path, mode);
}

/* A ready tree for `version`: its marker, its loader and its zygote. */
static void ready_tree(const char *version)
{
	char rel[128];
	snprintf(rel, sizeof rel, "%s/root/.lessond-tree", version);
	touch(rel, 0644);
	snprintf(rel, sizeof rel, "%s/root/" PYTHON_TREE_LOADER, version);
	touch(rel, 0755);
	snprintf(rel, sizeof rel, "%s/zygote", version);
	touch(rel, 0755);
}

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/lessond-pythons-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Chooses with `wanted` among lessond's own 3.11 and the trees in dir. */
static int choose(const char *wanted)
{
	memset(out, 0, sizeof out);
	err[0] = '\0';
	return pythons_choose(wanted, "3.11", "/usr/bin/lessond", dir, out, err, sizeof err);
}

/* Versions compare by number, not as text. */
static void test_version_order(void **state)
{
	(void)state;
	assert_true(python_version_cmp("3.9", "3.13") < 0);
	assert_true(python_version_cmp("3.13", "3.11") > 0);
	assert_int_equal(python_version_cmp("3.13", "3.13"), 0);
	assert_true(python_version_cmp("2.7", "3.0") < 0);
}

/* By default: lessond's own Python always, each ready tree beside it,
 * oldest first; half-made trees and other names are left out. */
static void test_default_is_every_ready_one(void **state)
{
	(void)state;
	assert_int_equal(choose(""), 1);
	assert_string_equal(out[0].version, "3.11");
	assert_string_equal(out[0].exe, "/usr/bin/lessond");
	assert_string_equal(out[0].tree, "");
	ready_tree("3.13");
	touch("3.12/root/.lessond-tree", 0644); /* no loader, no zygote */
	touch("3.14/root/.lessond-tree", 0644);
	touch("3.14/root/" PYTHON_TREE_LOADER, 0755);
	touch("3.14/zygote", 0644); /* not executable */
	touch("notes/zygote", 0755);
	assert_int_equal(choose(""), 2);
	assert_string_equal(out[0].version, "3.11");
	assert_string_equal(out[1].version, "3.13");
	char tree[600], exe[600];
	snprintf(tree, sizeof tree, "%s/3.13/root", dir);
	snprintf(exe, sizeof exe, "%s/3.13/zygote", dir);
	assert_string_equal(out[1].tree, tree);
	assert_string_equal(out[1].exe, exe);
	ready_tree("3.9");
	assert_int_equal(choose(""), 3);
	assert_string_equal(out[0].version, "3.9");
	assert_string_equal(out[2].version, "3.13");
}

/* --pythons names some: those, in version order; a missing one fails with
 * what is missing and how to prepare one. */
static void test_wanted_list(void **state)
{
	(void)state;
	assert_int_equal(choose("3.13, 3.11"), 2);
	assert_string_equal(out[0].version, "3.11");
	assert_string_equal(out[1].version, "3.13");
	assert_int_equal(choose("3.13"), 1);
	assert_string_equal(out[0].version, "3.13");
	assert_int_equal(choose("3.11,3.12"), -1);
	assert_non_null(strstr(err, "Python 3.12 is not installed"));
	assert_non_null(strstr(err, "3.12/root/" PYTHON_TREE_LOADER " is missing"));
	assert_non_null(strstr(err, "make python313"));
	assert_int_equal(choose("3.11,3.11"), -1);
	assert_non_null(strstr(err, "3.11 is named twice"));
	const char *bad[] = {"3", "3.x", "three", "3.11;3.13", ",", "3.11,", "3..1"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (choose(bad[i]) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(err, "is not a list of versions"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version_order),
	    cmocka_unit_test(test_default_is_every_ready_one),
	    cmocka_unit_test(test_wanted_list),
	};
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
