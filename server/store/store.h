/* store.h: the class records (classes, the learners who joined them, what
 * each learner did on each step), behind one small interface. Handlers
 * include this header only; store_sqlite.c implements it on one SQLite file,
 * and a libpq implementation can implement the same functions (selected at
 * link time, or behind a dispatch table added here) without a handler
 * changing.
 *
 * Threads: every function may be called from any thread. Every write goes
 * through the store's one writer thread, which commits whatever is queued
 * in one transaction (group commit). store_record never waits for the disk:
 * it queues the event and returns, and its callback says when the event is
 * on disk. The other writes (classes, learners, retention) are teacher or
 * join operations and wait for their commit.
 *
 * Strings are stored byte for byte as given. They must be valid UTF-8 (the
 * callers validate what learners send; the store refuses anything else with
 * STORE_EINVAL, so a read can always be returned as JSON) and within the
 * caps below (STORE_EINVAL otherwise). Names are untrusted: whoever renders
 * them renders them as text.
 *
 * Results of reads are jansson values (the project's JSON library): the
 * handlers send them as they are, or walk them for the CSV export, and a
 * PostgreSQL implementation can build the same shapes. */
#ifndef LESSOND_STORE_H
#define LESSOND_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Caps, in bytes unless named otherwise (the NUL not counted). */
#define STORE_NAME_CHARS     40    /* display and class names: code points */
#define STORE_NAME_BYTES     160   /* 40 code points of up to 4 bytes */
#define STORE_CLASS_CODE_MAX 32    /* a join code */
#define STORE_LEARNER_ID_MAX 64    /* the learner cookie id (32 hex digits today) */
#define STORE_STEP_ID_MAX    128   /* a lesson id or a step id */
#define STORE_ANSWER_MAX     2048  /* a prediction the learner typed */
#define STORE_EXCEPTION_MAX  128   /* an exception type name */
#define STORE_CHECK_MSG_MAX  1024  /* a failed goal check's message */
#define STORE_CODE_MAX       65536 /* the learner's code for a step */
#define STORE_VIEW_LATEST    5     /* latest answers/exceptions/checks kept per learner and step */

/* The schema version this build writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 1

/* Defaults for struct store_options fields left 0. */
#define STORE_QUEUE_MAX_DEFAULT   4096       /* queued writes */
#define STORE_QUEUE_BYTES_DEFAULT (32 << 20) /* bytes of queued events */
#define STORE_BUSY_MS_DEFAULT     5000       /* waiting for another process's lock */
#define STORE_LAZY_MS_DEFAULT     200        /* the longest a lazy event waits */

enum store_status {
	STORE_OK = 0,
	STORE_EINVAL,    /* an argument too long, empty, or not UTF-8 */
	STORE_ENOTFOUND, /* no such class, or the learner is not in it */
	STORE_EEXIST,    /* the class code is taken */
	STORE_EFULL,     /* the write queue is full: nothing was queued */
	STORE_ECLOSED,   /* the store is shut down (or was never opened) */
	STORE_EDB,       /* the database failed (I/O, full disk, locked); logged */
	STORE_ENOMEM,
};

enum store_kind {
	STORE_RUN = 0, /* the learner ran the step's code */
	STORE_CHECK,   /* a goal check or a prediction was judged */
	STORE_DONE,    /* the step was marked done */
	STORE_CODE,    /* the page sent edited code */
};

/* One thing a learner did. Strings are borrowed for the call only (the
 * store copies them); NULL means "none". correct is -1 when the event was
 * not judged, else 0 or 1. at_ms: milliseconds since the epoch. */
struct store_event {
	const char *class_code;
	const char *learner_id;
	const char *lesson_id;
	const char *step_id;
	enum store_kind kind;
	int correct;
	const char *answer;
	const char *exception;
	const char *check_message;
	const char *code;
	int64_t at_ms;
	/* Nobody waits for it (a run's event, answered "queued"): the writer
	 * may hold it up to store_options.lazy_ms to commit it with others. An eager write,
	 * store_sync or shutdown takes it along at once. */
	bool lazy;
};

struct store_options {
	unsigned queue_max; /* 0: STORE_QUEUE_MAX_DEFAULT */
	size_t queue_bytes; /* 0: STORE_QUEUE_BYTES_DEFAULT */
	unsigned busy_ms;   /* 0: STORE_BUSY_MS_DEFAULT */
	unsigned lazy_ms;   /* 0: STORE_LAZY_MS_DEFAULT (store_event.lazy) */
	bool must_exist; /* refuse a data dir without records instead of making them (a backup) */
};

/* Counters since open, for /metrics and the tests. */
struct store_stats {
	uint64_t commits;  /* transactions the writer committed */
	uint64_t written;  /* writes committed */
	uint64_t failed;   /* writes the database refused or failed */
	uint64_t rejected; /* store_record calls refused (queue full, closed) */
};

struct store;

/* Called on the writer thread once the event is on disk (STORE_OK) or has
 * failed (STORE_ENOTFOUND, STORE_EDB, STORE_ECLOSED when shut down before
 * it was written). It must be quick and must not call a store function
 * that waits (store_record is fine). */
typedef void (*store_done_fn)(void *arg, enum store_status status);

/* Opens (creating if missing, mode 0700, unless opts->must_exist: then a
 * data_dir without a non-empty database is refused, nothing made) data_dir
 * and its lessond.db,
 * checks the file (PRAGMA quick_check) and its schema version, migrates it
 * to STORE_SCHEMA_VERSION, and starts the writer thread. opts may be NULL.
 * Returns NULL with a message in err when the directory cannot be made, the
 * file is not a database, is corrupt, is newer than this build or is not a
 * lessond database; in those cases the file is left exactly as it was. */
