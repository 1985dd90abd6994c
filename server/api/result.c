/* result.c: validation of child reports and the words for each limit. */
#include "api/result.h"

#include "common/protocol.h"
#include "common/utf8.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char *const statuses[] = {"ok",           "error",        "timeout",
                                       "memory_limit", "output_limit", "crashed"};

/* A fresh contract object with every field at its empty value. */
static json_t *contract_empty(const char *status, const struct result_context *ctx)
{
	return json_pack(
	    "{s:s, s:n, s:s, s:s, s:b, s:n, s:[], s:{s:n, s:n}, s:{s:f, s:f}, s:s, s:n}", "status",
	    status, "result", "stdout", "", "stderr", "", "truncated", 0, "exception", "objects",
	    "memory", "peak_bytes", "current_bytes", "time", "wall_ms", 0.0, "cpu_ms", 0.0,
	    "python", ctx->python ? ctx->python : "", "message");
}

/* Human size: "256 MiB", "64 KiB", "900 bytes". */
static void human_bytes(long bytes, char *buf, size_t len)
{
	if (bytes >= (1L << 20) && bytes % (1L << 20) == 0)
		snprintf(buf, len, "%ld MiB", bytes >> 20);
	else if (bytes >= 1024 && bytes % 1024 == 0)
		snprintf(buf, len, "%ld KiB", bytes >> 10);
	else
		snprintf(buf, len, "%ld bytes", bytes);
}

/* A measured figure: "56 bytes", "12.3 KiB", "255.8 MiB". */
static void human_figure(long long bytes, char *buf, size_t len)
{
	if (bytes >= (1LL << 20))
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1 << 20));
	else if (bytes >= 1024)
		snprintf(buf, len, "%.1f KiB", (double)bytes / 1024);
	else
		snprintf(buf, len, "%lld bytes", bytes);
}

static void set_message(json_t *r, const char *text)
{
	json_object_set_new(r, "message", json_string(text));
}

/* The message for a status the child reported itself; rep is its report
 * (borrowed), for the figures of a refused allocation. */
static void explain_status(json_t *r, const char *status, const struct result_context *ctx,
                           json_t *rep)
{
	char size[32], text[320];
	if (strcmp(status, "memory_limit") == 0) {
		human_bytes(ctx->memory_bytes, size, sizeof size);
		json_t *refused = json_object_get(json_object_get(rep, "memory"), "refused");
		json_t *in_use = json_object_get(refused, "in_use_bytes");
		json_t *asked = json_object_get(refused, "requested_bytes");
		char held[32], more[32];
		if (json_is_integer(in_use) && json_is_integer(asked)) {
			human_figure(json_integer_value(in_use), held, sizeof held);
			human_figure(json_integer_value(asked), more, sizeof more);
			snprintf(
			    text, sizeof text,
			    "The snippet ran out of memory (MemoryError): its objects held %s "
			    "when it asked for %s more, and each run may use at most %s. Try a "
			    "smaller N.",
			    held, more, size);
		} else
			snprintf(text, sizeof text,
			         "The snippet ran out of memory (MemoryError): each run may use at "
			         "most %s. Try a smaller N.",
			         size);
		set_message(r, text);
	} else if (strcmp(status, "output_limit") == 0) {
		human_bytes(ctx->output_bytes, size, sizeof size);
		snprintf(text, sizeof text,
		         "The snippet printed more than %s, so the output was cut there. "
		         "Print less, or print a summary.",
		         size);
		set_message(r, text);
	} else if (strcmp(status, "error") == 0) {
		set_message(r, "The snippet raised an exception.");
	} else if (strcmp(status, "timeout") == 0) {
		snprintf(text, sizeof text,
		         "The snippet hit a time limit (%d s of CPU, %.1f s in all).",
		         ctx->cpu_seconds, ctx->wall_ms / 1000.0);
		set_message(r, text);
	} else if (strcmp(status, "crashed") == 0) {
		set_message(r,
		            "The runner failed before it could report the result. Run it again.");
	}
}

