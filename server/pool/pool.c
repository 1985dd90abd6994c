/* pool.c: the slot and job state machine, and the pool thread. One epoll
 * loop watches the zygote socket (zlink.h, which owns the zygote), the
 * result pipe of every child, pending job writes, and the wall-clock
 * deadlines; it hands queued runs to waiting children, fairly between
 * clients (fairq.h), lowers the priority of runs that burn CPU so short runs
 * go first (demote.h), and reports outcomes. This file owns the slots (each
 * child's fds and buffers), the jobs (until their done callback returns)
 * and the queue. All child state is touched only by this thread; `lock`
 * guards the queue and the counters other threads read. */
#include "pool/pool.h"

#include "common/log.h"
#include "common/protocol.h"
#include "pool/demote.h"
#include "pool/fairq.h"
#include "pool/zlink.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_GRACE_MS 2000.0 /* how long a dead child's exit status may take */
#define CPU_CHECK_MS  5.0    /* how often a running child's CPU use is read */

enum tag_kind { TAG_WAKE, TAG_ZYGOTE, TAG_RESULT, TAG_JOB };
enum slot_state { SLOT_FREE, SLOT_IDLE, SLOT_RUNNING, SLOT_AWAIT_EXIT };

struct child;
struct tag {
	enum tag_kind kind;
	struct child *child;
};

struct job {
	char *frame; /* job_header + code + setup */
	size_t len, off;
	pool_done_fn done;
	void *user;
	double submitted;
	char client[FAIRQ_KEY_MAX]; /* whose run: the fair queue's key */
	bool dispatched;            /* popped from the queue, so counted as running */
	bool never_idle;            /* an experiment point (run_input.never_idle) */
	int wall_ms;                /* its wall-clock limit (run_input.wall_ms) */
	bool whole_cpu;             /* answered after the child's exit (run_input.whole_cpu) */
};

struct child {
	struct tag result_tag, job_tag;
	enum slot_state state;
	pid_t pid;           /* in the zygote's PID namespace */
	pid_t host_pid;      /* as this process sees it (for /proc and scheduling), or 0 */
	unsigned generation; /* which zygote forked it */
	int pidfd, job_wr, result_rd;
	int out_fd, err_fd; /* the child's stdout and stderr memfds */
	struct job *job;
	char *buf;
	size_t buf_len, buf_cap;
	double started, deadline;
	double cpu_check;      /* when to read its CPU use next; 0 when done or never */
	enum demotion demoted; /* how far it has dropped */
	bool exited;
	int wstatus;
	long cpu_ms;
	bool held; /* its whole result frame is in buf, waiting for the exit (hold_result) */
	uint32_t held_len; /* the frame's length after its length prefix */
	double held_at;    /* when the frame was whole: the end of the run's wall time */
};

struct pool {
	const struct config *cfg;
	pthread_t thread;
	int epfd, wake_fd;
	struct tag wake_tag, zygote_tag;
	struct zlink link; /* the zygote, its socket and its generation */
	struct child *slots;
	int nslots;
	size_t result_cap;
	double queue_wait_ms; /* longest a run may wait for a child */

