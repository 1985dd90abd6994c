/* tokenfile.c: reading or making the teacher token's file (see tokenfile.h). */
#include "classes/tokenfile.h"

#include "common/io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_MAX 4096 /* a token file is one short line; more is not a token file */

/* Fills err with "path: what: strerror(code)"; returns -1. */
static int fail(char *err, size_t errlen, const char *path, const char *what, int code)
{
	if (code)
		snprintf(err, errlen, "%s: %s: %s", path, what, strerror(code));
	else
		snprintf(err, errlen, "%s: %s", path, what);
	return -1;
}

/* Makes path's directory at mode 0700 when it is missing (one level, as the
 * default ./data/teacher-token needs). Returns 0 or -1 with err filled. */
static int make_parent(const char *path, char *err, size_t errlen)
{
	char copy[4096];
	if (snprintf(copy, sizeof copy, "%s", path) >= (int)sizeof copy)
		return fail(err, errlen, path, "the path is too long", 0);
	const char *dir = dirname(copy);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return fail(err, errlen, dir, "cannot create the directory", errno);
	return 0;
}

/* Creates path with a new token. Returns 0, 1 when the file appeared in
 * the meantime (the caller reads it), or -1 with err filled. */
static int create(const char *path, char *err, size_t errlen)
{
	char token[TEACH_TOKEN_HEX + 2];
	if (teach_token_new(token) < 0)
		return fail(err, errlen, path, "no randomness for a new token", errno);
	if (make_parent(path, err, errlen) < 0)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		return 1;
	if (fd < 0)
		return fail(err, errlen, path, "cannot create the token file", errno);
	strcat(token, "\n");
	int rc = io_write_full(fd, token, strlen(token)) < 0 || fsync(fd) < 0 ? errno : 0;
	memset(token, 0, sizeof token);
	if (close(fd) < 0 && !rc)
		rc = errno;
	if (rc) {
		unlink(path); /* never leave a half-written token to be read later */
		return fail(err, errlen, path, "cannot write the token file", rc);
	}
	return 0;
}

/* Reads an existing token file into *secret. Returns 0, -1 with err
 * filled, or 1 when it does not exist. */
static int read_existing(const char *path, struct teach_secret *secret, struct tokenfile_info *info,
                         char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0)
		return fail(err, errlen, path,
		            errno == ELOOP ? "is a symbolic link; name the file itself"
		                           : "cannot open the token file",
		            errno == ELOOP ? 0 : errno);
	struct stat st;
	char text[FILE_MAX + 1];
	ssize_t n = -1;
	int rc = 0;
	if (fstat(fd, &st) < 0)
		rc = fail(err, errlen, path, "cannot read the token file", errno);
	else if (!S_ISREG(st.st_mode))
		rc = fail(err, errlen, path, "is not a regular file", 0);
	else if ((n = read(fd, text, sizeof text)) < 0)
		rc = fail(err, errlen, path, "cannot read the token file", errno);
	else if (n > FILE_MAX || teach_secret_set(secret, text, (size_t)n) < 0)
		rc = fail(err, errlen, path,
		          "does not hold a token: one line of 16 to 128 printable ASCII characters "
		          "(delete the file and lessond makes a new one)",
		          0);
	memset(text, 0, sizeof text);
	close(fd);
	if (rc == 0) {
		info->mode = (unsigned)(st.st_mode & 07777);
		info->loose_mode = (st.st_mode & 077) != 0;
	}
	return rc;
}

int tokenfile_load(const char *path, struct teach_secret *secret, struct tokenfile_info *info,
                   char *err, size_t errlen)
{
	memset(secret, 0, sizeof *secret);
	memset(info, 0, sizeof *info);
	int rc = read_existing(path, secret, info, err, errlen);
	if (rc <= 0)
		return rc;
	rc = create(path, err, errlen); /* 1: another process made it meanwhile */
	if (rc < 0)
		return -1;
	info->created = rc == 0;
	rc = read_existing(path, secret, info, err, errlen); /* what is there now */
	if (rc == 1)
		rc = fail(err, errlen, path, "the token file vanished while it was being made", 0);
	if (rc < 0)
		memset(secret, 0, sizeof *secret);
	return rc;
}