struct store *store_open(const char *data_dir, const struct store_options *opts, char *err,
                         size_t errlen);

/* Stops taking writes, writes what is queued, stops the writer thread.
 * Later writes return STORE_ECLOSED; reads still work. Idempotent. */
void store_shutdown(struct store *st);

/* store_shutdown, then closes the database and frees st (NULL is fine). */
void store_close(struct store *st);

/* Creates a class. STORE_EEXIST when the code is taken. Waits for disk. */
enum store_status store_class_create(struct store *st, const char *code, const char *name,
                                     int64_t created_ms);

/* Deletes a class with its learners and all their events. Waits for disk.
 * STORE_ENOTFOUND when there is no such class. */
enum store_status store_class_delete(struct store *st, const char *code);

/* Adds a learner to a class, or renames one already in it (joined is kept).
 * A learner is in one class at most: one in another class leaves it, with
 * all their events there, in the same transaction (a failed join leaves
 * them where they were). Waits for disk. STORE_ENOTFOUND when there is no
 * such class. */
enum store_status store_learner_add(struct store *st, const char *code, const char *learner_id,
                                    const char *name, int64_t at_ms);

/* Removes a learner from a class with all their events. Waits for disk.
 * STORE_ENOTFOUND when they were not in it. */
enum store_status store_learner_remove(struct store *st, const char *code, const char *learner_id);

/* Queues one event and returns at once: STORE_OK (queued; done, if not
 * NULL, is called later with the outcome), or STORE_EINVAL, STORE_EFULL,
 * STORE_ECLOSED, STORE_ENOMEM, and then done is never called. The event
 * also moves the learner's last seen time. */
enum store_status store_record(struct store *st, const struct store_event *ev, store_done_fn done,
                               void *arg);

/* Waits until every write queued before the call is committed or failed. */
enum store_status store_sync(struct store *st);

/* Deletes events older than now_ms - days, learners not seen since, and
 * classes created before it that have no learner left. *deleted (may be
 * NULL) gets the number of events deleted. Waits for disk. */
enum store_status store_retain(struct store *st, unsigned days, int64_t now_ms, long *deleted);

/* The classes, oldest first: [{"code", "name", "created", "learners"}].
 * A new reference, or NULL when the database fails or memory runs out. */
json_t *store_class_list(struct store *st);

/* The class view, or NULL (*status says why: STORE_ENOTFOUND, STORE_EDB,
 * STORE_ENOMEM; status may be NULL):
 * {"code", "name", "created",
 *  "learners": [{"learner": n, "name", "joined", "last_seen",
 *                "steps": {"<lesson>": {"<step>": {"attempts", "done",
 *                   "failures", "first_try", "last", "wrong_answers": [...],
 *                   "exceptions": [...], "failed_checks": [...],
 *                   "has_code": bool, "code_at": ms or null,
 *                   and with with_code only, "code": "..." or null}}}}],
 *  "summary": {"<lesson>": {"<step>": {"wrong_answers": [{"text", "count",
 *                   "learners"}], "exceptions": [...], "failed_checks": [...]}}}}
 * "learner" is the learner's row number in the store: stable while they
 * stay, never the cookie id (numbers run across classes, so they show
 * roughly how many joins the server has seen, nothing else);
 * attempts counts runs and checks; done is true once the step was marked
 * done or a check on it was judged right; failures counts checks judged
 * wrong; first_try is the earliest attempt (null for none); has_code says
 * whether an event of the step carried code, code_at is the time of the
 * latest such event (it moves whenever the latest code may have changed),
 * and code is that event's code (store_learner_code reads it alone: a
 * class's code is most of the view's bytes); the lists hold the latest
 * STORE_VIEW_LATEST values, newest first; the summary's lists the class's
 * STORE_VIEW_LATEST most frequent values per step, with how often and by
 * how many learners. */
json_t *store_class_view(struct store *st, const char *code, bool with_code,
                         enum store_status *status);

/* What store_learner_code did not find. */
enum store_missing {
	STORE_MISSING_NONE = 0,
	STORE_MISSING_CLASS,   /* no class with that code */
	STORE_MISSING_LEARNER, /* no learner with that number in the class */
	STORE_MISSING_CODE,    /* the learner has no code recorded for the step */
};

/* The latest code learner (the view's "learner" number) of class code
 * recorded for lesson_id/step_id: {"code": "...", "at": ms}, the code and
 * time of the step's latest event that carried code (the view's "code"
 * and "code_at"). NULL otherwise, with *status (may be NULL):
 * STORE_ENOTFOUND and *missing (may be NULL) saying what is missing,
 * STORE_EDB, STORE_ENOMEM, STORE_ECLOSED (no store). Ids too long or not
 * UTF-8 find nothing (STORE_ENOTFOUND). */
json_t *store_learner_code(struct store *st, const char *code, int64_t learner,
                           const char *lesson_id, const char *step_id, enum store_missing *missing,
                           enum store_status *status);

/* Called by store_memberships once per learner row, oldest join first;
 * the strings are borrowed for the call. */
typedef void (*store_member_fn)(void *arg, const char *learner_id, const char *class_code,
                                const char *class_name, const char *name);

/* Walks every class membership (for the in-memory roster at start-up).
 * Returns 0, or -1 when the database fails (logged). */
int store_memberships(struct store *st, store_member_fn fn, void *arg);

/* Copies the database, while it serves, to path (through path.tmp, then a
 * rename) with SQLite's online backup API. STORE_EDB with a message in err
 * when it fails; path is then untouched. */
enum store_status store_backup(struct store *st, const char *path, char *err, size_t errlen);

/* Copies the counters. */
void store_get_stats(struct store *st, struct store_stats *out);

/* A short English description of a status ("progress not saved: ..."). */
const char *store_strerror(enum store_status status);

#endif