	pthread_mutex_t lock; /* guards everything below */
	struct fairq *queue;
	bool stopping;
	struct pool_stats stats;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Updates counters other threads read. */
static void stats_update(struct pool *p)
{
	int ready = 0, busy = 0;
	for (int i = 0; i < p->nslots; i++) {
		ready += p->slots[i].state == SLOT_IDLE;
		busy += p->slots[i].state == SLOT_RUNNING || p->slots[i].state == SLOT_AWAIT_EXIT;
	}
	pthread_mutex_lock(&p->lock);
	p->stats.ready = ready;
	p->stats.in_flight = busy;
	p->stats.zygote_pid = p->link.zygote.pid;
	pthread_mutex_unlock(&p->lock);
}

/* Asks the zygote for enough children to keep pool_size waiting. */
static void ensure_supply(struct pool *p)
{
	int idle = 0;
	for (int i = 0; i < p->nslots; i++)
		idle += p->slots[i].state == SLOT_IDLE;
	zlink_want(&p->link, p->cfg->pool_size - idle - p->link.requested);
}

/* Closes a child's fds and frees its slot. The job must already be answered. */
static void slot_release(struct pool *p, struct child *c)
{
	if (c->result_rd >= 0) {
		epoll_ctl(p->epfd, EPOLL_CTL_DEL, c->result_rd, NULL);
		close(c->result_rd);
	}
	if (c->job_wr >= 0) {
		epoll_ctl(p->epfd, EPOLL_CTL_DEL, c->job_wr, NULL);
		close(c->job_wr);
	}
	int fds[3] = {c->pidfd, c->out_fd, c->err_fd};
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(c->buf);
	memset(c, 0, sizeof *c);
	c->state = SLOT_FREE;
	c->pidfd = c->job_wr = c->result_rd = c->out_fd = c->err_fd = -1;
}

/* Reads up to `cap` bytes a dead child wrote to one of its memfds; returns
 * a new buffer (caller frees) or NULL when there is nothing. */
static char *read_capture(int fd, size_t cap, size_t *len)
{
	char *buf = fd >= 0 && cap ? malloc(cap) : NULL;
	ssize_t n = buf ? pread(fd, buf, cap, 0) : -1;
	if (n <= 0) {
		free(buf);
		*len = 0;
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

/* Answers the child's job with `o` and releases the slot. A child that left
 * no report may still have printed something: that output goes along. */
static void child_finish(struct pool *p, struct child *c, struct pool_outcome *o)
{
	struct job *job = c->job;
	char *out = NULL, *err = NULL;
	o->wall_ms = (c->held ? c->held_at : now_ms()) - c->started;
	o->queue_ms = c->started - job->submitted;
	if (o->kind != OUTCOME_RESULT) {
		size_t cap = (size_t)p->cfg->output_bytes;
		out = read_capture(c->out_fd, cap, &o->stdout_len);
		err = read_capture(c->err_fd, cap, &o->stderr_len);
		o->stdout_text = out;
		o->stderr_text = err;
	}
	pthread_mutex_lock(&p->lock);
	p->stats.runs++; /* counted before the answer leaves, so /api/health never lags it */
	if (p->stats.in_flight > 0)
		p->stats.in_flight--; /* likewise; stats_update recounts after the loop */
	if (job->dispatched)
		fairq_done(p->queue, job->client);
	pthread_mutex_unlock(&p->lock);
	job->done(job->user, o);
	free(out);
	free(err);
	free(job->frame);
	free(job);
	c->job = NULL;
	slot_release(p, c);
}

/* Answers a held result (hold_result) with the frame it kept and cpu_ms:
 * the child's whole CPU time, or -1 when the zygote never said. */
static void finish_held(struct pool *p, struct child *c, long cpu_ms)
{
	struct pool_outcome o = {.kind = OUTCOME_RESULT,
	                         .json = c->buf + sizeof c->held_len,
	                         .json_len = c->held_len,
	                         .cpu_ms = cpu_ms};
	child_finish(p, c, &o);
}

/* A run that asked for its child's whole CPU time (run_input.whole_cpu)
 * has its whole frame (len bytes after the prefix, in c->buf): keeps it and
 * waits for the zygote to report the exit (child_exited), at most
 * EXIT_GRACE_MS. Answers at once, with cpu_ms -1, when the zygote that
 * forked the child is gone and that word can never come. */
static void hold_result(struct pool *p, struct child *c, uint32_t len)
{
	c->held = true;
	c->held_len = len;
	c->held_at = now_ms();
	if (c->generation != p->link.generation || !zlink_up(&p->link)) {
		finish_held(p, c, -1);
		return;
	}
	c->state = SLOT_AWAIT_EXIT;
	c->deadline = c->held_at + EXIT_GRACE_MS;
	epoll_ctl(p->epfd, EPOLL_CTL_DEL, c->result_rd, NULL);
	close(c->result_rd);
	c->result_rd = -1;
}

/* A child ended without a result: report how, or wait a little for the
 * zygote to say how. */
static void child_died(struct pool *p, struct child *c)
{
	if (c->state == SLOT_IDLE) {
		slot_release(p, c);
		return;
	}
	/* Only the zygote that forked it can say how it ended: once that one is
	 * gone (replaced, or none yet), that word never comes. */
	if (c->exited || c->generation != p->link.generation || !zlink_up(&p->link)) {
		struct pool_outcome o = {.kind = c->exited ? OUTCOME_DIED : OUTCOME_LOST,
		                         .wstatus = c->wstatus,
		                         .cpu_ms = c->cpu_ms};
		child_finish(p, c, &o);
		return;
	}
	c->state = SLOT_AWAIT_EXIT;
	c->deadline = now_ms() + EXIT_GRACE_MS;
	if (c->result_rd >= 0) {
		epoll_ctl(p->epfd, EPOLL_CTL_DEL, c->result_rd, NULL);
		close(c->result_rd);
		c->result_rd = -1;
	}
}

/* Kills a child that broke the result protocol (oversized or unasked-for
 * output) and answers its job, if any, with OUTCOME_TOO_BIG. */
static void child_reject(struct pool *p, struct child *c)
{
	syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
	struct pool_outcome o = {.kind = OUTCOME_TOO_BIG};
	if (c->state == SLOT_RUNNING)
		child_finish(p, c, &o);
	else
		slot_release(p, c);
}

/* Reads what a child has written; finishes the job once the frame is whole. */
static void child_readable(struct pool *p, struct child *c)
{
	for (;;) {
		if (c->buf_len == c->buf_cap) {
			size_t cap = c->buf_cap ? c->buf_cap * 2 : 16384;
			char *nb = cap <= p->result_cap * 2 ? realloc(c->buf, cap) : NULL;
			if (!nb) {
				child_reject(p, c);
				return;
			}
			c->buf = nb;
			c->buf_cap = cap;
		}
		ssize_t n = read(c->result_rd, c->buf + c->buf_len, c->buf_cap - c->buf_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			child_died(p, c);
			return;
		}
		c->buf_len += (size_t)n;
		uint32_t len;
		if (c->state != SLOT_RUNNING) { /* an idle child must not talk */
			child_reject(p, c);
			return;
		}
		if (c->buf_len < sizeof len)
			continue;
		memcpy(&len, c->buf, sizeof len);
		if (len > p->result_cap) {
			child_reject(p, c);
			return;
		}
		if (c->buf_len >= sizeof len + len) {
			if (c->job->whole_cpu && !c->exited) {
				hold_result(p, c, len);
				return;
			}
			struct pool_outcome o = {.kind = OUTCOME_RESULT,
			                         .json = c->buf + sizeof len,
			                         .json_len = len,
			                         .cpu_ms = c->job->whole_cpu ? c->cpu_ms : 0};
			child_finish(p, c, &o);
			return;
		}
	}
}

/* Continues writing the job frame; closes the pipe when done so the child
 * sees the end of its input. When the pipe is full and cannot be watched,
 * kills the child and answers its job as lost (the slot is then free). */
static void child_writable(struct pool *p, struct child *c)
{
	struct job *job = c->job;
	while (job->off < job->len) {
		ssize_t n = write(c->job_wr, job->frame + job->off, job->len - job->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = &c->job_tag};
			if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, c->job_wr, &ev) == 0 ||
			    (errno == EEXIST &&
			     epoll_ctl(p->epfd, EPOLL_CTL_MOD, c->job_wr, &ev) == 0))
				return;
			/* The rest of the job could never be written: the child would wait
			 * for it until the wall limit. */
			log_error("cannot watch the job pipe of child %d: %s; killing it",
			          (int)c->pid, strerror(errno));
			syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
			struct pool_outcome o = {.kind = OUTCOME_LOST};
			child_finish(p, c, &o);
			return;
		}
		if (n <= 0)
			break; /* the child is gone; its result pipe will say so */
		job->off += (size_t)n;
	}
	epoll_ctl(p->epfd, EPOLL_CTL_DEL, c->job_wr, NULL);
	close(c->job_wr);
	c->job_wr = -1;
}

