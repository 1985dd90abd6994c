/* store_sqlite.c: store.h on one SQLite file, <data dir>/lessond.db.
 *
 * Two connections: the writer thread's (every write, in group commits) and
 * one read connection (reads, one at a time under read_lock, each in its own
 * read transaction so a class view is one snapshot). WAL mode lets the reads
 * go on while the writer commits.
 *
 * synchronous=FULL: in WAL mode it syncs the WAL on every commit, so a write
 * whose callback said STORE_OK survives a power cut or a SIGKILL of the
 * machine's kernel, which is what an answer "recorded" promises (NORMAL may
 * lose the last commits on power loss). The cost is one fsync per group
 * commit, not per event: the writer commits everything queued at once. */
#include "store/store.h"

#include "common/log.h"
#include "common/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_FILE      "lessond.db"
#define STORE_BATCH_MAX 512 /* writes in one transaction */
/* How long the writer may hold a lazy event (store_event.lazy) to commit
 * it with later ones is store_options.lazy_ms: runs arrive one at a time,
 * and a commit (with its fsync) for each cost a learner 0.2-0.5 ms per run
 * on two shared cores. */

/* Migrations: migrations[v] takes a version-v database to version v + 1.
 * Version 0 is an empty database (a new or empty file). */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
    /* 0 -> 1: classes, their learners, the learners' events. Deleting a
     * class deletes its learners, deleting a learner their events. */
    "CREATE TABLE classes("
    " code TEXT PRIMARY KEY NOT NULL,"
    " name TEXT NOT NULL,"
    " created INTEGER NOT NULL) STRICT;"
    "CREATE TABLE learners("
    " id INTEGER PRIMARY KEY,"
    " class_code TEXT NOT NULL REFERENCES classes(code) ON DELETE CASCADE,"
    " learner_id TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " joined INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL,"
    " UNIQUE(class_code, learner_id)) STRICT;"
    "CREATE INDEX learners_by_seen ON learners(last_seen);"
    "CREATE TABLE events("
    " id INTEGER PRIMARY KEY,"
    " learner INTEGER NOT NULL REFERENCES learners(id) ON DELETE CASCADE,"
    " lesson_id TEXT NOT NULL,"
    " step_id TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('run', 'check', 'done', 'code')),"
    " correct INTEGER CHECK (correct IN (0, 1)),"
    " answer TEXT, exception TEXT, check_message TEXT, code TEXT,"
    " at INTEGER NOT NULL) STRICT;"
    "CREATE INDEX events_by_step ON events(learner, lesson_id, step_id, id);"
    "CREATE INDEX events_by_time ON events(at);",
};

enum job_type {
	JOB_EVENT,
	JOB_CLASS_CREATE,
	JOB_CLASS_DELETE,
	JOB_LEARNER_ADD,
	JOB_LEARNER_REMOVE,
	JOB_RETAIN,
	JOB_SYNC,
};

#define JOB_STRS 8

/* One queued write; its strings live in data[]. A waited job belongs to
 * the thread waiting for it (the writer only sets finished); any other job
 * belongs to the queue, then the writer, which frees it. */
struct job {
	struct job *next;
	enum job_type type;
	size_t bytes;
	const char *s[JOB_STRS];
	int kind, correct;
	int64_t t;
	long n;
	store_done_fn done;
	void *arg;
	bool lazy;           /* nobody waits: may be held up to st->lazy_ms */
	struct timespec due; /* lazy: when it must be written (CLOCK_MONOTONIC) */
	bool waited, finished;
	enum store_status status;
	char data[];
};

/* The writer's prepared statements. */
enum wstmt {
	W_EVENT,
	W_SEEN,
	W_CLASS_CREATE,
	W_CLASS_DELETE,
	W_LEARNER_LEAVE_OTHERS,
	W_LEARNER_ADD,
	W_LEARNER_REMOVE,
	W_RETAIN_EVENTS,
	W_RETAIN_LEARNERS,
	W_RETAIN_CLASSES,
	W_COUNT
};

static const char *const wsql[W_COUNT] = {
    [W_EVENT] = "INSERT INTO events(learner, lesson_id, step_id, kind, correct, answer,"
                " exception, check_message, code, at)"
                " SELECT id, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 FROM learners"
                " WHERE class_code = ?1 AND learner_id = ?2",
    [W_SEEN] = "UPDATE learners SET last_seen = max(last_seen, ?3)"
               " WHERE class_code = ?1 AND learner_id = ?2",
    [W_CLASS_CREATE] = "INSERT INTO classes(code, name, created) VALUES (?1, ?2, ?3)",
    [W_CLASS_DELETE] = "DELETE FROM classes WHERE code = ?1",
    [W_LEARNER_LEAVE_OTHERS] = "DELETE FROM learners WHERE learner_id = ?2 AND class_code != ?1",
    [W_LEARNER_ADD] = "INSERT INTO learners(class_code, learner_id, name, joined, last_seen)"
                      " VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT(class_code, learner_id)"
                      " DO UPDATE SET name = excluded.name,"
                      " last_seen = max(last_seen, excluded.last_seen)",
    [W_LEARNER_REMOVE] = "DELETE FROM learners WHERE class_code = ?1 AND learner_id = ?2",
    [W_RETAIN_EVENTS] = "DELETE FROM events WHERE at < ?1",
    [W_RETAIN_LEARNERS] = "DELETE FROM learners WHERE last_seen < ?1",
    [W_RETAIN_CLASSES] = "DELETE FROM classes WHERE created < ?1 AND NOT EXISTS"
                         " (SELECT 1 FROM learners WHERE class_code = classes.code)",
};

struct store {
	char *path;
	sqlite3 *wdb, *rdb;
	sqlite3_stmt *ws[W_COUNT];
	pthread_mutex_t lock; /* the queue, closing, the stats, finished flags */
	pthread_cond_t work, space, done;
	struct job *head, *tail;
	unsigned queued, queue_max;
	unsigned eager;   /* queued jobs that are not lazy */
	unsigned lazy_ms; /* store_options.lazy_ms */
	size_t queued_bytes, queue_bytes;
	bool closing, joined;
	pthread_t writer;
	struct store_stats stats;
	pthread_mutex_t read_lock; /* rdb */
};

static const char *const kind_names[] = {"run", "check", "done", "code"};

