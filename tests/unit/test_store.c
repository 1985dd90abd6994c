/* test_store.c: the class records on a real SQLite file in a fresh
 * directory under /tmp: classes and their cascade, events and the class
 * view, group commit from several threads, retention, migrations, refusing
 * newer, foreign and corrupt files untouched, backups, and the failures a
 * caller counts (queue full, database locked, shut down). */
#include "store/store.h"

#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#define DAY_MS 86400000LL
#define NOW_MS 1800000000000LL

static char dir[64];
static char dbpath[128];

/* Removes one entry of the test directory. */
static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A fresh directory for each test; the store's data dir is dir/data. */
static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_store.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(dbpath, sizeof dbpath, "%s/data/lessond.db", dir);
	return 0;
}

/* Removes the test's directory. */
static int teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir/<name>, in a static buffer. */
static const char *sub(const char *name)
{
	static char p[192];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

/* Opens the store on dir/data, failing the test when it cannot. */
static struct store *open_ok(const struct store_options *o)
{
	char err[512] = "";
	struct store *st = store_open(sub("data"), o, err, sizeof err);
	if (!st)
		fail_msg("store_open: %s", err);
	return st;
}

/* One value of a query on a raw connection to path, or -1. */
static long long raw_int(const char *path, const char *sql)
{
	sqlite3 *db;
	long long v = -1;
	sqlite3_stmt *s;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return v;
}

/* Runs sql on a new database file at path (rollback journal, not WAL). */
static void raw_make(const char *path, const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Reads the whole file at path; *len gets its size. Caller frees. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Callback counters. */
struct counts {
	atomic_int ok, notfound, db, other;
};

static void count_done(void *arg, enum store_status status)
{
	struct counts *c = arg;
	if (status == STORE_OK)
		atomic_fetch_add(&c->ok, 1);
	else if (status == STORE_ENOTFOUND)
		atomic_fetch_add(&c->notfound, 1);
	else if (status == STORE_EDB)
		atomic_fetch_add(&c->db, 1);
	else
		atomic_fetch_add(&c->other, 1);
}

/* An event of kind on lesson "l1", step step. */
static struct store_event ev(const char *learner, const char *step, enum store_kind kind,
                             int64_t at)
{
	return (struct store_event){.class_code = "ABC",
	                            .learner_id = learner,
	                            .lesson_id = "l1",
	                            .step_id = step,
	                            .kind = kind,
	                            .correct = -1,
	                            .at_ms = at};
}

/* The step object of learner i in a view. */
static json_t *vstep(json_t *view, size_t i, const char *lesson, const char *step)
{
	json_t *l = json_array_get(json_object_get(view, "learners"), i);
	return json_object_get(json_object_get(json_object_get(l, "steps"), lesson), step);
}

/* Classes are created once per code, listed, and deleted with their
 * learners and events (the cascade is checked in the file itself). */
static void test_class_create_list_delete_cascades(void **state)
{
	(void)state;
	struct store *st = open_ok(NULL);
	assert_int_equal(store_class_create(st, "ABC", "Year 9", NOW_MS), STORE_OK);
	assert_int_equal(store_class_create(st, "XYZ", "Year 10", NOW_MS + 1), STORE_OK);
	assert_int_equal(store_class_create(st, "ABC", "again", NOW_MS), STORE_EEXIST);
	assert_int_equal(store_learner_add(st, "ABC", "aaaa", "Ada", NOW_MS), STORE_OK);
	assert_int_equal(store_learner_add(st, "NOPE", "aaaa", "Ada", NOW_MS), STORE_ENOTFOUND);
	struct store_event e = ev("aaaa", "s1", STORE_RUN, NOW_MS);
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	assert_int_equal(store_sync(st), STORE_OK);

	json_t *list = store_class_list(st);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "name")),
	                    "Year 9");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "learners")),
	                 1);
	json_decref(list);

	assert_int_equal(store_class_delete(st, "ABC"), STORE_OK);
	assert_int_equal(store_class_delete(st, "ABC"), STORE_ENOTFOUND);
	list = store_class_list(st);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "code")),
	                    "XYZ");
	json_decref(list);
	enum store_status status;
	assert_null(store_class_view(st, "ABC", true, &status));
	assert_int_equal(status, STORE_ENOTFOUND);
	store_close(st);
	assert_int_equal(raw_int(dbpath, "SELECT count(*) FROM learners"), 0);
	assert_int_equal(raw_int(dbpath, "SELECT count(*) FROM events"), 0);
	struct stat sb;
	assert_int_equal(stat(sub("data"), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
}

/* What learners did comes back per learner and step: attempts, done, the
 * latest wrong answers, exceptions and failed checks newest first, the
 * latest code; names come back byte for byte and the cookie id never. */
static void test_events_read_back_in_class_view(void **state)
{
	(void)state;
	static const char hostile[] = "<img src=x onerror=alert(1)>\u202Eevil";
	struct store *st = open_ok(NULL);
	struct counts c = {0};
	assert_int_equal(store_class_create(st, "ABC", "Year 9", NOW_MS), STORE_OK);
	assert_int_equal(store_learner_add(st, "ABC", "cookie-ada", "Ada", NOW_MS), STORE_OK);
	assert_int_equal(store_learner_add(st, "ABC", "cookie-bob", hostile, NOW_MS + 5), STORE_OK);

	struct store_event e = ev("cookie-ada", "s1", STORE_RUN, NOW_MS + 10);
	e.exception = "ZeroDivisionError";
	e.code = "print(1/0)";
	assert_int_equal(store_record(st, &e, count_done, &c), STORE_OK);
	for (int i = 0; i < 7; i++) {
		char answer[8];
		snprintf(answer, sizeof answer, "%d", i);
		e = ev("cookie-ada", "s1", STORE_CHECK, NOW_MS + 20 + i);
		e.correct = 0;
		e.answer = answer;
		assert_int_equal(store_record(st, &e, count_done, &c), STORE_OK);
	}
	e = ev("cookie-ada", "s1", STORE_CHECK, NOW_MS + 30);
	e.correct = 1;
	e.answer = "right";
	e.check_message = "total should be 10";
	assert_int_equal(store_record(st, &e, count_done, &c), STORE_OK);
	e = ev("cookie-ada", "s1", STORE_CODE, NOW_MS + 40);
	e.code = "print(10)";
	assert_int_equal(store_record(st, &e, count_done, &c), STORE_OK);
	e = ev("cookie-ada", "s1", STORE_DONE, NOW_MS + 50);
	assert_int_equal(store_record(st, &e, count_done, &c), STORE_OK);
	e = ev("cookie-bob", "s2", STORE_RUN, NOW_MS + 60);
	assert_int_equal(store_record(st, &e, count_done, &c), STORE_OK);
	e = ev("cookie-nobody", "s2", STORE_RUN, NOW_MS + 60);
	assert_int_equal(store_record(st, &e, count_done, &c), STORE_OK);
	assert_int_equal(store_sync(st), STORE_OK);
	assert_int_equal(atomic_load(&c.ok), 12);
	assert_int_equal(atomic_load(&c.notfound), 1); /* not in the class */

	enum store_status status;
	json_t *view = store_class_view(st, "ABC", true, &status);
	assert_non_null(view);
	assert_string_equal(json_string_value(json_object_get(view, "name")), "Year 9");
	json_t *ada = json_array_get(json_object_get(view, "learners"), 0);
	json_t *bob = json_array_get(json_object_get(view, "learners"), 1);
	assert_string_equal(json_string_value(json_object_get(ada, "name")), "Ada");
	assert_string_equal(json_string_value(json_object_get(bob, "name")), hostile);
	assert_int_equal(json_integer_value(json_object_get(ada, "joined")), NOW_MS);
	assert_int_equal(json_integer_value(json_object_get(ada, "last_seen")), NOW_MS + 50);
	json_t *s1 = vstep(view, 0, "l1", "s1");
	assert_non_null(s1);
	assert_int_equal(json_integer_value(json_object_get(s1, "attempts")), 9);
	assert_true(json_is_true(json_object_get(s1, "done")));
	assert_string_equal(json_string_value(json_object_get(s1, "code")), "print(10)");
	json_t *wrong = json_object_get(s1, "wrong_answers");
	assert_int_equal(json_array_size(wrong), STORE_VIEW_LATEST);
	assert_string_equal(json_string_value(json_array_get(wrong, 0)), "6");
	assert_string_equal(json_string_value(json_array_get(wrong, 4)), "2");
	assert_string_equal(json_string_value(json_array_get(json_object_get(s1, "exceptions"), 0)),
	                    "ZeroDivisionError");
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(s1, "failed_checks"), 0)),
	    "total should be 10");
	json_t *s2 = vstep(view, 1, "l1", "s2");
	assert_int_equal(json_integer_value(json_object_get(s2, "attempts")), 1);
	assert_true(json_is_false(json_object_get(s2, "done")));
	assert_true(json_is_null(json_object_get(s2, "code")));
	assert_null(vstep(view, 1, "l1", "s1"));
	char *dump = json_dumps(view, 0);
	assert_null(strstr(dump, "cookie-"));
	free(dump);
	json_decref(view);

	/* Leaving takes the learner's events along. */
	assert_int_equal(store_learner_remove(st, "ABC", "cookie-ada"), STORE_OK);
	assert_int_equal(store_learner_remove(st, "ABC", "cookie-ada"), STORE_ENOTFOUND);
	view = store_class_view(st, "ABC", true, NULL);
	assert_int_equal(json_array_size(json_object_get(view, "learners")), 1);
	json_decref(view);
	store_close(st);
	assert_int_equal(raw_int(dbpath, "SELECT count(*) FROM events"), 1);
}

