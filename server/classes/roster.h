/* roster.h: which class each learner is in, in memory, for the run path.
 *
 * Runs and checks ask "is this learner in a class?" on every request; the
 * answer must not cost a database read. The roster is filled from the
 * store at start-up (store_memberships) and kept in step with it by the
 * join, leave and delete handlers, which change the store first and the
 * roster after the store said yes. A learner is in at most one class: a
 * later join moves them (the store keeps the earlier class's records).
 *
 * Thread-safe (one mutex); entries are copied in and out, so nothing a
 * caller holds points into the table. Fails only on memory (-1). */
#ifndef LESSOND_ROSTER_H
#define LESSOND_ROSTER_H

#include <stdbool.h>
#include <stddef.h>

#define ROSTER_ID_MAX   64  /* bytes of a learner id */
#define ROSTER_CODE_MAX 32  /* bytes of a class code */
#define ROSTER_NAME_MAX 160 /* bytes of a display name */

/* One learner's membership, copied out by roster_get. */
struct roster_entry {
	char code[ROSTER_CODE_MAX + 1];
	char class_name[ROSTER_NAME_MAX + 1];
	char name[ROSTER_NAME_MAX + 1]; /* the learner's display name */
};

struct roster;

/* An empty roster, or NULL when memory runs out. */
struct roster *roster_new(void);

/* Frees r and every entry (NULL is fine). */
void roster_free(struct roster *r);

/* Puts learner in class code (named class_name) under name, replacing any
 * earlier entry.
 * Returns 0, or -1 when a string is too long or memory runs out (the
 * roster is then unchanged). */
int roster_set(struct roster *r, const char *learner, const char *code, const char *class_name,
               const char *name);

/* Copies learner's entry into *out; false (out untouched) when the learner
 * is in no class or learner is NULL. */
bool roster_get(struct roster *r, const char *learner, struct roster_entry *out);

/* Forgets learner's entry if it is for class code (a leave). */
void roster_remove(struct roster *r, const char *learner, const char *code);

/* Forgets every learner of class code (the class was deleted). Returns how
 * many were forgotten. */
size_t roster_remove_class(struct roster *r, const char *code);

/* Forgets every entry. */
void roster_clear(struct roster *r);

/* Gives r the entries of fresh, and fresh those of r, at once: a reader
 * of r sees the old entries or the new, never none. */
void roster_swap(struct roster *r, struct roster *fresh);

/* How many learners are in a class at all. */
size_t roster_count(struct roster *r);

#endif