/* Hands queued jobs to waiting children, at most runs_max runs at once and
 * clients in turn (fairq_pop). */
static void dispatch(struct pool *p)
{
	int running = 0;
	for (int i = 0; i < p->nslots; i++)
		running +=
		    p->slots[i].state == SLOT_RUNNING || p->slots[i].state == SLOT_AWAIT_EXIT;
	for (int i = 0; i < p->nslots && running < p->cfg->runs_max; i++) {
		struct child *c = &p->slots[i];
		if (c->state != SLOT_IDLE || c->generation != p->link.generation)
			continue;
		running++;
		pthread_mutex_lock(&p->lock);
		struct job *job = fairq_pop(p->queue);
		p->stats.queued = fairq_len(p->queue);
		p->stats.clients = fairq_clients(p->queue);
		pthread_mutex_unlock(&p->lock);
		if (!job)
			break;
		job->dispatched = true;
		c->job = job;
		c->state = SLOT_RUNNING;
		c->started = now_ms();
		c->deadline = c->started + (job->wall_ms > 0 ? job->wall_ms : p->cfg->wall_ms);
		c->demoted = DEMOTE_NONE;
		c->cpu_check =
		    p->cfg->demote_cpu_ms > 0 && c->host_pid > 0 ? c->started + CPU_CHECK_MS : 0;
		child_writable(p, c);
	}
	ensure_supply(p);
}