/* The learner number the view gives learner i of class ABC. */
static json_int_t learner_no(struct store *st, size_t i)
{
	json_t *view = store_class_view(st, "ABC", false, NULL);
	assert_non_null(view);
	json_int_t n = json_integer_value(
	    json_object_get(json_array_get(json_object_get(view, "learners"), i), "learner"));
	json_decref(view);
	return n;
}

/* The light view (with_code false) says which steps have code and since
 * when, and carries no code; store_learner_code gives one learner's latest
 * code for one step, and says which of class, learner and code is
 * missing. */
static void test_light_view_and_code_on_demand(void **state)
{
	(void)state;
	struct store *st = open_ok(NULL);
	assert_int_equal(store_class_create(st, "ABC", "Year 9", NOW_MS), STORE_OK);
	assert_int_equal(store_class_create(st, "XYZ", "Year 10", NOW_MS), STORE_OK);
	assert_int_equal(store_learner_add(st, "ABC", "cookie-ada", "Ada", NOW_MS), STORE_OK);
	assert_int_equal(store_learner_add(st, "ABC", "cookie-bob", "Bob", NOW_MS), STORE_OK);
	struct store_event e = ev("cookie-ada", "s1", STORE_RUN, NOW_MS + 10);
	e.code = "print(1)";
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	e = ev("cookie-ada", "s1", STORE_CODE, NOW_MS + 20);
	e.code = "print(2)";
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	e = ev("cookie-ada", "s1", STORE_DONE, NOW_MS + 30); /* no code: code_at stays */
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	e = ev("cookie-bob", "s1", STORE_CHECK, NOW_MS + 40);
	e.correct = 0;
	e.answer = "3";
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	assert_int_equal(store_sync(st), STORE_OK);

	json_t *view = store_class_view(st, "ABC", false, NULL);
	assert_non_null(view);
	json_t *a = vstep(view, 0, "l1", "s1"), *b = vstep(view, 1, "l1", "s1");
	assert_true(json_is_true(json_object_get(a, "has_code")));
	assert_int_equal(json_integer_value(json_object_get(a, "code_at")), NOW_MS + 20);
	assert_int_equal(json_integer_value(json_object_get(a, "last")), NOW_MS + 30);
	assert_null(json_object_get(a, "code"));
	assert_true(json_is_false(json_object_get(b, "has_code")));
	assert_true(json_is_null(json_object_get(b, "code_at")));
	assert_null(json_object_get(b, "code"));
	char *dump = json_dumps(view, 0);
	assert_null(strstr(dump, "print("));
	free(dump);
	json_decref(view);
	/* The full view carries the same flags and the code itself. */
	view = store_class_view(st, "ABC", true, NULL);
	a = vstep(view, 0, "l1", "s1");
	assert_true(json_is_true(json_object_get(a, "has_code")));
	assert_string_equal(json_string_value(json_object_get(a, "code")), "print(2)");
	assert_true(json_is_null(json_object_get(vstep(view, 1, "l1", "s1"), "code")));
	json_decref(view);

	json_int_t ada = learner_no(st, 0), bob = learner_no(st, 1);
	enum store_status status = STORE_OK;
	enum store_missing missing = STORE_MISSING_CODE;
	json_t *got = store_learner_code(st, "ABC", ada, "l1", "s1", &missing, &status);
	assert_non_null(got);
	assert_int_equal(status, STORE_OK);
	assert_int_equal(missing, STORE_MISSING_NONE);
	assert_string_equal(json_string_value(json_object_get(got, "code")), "print(2)");
	assert_int_equal(json_integer_value(json_object_get(got, "at")), NOW_MS + 20);
	assert_int_equal(json_object_size(got), 2);
	json_decref(got);
	/* What is missing, in each way. */
	struct {
		const char *code;
		json_int_t learner;
		const char *lesson, *step;
		enum store_missing missing;
	} misses[] = {
	    {"NOPE", ada, "l1", "s1", STORE_MISSING_CLASS},
	    {"XYZ", ada, "l1", "s1", STORE_MISSING_LEARNER}, /* Ada is not in XYZ */
	    {"ABC", bob + ada + 100, "l1", "s1", STORE_MISSING_LEARNER},
	    {"ABC", bob, "l1", "s1", STORE_MISSING_CODE}, /* a check without code */
	    {"ABC", ada, "l1", "s2", STORE_MISSING_CODE},
	    {"ABC", ada, "l2", "s1", STORE_MISSING_CODE},
	    {"ABC", ada, "l1", "s1\xff", STORE_MISSING_CODE}, /* not UTF-8 */
	    {"ABC", ada, "", "s1", STORE_MISSING_CODE},
	};
	for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
		status = STORE_OK;
		missing = STORE_MISSING_NONE;
		assert_null(store_learner_code(st, misses[i].code, misses[i].learner,
		                               misses[i].lesson, misses[i].step, &missing,
		                               &status));
		assert_int_equal(status, STORE_ENOTFOUND);
		assert_int_equal(missing, misses[i].missing);
	}
	/* The code of a learner who left is gone with them. */
	assert_int_equal(store_learner_remove(st, "ABC", "cookie-ada"), STORE_OK);
	assert_null(store_learner_code(st, "ABC", ada, "l1", "s1", &missing, NULL));
	assert_int_equal(missing, STORE_MISSING_LEARNER);
	store_close(st);
	assert_null(store_learner_code(NULL, "ABC", ada, "l1", "s1", NULL, &status));
	assert_int_equal(status, STORE_ECLOSED);
}

