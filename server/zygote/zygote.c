/* zygote.c: initialise CPython once, build the sandbox once, learn the pages
 * a run touches (prefault.c), then fork children on request. Each child
 * faults those pages in, enters the sandbox, waits for one job on its pipe,
 * runs it, writes the framed result and exits. The zygote never runs learner
 * code itself; it reports every child's exit status. */
#include "zygote/zygote.h"

#include "common/io.h"
#include "common/log.h"
#include "zygote/memcount.h"
#include "zygote/prefault.h"
#include "common/protocol.h"
#include "zygote/pyrun.h"
#include "sandbox/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static struct sandbox sandbox;
static unsigned required_layers;
static long output_limit;
static uint64_t heap_max; /* the largest heap limit a job may have (--memory-bytes) */

/* Moves the child's fds to their fixed numbers (protocol.h) and closes
 * everything else. Returns 0 or -1. */
static int child_arrange_fds(int job_rd, int result_wr, int out, int err)
{
	int src[5] = {job_rd, out, err, result_wr, sandbox.ruleset_fd};
	int tmp[5];
	for (int i = 0; i < 5; i++) {
		tmp[i] = src[i] < 0 ? -1 : fcntl(src[i], F_DUPFD_CLOEXEC, 64);
		if (src[i] >= 0 && tmp[i] < 0)
			return -1;
	}
	for (int i = 0; i < 5; i++)
		if (tmp[i] >= 0 && dup2(tmp[i], i) < 0)
			return -1;
	sandbox.ruleset_fd = sandbox.ruleset_fd >= 0 ? CHILD_FD_RULESET : -1;
	return (int)syscall(SYS_close_range, 5u, ~0u, 0u) == 0 ? 0 : -1;
}

/* Reads the job frame from CHILD_FD_JOB into *buf, one new buffer the
 * caller frees (code, setup and extra are borrowed from it, each NUL-terminated
 * after its length). Returns 0, or -1 on a short or malformed frame. */
static int child_read_job(char **buf, struct job_header *h, const char **code, const char **setup,
                          const char **extra)
{
	if (io_read_full(CHILD_FD_JOB, h, sizeof *h) || h->magic != JOB_MAGIC ||
	    h->code_len > (64u << 20) || h->setup_len > (64u << 20) || h->extra_len > (64u << 20))
		return -1;
	size_t total = (size_t)h->code_len + h->setup_len + h->extra_len;
	*buf = malloc(total + 1);
	if (!*buf || io_read_full(CHILD_FD_JOB, *buf, total))
		return -1;
	(*buf)[total] = '\0';
	close(CHILD_FD_JOB);
	*code = *buf;
	*setup = *buf + h->code_len;
	*extra = *buf + h->code_len + h->setup_len;
	return 0;
}

/* A job's limit: what it asks for, but never above the `most` the child
 * was forked with (the largest any job may have); 0 asks for the most. */
static uint64_t job_limit(uint64_t asked, long most)
{
	return asked == 0 || asked > (uint64_t)most ? (uint64_t)most : asked;
}

/* Lowers the child's CPU and address-space limits to this job's, hard ==
 * soft, so the learner's code cannot raise them again, and starts counting
 * the learner's heap against the job's limit (memcount.c). Returns 0 or -1. */
static int limit_job(const struct job_header *h)
{
	rlim_t cpu = (rlim_t)job_limit(h->cpu_seconds, sandbox.limits.cpu_seconds);
	struct rlimit rl = {cpu, cpu};
	if (setrlimit(RLIMIT_CPU, &rl) < 0)
		return -1;
	uint64_t heap = job_limit(h->memory_bytes, (long)heap_max);
	long space = config_address_space((long)heap);
#if defined(__SANITIZE_ADDRESS__)
	pyrun_set_memory_cap(space); /* ASan's shadow memory rules out RLIMIT_AS */
#else
	rl = (struct rlimit){(rlim_t)space, (rlim_t)space};
	if (setrlimit(RLIMIT_AS, &rl) < 0)
		return -1;
#endif
	memcount_track(heap);
	return 0;
}

/* The life of a child after fork: pages a run touches faulted in, normal
 * scheduling, sandbox, one job, result, exit. The prefault comes before the
 * sandbox because it is our own work and switching back from SCHED_BATCH
 * needs a system call the sandbox denies. */