/* Formats a message into err (may be NULL). */
static void seterr(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t len, const char *fmt, ...)
{
	if (!err || !len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

const char *store_strerror(enum store_status status)
{
	switch (status) {
	case STORE_OK: return "ok";
	case STORE_EINVAL: return "a value is empty, too long or not UTF-8";
	case STORE_ENOTFOUND: return "no such class or learner";
	case STORE_EEXIST: return "the class code is taken";
	case STORE_EFULL: return "progress not saved: the write queue is full";
	case STORE_ECLOSED: return "progress not saved: the store is closed";
	case STORE_EDB: return "progress not saved: the database failed";
	case STORE_ENOMEM: return "out of memory";
	}
	return "unknown store status";
}

/* True when s is NULL and optional, or valid UTF-8 of 1..max bytes. */
static bool str_ok(const char *s, size_t max, bool required)
{
	if (!s)
		return !required;
	size_t n = strlen(s);
	return n > 0 && n <= max && utf8_valid(s, n);
}

/* True when s is a name: 1..STORE_NAME_CHARS code points, within bytes. */
static bool name_ok(const char *s)
{
	if (!str_ok(s, STORE_NAME_BYTES, true))
		return false;
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		chars += (*p & 0xC0) != 0x80;
	return chars <= STORE_NAME_CHARS;
}

/* Allocates a job holding copies of the n strings (NULLs kept). Returns
 * NULL when out of memory. */
static struct job *job_new(enum job_type type, const char *const *strs, int n)
{
	size_t len[JOB_STRS] = {0}, total = 0;
	for (int i = 0; i < n; i++)
		if (strs[i]) {
			len[i] = strlen(strs[i]) + 1;
			total += len[i];
		}
	struct job *j = calloc(1, sizeof *j + total);
	if (!j)
		return NULL;
	j->type = type;
	j->bytes = sizeof *j + total;
	char *p = j->data;
	for (int i = 0; i < n; i++)
		if (strs[i]) {
			memcpy(p, strs[i], len[i]);
			j->s[i] = p;
			p += len[i];
		}
	return j;
}

/* Under st->lock: true when the queue cannot take j. */
static bool queue_full(const struct store *st, const struct job *j)
{
	return st->queued >= st->queue_max ||
	       (st->queued > 0 && st->queued_bytes + j->bytes > st->queue_bytes);
}

/* Under st->lock: appends j and wakes the writer. */
static void enqueue(struct store *st, struct job *j)
{
	if (st->tail)
		st->tail->next = j;
	else
		st->head = j;
	st->tail = j;
	st->queued++;
	st->eager += !j->lazy;
	st->queued_bytes += j->bytes;
	pthread_cond_signal(&st->work);
}

/* Under st->lock: true once the writer should take the queue: something
 * eager is queued, the oldest lazy job is due, or the store closes. Waits
 * on st->work (a CLOCK_MONOTONIC condition) until one of them. */
static bool ripe(struct store *st)
{
	while (st->head && !st->eager && !st->closing) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		const struct timespec *due = &st->head->due;
		if (now.tv_sec > due->tv_sec ||
		    (now.tv_sec == due->tv_sec && now.tv_nsec >= due->tv_nsec))
			return true;
		pthread_cond_timedwait(&st->work, &st->lock, due);
	}
	return st->head != NULL;
}

/* Queues j, waiting for room, and waits until the writer finished it.
 * Frees j. Returns its status, or STORE_ECLOSED when shut down. */
static enum store_status submit_wait(struct store *st, struct job *j, long *n)
{
	j->waited = true;
	pthread_mutex_lock(&st->lock);
	while (!st->closing && queue_full(st, j))
		pthread_cond_wait(&st->space, &st->lock);
	if (st->closing) {
		pthread_mutex_unlock(&st->lock);
		free(j);
		return STORE_ECLOSED;
	}
	enqueue(st, j);
	while (!j->finished)
		pthread_cond_wait(&st->done, &st->lock);
	pthread_mutex_unlock(&st->lock);
	enum store_status status = j->status;
	if (n)
		*n = j->n;
	free(j);
	return status;
}

/* Maps a failed SQLite call to a status, logging database failures. */
static enum store_status db_status(sqlite3 *db, int rc, const char *what)
{
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
		return STORE_EEXIST;
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return STORE_ENOTFOUND;
	if (rc == SQLITE_NOMEM)
		return STORE_ENOMEM;
	log_error("store: %s: %s (%d)", what, sqlite3_errmsg(db), rc);
	return STORE_EDB;
}

/* Binds text (NULL binds SQL NULL); the string outlives the step. */
static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

/* Steps a bound writer statement to the end and resets it. Returns the
 * status; *changes (may be NULL) gets the rows it changed. */
static enum store_status wstep(struct store *st, enum wstmt w, int *changes)
{
	sqlite3_stmt *s = st->ws[w];
	int rc = sqlite3_step(s);
	enum store_status status = STORE_OK;
	if (rc != SQLITE_DONE)
		status = db_status(st->wdb, sqlite3_extended_errcode(st->wdb), "write");
	else if (changes)
		*changes = sqlite3_changes(st->wdb);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return status;
}

/* Applies one job inside the writer's transaction. */
static enum store_status apply(struct store *st, struct job *j)
{
	sqlite3_stmt **ws = st->ws;
	int changes = 0;
	enum store_status status;
	switch (j->type) {
	case JOB_EVENT:
		for (int i = 0; i < 4; i++)
			bind_text(ws[W_EVENT], i + 1, j->s[i]);
		sqlite3_bind_text(ws[W_EVENT], 5, kind_names[j->kind], -1, SQLITE_STATIC);
		if (j->correct >= 0)
			sqlite3_bind_int(ws[W_EVENT], 6, j->correct);
		for (int i = 4; i < 8; i++)
			bind_text(ws[W_EVENT], i + 3, j->s[i]);
		sqlite3_bind_int64(ws[W_EVENT], 11, j->t);
		status = wstep(st, W_EVENT, &changes);
		if (status == STORE_OK && changes == 0)
			return STORE_ENOTFOUND;
		if (status != STORE_OK)
			return status;
		bind_text(ws[W_SEEN], 1, j->s[0]);
		bind_text(ws[W_SEEN], 2, j->s[1]);
		sqlite3_bind_int64(ws[W_SEEN], 3, j->t);
		return wstep(st, W_SEEN, NULL);
	case JOB_CLASS_CREATE:
		bind_text(ws[W_CLASS_CREATE], 1, j->s[0]);
		bind_text(ws[W_CLASS_CREATE], 2, j->s[1]);
		sqlite3_bind_int64(ws[W_CLASS_CREATE], 3, j->t);
		return wstep(st, W_CLASS_CREATE, NULL);
	case JOB_CLASS_DELETE:
		bind_text(ws[W_CLASS_DELETE], 1, j->s[0]);
		status = wstep(st, W_CLASS_DELETE, &changes);
		return status == STORE_OK && changes == 0 ? STORE_ENOTFOUND : status;
	case JOB_LEARNER_ADD:
		/* One class at a time: joining another leaves the old one, in the
		 * job's savepoint, so a join that fails leaves it too. */
		bind_text(ws[W_LEARNER_LEAVE_OTHERS], 1, j->s[0]);
		bind_text(ws[W_LEARNER_LEAVE_OTHERS], 2, j->s[1]);
		status = wstep(st, W_LEARNER_LEAVE_OTHERS, NULL);
		if (status != STORE_OK)
			return status;
		for (int i = 0; i < 3; i++)
			bind_text(ws[W_LEARNER_ADD], i + 1, j->s[i]);
		sqlite3_bind_int64(ws[W_LEARNER_ADD], 4, j->t);
		return wstep(st, W_LEARNER_ADD, NULL);
	case JOB_LEARNER_REMOVE:
		bind_text(ws[W_LEARNER_REMOVE], 1, j->s[0]);
		bind_text(ws[W_LEARNER_REMOVE], 2, j->s[1]);
		status = wstep(st, W_LEARNER_REMOVE, &changes);
		return status == STORE_OK && changes == 0 ? STORE_ENOTFOUND : status;
	case JOB_RETAIN:
		sqlite3_bind_int64(ws[W_RETAIN_EVENTS], 1, j->t);
		status = wstep(st, W_RETAIN_EVENTS, &changes);
		j->n = changes;
		if (status == STORE_OK) {
			sqlite3_bind_int64(ws[W_RETAIN_LEARNERS], 1, j->t);
			status = wstep(st, W_RETAIN_LEARNERS, NULL);
		}
		if (status == STORE_OK) {
			sqlite3_bind_int64(ws[W_RETAIN_CLASSES], 1, j->t);
			status = wstep(st, W_RETAIN_CLASSES, NULL);
		}
		return status;
	case JOB_SYNC: return STORE_OK;
	}
	return STORE_EINVAL;
}

/* Runs sql on db; returns the SQLite result code. */
static int exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Writes a batch (linked by next, n jobs) in one transaction, each job in
 * a savepoint so that one refused write (unknown learner) does not undo
 * the others. A failed BEGIN or COMMIT, or a failure that rolled the whole
 * transaction back, fails every write of the batch with STORE_EDB. Returns
 * true when the batch was committed. */
static bool write_batch(struct store *st, struct job *batch)
{
	int rc = exec(st->wdb, "BEGIN IMMEDIATE");
	if (rc != SQLITE_OK) {
		db_status(st->wdb, sqlite3_extended_errcode(st->wdb), "begin");
		for (struct job *j = batch; j; j = j->next)
			j->status = j->type == JOB_SYNC ? STORE_OK : STORE_EDB;
		return false;
	}
	bool lost = false;
	for (struct job *j = batch; j; j = j->next) {
		if (lost) {
			j->status = j->type == JOB_SYNC ? STORE_OK : STORE_EDB;
			continue;
		}
		exec(st->wdb, "SAVEPOINT job");
		j->status = apply(st, j);
		if (j->status != STORE_OK && sqlite3_get_autocommit(st->wdb)) {
			lost = true; /* SQLite rolled back the whole transaction */
			continue;
		}
		if (j->status != STORE_OK)
			exec(st->wdb, "ROLLBACK TO job");
		exec(st->wdb, "RELEASE job");
	}
	if (!lost && exec(st->wdb, "COMMIT") == SQLITE_OK)
		return true;
	if (!lost)
		db_status(st->wdb, sqlite3_extended_errcode(st->wdb), "commit");
	if (!sqlite3_get_autocommit(st->wdb))
		exec(st->wdb, "ROLLBACK");
	for (struct job *j = batch; j; j = j->next)
		if (j->type != JOB_SYNC)
			j->status = STORE_EDB;
	return false;
}

/* The writer thread: takes up to STORE_BATCH_MAX queued writes, commits
 * them together, reports each, until shut down with an empty queue. */
static void *writer_main(void *arg)
{
	struct store *st = arg;
	pthread_mutex_lock(&st->lock);
	for (;;) {
		while (!st->head && !st->closing)
			pthread_cond_wait(&st->work, &st->lock);
		if (!ripe(st))
			break;
		struct job *batch = st->head, *last = batch;
		unsigned n = 1;
		st->queued_bytes -= last->bytes;
		st->eager -= !last->lazy;
		while (last->next && n < STORE_BATCH_MAX) {
			last = last->next;
			st->queued_bytes -= last->bytes;
			st->eager -= !last->lazy;
			n++;
		}
		st->head = last->next;
		if (!st->head)
			st->tail = NULL;
		last->next = NULL;
		st->queued -= n;
		pthread_cond_broadcast(&st->space);
		pthread_mutex_unlock(&st->lock);

		bool committed = write_batch(st, batch);

		/* Callbacks first, then the waiters: store_sync returning means
		 * every earlier write has been reported. */
		struct job *callbacks = NULL, **cb_tail = &callbacks;
		struct job *waiters = NULL, **w_tail = &waiters;
		pthread_mutex_lock(&st->lock);
		st->stats.commits += committed;
		for (struct job *j = batch, *next; j; j = next) {
			next = j->next;
			j->next = NULL;
			if (j->type != JOB_SYNC) {
				if (j->status == STORE_OK)
					st->stats.written++;
				else
					st->stats.failed++;
			}
			struct job ***tail = j->waited ? &w_tail : &cb_tail;
			**tail = j;
			*tail = &j->next;
		}
		pthread_mutex_unlock(&st->lock);
		for (struct job *j = callbacks, *next; j; j = next) {
			next = j->next;
			if (j->done)
				j->done(j->arg, j->status);
			free(j);
		}
		pthread_mutex_lock(&st->lock);
		for (struct job *j = waiters, *next; j; j = next) {
			next = j->next;
			j->finished = true; /* the waiter frees it */
		}
		pthread_cond_broadcast(&st->done);
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

/* Reads a single integer from a one-row query, or -1 when it fails. */
static long long query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Checks an existing file through a read-only connection, which changes
 * nothing on disk: it must be a database, pass PRAGMA quick_check, and be
 * a lessond database no newer than this build. Returns 0, or -1 with a
 * message in err. */
static int check_existing(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		seterr(err, errlen, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "");
		sqlite3_close(db);
		return -1;
	}
	int ret = -1;
	sqlite3_stmt *s = NULL;
	rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
	if (rc != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
		seterr(err, errlen, "%s: %s (%s); left untouched", path,
		       sqlite3_errcode(db) == SQLITE_CORRUPT ? "corrupt"
		                                             : "not a usable SQLite database",
		       sqlite3_errmsg(db));
		goto out;
	}
	long long version = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	if (version > STORE_SCHEMA_VERSION) {
		seterr(err, errlen,
		       "%s: schema version %lld is newer than this lessond's (%d); left untouched: "
		       "run the newer lessond or restore a backup",
		       path, version, STORE_SCHEMA_VERSION);
		goto out;
	}
	rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &s, NULL);
	if (rc != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
		seterr(err, errlen, "%s: corrupt (%s); left untouched: restore a backup", path,
		       sqlite3_errmsg(db));
		goto out;
	}
	const char *verdict = (const char *)sqlite3_column_text(s, 0);
	if (!verdict || strcmp(verdict, "ok") != 0) {
		seterr(err, errlen,
		       "%s: corrupt (quick_check: %.200s); left untouched: restore a backup", path,
		       verdict ? verdict : "?");
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (version == 0 && query_int(db, "SELECT count(*) FROM sqlite_schema") != 0) {
		seterr(err, errlen, "%s: has tables but no lessond schema version; left untouched",
		       path);
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	sqlite3_close(db);
	return ret;
}

/* Takes the writer connection's database from its version to
 * STORE_SCHEMA_VERSION in one transaction. Returns 0, or -1 with err. */
static int migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	if (exec(db, "BEGIN IMMEDIATE") != SQLITE_OK) {
		seterr(err, errlen, "%s: cannot lock: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	long long v = query_int(db, "PRAGMA user_version");
	if (v < 0 || v > STORE_SCHEMA_VERSION) {
		seterr(err, errlen, "%s: schema version %lld is not one this lessond knows", path,
		       v);
		goto fail;
	}
	for (; v < STORE_SCHEMA_VERSION; v++)
		if (exec(db, migrations[v]) != SQLITE_OK) {
			seterr(err, errlen, "%s: migration %lld -> %lld failed: %s", path, v, v + 1,
			       sqlite3_errmsg(db));
			goto fail;
		}
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	if (exec(db, sql) != SQLITE_OK || exec(db, "COMMIT") != SQLITE_OK) {
		seterr(err, errlen, "%s: cannot commit the migration: %s", path,
		       sqlite3_errmsg(db));
		goto fail;
	}
	return 0;
fail:
	exec(db, "ROLLBACK");
	return -1;
}

/* Opens a connection with the settings both connections share. */
static int open_conn(const char *path, int flags, unsigned busy_ms, sqlite3 **out, char *err,
                     size_t errlen)
{
	int rc = sqlite3_open_v2(path, out, flags, NULL);
	if (rc != SQLITE_OK) {
		seterr(err, errlen, "%s: cannot open: %s", path,
		       *out ? sqlite3_errmsg(*out) : sqlite3_errstr(rc));
		sqlite3_close(*out);
		*out = NULL;
		return -1;
	}
	sqlite3_extended_result_codes(*out, 1);
	sqlite3_busy_timeout(*out, (int)busy_ms);
	return 0;
}

struct store *store_open(const char *data_dir, const struct store_options *opts, char *err,
                         size_t errlen)
{
	struct store_options o = opts ? *opts : (struct store_options){0};
	struct stat sb;
	if (o.must_exist) {
		char *p = NULL;
		bool there = asprintf(&p, "%s/%s", data_dir, STORE_FILE) >= 0 &&
		             stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
		if (!there)
			seterr(err, errlen,
			       "%s: no class records there (is the data directory right?)",
			       p ? p : data_dir);
		free(p);
		if (!there)
			return NULL;
	}
	if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
		seterr(err, errlen, "%s: cannot create the data directory: %s", data_dir,
		       strerror(errno));
		return NULL;
	}
	if (stat(data_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		seterr(err, errlen, "%s: not a directory", data_dir);
		return NULL;
	}
	struct store *st = calloc(1, sizeof *st);
	if (!st || asprintf(&st->path, "%s/%s", data_dir, STORE_FILE) < 0) {
		free(st);
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	st->queue_max = o.queue_max ? o.queue_max : STORE_QUEUE_MAX_DEFAULT;
	st->lazy_ms = o.lazy_ms ? o.lazy_ms : STORE_LAZY_MS_DEFAULT;
	st->queue_bytes = o.queue_bytes ? o.queue_bytes : STORE_QUEUE_BYTES_DEFAULT;
	unsigned busy_ms = o.busy_ms ? o.busy_ms : STORE_BUSY_MS_DEFAULT;
	pthread_mutex_init(&st->lock, NULL);
	pthread_mutex_init(&st->read_lock, NULL);
	pthread_condattr_t mono;
	pthread_condattr_init(&mono);
	pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
	pthread_cond_init(&st->work, &mono);
	pthread_condattr_destroy(&mono);
	pthread_cond_init(&st->space, NULL);
	pthread_cond_init(&st->done, NULL);
	st->closing = st->joined = true; /* no writer yet */

	bool sidecar_existed[2];
	for (int i = 0; i < 2; i++) {
		char *p = NULL;
		sidecar_existed[i] =
		    asprintf(&p, "%s%s", st->path, i ? "-shm" : "-wal") < 0 || access(p, F_OK) == 0;
		free(p);
	}
	/* An existing non-empty file is checked without writing to it; only
	 * then is it opened for writing (WAL mode itself writes the header). */
	if (stat(st->path, &sb) == 0 && sb.st_size > 0 && check_existing(st->path, err, errlen))
		goto fail_untouched;
	if (open_conn(st->path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, busy_ms, &st->wdb, err,
	              errlen))
		goto fail;
	sqlite3_stmt *s = NULL;
	const char *mode = NULL;
	if (sqlite3_prepare_v2(st->wdb, "PRAGMA journal_mode = WAL", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		mode = (const char *)sqlite3_column_text(s, 0);
	bool wal = mode && strcmp(mode, "wal") == 0;
	sqlite3_finalize(s);
	if (!wal || exec(st->wdb, "PRAGMA synchronous = FULL") != SQLITE_OK ||
	    exec(st->wdb, "PRAGMA foreign_keys = ON") != SQLITE_OK) {
		seterr(err, errlen, "%s: cannot set WAL mode: %s", st->path,
		       sqlite3_errmsg(st->wdb));
		goto fail;
	}
	if (migrate(st->wdb, st->path, err, errlen))
		goto fail;
	for (int i = 0; i < W_COUNT; i++)
		if (sqlite3_prepare_v3(st->wdb, wsql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->ws[i],
		                       NULL) != SQLITE_OK) {
			seterr(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->wdb));
			goto fail;
		}
	if (open_conn(st->path, SQLITE_OPEN_READONLY, busy_ms, &st->rdb, err, errlen))
		goto fail;
	st->closing = st->joined = false;
	if (pthread_create(&st->writer, NULL, writer_main, st) != 0) {
		st->closing = st->joined = true;
		seterr(err, errlen, "cannot start the store's writer thread");
		goto fail;
	}
	return st;
fail_untouched:
	/* A read-only connection to a WAL-mode file makes an empty -wal and
	 * -shm beside it; those it made go again. */
	for (int i = 0; i < 2; i++)
		if (!sidecar_existed[i]) {
			char *p = NULL;
			if (asprintf(&p, "%s%s", st->path, i ? "-shm" : "-wal") >= 0)
				unlink(p);
			free(p);
		}
fail:
	store_close(st);
	return NULL;
}

void store_shutdown(struct store *st)
{
	if (!st)
		return;
	pthread_mutex_lock(&st->lock);
	st->closing = true;
	bool join = !st->joined;
	st->joined = true;
	pthread_cond_broadcast(&st->work);
	pthread_cond_broadcast(&st->space);
	pthread_mutex_unlock(&st->lock);
	if (join)
		pthread_join(st->writer, NULL);
}

void store_close(struct store *st)
{
	if (!st)
		return;
	store_shutdown(st);
	for (int i = 0; i < W_COUNT; i++)
		sqlite3_finalize(st->ws[i]);
	sqlite3_close(st->rdb);
	sqlite3_close(st->wdb);
	pthread_mutex_destroy(&st->lock);
	pthread_mutex_destroy(&st->read_lock);
	pthread_cond_destroy(&st->work);
	pthread_cond_destroy(&st->space);
	pthread_cond_destroy(&st->done);
	free(st->path);
	free(st);
}

/* Makes a job of n strings and submits it, waiting. */
static enum store_status run_wait(struct store *st, enum job_type type, const char *const *strs,
                                  int n, int64_t t, long *out)
{
	if (!st)
		return STORE_ECLOSED;
	struct job *j = job_new(type, strs, n);
	if (!j)
		return STORE_ENOMEM;
	j->t = t;
	return submit_wait(st, j, out);
}

enum store_status store_class_create(struct store *st, const char *code, const char *name,
                                     int64_t created_ms)
{
	if (!str_ok(code, STORE_CLASS_CODE_MAX, true) || !name_ok(name))
		return STORE_EINVAL;
	const char *s[] = {code, name};
	return run_wait(st, JOB_CLASS_CREATE, s, 2, created_ms, NULL);
}

enum store_status store_class_delete(struct store *st, const char *code)
{
	if (!str_ok(code, STORE_CLASS_CODE_MAX, true))
		return STORE_EINVAL;
	const char *s[] = {code};
	return run_wait(st, JOB_CLASS_DELETE, s, 1, 0, NULL);
}

enum store_status store_learner_add(struct store *st, const char *code, const char *learner_id,
                                    const char *name, int64_t at_ms)
{
	if (!str_ok(code, STORE_CLASS_CODE_MAX, true) ||
	    !str_ok(learner_id, STORE_LEARNER_ID_MAX, true) || !name_ok(name))
		return STORE_EINVAL;
	const char *s[] = {code, learner_id, name};
	return run_wait(st, JOB_LEARNER_ADD, s, 3, at_ms, NULL);
}

enum store_status store_learner_remove(struct store *st, const char *code, const char *learner_id)
{
	if (!str_ok(code, STORE_CLASS_CODE_MAX, true) ||
	    !str_ok(learner_id, STORE_LEARNER_ID_MAX, true))
		return STORE_EINVAL;
	const char *s[] = {code, learner_id};
	return run_wait(st, JOB_LEARNER_REMOVE, s, 2, 0, NULL);
}

enum store_status store_retain(struct store *st, unsigned days, int64_t now_ms, long *deleted)
{
	long n = 0;
	enum store_status status =
	    run_wait(st, JOB_RETAIN, NULL, 0, now_ms - (int64_t)days * 86400000, &n);
	if (deleted)
		*deleted = status == STORE_OK ? n : 0;
	return status;
}

enum store_status store_sync(struct store *st)
{
	return run_wait(st, JOB_SYNC, NULL, 0, 0, NULL);
}

enum store_status store_record(struct store *st, const struct store_event *ev, store_done_fn done,
                               void *arg)
{
	if (!st)
		return STORE_ECLOSED;
	if (!ev || !str_ok(ev->class_code, STORE_CLASS_CODE_MAX, true) ||
	    !str_ok(ev->learner_id, STORE_LEARNER_ID_MAX, true) ||
	    !str_ok(ev->lesson_id, STORE_STEP_ID_MAX, true) ||
	    !str_ok(ev->step_id, STORE_STEP_ID_MAX, true) || ev->kind < STORE_RUN ||
	    ev->kind > STORE_CODE || ev->correct < -1 || ev->correct > 1 ||
	    !str_ok(ev->answer, STORE_ANSWER_MAX, false) ||
	    !str_ok(ev->exception, STORE_EXCEPTION_MAX, false) ||
	    !str_ok(ev->check_message, STORE_CHECK_MSG_MAX, false) ||
	    !str_ok(ev->code, STORE_CODE_MAX, false))
		return STORE_EINVAL;
	const char *s[JOB_STRS] = {ev->class_code, ev->learner_id, ev->lesson_id,     ev->step_id,
	                           ev->answer,     ev->exception,  ev->check_message, ev->code};
	struct job *j = job_new(JOB_EVENT, s, JOB_STRS);
	if (!j)
		return STORE_ENOMEM;
	j->kind = (int)ev->kind;
	j->correct = ev->correct;
	j->t = ev->at_ms;
	j->done = done;
	j->arg = arg;
	j->lazy = ev->lazy;
	if (j->lazy) {
		clock_gettime(CLOCK_MONOTONIC, &j->due);
		j->due.tv_sec += st->lazy_ms / 1000;
		j->due.tv_nsec += (long)(st->lazy_ms % 1000) * 1000000L;
		j->due.tv_sec += j->due.tv_nsec / 1000000000L;
		j->due.tv_nsec %= 1000000000L;
	}
	pthread_mutex_lock(&st->lock);
	enum store_status status = STORE_OK;
	if (st->closing)
		status = STORE_ECLOSED;
	else if (queue_full(st, j))
		status = STORE_EFULL;
	if (status == STORE_OK)
		enqueue(st, j);
	else
		st->stats.rejected++;
	pthread_mutex_unlock(&st->lock);
	if (status != STORE_OK)
		free(j);
	return status;
}

void store_get_stats(struct store *st, struct store_stats *out)
{
	*out = (struct store_stats){0};
	if (!st)
		return;
	pthread_mutex_lock(&st->lock);
	*out = st->stats;
	pthread_mutex_unlock(&st->lock);
}

/* ---- reads ------------------------------------------------------------ */

/* A text column as a JSON string (null for SQL NULL); NULL when out of
 * memory (what is stored is valid UTF-8, see store.h). */
static json_t *col_str(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return json_null();
	const char *v = (const char *)sqlite3_column_text(s, i);
	return v ? json_stringn(v, (size_t)sqlite3_column_bytes(s, i)) : NULL;
}

/* Sets key in obj to v (stolen); false when v is NULL or setting fails. */
static bool put(json_t *obj, const char *key, json_t *v)
{
	return v && json_object_set_new(obj, key, v) == 0;
}

/* Prepares sql on the read connection, binding ?1 to code when not NULL. */
static sqlite3_stmt *rprep(struct store *st, const char *sql, const char *code)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(st->rdb, sql, -1, &s, NULL) != SQLITE_OK) {
		log_error("store: read: %s", sqlite3_errmsg(st->rdb));
		return NULL;
	}
	if (code)
		sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
	return s;
}

json_t *store_class_list(struct store *st)
{
	if (!st)
		return NULL;
	json_t *list = json_array();
	pthread_mutex_lock(&st->read_lock);
	sqlite3_stmt *s =
	    rprep(st,
	          "SELECT c.code, c.name, c.created, (SELECT count(*) FROM learners"
	          " WHERE class_code = c.code) FROM classes c ORDER BY c.created, c.code",
	          NULL);
	int rc = SQLITE_ERROR;
	while (s && list && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *c = json_object();
		if (!c || json_array_append_new(list, c) || !put(c, "code", col_str(s, 0)) ||
		    !put(c, "name", col_str(s, 1)) ||
		    !put(c, "created", json_integer(sqlite3_column_int64(s, 2))) ||
		    !put(c, "learners", json_integer(sqlite3_column_int64(s, 3)))) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		if (rc != SQLITE_NOMEM)
			log_error("store: class list: %s", sqlite3_errmsg(st->rdb));
		json_decref(list);
		list = NULL;
	}
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->read_lock);
	return list;
}

int store_memberships(struct store *st, store_member_fn fn, void *arg)
{
	if (!st)
		return -1;
	pthread_mutex_lock(&st->read_lock);
	sqlite3_stmt *s = rprep(st,
	                        "SELECT l.learner_id, l.class_code, c.name, l.name FROM learners l"
	                        " JOIN classes c ON c.code = l.class_code ORDER BY l.joined, l.id",
	                        NULL);
	int rc = SQLITE_ERROR;
	while (s && (rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(s, 0),
		   (const char *)sqlite3_column_text(s, 1), (const char *)sqlite3_column_text(s, 2),
		   (const char *)sqlite3_column_text(s, 3));
	if (rc != SQLITE_DONE)
		log_error("store: memberships: %s", sqlite3_errmsg(st->rdb));
	sqlite3_finalize(s);
	pthread_mutex_unlock(&st->read_lock);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The step object of a learner (by store id) in the view being built,
 * created when create is set; NULL when absent or out of memory. */
static json_t *view_step(json_t *by_id, sqlite3_stmt *s, bool create)
{
	char key[24];
	snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(s, 0));
	json_t *steps = json_object_get(by_id, key);
	const char *lesson = (const char *)sqlite3_column_text(s, 1);
	const char *step = (const char *)sqlite3_column_text(s, 2);
	if (!steps || !lesson || !step)
		return NULL;
	json_t *l = json_object_get(steps, lesson);
	if (!l && create && (!(l = json_object()) || json_object_set_new(steps, lesson, l)))
		return NULL;
	json_t *o = l ? json_object_get(l, step) : NULL;
	if (!o && l && create && (!(o = json_object()) || json_object_set_new(l, step, o)))
		return NULL;
	return o;
}

/* Adds view["summary"][lesson][step][list] = [{"text", "count", "learners"}]
 * for each of the n (list name, column) pairs: the STORE_VIEW_LATEST most
 * frequent values of the class on each step, most frequent first (ties by
 * text). Returns SQLITE_DONE, or the failing SQLite code. */
static int view_summary(struct store *st, const char *code, json_t *view,
                        const char *const lists[][2], size_t n)
{
	json_t *summary = json_object();
	if (!put(view, "summary", summary))
		return SQLITE_NOMEM;
	int rc = SQLITE_DONE;
	for (size_t i = 0; rc == SQLITE_DONE && i < n; i++) {
		/* The column names come from the caller's fixed table. */
		char sql[640];
		snprintf(sql, sizeof sql,
		         "SELECT lesson_id, step_id, v, c, k FROM (SELECT e.lesson_id, e.step_id,"
		         " e.%s AS v, count(*) AS c, count(DISTINCT e.learner) AS k,"
		         " row_number() OVER (PARTITION BY e.lesson_id, e.step_id ORDER BY"
		         " count(*) DESC, e.%s) AS rn FROM events e JOIN learners l"
		         " ON l.id = e.learner WHERE l.class_code = ?1 AND e.%s IS NOT NULL%s"
		         " GROUP BY 1, 2, 3) WHERE rn <= %d ORDER BY 1, 2, rn",
		         lists[i][1], lists[i][1], lists[i][1], i == 0 ? " AND e.correct = 0" : "",
		         STORE_VIEW_LATEST);
		sqlite3_stmt *s = rprep(st, sql, code);
		if (!s)
			return SQLITE_ERROR;
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			const char *lesson = (const char *)sqlite3_column_text(s, 0);
			const char *step = (const char *)sqlite3_column_text(s, 1);
			json_t *l = json_object_get(summary, lesson);
			if (!l && (!(l = json_object()) || json_object_set_new(summary, lesson, l)))
				rc = SQLITE_NOMEM;
			json_t *o = l ? json_object_get(l, step) : NULL;
			if (l && !o && (!(o = json_object()) || json_object_set_new(l, step, o)))
				rc = SQLITE_NOMEM;
			json_t *a = o ? json_object_get(o, lists[i][0]) : NULL;
			if (o && !a && !put(o, lists[i][0], a = json_array()))
				rc = SQLITE_NOMEM;
			json_t *item =
			    a ? json_pack("{s:o, s:I, s:I}", "text", col_str(s, 2), "count",
			                  (json_int_t)sqlite3_column_int64(s, 3), "learners",
			                  (json_int_t)sqlite3_column_int64(s, 4))
			      : NULL;
			if (!item || json_array_append_new(a, item)) {
				rc = SQLITE_NOMEM;
				break;
			}
		}
		sqlite3_finalize(s);
	}
	return rc;
}

/* Builds the view (store_class_view) in one read transaction; returns the
 * status. */
static enum store_status view_build(struct store *st, const char *code, bool with_code,
                                    json_t *view)
{
	static const char *const learners_sql =
	    "SELECT id, name, joined, last_seen FROM learners WHERE class_code = ?1"
	    " ORDER BY joined, id";
	/* done: marked done, or a check (goal or prediction) judged right;
	 * failures: checks judged wrong; first_try: the earliest attempt. */
	static const char *const steps_sql =
	    "SELECT e.learner, e.lesson_id, e.step_id, sum(e.kind IN ('run', 'check')),"
	    " max(e.kind = 'done' OR e.correct IS 1), max(e.at),"
	    " sum(e.kind = 'check' AND e.correct IS 0),"
	    " min(CASE WHEN e.kind IN ('run', 'check') THEN e.at END)"
	    " FROM events e JOIN learners l ON l.id = e.learner"
	    " WHERE l.class_code = ?1 GROUP BY 1, 2, 3";
	/* SQLite takes the bare columns at and code from the row with
	 * max(e.id); the light view does not read the code at all. */
	const char *code_sql =
	    with_code ? "SELECT e.learner, e.lesson_id, e.step_id, e.at, max(e.id), e.code"
	                " FROM events e JOIN learners l ON l.id = e.learner"
	                " WHERE l.class_code = ?1 AND e.code IS NOT NULL GROUP BY 1, 2, 3"
	              : "SELECT e.learner, e.lesson_id, e.step_id, e.at, max(e.id)"
	                " FROM events e JOIN learners l ON l.id = e.learner"
	                " WHERE l.class_code = ?1 AND e.code IS NOT NULL GROUP BY 1, 2, 3";
	static const char *const lists[][2] = {{"wrong_answers", "answer"},
	                                       {"exceptions", "exception"},
	                                       {"failed_checks", "check_message"}};

	sqlite3_stmt *s = rprep(st, "SELECT name, created FROM classes WHERE code = ?1", code);
	if (!s)
		return STORE_EDB;
	int rc = sqlite3_step(s);
	enum store_status status = rc == SQLITE_ROW    ? STORE_OK
	                           : rc == SQLITE_DONE ? STORE_ENOTFOUND
	                                               : STORE_EDB;
	if (status == STORE_OK &&
	    (!put(view, "code", json_string(code)) || !put(view, "name", col_str(s, 0)) ||
	     !put(view, "created", json_integer(sqlite3_column_int64(s, 1)))))
		status = STORE_ENOMEM;
	sqlite3_finalize(s);
	if (status != STORE_OK)
		return status;

	json_t *learners = json_array(), *by_id = json_object();
	if (!put(view, "learners", learners) || !by_id) {
		json_decref(by_id);
		return STORE_ENOMEM;
	}
	rc = SQLITE_ERROR;
	if (!(s = rprep(st, learners_sql, code)))
		goto out;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *l = json_object(), *steps = json_object();
		char key[24];
		snprintf(key, sizeof key, "%lld", (long long)sqlite3_column_int64(s, 0));
		if (!l || json_array_append_new(learners, l) ||
		    !put(l, "learner", json_integer(sqlite3_column_int64(s, 0))) ||
		    !put(l, "name", col_str(s, 1)) ||
		    !put(l, "joined", json_integer(sqlite3_column_int64(s, 2))) ||
		    !put(l, "last_seen", json_integer(sqlite3_column_int64(s, 3))) ||
		    !put(l, "steps", steps) || json_object_set(by_id, key, steps)) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE || !(s = rprep(st, steps_sql, code))) {
		rc = rc == SQLITE_DONE ? SQLITE_ERROR : rc;
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *o = view_step(by_id, s, true);
		if (!o || !put(o, "attempts", json_integer(sqlite3_column_int64(s, 3))) ||
		    !put(o, "done", json_boolean(sqlite3_column_int(s, 4))) ||
		    !put(o, "last", json_integer(sqlite3_column_int64(s, 5))) ||
		    !put(o, "failures", json_integer(sqlite3_column_int64(s, 6))) ||
		    !put(o, "first_try",
		         sqlite3_column_type(s, 7) == SQLITE_NULL
		             ? json_null()
		             : json_integer(sqlite3_column_int64(s, 7))) ||
		    !put(o, "has_code", json_false()) || !put(o, "code_at", json_null()) ||
		    (with_code && !put(o, "code", json_null()))) {
			rc = SQLITE_NOMEM;
			break;
		}
		for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
			if (!put(o, lists[i][0], json_array()))
				rc = SQLITE_NOMEM;
		if (rc == SQLITE_NOMEM)
			break;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE || !(s = rprep(st, code_sql, code))) {
		rc = rc == SQLITE_DONE ? SQLITE_ERROR : rc;
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *o = view_step(by_id, s, false);
		if (o && (!put(o, "has_code", json_true()) ||
		          !put(o, "code_at", json_integer(sqlite3_column_int64(s, 3))) ||
		          (with_code && !put(o, "code", col_str(s, 5))))) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(s);
	for (size_t i = 0; rc == SQLITE_DONE && i < sizeof lists / sizeof lists[0]; i++) {
		/* The column names come from the fixed table above. */
		char sql[512];
		snprintf(
		    sql, sizeof sql,
		    "SELECT learner, lesson_id, step_id, v FROM (SELECT e.learner, e.lesson_id,"
		    " e.step_id, e.%s AS v, row_number() OVER (PARTITION BY e.learner,"
		    " e.lesson_id, e.step_id ORDER BY e.id DESC) AS rn FROM events e"
		    " JOIN learners l ON l.id = e.learner WHERE l.class_code = ?1"
		    " AND e.%s IS NOT NULL%s) WHERE rn <= %d ORDER BY learner, lesson_id,"
		    " step_id, rn",
		    lists[i][1], lists[i][1], i == 0 ? " AND e.correct = 0" : "",
		    STORE_VIEW_LATEST);
		if (!(s = rprep(st, sql, code))) {
			rc = SQLITE_ERROR;
			break;
		}
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			json_t *o = view_step(by_id, s, false);
			json_t *a = o ? json_object_get(o, lists[i][0]) : NULL;
			json_t *v = a ? col_str(s, 3) : NULL;
			if (a && (!v || json_array_append_new(a, v))) {
				rc = SQLITE_NOMEM;
				break;
			}
		}
		sqlite3_finalize(s);
	}
	if (rc == SQLITE_DONE)
		rc = view_summary(st, code, view, lists, sizeof lists / sizeof lists[0]);
out:
	status = rc == SQLITE_DONE ? STORE_OK : rc == SQLITE_NOMEM ? STORE_ENOMEM : STORE_EDB;
	if (status == STORE_EDB)
		log_error("store: class view: %s", sqlite3_errmsg(st->rdb));
	json_decref(by_id);
	return status;
}

json_t *store_class_view(struct store *st, const char *code, bool with_code,
                         enum store_status *status)
{
	enum store_status dummy;
	if (!status)
		status = &dummy;
	if (!st) {
		*status = STORE_ECLOSED;
		return NULL;
	}
	if (!str_ok(code, STORE_CLASS_CODE_MAX, true)) {
		*status = STORE_ENOTFOUND;
		return NULL;
	}
	json_t *view = json_object();
	if (!view) {
		*status = STORE_ENOMEM;
		return NULL;
	}
	pthread_mutex_lock(&st->read_lock);
	if (exec(st->rdb, "BEGIN") != SQLITE_OK) {
		log_error("store: class view: %s", sqlite3_errmsg(st->rdb));
		*status = STORE_EDB;
	} else {
		*status = view_build(st, code, with_code, view);
		exec(st->rdb, "COMMIT");
	}
	pthread_mutex_unlock(&st->read_lock);
	if (*status != STORE_OK) {
		json_decref(view);
		return NULL;
	}
	return view;
}

/* Reads store_learner_code's answer inside its read transaction. */
static enum store_status code_build(struct store *st, const char *code, int64_t learner,
                                    const char *lesson_id, const char *step_id, json_t **out,
                                    enum store_missing *missing)
{
	sqlite3_stmt *s = rprep(st,
	                        "SELECT EXISTS(SELECT 1 FROM classes WHERE code = ?1),"
	                        " EXISTS(SELECT 1 FROM learners WHERE class_code = ?1 AND id = ?2)",
	                        code);
	if (!s)
		return STORE_EDB;
	sqlite3_bind_int64(s, 2, learner);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*missing = !sqlite3_column_int(s, 0)   ? STORE_MISSING_CLASS
		           : !sqlite3_column_int(s, 1) ? STORE_MISSING_LEARNER
		                                       : STORE_MISSING_NONE;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW)
		return STORE_EDB;
	if (*missing != STORE_MISSING_NONE)
		return STORE_ENOTFOUND;
	/* The newest event of the step with code: events_by_step's order. */
	if (!(s = rprep(st,
	                "SELECT code, at FROM events WHERE learner = ?1 AND lesson_id = ?2"
	                " AND step_id = ?3 AND code IS NOT NULL ORDER BY id DESC LIMIT 1",
	                NULL)))
		return STORE_EDB;
	sqlite3_bind_int64(s, 1, learner);
	sqlite3_bind_text(s, 2, lesson_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, step_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	enum store_status status = STORE_OK;
	if (rc == SQLITE_ROW) {
		json_t *text = col_str(s, 0);
		*out = text ? json_pack("{s:o, s:I}", "code", text, "at",
		                        (json_int_t)sqlite3_column_int64(s, 1))
		            : NULL;
		status = *out ? STORE_OK : STORE_ENOMEM;
	} else if (rc == SQLITE_DONE) {
		*missing = STORE_MISSING_CODE;
		status = STORE_ENOTFOUND;
	} else {
		status = STORE_EDB;
	}
	sqlite3_finalize(s);
	return status;
}

json_t *store_learner_code(struct store *st, const char *code, int64_t learner,
                           const char *lesson_id, const char *step_id, enum store_missing *missing,
                           enum store_status *status)
{
	enum store_status dummy;
	enum store_missing unused;
	if (!status)
		status = &dummy;
	if (!missing)
		missing = &unused;
	*missing = STORE_MISSING_NONE;
	if (!st) {
		*status = STORE_ECLOSED;
		return NULL;
	}
	if (!str_ok(code, STORE_CLASS_CODE_MAX, true)) {
		*missing = STORE_MISSING_CLASS;
		*status = STORE_ENOTFOUND;
		return NULL;
	}
	if (!str_ok(lesson_id, STORE_STEP_ID_MAX, true) ||
	    !str_ok(step_id, STORE_STEP_ID_MAX, true)) {
		*missing = STORE_MISSING_CODE;
		*status = STORE_ENOTFOUND;
		return NULL;
	}
	json_t *out = NULL;
	pthread_mutex_lock(&st->read_lock);
	if (exec(st->rdb, "BEGIN") != SQLITE_OK) {
		*status = STORE_EDB;
	} else {
		*status = code_build(st, code, learner, lesson_id, step_id, &out, missing);
		exec(st->rdb, "COMMIT");
	}
	if (*status == STORE_EDB)
		log_error("store: learner code: %s", sqlite3_errmsg(st->rdb));
	pthread_mutex_unlock(&st->read_lock);
	return out;
}

/* fsyncs the directory holding path, so a rename into it is durable.
 * Best effort: a failure leaves the file in place, only its name may not
 * survive a power cut. */
static void sync_parent(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

enum store_status store_backup(struct store *st, const char *path, char *err, size_t errlen)
{
	if (!st || !path) {
		seterr(err, errlen, "no store");
		return STORE_ECLOSED;
	}
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		seterr(err, errlen, "out of memory");
		return STORE_ENOMEM;
	}
	unlink(tmp);
	sqlite3 *src = NULL, *dst = NULL;
	enum store_status status = STORE_EDB;
	if (open_conn(st->path, SQLITE_OPEN_READONLY, STORE_BUSY_MS_DEFAULT, &src, err, errlen) ||
	    open_conn(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, STORE_BUSY_MS_DEFAULT, &dst,
	              err, errlen))
		goto out;
	/* One step of every page: a consistent snapshot (WAL lets the writer
	 * go on meanwhile). */
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	int rc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
	int frc = b ? sqlite3_backup_finish(b) : SQLITE_ERROR;
	if (rc != SQLITE_DONE || frc != SQLITE_OK) {
		seterr(err, errlen, "backup to %s: %s", path, sqlite3_errmsg(dst));
		goto out;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		seterr(err, errlen, "backup to %s: cannot close", path);
		goto out;
	}
	dst = NULL;
	if (rename(tmp, path) != 0) {
		seterr(err, errlen, "backup to %s: %s", path, strerror(errno));
		goto out;
	}
	sync_parent(path); /* the file's bytes were synced at its commit; now its name */
	status = STORE_OK;
out:
	sqlite3_close(src);
	sqlite3_close(dst);
	if (status != STORE_OK)
		unlink(tmp);
	free(tmp);
	return status;
}