/* store_member_fn collecting "learner:class:class name:name;" lines. */
static void collect_member(void *arg, const char *learner, const char *code, const char *class_name,
                           const char *name)
{
	char *out = arg;
	size_t n = strlen(out);
	snprintf(out + n, 512 - n, "%s:%s:%s:%s;", learner, code, class_name, name);
}

/* The class's summary: per step the most frequent wrong answers (by count,
 * then text, with how many learners), exceptions and failed checks; a
 * right check makes a step done and failures count the wrong ones; the
 * earliest attempt is first_try (a code event is no attempt). The
 * memberships walk every learner with the class name, oldest join first. */
static void test_summary_failures_and_memberships(void **state)
{
	(void)state;
	struct store *st = open_ok(NULL);
	assert_int_equal(store_class_create(st, "ABC", "Year 9", NOW_MS), STORE_OK);
	assert_int_equal(store_class_create(st, "XYZ", "Year 10", NOW_MS), STORE_OK);
	const char *who[] = {"c-a", "c-b", "c-c"};
	for (int i = 0; i < 3; i++)
		assert_int_equal(store_learner_add(st, "ABC", who[i], who[i] + 2, NOW_MS + i),
		                 STORE_OK);
	assert_int_equal(store_learner_add(st, "XYZ", "c-z", "zed", NOW_MS + 9), STORE_OK);
	/* "True" twice by a, once by b; "None" once by c; a right answer by c. */
	const char *answers[][2] = {
	    {"c-a", "True"}, {"c-a", "True"}, {"c-b", "True"}, {"c-c", "None"}};
	for (int i = 0; i < 4; i++) {
		struct store_event e = ev(answers[i][0], "p", STORE_CHECK, NOW_MS + 100 + i);
		e.correct = 0;
		e.answer = answers[i][1];
		assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	}
	struct store_event e = ev("c-c", "p", STORE_CHECK, NOW_MS + 200);
	e.correct = 1;
	e.answer = "False";
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	e = ev("c-b", "g", STORE_CODE, NOW_MS + 50);
	e.code = "x = 1";
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	e = ev("c-b", "g", STORE_RUN, NOW_MS + 300);
	e.exception = "AttributeError";
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	assert_int_equal(store_sync(st), STORE_OK);

	json_t *view = store_class_view(st, "ABC", true, NULL);
	assert_non_null(view);
	json_t *p = json_object_get(json_object_get(json_object_get(view, "summary"), "l1"), "p");
	json_t *wrong = json_object_get(p, "wrong_answers");
	assert_int_equal(json_array_size(wrong), 2);
	json_t *top = json_array_get(wrong, 0);
	assert_string_equal(json_string_value(json_object_get(top, "text")), "True");
	assert_int_equal(json_integer_value(json_object_get(top, "count")), 3);
	assert_int_equal(json_integer_value(json_object_get(top, "learners")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(wrong, 1), "text")),
	                    "None");
	json_t *g = json_object_get(json_object_get(json_object_get(view, "summary"), "l1"), "g");
	json_t *exc = json_array_get(json_object_get(g, "exceptions"), 0);
	assert_string_equal(json_string_value(json_object_get(exc, "text")), "AttributeError");
	assert_null(json_object_get(g, "wrong_answers"));

	json_t *a = vstep(view, 0, "l1", "p"), *b = vstep(view, 1, "l1", "g");
	json_t *c = vstep(view, 2, "l1", "p");
	assert_int_equal(json_integer_value(json_object_get(a, "failures")), 2);
	assert_true(json_is_false(json_object_get(a, "done")));
	assert_int_equal(json_integer_value(json_object_get(a, "first_try")), NOW_MS + 100);
	assert_true(json_is_true(json_object_get(c, "done")));
	assert_int_equal(json_integer_value(json_object_get(c, "failures")), 1);
	assert_int_equal(json_integer_value(json_object_get(b, "first_try")), NOW_MS + 300);
	assert_int_equal(json_integer_value(json_object_get(b, "attempts")), 1);
	json_decref(view);

	char members[512] = "";
	assert_int_equal(store_memberships(st, collect_member, members), 0);
	assert_string_equal(
	    members, "c-a:ABC:Year 9:a;c-b:ABC:Year 9:b;c-c:ABC:Year 9:c;c-z:XYZ:Year 10:zed;");
	store_close(st);
}