static bool is_string_or_null(json_t *v)
{
	return !v || json_is_null(v) || json_is_string(v);
}

/* Checks the types of the fields a child reported. Returns true when every
 * present field has the type the contract says. */
static bool report_well_typed(json_t *rep)
{
	json_t *v;
	if (!is_string_or_null(json_object_get(rep, "stdout")) ||
	    !is_string_or_null(json_object_get(rep, "stderr")) ||
	    !is_string_or_null(json_object_get(rep, "python")))
		return false;
	v = json_object_get(rep, "truncated");
	if (v && !json_is_boolean(v))
		return false;
	v = json_object_get(rep, "result");
	if (v && !json_is_null(v) &&
	    !(json_is_object(v) && json_is_string(json_object_get(v, "repr")) &&
	      json_is_string(json_object_get(v, "type"))))
		return false;
	v = json_object_get(rep, "exception");
	if (v && !json_is_null(v) &&
	    !(json_is_object(v) && json_is_string(json_object_get(v, "type")) &&
	      json_is_string(json_object_get(v, "message"))))
		return false;
	v = json_object_get(rep, "objects");
	if (v && !json_is_array(v))
		return false;
	size_t i;
	json_t *item;
	json_array_foreach(v, i,
	                   item) if (!json_is_object(item) ||
	                             !json_is_string(json_object_get(item, "type"))) return false;
	v = json_object_get(rep, "memory");
	if (v && !json_is_null(v) && !json_is_object(v))
		return false;
	v = json_object_get(rep, "time");
	if (v && !json_is_object(v))
		return false;
	v = json_object_get(rep, "verdict"); /* only when the lesson engine asked */
	if (v && !json_is_object(v))
		return false;
	return true;
}

/* Validates a child's JSON and copies its fields over the empty contract.
 * Returns the contract, or NULL when the report is unusable. */
static json_t *contract_from_report(const struct pool_outcome *o, const struct result_context *ctx)
{
	json_error_t jerr;
	json_t *rep = json_loadb(o->json, o->json_len, JSON_REJECT_DUPLICATES, &jerr); /* new */
	if (!rep)
		return NULL;
	const char *status = json_string_value(json_object_get(rep, "status"));
	bool known = false;
	for (size_t i = 0; status && i < sizeof statuses / sizeof *statuses; i++)
		known |= strcmp(status, statuses[i]) == 0;
	if (!json_is_object(rep) || !known || !report_well_typed(rep)) {
		json_decref(rep);
		return NULL;
	}
	json_t *r = contract_empty(status, ctx);
	if (r)
		explain_status(r, status, ctx, rep);
	static const char *const fields[] = {"result",    "stdout",    "stderr",
	                                     "truncated", "exception", "objects",
	                                     "memory",    "python",    "verdict"};
	for (size_t i = 0; r && i < sizeof fields / sizeof *fields; i++) {
		json_t *v = json_object_get(rep, fields[i]);
		if (v && !(json_is_null(v) && json_is_string(json_object_get(r, fields[i]))))
			json_object_set(r, fields[i], v); /* a null text field keeps its default */
	}
	json_t *t = json_object_get(rep, "time");
	if (r && json_is_number(json_object_get(t, "wall_ms")) &&
	    json_is_number(json_object_get(t, "cpu_ms")))
		json_object_set(r, "time", t);
	json_decref(rep);
	return r;
}

/* Puts what a child printed before it died into the contract, each
 * ill-formed UTF-8 subpart replaced by U+FFFD (the child's raw bytes may
 * hold anything, or stop mid-character at the capture cap). Leaves the
 * field empty only when out of memory. */
static void keep_output(json_t *r, const char *field, const char *text, size_t len)
{
	if (!text || !len)
		return;
	size_t clean_len;
	char *clean = utf8_replace(text, len, &clean_len); /* new */
	json_t *s = clean ? json_stringn(clean, clean_len) : NULL;
	free(clean);
	if (s)
		json_object_set_new(r, field, s);
}

