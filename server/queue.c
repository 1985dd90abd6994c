/* queue.c: ring buffer behind struct queue. */
#include "queue.h"

#include <stdlib.h>

int queue_init(struct queue *q, size_t cap)
{
	q->items = calloc(cap ? cap : 1, sizeof *q->items);
	q->cap = cap;
	q->head = q->len = 0;
	return q->items ? 0 : -1;
}

void queue_free(struct queue *q)
{
	free(q->items);
	q->items = NULL;
	q->cap = q->len = q->head = 0;
}

bool queue_push(struct queue *q, void *item)
{
	if (q->len >= q->cap)
		return false;
	q->items[(q->head + q->len) % q->cap] = item;
	q->len++;
	return true;
}

void *queue_pop(struct queue *q)
{
	if (q->len == 0)
		return NULL;
	void *item = q->items[q->head];
	q->head = (q->head + 1) % q->cap;
	q->len--;
	return item;
}

void *queue_peek(const struct queue *q)
{
	return q->len ? q->items[q->head] : NULL;
}

size_t queue_len(const struct queue *q)
{
	return q->len;
}