/* A learner is in one class at most: joining another class leaves the
 * first with the events there, a rename stays, a join that fails (no such
 * class) moves nothing, and so the memberships after a restart are the
 * ones before it. */
static void test_joining_another_class_leaves_the_first(void **state)
{
	(void)state;
	struct store *st = open_ok(NULL);
	assert_int_equal(store_class_create(st, "ABC", "A", NOW_MS), STORE_OK);
	assert_int_equal(store_class_create(st, "XYZ", "B", NOW_MS + 1), STORE_OK);
	assert_int_equal(store_learner_add(st, "ABC", "c-a", "Ada", NOW_MS), STORE_OK);
	assert_int_equal(store_learner_add(st, "ABC", "c-b", "Bea", NOW_MS + 1), STORE_OK);
	struct store_event e = ev("c-a", "s1", STORE_RUN, NOW_MS + 2);
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	assert_int_equal(store_sync(st), STORE_OK);
	assert_int_equal(store_learner_add(st, "XYZ", "c-a", "Ada", NOW_MS + 3), STORE_OK);
	assert_int_equal(store_learner_add(st, "NOPE", "c-a", "Ada", NOW_MS + 4), STORE_ENOTFOUND);
	assert_int_equal(store_learner_add(st, "ABC", "c-b", "Bea B.", NOW_MS + 5), STORE_OK);
	char members[512] = "";
	assert_int_equal(store_memberships(st, collect_member, members), 0);
	assert_string_equal(members, "c-b:ABC:A:Bea B.;c-a:XYZ:B:Ada;");
	store_close(st);
	assert_int_equal(raw_int(dbpath, "SELECT count(*) FROM events"), 0);
}