/* Reads a running child's CPU use and drops it a level when it has earned
 * it (demote.h); schedules the next reading unless it cannot drop further. */
static void check_cpu(struct pool *p, struct child *c, double now)
{
	double used = demote_cpu_ms(c->host_pid);
	if (used < 0) {
		c->cpu_check = 0;
		return;
	}
	int idle_ms = p->cfg->idle_cpu_ms;
	if (c->job->never_idle)
		idle_ms = 0; /* a lesson's experiment point may rightly run long */
	enum demotion want = demote_level(used, p->cfg->demote_cpu_ms, idle_ms);
	if (want > c->demoted) {
		demote_apply(c->host_pid, want);
		pthread_mutex_lock(&p->lock);
		if (c->demoted == DEMOTE_NONE)
			p->stats.demoted++;
		if (want == DEMOTE_IDLE)
			p->stats.idled++;
		pthread_mutex_unlock(&p->lock);
		c->demoted = want;
	}
	bool last = c->demoted == DEMOTE_IDLE || (c->demoted && idle_ms <= 0);
	c->cpu_check = last ? 0 : now + CPU_CHECK_MS;
}

/* Takes a waiting child from the zygote into a free slot, watching its
 * result pipe; a child that cannot be watched is killed and its slot freed
 * at once (logged), so it is never handed a job. Takes the fds. */
static void adopt_child(struct pool *p, pid_t pid, const int fds[ZMSG_MAX_FDS])
{
	struct child *c = NULL;
	for (int i = 0; i < p->nslots && !c; i++)
		if (p->slots[i].state == SLOT_FREE)
			c = &p->slots[i];
	if (!c) {
		syscall(SYS_pidfd_send_signal, fds[0], SIGKILL, NULL, 0);
		for (int i = 0; i < ZMSG_MAX_FDS; i++)
			close(fds[i]);
		return;
	}
	c->state = SLOT_IDLE;
	c->pid = pid;
	c->generation = p->link.generation;
	c->pidfd = fds[0];
	c->host_pid = demote_host_pid(fds[0]);
	c->job_wr = fds[1];
	c->result_rd = fds[2];
	c->out_fd = fds[3];
	c->err_fd = fds[4];
	c->result_tag = (struct tag){TAG_RESULT, c};
	c->job_tag = (struct tag){TAG_JOB, c};
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = &c->result_tag};
	if (fcntl(c->job_wr, F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(c->result_rd, F_SETFL, O_NONBLOCK) < 0 ||
	    epoll_ctl(p->epfd, EPOLL_CTL_ADD, c->result_rd, &ev) < 0) {
		/* Its result would never be seen: a run given to it would end as a
		 * false timeout. ensure_supply asks for another. */
		log_error("cannot watch child %d: %s; killing it", (int)pid, strerror(errno));
		syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
		slot_release(p, c);
	}
}

/* Records a reaped child's status; finishes its job if it was waiting for it. */
static void child_exited(struct pool *p, const struct zmsg *m)
{
	for (int i = 0; i < p->nslots; i++) {
		struct child *c = &p->slots[i];
		if (c->state == SLOT_FREE || c->pid != m->pid ||
		    c->generation != p->link.generation)
			continue;
		c->exited = true;
		c->wstatus = m->wstatus;
		c->cpu_ms = (long)(m->cpu_us / 1000);
		if (c->state == SLOT_AWAIT_EXIT && c->held) {
			finish_held(p, c, c->cpu_ms);
		} else if (c->state == SLOT_AWAIT_EXIT) {
			struct pool_outcome o = {
			    .kind = OUTCOME_DIED, .wstatus = c->wstatus, .cpu_ms = c->cpu_ms};
			child_finish(p, c, &o);
		}
		return;
	}
}

