/* fairq.h: the run queue, fair between clients. Each client (a learner
 * cookie, or an address when there is none) has its own bounded FIFO and a
 * cap on runs in flight; fairq_pop takes clients in turn, so one client's
 * burst never delays another client's single run. Pure and not thread-safe:
 * the pool serialises access with its own lock. */
#ifndef LESSOND_FAIRQ_H
#define LESSOND_FAIRQ_H

#include <stddef.h>

#define FAIRQ_KEY_MAX 72 /* "l:" + 32 hex digits, or "ip:" + an IPv6 address */

enum fairq_push_result {
	FAIRQ_OK,
	FAIRQ_FULL,        /* the whole queue is full (503) */
	FAIRQ_CLIENT_FULL, /* this client has too many runs waiting (429) */
	FAIRQ_NOMEM,
};

struct fairq;

/* A queue holding at most `max_queued` items in all, `client_queued` per
 * client, and letting each client have `client_running` items popped and not
 * yet done. Returns NULL when out of memory. */
struct fairq *fairq_new(size_t max_queued, size_t client_queued, int client_running);

/* Frees the queue; items still in it are borrowed and not freed. */
void fairq_free(struct fairq *q);

/* Appends `item` (submitted at time `now`) to the client's FIFO. A key
 * longer than FAIRQ_KEY_MAX - 1 is cut. */
enum fairq_push_result fairq_push(struct fairq *q, const char *client, void *item, double now);

/* Takes the oldest item of the next client in turn whose running count is
 * below its cap, counts it as running, and returns it; NULL when no client
 * may start a run. */
void *fairq_pop(struct fairq *q);

/* A popped item of `client` finished: frees one of its running places. */
void fairq_done(struct fairq *q, const char *client);

/* Removes and returns one queued item submitted before `before`, or NULL. */
void *fairq_expire(struct fairq *q, double before);

/* Submission time of the oldest queued item, or -1 when none is queued. */
double fairq_oldest(const struct fairq *q);

/* Items queued in all. */
size_t fairq_len(const struct fairq *q);

/* Clients with anything queued or running. */
size_t fairq_clients(const struct fairq *q);

#endif