/* Lazy events (a run's) wait to be committed together: two recorded
 * 100 ms apart are one transaction when lazy_ms is 2 s (a margin of 1.9 s),
 * written without anyone asking; an eager event takes the lazy ones
 * queued before it along at once, and so does store_sync. */
static void test_lazy_events_commit_together(void **state)
{
	(void)state;
	struct store *st = open_ok(&(struct store_options){.lazy_ms = 2000});
	struct counts c = {0};
	struct store_stats before, after;
	assert_int_equal(store_class_create(st, "ABC", "Year 9", NOW_MS), STORE_OK);
	assert_int_equal(store_learner_add(st, "ABC", "cookie-ada", "Ada", NOW_MS), STORE_OK);
	store_get_stats(st, &before);
	for (int i = 0; i < 2; i++) {
		struct store_event e = ev("cookie-ada", "s1", STORE_RUN, NOW_MS + i);
		e.lazy = true;
		assert_int_equal(store_record(st, &e, count_done, &c), STORE_OK);
		if (i == 0)
			usleep(100000);
	}
	for (int waited = 0; atomic_load(&c.ok) < 2 && waited < 20000; waited += 10)
		usleep(10000);
	assert_int_equal(atomic_load(&c.ok), 2);
	store_get_stats(st, &after);
	assert_int_equal(after.commits - before.commits, 1);

	/* An eager write behind lazy ones: all go at once, in one commit. */
	for (int i = 0; i < 3; i++) {
		struct store_event e = ev("cookie-ada", "s1", STORE_RUN, NOW_MS + 20 + i);
		e.lazy = true;
		assert_int_equal(store_record(st, &e, count_done, &c), STORE_OK);
	}
	struct store_event e = ev("cookie-ada", "s1", STORE_DONE, NOW_MS + 30);
	assert_int_equal(store_record(st, &e, count_done, &c), STORE_OK);
	assert_int_equal(store_sync(st), STORE_OK);
	assert_int_equal(atomic_load(&c.ok), 6);
	e = ev("cookie-ada", "s1", STORE_RUN, NOW_MS + 40);
	e.lazy = true;
	assert_int_equal(store_record(st, &e, count_done, &c), STORE_OK);
	assert_int_equal(store_sync(st), STORE_OK);
	assert_int_equal(atomic_load(&c.ok), 7);
	store_close(st);
	assert_int_equal(raw_int(dbpath, "SELECT count(*) FROM events"), 7);
}

/* The caps: names by code points and bytes, code, answers, UTF-8. */
static void test_caps_and_utf8_refused(void **state)
{
	(void)state;
	struct store *st = open_ok(NULL);
	char name[4 * STORE_NAME_CHARS + 8] = "";
	for (int i = 0; i < STORE_NAME_CHARS; i++)
		strcat(name, "\xF0\x9F\x98\x80"); /* 40 emoji: 160 bytes */
	assert_int_equal(store_class_create(st, "ABC", name, NOW_MS), STORE_OK);
	assert_int_equal(store_learner_add(st, "ABC", "a", name, NOW_MS), STORE_OK);
	char long_name[STORE_NAME_CHARS + 2];
	memset(long_name, 'x', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = 0;
	assert_int_equal(store_learner_add(st, "ABC", "b", long_name, NOW_MS), STORE_EINVAL);
	assert_int_equal(store_learner_add(st, "ABC", "b", "", NOW_MS), STORE_EINVAL);
	assert_int_equal(store_learner_add(st, "ABC", "b", "bad \xC3\x28", NOW_MS), STORE_EINVAL);
	char *code = malloc(STORE_CODE_MAX + 2);
	memset(code, 'x', STORE_CODE_MAX + 1);
	code[STORE_CODE_MAX + 1] = 0;
	struct store_event e = ev("a", "s1", STORE_CODE, NOW_MS);
	e.code = code;
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_EINVAL);
	code[STORE_CODE_MAX] = 0;
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	free(code);
	char answer[STORE_ANSWER_MAX + 2];
	memset(answer, 'y', sizeof answer - 1);
	answer[sizeof answer - 1] = 0;
	e = ev("a", "s1", STORE_CHECK, NOW_MS);
	e.answer = answer;
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_EINVAL);
	assert_int_equal(store_sync(st), STORE_OK);
	json_t *view = store_class_view(st, "ABC", true, NULL);
	assert_int_equal(
	    strlen(json_string_value(json_object_get(vstep(view, 0, "l1", "s1"), "code"))),
	    STORE_CODE_MAX);
	json_decref(view);
	store_close(st);
}