static void child_main(int job_rd, int result_wr, int out, int err) __attribute__((noreturn));
static void child_main(int job_rd, int result_wr, int out, int err)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* A crash must end the child by its signal (reported as "crashed"),
	 * even where a sanitizer runtime installed handlers of its own. */
	const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++)
		signal(fatal[i], SIG_DFL);
	if (child_arrange_fds(job_rd, result_wr, out, err) < 0)
		_exit(CHILD_EXIT_SANDBOX);
	bool prefaulted = prefault_apply() == 0;
	/* Ready: from now on this child's job is what a request waits for,
	 * so it may preempt setup work again (see zygote_main). */
	struct sched_param normal = {0};
	sched_setscheduler(0, SCHED_OTHER, &normal);
	unsigned active = sandbox_enter(&sandbox);
	if ((active & required_layers) != required_layers)
		_exit(CHILD_EXIT_SANDBOX);
#if defined(__SANITIZE_ADDRESS__)
	pyrun_cap_memory(sandbox.limits.address_space_bytes); /* rlimits.c skips RLIMIT_AS here */
#endif
	if (!prefaulted)
		pyrun_exercise(); /* the old way: a whole run of our own */
	pyrun_prepare();

	char *buf = NULL, *json = NULL;
	const char *code, *setup, *extra;
	struct job_header h;
	size_t json_len = 0;
	if (child_read_job(&buf, &h, &code, &setup, &extra) < 0)
		_exit(CHILD_EXIT_NOJOB);
	if (limit_job(&h) < 0)
		_exit(CHILD_EXIT_SANDBOX);
	pyrun_run(code, h.code_len, setup, h.setup_len, extra, h.extra_len, output_limit, &json,
	          &json_len);
	/* No report at all means even the runner's fallback could not be
	 * allocated: the address space is exhausted. Say so without malloc. */
	static const char no_memory[] = "{\"status\":\"memory_limit\"}";
	const char *report = json ? json : no_memory;
	size_t report_len = json ? json_len : sizeof no_memory - 1;
	uint32_t len = (uint32_t)report_len;
	/* Length and report in one write when they fit the pipe, so the server
	 * wakes once; the reader handles a frame in pieces all the same. */
	struct iovec frame[2] = {{&len, sizeof len}, {(void *)(uintptr_t)report, report_len}};
	io_writev_full(CHILD_FD_RESULT, frame, 2);
	close(CHILD_FD_RESULT); /* the server has its answer now; exit is off the critical path */
	_exit(0);
}

/* Forks one waiting child and hands its pidfd and pipe ends to the server.
 * Returns 0, or -1 when fork or the hand-over failed (logged). */
