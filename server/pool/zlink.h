/* zlink.h: the pool's link to its zygote. Owns the zygote process and the
 * server's end of its socket: starting it (spawn.h), its first HELLO and
 * the sandbox layers it reports, asking it for children, receiving its
 * messages, and replacing it when it dies. Knows nothing of slots, jobs or
 * deadlines (pool.c): it hands each message over and says when the zygote
 * is lost. Used only by the pool thread (and pool_start/pool_stop). */
#ifndef LESSOND_ZLINK_H
#define LESSOND_ZLINK_H

#include "common/config.h"
#include "common/protocol.h"
#include "pool/spawn.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct zlink {
	const struct config *cfg; /* borrowed */
	struct python python;     /* whose zygote: how it is started (pythons.h) */
	int epfd;                 /* borrowed: the pool's epoll set */
	void *tag;                /* borrowed: epoll data.ptr of the socket */
	struct spawned zygote;    /* sock is -1 and pid 0 while there is no zygote */
	unsigned generation;      /* bumped by each zygote started */
	int requested;            /* children asked of it, not yet received */
	bool said_hello;          /* the current zygote reported ready */
	double retry_at;          /* when to try starting one (monotonic ms); 0: not due */
	double backoff_ms;        /* the wait after the next failed start */
};

/* What the first zygote reported. */
struct zlink_hello {
	unsigned layers; /* enum sandbox_layer bits */
	int landlock_abi;
	char python[32];
};

/* Sets up the link (no zygote yet) to py's zygote (copied): the socket will
 * be registered in epfd with data.ptr = tag. */
void zlink_init(struct zlink *z, const struct config *cfg, const struct python *py, int epfd,
                void *tag);

/* Starts a zygote and registers its socket. Returns 0, or -errno with no
 * zygote left running (spawn failed, or its socket cannot be watched). */
int zlink_start(struct zlink *z);

/* Waits for the first zygote's HELLO, logs the sandbox layers it reports
 * and fills *out. Returns 0, or -1 with err filled (no HELLO, a failed
 * zygote, or a required layer missing in strict mode). */
int zlink_await_hello(struct zlink *z, struct zlink_hello *out, char *err, size_t errlen);

/* Asks the zygote for `count` more waiting children (nothing without a
 * zygote, or when its socket is full). */
void zlink_want(struct zlink *z, int count);

enum zlink_recv { ZLINK_NONE, ZLINK_MSG, ZLINK_LOST };

/* Receives one message without blocking: ZLINK_MSG with *m and its fds
 * (the caller owns them), ZLINK_NONE when there is nothing more for now,
 * ZLINK_LOST when the zygote went away (call zlink_lost). A CHILD message
 * is counted off `requested` here. */
enum zlink_recv zlink_recv(struct zlink *z, struct zmsg *m, int fds[ZMSG_MAX_FDS], int *nfds);

/* The zygote went away: deregisters and closes its socket, kills and
 * reaps it, and schedules the next start: at once after a zygote that had
 * reported ready, else after the backoff. The caller then drops the
 * children of its generation. */
void zlink_lost(struct zlink *z, double now);

/* Restarts are paced, never waited for: a failed start (or a zygote that
 * dies before it is ready) doubles the wait from ZLINK_BACKOFF_MIN_MS up
 * to ZLINK_BACKOFF_MAX_MS; a HELLO resets it. The pool thread calls
 * zlink_tick from its loop, which sleeps at most zlink_timeout_ms. */
#define ZLINK_BACKOFF_MIN_MS 100.0
#define ZLINK_BACKOFF_MAX_MS 5000.0

/* Tries to start a zygote when one is due. Returns true when one started. */
bool zlink_tick(struct zlink *z, double now);

/* Milliseconds until zlink_tick has a start to try, or -1 for none. */
double zlink_timeout_ms(const struct zlink *z, double now);

/* True while a zygote is running (it may not have said HELLO yet). */
bool zlink_up(const struct zlink *z);

/* Kills and reaps the zygote, if any, and closes its socket. */
void zlink_stop(struct zlink *z);

#endif
