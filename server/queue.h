/* queue.h: a bounded FIFO of pointers (the runs waiting for a child).
 * Not thread-safe: the pool serialises access with its own lock. */
#ifndef LESSOND_QUEUE_H
#define LESSOND_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

struct queue {
	void **items;
	size_t cap, head, len;
};

/* Allocates room for `cap` items (cap may be 0: every push fails). Returns 0 or -1. */
int queue_init(struct queue *q, size_t cap);
/* Frees the storage, not the items (borrowed). */
void queue_free(struct queue *q);
/* Appends; returns false when full (the caller answers 503). */
bool queue_push(struct queue *q, void *item);
/* Removes and returns the oldest item, or NULL when empty. */
void *queue_pop(struct queue *q);
/* The oldest item without removing it, or NULL when empty. */
void *queue_peek(const struct queue *q);
size_t queue_len(const struct queue *q);

#endif