/* The zygote went away: drop its idle children, answer runs that waited
 * for an exit status only it could give; zlink schedules another, which
 * the loop starts when it is due (runs keep their deadlines meanwhile). */
static void zygote_lost(struct pool *p)
{
	zlink_lost(&p->link, now_ms());
	for (int i = 0; i < p->nslots; i++) {
		struct child *c = &p->slots[i];
		if (c->state == SLOT_IDLE) {
			syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
			slot_release(p, c);
		} else if (c->state == SLOT_AWAIT_EXIT && c->held) {
			finish_held(p, c, -1);
		} else if (c->state == SLOT_AWAIT_EXIT) {
			struct pool_outcome o = {.kind = OUTCOME_LOST};
			child_finish(p, c, &o);
		}
	}
	pthread_mutex_lock(&p->lock);
	p->stats.zygote_restarts++;
	pthread_mutex_unlock(&p->lock);
}

/* Handles every message the zygote has sent. */
static void zygote_readable(struct pool *p)
{
	struct zmsg m;
	int fds[ZMSG_MAX_FDS], nfds;
	enum zlink_recv r;
	while ((r = zlink_recv(&p->link, &m, fds, &nfds)) == ZLINK_MSG) {
		if (m.type == ZMSG_CHILD && nfds == ZMSG_MAX_FDS) {
			adopt_child(p, m.pid, fds);
			continue;
		}
		if (m.type == ZMSG_CHILD)
			log_warn("the zygote could not fork a child; asking again");
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		if (m.type == ZMSG_EXIT)
			child_exited(p, &m);
	}
	if (r == ZLINK_LOST)
		zygote_lost(p);
}

/* Answers queued runs that waited longer than queue_wait_ms for a child
 * (the zygote cannot fork or start, or every child is stuck): never an
 * endless wait. When stopping without a zygote, none will come: every
 * queued run is answered at once. */
static void expire_queue(struct pool *p, double now)
{
	bool up = zlink_up(&p->link);
	for (;;) {
		pthread_mutex_lock(&p->lock);
		double before = p->stopping && !up ? now + 1 : now - p->queue_wait_ms;
		struct job *job = fairq_expire(p->queue, before);
		p->stats.queued = fairq_len(p->queue);
		p->stats.clients = fairq_clients(p->queue);
		pthread_mutex_unlock(&p->lock);
		if (!job)
			return;
		struct pool_outcome o = {.kind = OUTCOME_NO_RUNNER,
		                         .queue_ms = now - job->submitted};
		job->done(job->user, &o);
		free(job->frame);
		free(job);
	}
}

/* Kills children past their wall limit; gives up on exits that never came;
 * demotes runs that burn CPU. */
static void check_deadlines(struct pool *p, double now)
{
	expire_queue(p, now);
	for (int i = 0; i < p->nslots; i++) {
		struct child *c = &p->slots[i];
		if (c->state == SLOT_RUNNING && c->cpu_check > 0 && now >= c->cpu_check)
			check_cpu(p, c, now);
		if (c->state == SLOT_RUNNING && now >= c->deadline) {
			syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
			struct pool_outcome o = {.kind = OUTCOME_TIMEOUT};
			child_finish(p, c, &o);
		} else if (c->state == SLOT_AWAIT_EXIT && now >= c->deadline && c->held) {
			finish_held(p, c, -1);
		} else if (c->state == SLOT_AWAIT_EXIT && now >= c->deadline) {
			struct pool_outcome o = {.kind = OUTCOME_LOST};
			child_finish(p, c, &o);
		}
	}
}

/* Keeps the nearer of *best and `left` (ms from now; negative when already
 * overdue). *any says whether *best holds one yet. */
static void nearest(bool *any, double *best, double left)
{
	if (!*any || left < *best)
		*best = left;
	*any = true;
}

/* Milliseconds until the nearest deadline (a run's, its next CPU reading,
 * a queued run's expiry, or the next zygote start): 0 when one is overdue,
 * -1 only when there is none. */
