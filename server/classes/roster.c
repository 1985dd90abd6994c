/* roster.c: roster.h as a chained hash table of learner ids under one
 * mutex. Buckets never grow: ROSTER_BUCKETS keeps chains short for the
 * tens of thousands of learners one machine serves, and a longer chain
 * only costs a few string comparisons. */
#include "classes/roster.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ROSTER_BUCKETS 4096

struct node {
	struct node *next;
	char learner[ROSTER_ID_MAX + 1];
	struct roster_entry entry;
};

struct roster {
	pthread_mutex_t lock;
	size_t count;
	struct node *buckets[ROSTER_BUCKETS];
};

/* FNV-1a of s, reduced to a bucket. */
static size_t bucket_of(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % ROSTER_BUCKETS;
}

/* Copies s into dst of cap bytes; false when it does not fit. */
static bool copy(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(s);
	if (n >= cap)
		return false;
	memcpy(dst, s, n + 1);
	return true;
}

struct roster *roster_new(void)
{
	struct roster *r = calloc(1, sizeof *r);
	if (r)
		pthread_mutex_init(&r->lock, NULL);
	return r;
}

/* Under r->lock (or alone): frees every node. */
static void free_nodes(struct roster *r)
{
	for (size_t b = 0; b < ROSTER_BUCKETS; b++) {
		for (struct node *n = r->buckets[b], *next; n; n = next) {
			next = n->next;
			free(n);
		}
		r->buckets[b] = NULL;
	}
	r->count = 0;
}

void roster_free(struct roster *r)
{
	if (!r)
		return;
	free_nodes(r);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

void roster_clear(struct roster *r)
{
	pthread_mutex_lock(&r->lock);
	free_nodes(r);
	pthread_mutex_unlock(&r->lock);
}

/* Under r->lock: the link pointing at learner's node (or at the NULL
 * ending its chain). */
static struct node **find(struct roster *r, const char *learner)
{
	struct node **link = &r->buckets[bucket_of(learner)];
	while (*link && strcmp((*link)->learner, learner) != 0)
		link = &(*link)->next;
	return link;
}

int roster_set(struct roster *r, const char *learner, const char *code, const char *class_name,
               const char *name)
{
	struct node fresh = {0};
	if (!learner || !code || !class_name || !name ||
	    !copy(fresh.learner, sizeof fresh.learner, learner) ||
	    !copy(fresh.entry.code, sizeof fresh.entry.code, code) ||
	    !copy(fresh.entry.class_name, sizeof fresh.entry.class_name, class_name) ||
	    !copy(fresh.entry.name, sizeof fresh.entry.name, name))
		return -1;
	pthread_mutex_lock(&r->lock);
	struct node **link = find(r, learner);
	if (*link) {
		(*link)->entry = fresh.entry;
	} else {
		struct node *n = malloc(sizeof *n);
		if (!n) {
			pthread_mutex_unlock(&r->lock);
			return -1;
		}
		*n = fresh;
		*link = n;
		r->count++;
	}
	pthread_mutex_unlock(&r->lock);
	return 0;
}

bool roster_get(struct roster *r, const char *learner, struct roster_entry *out)
{
	if (!learner)
		return false;
	pthread_mutex_lock(&r->lock);
	struct node *n = *find(r, learner);
	if (n)
		*out = n->entry;
	pthread_mutex_unlock(&r->lock);
	return n != NULL;
}

void roster_remove(struct roster *r, const char *learner, const char *code)
{
	if (!learner || !code)
		return;
	pthread_mutex_lock(&r->lock);
	struct node **link = find(r, learner), *n = *link;
	if (n && strcmp(n->entry.code, code) == 0) {
		*link = n->next;
		free(n);
		r->count--;
	}
	pthread_mutex_unlock(&r->lock);
}

size_t roster_remove_class(struct roster *r, const char *code)
{
	size_t gone = 0;
	pthread_mutex_lock(&r->lock);
	for (size_t b = 0; b < ROSTER_BUCKETS; b++)
		for (struct node **link = &r->buckets[b]; *link;) {
			struct node *n = *link;
			if (strcmp(n->entry.code, code) == 0) {
				*link = n->next;
				free(n);
				gone++;
			} else {
				link = &n->next;
			}
		}
	r->count -= gone;
	pthread_mutex_unlock(&r->lock);
	return gone;
}

void roster_swap(struct roster *r, struct roster *fresh)
{
	pthread_mutex_lock(&r->lock);
	pthread_mutex_lock(&fresh->lock);
	for (size_t b = 0; b < ROSTER_BUCKETS; b++) {
		struct node *n = r->buckets[b];
		r->buckets[b] = fresh->buckets[b];
		fresh->buckets[b] = n;
	}
	size_t count = r->count;
	r->count = fresh->count;
	fresh->count = count;
	pthread_mutex_unlock(&fresh->lock);
	pthread_mutex_unlock(&r->lock);
}

size_t roster_count(struct roster *r)
{
	pthread_mutex_lock(&r->lock);
	size_t n = r->count;
	pthread_mutex_unlock(&r->lock);
	return n;
}
