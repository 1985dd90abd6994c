/* tokenfile.h: the teacher token's file (--teacher-token-file): read at
 * start-up, or made with a new random token when it does not exist.
 *
 * A new file is created with O_EXCL at mode 0600 (its directory, when
 * missing, at 0700), written whole, fsync'd, and only then used, so a
 * crash never leaves a half-written token behind. An existing file is
 * opened with O_NOFOLLOW and must be a regular file; a file that others
 * may read is still used (a container secret is often mode 0444) but
 * reported, so the caller can warn. The token itself is never logged: the
 * caller says where the file is. */
#ifndef LESSOND_TOKENFILE_H
#define LESSOND_TOKENFILE_H

#include "classes/teachauth.h"

#include <stdbool.h>
#include <stddef.h>

/* What tokenfile_load found besides the token. */
struct tokenfile_info {
	bool created;    /* the file did not exist and now holds a new token */
	bool loose_mode; /* group or others may read it */
	unsigned mode;   /* its permission bits */
};

/* Loads the token in path into *secret, creating the file (and one missing
 * directory level) first when it does not exist. Returns 0, or -1 with
 * err filled ("/srv/data/teacher-token: does not hold a token: ...") and
 * *secret zeroed. */
int tokenfile_load(const char *path, struct teach_secret *secret, struct tokenfile_info *info,
                   char *err, size_t errlen);

#endif