static int next_timeout(struct pool *p, double now)
{
	bool any = false;
	double best = 0, start = zlink_timeout_ms(&p->link, now);
	if (start >= 0)
		nearest(&any, &best, start);
	for (int i = 0; i < p->nslots; i++) {
		const struct child *c = &p->slots[i];
		if (c->state != SLOT_RUNNING && c->state != SLOT_AWAIT_EXIT)
			continue;
		nearest(&any, &best, c->deadline - now);
		if (c->state == SLOT_RUNNING && c->cpu_check > 0)
			nearest(&any, &best, c->cpu_check - now);
	}
	pthread_mutex_lock(&p->lock);
	double oldest = fairq_oldest(p->queue);
	pthread_mutex_unlock(&p->lock);
	if (oldest >= 0)
		nearest(&any, &best, oldest + p->queue_wait_ms - now);
	if (!any)
		return -1;
	return best <= 0 ? 0 : (int)best + 1;
}

/* True when stopping and nothing is left to answer. */
static bool drained(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	bool done = p->stopping && fairq_len(p->queue) == 0;
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; done && i < p->nslots; i++)
		if (p->slots[i].state == SLOT_RUNNING || p->slots[i].state == SLOT_AWAIT_EXIT)
			done = false;
	return done;
}

static void *pool_thread(void *arg)
{
	struct pool *p = arg;
	struct epoll_event evs[64];
	ensure_supply(p);
	while (!drained(p)) {
		int n = epoll_wait(p->epfd, evs, 64, next_timeout(p, now_ms()));
		for (int i = 0; i < n; i++) {
			struct tag *t = evs[i].data.ptr;
			if (t->kind == TAG_WAKE) {
				uint64_t v;
				ssize_t r = read(p->wake_fd, &v, sizeof v);
				(void)r;
			} else if (t->kind == TAG_ZYGOTE) {
				zygote_readable(p);
			} else if (t->kind == TAG_RESULT && t->child->state != SLOT_FREE) {
				child_readable(p, t->child);
			} else if (t->kind == TAG_JOB && t->child->job) {
				child_writable(p, t->child);
			}
		}
		double now = now_ms();
		pthread_mutex_lock(&p->lock);
		bool stopping = p->stopping;
		pthread_mutex_unlock(&p->lock);
		if (!stopping) /* a stopping pool starts no zygote: queued runs are answered */
			zlink_tick(&p->link, now);
		check_deadlines(p, now);
		dispatch(p);
		stats_update(p);
	}
	return NULL;
}

struct pool *pool_start(const struct config *cfg, const struct python *py, char *err, size_t errlen)
{
	struct pool *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->cfg = cfg;
	p->nslots = cfg->runs_max + cfg->pool_size * 2 + 8;
	p->slots = calloc((size_t)p->nslots, sizeof *p->slots);
	p->result_cap = (size_t)cfg->output_bytes * 6 + (1u << 20);
	/* A learner's runs past its share wait their turn: up to client_queue /
	 * client_runs rounds of the longer wall limit each (experiment points
	 * may take longer), plus slack for a busy pool. */
	int wall = cfg->wall_ms > cfg->experiment_wall_ms ? cfg->wall_ms : cfg->experiment_wall_ms;
	p->queue_wait_ms = ((double)cfg->client_queue / cfg->client_runs + 2.0) * wall + 10000.0;
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	p->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->wake_tag.kind = TAG_WAKE;
	p->zygote_tag.kind = TAG_ZYGOTE;
	zlink_init(&p->link, cfg, py, p->epfd, &p->zygote_tag);
	pthread_mutex_init(&p->lock, NULL);
	p->stats.pool_size = cfg->pool_size;
	p->stats.runs_max = cfg->runs_max;
	p->stats.queue_max = (size_t)cfg->queue_max;
	p->queue = fairq_new((size_t)cfg->queue_max, (size_t)cfg->client_queue, cfg->client_runs);
	if (!p->slots || p->epfd < 0 || p->wake_fd < 0 || !p->queue) {
		snprintf(err, errlen, "cannot allocate the pool: %s", strerror(errno));
		goto fail;
	}
	for (int i = 0; i < p->nslots; i++)
		p->slots[i].pidfd = p->slots[i].job_wr = p->slots[i].result_rd =
		    p->slots[i].out_fd = p->slots[i].err_fd = -1;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &p->wake_tag};
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->wake_fd, &ev) < 0) {
		/* Unwatched, a submitted run would wait for some other event. */
		snprintf(err, errlen, "cannot watch the pool's wake-up eventfd: %s",
		         strerror(errno));
		goto fail;
	}
	int rc = zlink_start(&p->link);
	if (rc < 0) {
		snprintf(err, errlen, "cannot start the zygote: %s", strerror(-rc));
		goto fail;
	}
	struct zlink_hello hello;
	if (zlink_await_hello(&p->link, &hello, err, errlen) < 0)
		goto fail;
	p->stats.layers = hello.layers;
	p->stats.landlock_abi = hello.landlock_abi;
	memcpy(p->stats.python, hello.python, sizeof p->stats.python);
	p->stats.zygote_pid = p->link.zygote.pid;
	if (pthread_create(&p->thread, NULL, pool_thread, p) != 0) {
		snprintf(err, errlen, "cannot start the pool thread");
		goto fail;
	}
	return p;