static int spawn_child(int sock)
{
	int job[2], res[2];
	if (pipe2(job, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(res, O_CLOEXEC) < 0) {
		close(job[0]);
		close(job[1]);
		return -1;
	}
	/* Captured output lives in memfds the server also holds, so what a run
	 * printed before a timeout or a crash can still be shown. */
	int out = memfd_create("stdout", MFD_CLOEXEC);
	int err = memfd_create("stderr", MFD_CLOEXEC);
	pid_t pid = out < 0 || err < 0 ? -1 : pyrun_fork();
	if (pid == 0)
		child_main(job[0], res[1], out, err);
	close(job[0]);
	close(res[1]);
	int pidfd = pid < 0 ? -1 : (int)syscall(SYS_pidfd_open, pid, 0);
	struct zmsg m = {.type = ZMSG_CHILD, .pid = pid};
	int fds[ZMSG_MAX_FDS] = {pidfd, job[1], res[0], out, err};
	int rc = pidfd < 0 ? -1 : zmsg_send(sock, &m, fds, ZMSG_MAX_FDS, 0);
	if (pid < 0)
		log_error("fork: %s", strerror(errno));
	else if (rc < 0) {
		log_error("cannot hand child %d to the server: %s", (int)pid, strerror(errno));
		kill(pid, SIGKILL);
	}
	for (int i = 0; i < ZMSG_MAX_FDS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
}

/* Tells the server a requested child will not come, after a pause so a
 * persistent failure (fork refused) does not become a busy loop. */
static void report_spawn_failure(int sock)
{
	usleep(50000);
	struct zmsg m = {.type = ZMSG_CHILD, .pid = -1};
	zmsg_send(sock, &m, NULL, 0, 0);
}

/* Forks a child that only enters the sandbox and exits with the layer mask,
 * so HELLO reports exactly what a real child gets. */
static unsigned probe_layers(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit((int)sandbox_enter(&sandbox));
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return 0;
	return (unsigned)WEXITSTATUS(st);
}

/* Reaps every exited child and reports each to the server. */
static void reap_children(int sock)
{
	int st;
	struct rusage ru;
	pid_t pid;
	while ((pid = wait4(-1, &st, WNOHANG, &ru)) > 0) {
		struct zmsg m = {.type = ZMSG_EXIT, .pid = pid, .wstatus = st};
		m.cpu_us = (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec +
		           (int64_t)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
		zmsg_send(sock, &m, NULL, 0, 0);
	}
}

void zygote_main(int sock, const struct config *cfg, const char *python_home)
{
	log_set_role("zygote");
	log_threshold = cfg->log_level;
	required_layers = cfg->strict ? LAYERS_REQUIRED : 0;
	/* Forking and preparing children is work for later: SCHED_BATCH keeps
	 * it (and each new child, until it is ready) from preempting a run in
	 * flight or the server's threads when they wake. Unprivileged, and a
	 * child may switch back to SCHED_OTHER on its own. */
	struct sched_param batch = {0};
	if (sched_setscheduler(0, SCHED_BATCH, &batch) < 0)
		log_debug("SCHED_BATCH refused: %s", strerror(errno));
	output_limit = cfg->output_bytes;
	heap_max = (uint64_t)cfg->memory_bytes;
	struct pyrun_info info;
	memset(&info, 0, sizeof info);
	if (pyrun_init(&info, python_home) < 0) {
		struct zmsg fail = {.type = ZMSG_HELLO, .count = -1};
		snprintf(fail.text, sizeof fail.text, "cannot initialise Python");
		zmsg_send(sock, &fail, NULL, 0, 0);
		_exit(2);
	}
	for (int i = 0; i < info.npaths; i++)
		log_debug("read-only for children: %s", info.paths[i]);
	struct sandbox_limits limits = {.cpu_seconds = cfg->cpu_seconds,
	                                .address_space_bytes =
	                                    config_address_space(cfg->memory_bytes),
	                                .output_bytes = cfg->output_bytes,
	                                .nofile = 64};
	sandbox_build(&sandbox, (const char(*)[512])info.paths, info.npaths, &limits);

	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	int sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);

	prefault_learn();
	struct zmsg hello = {
	    .type = ZMSG_HELLO, .layers = probe_layers(), .landlock_abi = sandbox.landlock_abi};
	snprintf(hello.text, sizeof hello.text, "%s", info.version);
	if (sigfd < 0 || zmsg_send(sock, &hello, NULL, 0, 0) < 0)
		_exit(2);
	log_info("python %s ready, %d read-only paths, landlock ABI %d", info.version, info.npaths,
	         sandbox.landlock_abi);

	for (;;) {
		struct pollfd p[2] = {{sock, POLLIN, 0}, {sigfd, POLLIN, 0}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(2);
		}
		if (p[1].revents) {
			struct signalfd_siginfo si;
			while (read(sigfd, &si, sizeof si) > 0)
				;
			reap_children(sock);
		}
		if (p[0].revents & POLLIN) {
			struct zmsg m;
			int fds[ZMSG_MAX_FDS], nfds;
			int rc = zmsg_recv(sock, &m, fds, &nfds, 0);
			for (int i = 0; i < nfds; i++)
				close(fds[i]); /* the server sends none; never keep one */
			if (rc == 0)
				_exit(0);
			if (rc == 1 && m.type == ZMSG_WANT)
				for (int i = 0; i < m.count && i < 4096; i++)
					if (spawn_child(sock) < 0)
						report_spawn_failure(sock);
		} else if (p[0].revents & (POLLHUP | POLLERR)) {
			_exit(0);
		}
	}
}

int zygote_command(int argc, char **argv)
{
	static const char home_flag[] = "--python-home=";
	const char *home = NULL;
	if (argc > 2 && strncmp(argv[2], home_flag, sizeof home_flag - 1) == 0) {
		home = argv[2] + sizeof home_flag - 1;
		argv[2] = argv[1]; /* config_parse skips argv[0]: drop the flag */
		argc--;
		argv++;
	}
	struct config cfg;
	char err[256];
	if (config_parse(&cfg, argc - 1, argv + 1, NULL, err, sizeof err) != CONFIG_OK) {
		fprintf(stderr, "lessond --zygote: %s\n", err);
		return 2;
	}
	zygote_main(3, &cfg, home);
}
