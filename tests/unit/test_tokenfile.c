/* Unit tests for tokenfile.c: making and reading the teacher token's file,
 * in a fresh temporary directory per test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "classes/tokenfile.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];
static char path[128];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/lessond-tokenfile-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof path, "%s/data/teacher-token", dir);
	return 0;
}

static int remove_dir(void **state)
{
	(void)state;
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Writes text (mode) at path, making the data directory first. */
static void write_file(const char *text, mode_t mode)
{
	char sub[96];
	snprintf(sub, sizeof sub, "%s/data", dir);
	mkdir(sub, 0700);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
}

static void test_missing_file_is_made_private_with_a_new_token(void **state)
{
	(void)state;
	struct teach_secret s;
	struct tokenfile_info info;
	char err[256] = "";
	assert_int_equal(tokenfile_load(path, &s, &info, err, sizeof err), 0);
	assert_true(info.created);
	assert_false(info.loose_mode);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char sub[96];
	snprintf(sub, sizeof sub, "%s/data", dir);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* The file holds 64 hex digits and a newline, and that is the secret. */
	char text[128] = "";
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof text, f));
	fclose(f);
	assert_int_equal(strlen(text), TEACH_TOKEN_HEX + 1);
	assert_int_equal(strspn(text, "0123456789abcdef"), TEACH_TOKEN_HEX);
	assert_true(teach_token_equal(&s, text, TEACH_TOKEN_HEX));
	/* Loading again reads the same token and makes nothing. */
	struct teach_secret again;
	assert_int_equal(tokenfile_load(path, &again, &info, err, sizeof err), 0);
	assert_false(info.created);
	assert_true(teach_token_equal(&again, text, TEACH_TOKEN_HEX));
}

static void test_two_new_files_get_different_tokens(void **state)
{
	(void)state;
	struct teach_secret a, b;
	struct tokenfile_info info;
	char err[256];
	assert_int_equal(tokenfile_load(path, &a, &info, err, sizeof err), 0);
	unlink(path);
	assert_int_equal(tokenfile_load(path, &b, &info, err, sizeof err), 0);
	assert_true(info.created);
	assert_false(teach_token_equal(&a, (const char *)b.pad, b.len));
}

static void test_a_teachers_own_token_is_used_and_a_loose_mode_reported(void **state)
{
	(void)state;
	write_file("  correct-horse-battery-staple\n", 0644);
	struct teach_secret s;
	struct tokenfile_info info;
	char err[256];
	assert_int_equal(tokenfile_load(path, &s, &info, err, sizeof err), 0);
	assert_false(info.created);
	assert_true(info.loose_mode);
	assert_int_equal(info.mode, 0644);
	assert_true(teach_token_equal(&s, "correct-horse-battery-staple", 28));
}

static void test_a_file_without_a_token_is_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {"", "short\n", "two words are not one token\n"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		write_file(bad[i], 0600);
		struct teach_secret s;
		struct tokenfile_info info;
		char err[256] = "";
		assert_int_equal(tokenfile_load(path, &s, &info, err, sizeof err), -1);
		assert_non_null(strstr(err, "does not hold a token"));
		assert_non_null(strstr(err, path));
		assert_int_equal(s.len, 0);
	}
	/* Nor is a file far too long to be one. */
	char big[8192];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	write_file(big, 0600);
	struct teach_secret s;
	struct tokenfile_info info;
	char err[256] = "";
	assert_int_equal(tokenfile_load(path, &s, &info, err, sizeof err), -1);
}

static void test_a_symbolic_link_or_a_directory_is_refused(void **state)
{
	(void)state;
	char target[160];
	snprintf(target, sizeof target, "%s/elsewhere", dir);
	write_file("correct-horse-battery-staple\n", 0600);
	rename(path, target);
	assert_int_equal(symlink(target, path), 0);
	struct teach_secret s;
	struct tokenfile_info info;
	char err[256] = "";
	assert_int_equal(tokenfile_load(path, &s, &info, err, sizeof err), -1);
	assert_non_null(strstr(err, "symbolic link"));
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(tokenfile_load(path, &s, &info, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

static void test_an_uncreatable_file_is_a_clear_error(void **state)
{
	(void)state;
	char nowhere[192];
	snprintf(nowhere, sizeof nowhere, "%s/no/such/dir/teacher-token", dir);
	struct teach_secret s;
	struct tokenfile_info info;
	char err[256] = "";
	assert_int_equal(tokenfile_load(nowhere, &s, &info, err, sizeof err), -1);
	assert_non_null(strstr(err, "cannot create the directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_missing_file_is_made_private_with_a_new_token,
	                                    make_dir, remove_dir),
	    cmocka_unit_test_setup_teardown(test_two_new_files_get_different_tokens, make_dir,
	                                    remove_dir),
	    cmocka_unit_test_setup_teardown(
	        test_a_teachers_own_token_is_used_and_a_loose_mode_reported, make_dir, remove_dir),
	    cmocka_unit_test_setup_teardown(test_a_file_without_a_token_is_refused, make_dir,
	                                    remove_dir),
	    cmocka_unit_test_setup_teardown(test_a_symbolic_link_or_a_directory_is_refused,
	                                    make_dir, remove_dir),
	    cmocka_unit_test_setup_teardown(test_an_uncreatable_file_is_a_clear_error, make_dir,
	                                    remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
