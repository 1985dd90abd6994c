/* fairq.c: per-client FIFOs served round robin (see fairq.h). Clients live
 * in an array in arrival order while they have work queued or running;
 * `turn` is the index the next pop starts looking from. */
#include "pool/fairq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	void *item;
	double submitted;
};

struct client {
	char key[FAIRQ_KEY_MAX];
	int running;
	size_t head, len; /* ring over entries[client_queued] */
	struct entry entries[];
};

struct fairq {
	size_t max_queued, client_queued, len;
	int client_running;
	struct client **clients;
	size_t nclients, cap, turn;
};

struct fairq *fairq_new(size_t max_queued, size_t client_queued, int client_running)
{
	struct fairq *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->max_queued = max_queued;
	q->client_queued = client_queued ? client_queued : 1;
	q->client_running = client_running > 0 ? client_running : 1;
	return q;
}

void fairq_free(struct fairq *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->nclients; i++)
		free(q->clients[i]);
	free(q->clients);
	free(q);
}

/* The index of the client with this key, or -1. */
static long find(const struct fairq *q, const char *key)
{
	for (size_t i = 0; i < q->nclients; i++)
		if (strncmp(q->clients[i]->key, key, FAIRQ_KEY_MAX - 1) == 0)
			return (long)i;
	return -1;
}

/* Drops client `i` once it has nothing queued or running, keeping the order
 * of the others and the turn pointing at the same next client. */
static void forget_if_idle(struct fairq *q, size_t i)
{
	struct client *c = q->clients[i];
	if (c->len || c->running)
		return;
	free(c);
	memmove(&q->clients[i], &q->clients[i + 1], (q->nclients - i - 1) * sizeof *q->clients);
	q->nclients--;
	if (q->turn > i)
		q->turn--;
	if (q->turn >= q->nclients)
		q->turn = 0;
}

/* Finds or adds the client with this key; NULL when out of memory. */
static struct client *client_for(struct fairq *q, const char *key)
{
	long i = find(q, key);
	if (i >= 0)
		return q->clients[i];
	if (q->nclients == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;
		struct client **nc = realloc(q->clients, cap * sizeof *nc);
		if (!nc)
			return NULL;
		q->clients = nc;
		q->cap = cap;
	}
	struct client *c = calloc(1, sizeof *c + q->client_queued * sizeof(struct entry));
	if (!c)
		return NULL;
	snprintf(c->key, sizeof c->key, "%s", key);
	q->clients[q->nclients++] = c;
	return c;
}

enum fairq_push_result fairq_push(struct fairq *q, const char *client, void *item, double now)
{
	if (q->len >= q->max_queued)
		return FAIRQ_FULL;
	struct client *c = client_for(q, client);
	if (!c)
		return FAIRQ_NOMEM;
	if (c->len >= q->client_queued)
		return FAIRQ_CLIENT_FULL; /* c already had work, so it stays */
	c->entries[(c->head + c->len) % q->client_queued] = (struct entry){item, now};
	c->len++;
	q->len++;
	return FAIRQ_OK;
}

/* Removes and returns the oldest entry of client c (which has one). */
static void *take_head(struct fairq *q, struct client *c)
{
	void *item = c->entries[c->head].item;
	c->head = (c->head + 1) % q->client_queued;
	c->len--;
	q->len--;
	return item;
}

void *fairq_pop(struct fairq *q)
{
	for (size_t k = 0; k < q->nclients; k++) {
		size_t i = (q->turn + k) % q->nclients;
		struct client *c = q->clients[i];
		if (!c->len || c->running >= q->client_running)
			continue;
		void *item = take_head(q, c);
		c->running++;
		q->turn = (i + 1) % q->nclients;
		return item;
	}
	return NULL;
}

void fairq_done(struct fairq *q, const char *client)
{
	long i = find(q, client);
	if (i < 0 || q->clients[i]->running <= 0)
		return;
	q->clients[i]->running--;
	forget_if_idle(q, (size_t)i);
}

void *fairq_expire(struct fairq *q, double before)
{
	for (size_t i = 0; i < q->nclients; i++) {
		struct client *c = q->clients[i];
		if (c->len && c->entries[c->head].submitted < before) {
			void *item = take_head(q, c);
			forget_if_idle(q, i);
			return item;
		}
	}
	return NULL;
}

double fairq_oldest(const struct fairq *q)
{
	double oldest = -1;
	for (size_t i = 0; i < q->nclients; i++) {
		const struct client *c = q->clients[i];
		if (c->len && (oldest < 0 || c->entries[c->head].submitted < oldest))
			oldest = c->entries[c->head].submitted;
	}
	return oldest;
}

size_t fairq_len(const struct fairq *q)
{
	return q->len;
}

size_t fairq_clients(const struct fairq *q)
{
	return q->nclients;
}