/* How a child that left no report ended: a status and its message. */
static json_t *contract_from_death(const struct pool_outcome *o, const struct result_context *ctx)
{
	char text[320];
	const char *status = "crashed";
	if (o->kind == OUTCOME_TIMEOUT) {
		status = "timeout";
		snprintf(text, sizeof text,
		         "Stopped after %.1f s, the wall-clock limit for one run. Look for a loop "
		         "that never ends, a long sleep, or a very large N.",
		         ctx->wall_ms / 1000.0);
	} else if (o->kind == OUTCOME_LOST) {
		snprintf(text, sizeof text,
		         "The runner restarted or could not be reached while this snippet ran, so "
		         "its result was lost. Run it again.");
	} else if (o->kind == OUTCOME_NO_RUNNER) {
		snprintf(text, sizeof text,
		         "No runner became free within %.0f s, so the snippet did not run. The "
		         "server is overloaded or restarting; try again in a moment.",
		         o->queue_ms / 1000.0);
	} else if (o->kind == OUTCOME_TOO_BIG) {
		status = "output_limit";
		snprintf(text, sizeof text,
		         "The snippet's report was larger than the server accepts. Print less, "
		         "or make objects with smaller representations.");
	} else if (WIFSIGNALED(o->wstatus)) {
		int sig = WTERMSIG(o->wstatus);
		/* RLIMIT_CPU (hard == soft) ends a run with SIGKILL. rusage samples CPU
		 * time coarsely (seen 826 ms for a 1 s limit on a loaded machine), so
		 * any SIGKILL after half the limit counts as the CPU limit: the wall
		 * limit is handled apart, and seccomp denies kill() to learner code. */
		if (sig == SIGXCPU ||
		    (sig == SIGKILL && o->cpu_ms * 2 >= ctx->cpu_seconds * 1000L)) {
			status = "timeout";
			snprintf(
			    text, sizeof text,
			    "Stopped after using %d s of CPU time, the limit for one run. Look "
			    "for a loop that never ends or a very large N.",
			    ctx->cpu_seconds);
		} else if (sig == SIGSYS) {
			snprintf(text, sizeof text,
			         "The sandbox stopped the snippet: it made a system call that "
			         "lessond forbids.");
		} else {
			snprintf(
			    text, sizeof text,
			    "The Python interpreter crashed (SIG%s). Code that touches raw memory, "
			    "such as ctypes, can do that; pure Python should not.",
			    sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
			if (sig == SIGKILL)
				snprintf(text, sizeof text,
				         "The snippet was killed by the system (SIGKILL), most "
				         "likely for using too much memory.");
		}
	} else if (WIFEXITED(o->wstatus) && WEXITSTATUS(o->wstatus) == CHILD_EXIT_SANDBOX) {
		snprintf(text, sizeof text,
		         "The sandbox could not be set up for this run, so it did not run.");
	} else {
		snprintf(text, sizeof text,
		         "The snippet ended the interpreter itself (exit status %d), for example "
		         "with os._exit(), so there is no result to show.",
		         WIFEXITED(o->wstatus) ? WEXITSTATUS(o->wstatus) : -1);
	}
	json_t *r = contract_empty(status, ctx);
	if (!r)
		return NULL;
	set_message(r, text);
	if (o->kind == OUTCOME_TOO_BIG)
		json_object_set_new(r, "truncated", json_true());
	keep_output(r, "stdout", o->stdout_text, o->stdout_len);
	keep_output(r, "stderr", o->stderr_text, o->stderr_len);
	json_object_set_new(
	    r, "time", json_pack("{s:f, s:f}", "wall_ms", o->wall_ms, "cpu_ms", (double)o->cpu_ms));
	return r;
}

json_t *result_from_outcome(const struct pool_outcome *o, const struct result_context *ctx)
{
	if (o->kind != OUTCOME_RESULT)
		return contract_from_death(o, ctx);
	json_t *r = contract_from_report(o, ctx);
	if (r)
		return r;
	r = contract_empty("crashed", ctx);
	if (r)
		set_message(r,
		            "The runner's report could not be read, so the run counts as "
		            "crashed. Run it again; if it keeps happening, simplify the snippet.");
	return r;
}