fail:
	zlink_stop(&p->link);
	if (p->epfd >= 0)
		close(p->epfd);
	if (p->wake_fd >= 0)
		close(p->wake_fd);
	fairq_free(p->queue);
	free(p->slots);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return NULL;
}

/* Builds the job frame (header, code, setup, extra) in one buffer. */
static struct job *job_new(const struct run_input *in)
{
	struct job *job = calloc(1, sizeof *job);
	struct job_header h = {JOB_MAGIC,
	                       (uint32_t)in->code_len,
	                       (uint32_t)in->setup_len,
	                       (uint32_t)in->extra_len,
	                       (uint64_t)in->memory_bytes,
	                       (uint32_t)in->cpu_seconds,
	                       0};
	if (!job)
		return NULL;
	job->len = sizeof h + in->code_len + in->setup_len + in->extra_len;
	job->frame = malloc(job->len);
	if (!job->frame) {
		free(job);
		return NULL;
	}
	char *at = job->frame;
	memcpy(at, &h, sizeof h);
	at += sizeof h;
	memcpy(at, in->code, in->code_len);
	at += in->code_len;
	if (in->setup_len)
		memcpy(at, in->setup, in->setup_len);
	at += in->setup_len;
	if (in->extra_len)
		memcpy(at, in->extra, in->extra_len);
	job->submitted = now_ms();
	snprintf(job->client, sizeof job->client, "%s", in->client ? in->client : "");
	job->never_idle = in->never_idle;
	job->wall_ms = in->wall_ms;
	job->whole_cpu = in->whole_cpu;
	return job;
}

enum pool_submit_result pool_submit(struct pool *p, const struct run_input *in, pool_done_fn done,
                                    void *user)
{
	if (!p)
		return POOL_NO_POOL;
	struct job *job = job_new(in);
	if (!job)
		return POOL_NOMEM;
	job->done = done;
	job->user = user;
	enum pool_submit_result rc = POOL_QUEUED;
	pthread_mutex_lock(&p->lock);
	if (p->stopping) {
		rc = POOL_STOPPING;
	} else {
		enum fairq_push_result pr = fairq_push(p->queue, job->client, job, job->submitted);
		rc = pr == FAIRQ_OK            ? POOL_QUEUED
		     : pr == FAIRQ_FULL        ? POOL_FULL
		     : pr == FAIRQ_CLIENT_FULL ? POOL_CLIENT_FULL
		                               : POOL_NOMEM;
		p->stats.queued = fairq_len(p->queue);
		p->stats.clients = fairq_clients(p->queue);
	}
	pthread_mutex_unlock(&p->lock);
	if (rc != POOL_QUEUED) {
		free(job->frame);
		free(job);
		return rc;
	}
	uint64_t one = 1;
	ssize_t w = write(p->wake_fd, &one, sizeof one);
	(void)w;
	return rc;
}

void pool_stats(struct pool *p, struct pool_stats *out)
{
	if (!p) {
		memset(out, 0, sizeof *out);
		return;
	}
	pthread_mutex_lock(&p->lock);
	*out = p->stats;
	pthread_mutex_unlock(&p->lock);
}

void pool_stop(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_mutex_unlock(&p->lock);
	uint64_t one = 1;
	ssize_t w = write(p->wake_fd, &one, sizeof one);
	(void)w;
	pthread_join(p->thread, NULL);
	for (int i = 0; i < p->nslots; i++)
		if (p->slots[i].state != SLOT_FREE)
			slot_release(p, &p->slots[i]);
	zlink_stop(&p->link);
	close(p->epfd);
	close(p->wake_fd);
	fairq_free(p->queue);
	free(p->slots);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