/* Four threads recording at once. */
static struct store *gc_store;
static struct counts gc_counts;
#define GC_THREADS 4
#define GC_EACH    500

static void *gc_thread(void *arg)
{
	char learner[16];
	snprintf(learner, sizeof learner, "l%d", (int)(intptr_t)arg);
	for (int i = 0; i < GC_EACH; i++) {
		struct store_event e = ev(learner, "s1", STORE_RUN, NOW_MS + i);
		while (store_record(gc_store, &e, count_done, &gc_counts) == STORE_EFULL)
			usleep(100);
	}
	return NULL;
}

/* Every write from four threads is on disk after close, and they went in
 * fewer transactions than writes. */
static void test_group_commit_from_four_threads(void **state)
{
	(void)state;
	gc_store = open_ok(NULL);
	assert_int_equal(store_class_create(gc_store, "ABC", "Year 9", NOW_MS), STORE_OK);
	for (int t = 0; t < GC_THREADS; t++) {
		char learner[16];
		snprintf(learner, sizeof learner, "l%d", t);
		assert_int_equal(store_learner_add(gc_store, "ABC", learner, learner, NOW_MS),
		                 STORE_OK);
	}
	struct store_stats before, after;
	store_get_stats(gc_store, &before);
	pthread_t th[GC_THREADS];
	for (int t = 0; t < GC_THREADS; t++)
		pthread_create(&th[t], NULL, gc_thread, (void *)(intptr_t)t);
	for (int t = 0; t < GC_THREADS; t++)
		pthread_join(th[t], NULL);
	store_shutdown(gc_store);
	store_get_stats(gc_store, &after);
	store_close(gc_store);
	assert_int_equal(atomic_load(&gc_counts.ok), GC_THREADS * GC_EACH);
	assert_int_equal(after.written - before.written, GC_THREADS * GC_EACH);
	assert_true(after.commits - before.commits < GC_THREADS * GC_EACH / 4);
	assert_int_equal(raw_int(dbpath, "SELECT count(*) FROM events"), GC_THREADS * GC_EACH);

	struct store *st = open_ok(NULL);
	json_t *view = store_class_view(st, "ABC", true, NULL);
	for (int t = 0; t < GC_THREADS; t++)
		assert_int_equal(json_integer_value(json_object_get(
		                     vstep(view, (size_t)t, "l1", "s1"), "attempts")),
		                 GC_EACH);
	json_decref(view);
	store_close(st);
}

/* Retention deletes old events, learners not seen since, and old classes
 * left empty; it keeps what is recent. */
static void test_retention_deletes_old_data(void **state)
{
	(void)state;
	struct store *st = open_ok(NULL);
	int64_t old = NOW_MS - 40 * DAY_MS;
	assert_int_equal(store_class_create(st, "ABC", "kept", old), STORE_OK);
	assert_int_equal(store_class_create(st, "OLD", "gone", old), STORE_OK);
	assert_int_equal(store_class_create(st, "NEW", "kept too", NOW_MS), STORE_OK);
	assert_int_equal(store_learner_add(st, "ABC", "active", "Active", old), STORE_OK);
	assert_int_equal(store_learner_add(st, "ABC", "idle", "Idle", old), STORE_OK);
	assert_int_equal(store_learner_add(st, "OLD", "x", "X", old), STORE_OK);
	struct store_event e = ev("active", "s1", STORE_RUN, old);
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	e = ev("active", "s1", STORE_RUN, NOW_MS - DAY_MS);
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	e = ev("idle", "s1", STORE_RUN, old + 1);
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	assert_int_equal(store_sync(st), STORE_OK);

	long deleted = -1;
	assert_int_equal(store_retain(st, 30, NOW_MS, &deleted), STORE_OK);
	assert_int_equal(deleted, 2);
	json_t *list = store_class_list(st);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "code")),
	                    "ABC");
	json_decref(list);
	json_t *view = store_class_view(st, "ABC", true, NULL);
	assert_int_equal(json_array_size(json_object_get(view, "learners")), 1);
	assert_int_equal(
	    json_integer_value(json_object_get(vstep(view, 0, "l1", "s1"), "attempts")), 1);
	json_decref(view);
	store_close(st);
}

/* A missing directory, a missing file, an empty file and a version-0
 * database all become the current schema; with must_exist (a backup) the
 * first three are refused and nothing is made. */
