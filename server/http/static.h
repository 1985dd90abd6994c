/* static.h: serving the browser UI from the static directory. */
#ifndef LESSOND_STATIC_H
#define LESSOND_STATIC_H

#include "http/http.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* The longest class code a /join/ page URL may carry (store.h's cap). */
#define STATIC_JOIN_CODE_MAX 32

/* Whether a URL path is a page the UI draws itself, choosing its view from
 * location.pathname, so it is served as index.html: "/teach" (the teacher's
 * dashboard), "/join" and "/join/{code}" (the join page; code: 1 to
 * STATIC_JOIN_CODE_MAX letters, digits or dashes, judged by the server when
 * the learner joins), each with or without a trailing '/'. Pure. */
bool static_is_page_route(const char *url_path);

/* Resolves a URL path to a file beneath root: "/" and the page routes
 * (static_is_page_route) are index.html; "..",
 * backslashes, any segment starting with a dot (.git, .env) and paths that
 * resolve (through symlinks) outside root are refused. (A %00 in the URL
 * is never decoded by http.c, so a path here never hides a NUL.)
 * Returns 0 with the real path in out, or -1. Pure apart from realpath(3). */
int static_resolve(const char *root, const char *url_path, char *out, size_t outlen);

/* MIME type for a file name, by extension. */
const char *static_mime(const char *path);

/* Whether files of this name's type may be sent compressed (text, SVG):
 * their responses carry Vary: Accept-Encoding, and static_open looks for
 * precompressed siblings of them. By extension, like static_mime. */
bool static_compressible(const char *path);

/* Whether a URL path names a content-hashed build output, which never
 * changes under its name: "/dist/<stem>-<8 lowercase hex digits>.<ext>"
 * (build-ui.mjs names everything it writes to static/dist/ so). Pure. */
bool static_is_hashed(const char *url_path);

/* Content codings lessond can send, as precompressed sibling files. */
enum static_encoding { STATIC_IDENTITY, STATIC_GZIP, STATIC_BR };
#define STATIC_OFFER(enc) (1u << (enc))

/* Chooses how to send a file, given a request's Accept-Encoding value (NULL
 * when it sent none) and the codings on offer (STATIC_OFFER bits; identity
 * is always on offer). Elements are "token[;q=value]" separated by commas,
 * tokens and "q" case-insensitive, x-gzip is gzip; a coding named nowhere
 * takes the q of "*", or 0, and an element with malformed parameters counts
 * as absent (the first element naming a coding is the one that counts).
 * The highest q above 0 wins, ties going to br, then gzip, then identity;
 * identity competes only when named (or by "*"), and is otherwise the
 * fallback: with no header, or when nothing acceptable is on offer, the
 * answer is identity (RFC 9110 allows sending it rather than 406). Pure. */
enum static_encoding static_choose_encoding(const char *accept_encoding, unsigned offered);

/* A file opened for sending (static_open): the caller owns fd. */
struct static_file {
	int fd;
	struct stat st;
	enum static_encoding encoding;
};

/* Opens `path` (a real path from static_resolve) to send it: the sibling
 * path.br or path.gz when the file is compressible, accept_encoding
 * (borrowed, or NULL) chooses that coding, and the sibling is a regular
 * file (not a symlink) no older than `path`; otherwise path itself. A stale
 * or unusable sibling is passed over for the next choice. Returns 0 with
 * *out filled (the caller closes out->fd), or -1 when path itself cannot
 * be opened as a regular file of at most STATIC_MAX_FILE bytes. */
int static_open(const char *path, const char *accept_encoding, struct static_file *out);

#define STATIC_MAX_FILE (8 << 20)

/* Handler for everything outside /api/: GET and HEAD of files, sent
 * precompressed when the client accepts it (static_open), revalidated by
 * ETag, and cached for a year when their names are hashed. `root` is the
 * root directory (borrowed). */
enum handler_result static_handle(const char *root, const struct http_request *req,
                                  struct http_response *resp, struct http_exchange *ex);

#endif