static void test_migration_from_empty_and_version_0(void **state)
{
	(void)state;
	/* must_exist (a backup) refuses a missing or empty database, making nothing. */
	const struct store_options existing = {.must_exist = true};
	char err[512] = "";
	assert_null(store_open(sub("data"), &existing, err, sizeof err));
	assert_non_null(strstr(err, "no class records"));
	assert_false(exists(sub("data")));
	struct store *st = open_ok(NULL); /* dir/data did not exist */
	store_close(st);
	st = store_open(sub("data"), &existing, err, sizeof err); /* now it does */
	assert_non_null(st);
	store_close(st);
	assert_int_equal(raw_int(dbpath, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(unlink(dbpath), 0);
	unlink(sub("data/lessond.db-wal"));
	unlink(sub("data/lessond.db-shm"));

	int fd = open(dbpath, O_CREAT | O_WRONLY, 0600); /* empty file */
	close(fd);
	assert_null(store_open(sub("data"), &existing, err, sizeof err));
	st = open_ok(NULL);
	assert_int_equal(store_class_create(st, "ABC", "Year 9", NOW_MS), STORE_OK);
	store_close(st);
	assert_int_equal(raw_int(dbpath, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	size_t len;
	char *header = slurp(dbpath, &len);
	assert_true(len > 100);
	assert_int_equal(header[18], 2); /* the file format of WAL mode */
	free(header);
	assert_int_equal(unlink(dbpath), 0);

	/* A real version-0 file: a database with pages but no schema. */
	raw_make(dbpath, "CREATE TABLE t(x); DROP TABLE t; PRAGMA user_version = 0;");
	struct stat sb;
	assert_int_equal(stat(dbpath, &sb), 0);
	assert_true(sb.st_size > 0);
	st = open_ok(NULL);
	assert_int_equal(store_class_create(st, "ABC", "Year 9", NOW_MS), STORE_OK);
	store_close(st);
	assert_int_equal(raw_int(dbpath, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	assert_int_equal(raw_int(dbpath, "SELECT count(*) FROM classes"), 1);
}

/* Opening fails with a message containing what, and the file's bytes
 * are those it had; no WAL is left beside it. */
static void assert_refused_untouched(const char *what)
{
	size_t before_len, after_len;
	char *before = slurp(dbpath, &before_len);
	char err[512] = "";
	struct store *st = store_open(sub("data"), NULL, err, sizeof err);
	assert_null(st);
	if (!strstr(err, what))
		fail_msg("message \"%s\" does not say \"%s\"", err, what);
	char *after = slurp(dbpath, &after_len);
	assert_int_equal(before_len, after_len);
	assert_memory_equal(before, after, before_len);
	free(before);
	free(after);
	assert_false(exists(sub("data/lessond.db-wal")));
	assert_false(exists(sub("data/lessond.db-shm")));
}

/* A newer schema and a foreign database are refused untouched. */
static void test_newer_and_foreign_refused_untouched(void **state)
{
	(void)state;
	assert_int_equal(mkdir(sub("data"), 0700), 0);
	raw_make(dbpath, "CREATE TABLE classes(future); PRAGMA user_version = 999;");
	assert_refused_untouched("newer");
	unlink(dbpath);
	raw_make(dbpath, "CREATE TABLE theirs(x); INSERT INTO theirs VALUES (1);");
	assert_refused_untouched("no lessond schema");
}

/* Garbage and a truncated real database are refused untouched. */
static void test_corrupt_refused_untouched(void **state)
{
	(void)state;
	assert_int_equal(mkdir(sub("data"), 0700), 0);
	size_t len;
	FILE *f = fopen(dbpath, "wb");
	for (int i = 0; i < 8192; i++)
		fputc((i * 7919) & 0xff, f);
	fclose(f);
	assert_refused_untouched("not a usable SQLite database");
	unlink(dbpath);

	struct store *st = open_ok(NULL);
	assert_int_equal(store_class_create(st, "ABC", "Year 9", NOW_MS), STORE_OK);
	assert_int_equal(store_learner_add(st, "ABC", "a", "Ada", NOW_MS), STORE_OK);
	char code[2000];
	memset(code, 'c', sizeof code - 1);
	code[sizeof code - 1] = 0;
	for (int i = 0; i < 200; i++) {
		struct store_event e = ev("a", "s1", STORE_CODE, NOW_MS + i);
		e.code = code;
		assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	}
	store_close(st);
	char *good = slurp(dbpath, &len);

	/* Garbage over one page in the middle: the header reads fine, only
	 * PRAGMA quick_check finds it. */
	FILE *w = fopen(dbpath, "r+b");
	fseek(w, (long)len / 2 / 4096 * 4096, SEEK_SET);
	for (int i = 0; i < 4096; i++)
		fputc(0x55, w);
	fclose(w);
	assert_refused_untouched("quick_check");

	w = fopen(dbpath, "wb");
	fwrite(good, 1, len, w);
	fclose(w);
	free(good);
	assert_int_equal(truncate(dbpath, (off_t)len / 2), 0);
	assert_refused_untouched("corrupt");
}

/* A backup taken while the store serves opens with the same class view. */
static void test_backup_opens_with_same_data(void **state)
{
	(void)state;
	struct store *st = open_ok(NULL);
	assert_int_equal(store_class_create(st, "ABC", "Year 9", NOW_MS), STORE_OK);
	assert_int_equal(store_learner_add(st, "ABC", "a", "Ada", NOW_MS), STORE_OK);
	struct store_event e = ev("a", "s1", STORE_CHECK, NOW_MS + 1);
	e.correct = 0;
	e.answer = "42";
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	assert_int_equal(store_sync(st), STORE_OK);
	assert_int_equal(mkdir(sub("copy"), 0700), 0);
	char err[256] = "", target[192];
	snprintf(target, sizeof target, "%s/copy/lessond.db", dir);
	assert_int_equal(store_backup(st, target, err, sizeof err), STORE_OK);
	assert_false(exists(sub("copy/lessond.db.tmp")));
	assert_int_equal(store_backup(st, sub("no/such/dir/x.db"), err, sizeof err), STORE_EDB);
	json_t *original = store_class_view(st, "ABC", true, NULL);
	e = ev("a", "s1", STORE_DONE, NOW_MS + 2); /* after the backup: not in it */
	assert_int_equal(store_record(st, &e, NULL, NULL), STORE_OK);
	store_close(st);

	struct store *copy = store_open(sub("copy"), NULL, err, sizeof err);
	assert_non_null(copy);
	json_t *restored = store_class_view(copy, "ABC", true, NULL);
	assert_non_null(restored);
	assert_true(json_equal(original, restored));
	json_decref(original);
	json_decref(restored);
	store_close(copy);
}

/* Holds the database's write lock from another connection. */
static sqlite3 *lock_db(void)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	return db;
}

/* A full queue and a failing database are errors the caller counts, and
 * the store goes on once the cause is gone; after shutdown, writes are
 * refused and reads still work. */
static void test_full_queue_db_error_and_closed(void **state)
{
	(void)state;
	struct store_options o = {.queue_max = 4, .busy_ms = 300};
	struct store *st = open_ok(&o);
	struct counts c = {0};
	assert_int_equal(store_class_create(st, "ABC", "Year 9", NOW_MS), STORE_OK);
	assert_int_equal(store_learner_add(st, "ABC", "a", "Ada", NOW_MS), STORE_OK);

	/* The writer waits for the lock: the queue fills, record fails fast. */
	sqlite3 *locker = lock_db();
	int accepted = 0, full = 0;
	for (int i = 0; i < 3 * 4 && !full; i++) {
		struct store_event e = ev("a", "s1", STORE_RUN, NOW_MS + i);
		enum store_status s = store_record(st, &e, count_done, &c);
		if (s == STORE_OK)
			accepted++;
		else if (s == STORE_EFULL)
			full++;
	}
	assert_int_equal(full, 1);
	assert_true(accepted >= 4 && accepted <= 2 * 4 + 1);
	struct store_stats stats;
	store_get_stats(st, &stats);
	assert_int_equal(stats.rejected, 1);

	/* The lock outlasts busy_ms: those writes fail with STORE_EDB. */
	usleep(3 * 300 * 1000);
	sqlite3_exec(locker, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(locker);
	assert_int_equal(store_sync(st), STORE_OK);
	assert_true(atomic_load(&c.db) >= 1);
	assert_int_equal(atomic_load(&c.ok) + atomic_load(&c.db), accepted);
	store_get_stats(st, &stats);
	assert_int_equal(stats.failed, (uint64_t)atomic_load(&c.db));

	/* The cause gone, the next write is saved. */
	struct store_event e = ev("a", "s2", STORE_RUN, NOW_MS + 100);
	int ok_before = atomic_load(&c.ok);
	assert_int_equal(store_record(st, &e, count_done, &c), STORE_OK);
	assert_int_equal(store_sync(st), STORE_OK);
	assert_int_equal(atomic_load(&c.ok), ok_before + 1);

	store_shutdown(st);
	assert_int_equal(store_record(st, &e, count_done, &c), STORE_ECLOSED);
	assert_int_equal(store_class_create(st, "NEW", "x", NOW_MS), STORE_ECLOSED);
	assert_int_equal(store_sync(st), STORE_ECLOSED);
	json_t *view = store_class_view(st, "ABC", true, NULL);
	assert_non_null(vstep(view, 0, "l1", "s2"));
	json_decref(view);
	store_close(st);
	assert_int_equal(store_record(NULL, &e, NULL, NULL), STORE_ECLOSED);
	assert_null(store_class_view(NULL, "ABC", true, NULL));
	assert_int_equal(atomic_load(&c.other), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_class_create_list_delete_cascades, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_events_read_back_in_class_view, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_light_view_and_code_on_demand, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_summary_failures_and_memberships, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_joining_another_class_leaves_the_first, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_lazy_events_commit_together, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_caps_and_utf8_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_group_commit_from_four_threads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_retention_deletes_old_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migration_from_empty_and_version_0, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_newer_and_foreign_refused_untouched, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_refused_untouched, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backup_opens_with_same_data, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_full_queue_db_error_and_closed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
