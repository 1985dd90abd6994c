/* spawn.c: fork+exec of the zygote: lessond itself, or a tree's zygote
 * through the tree's own dynamic loader (pythons.h). */
#include "pool/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

#define ZYGOTE_ARGS    16
#define ZYGOTE_ENV     8
#define ZYGOTE_ARG_MAX 4096

/* Fills argv (pointing into `store`) with the zygote's command line, and
 * path with the file to execute. A tree's zygote runs under the tree's
 * loader, which finds every library in the tree's own directories (never
 * in this machine's ld.so.cache), and gets the tree's usr/ as its home:
 * `TREE/lib64/ld-linux-x86-64.so.2 --inhibit-cache --library-path
 * TREE/lib/x86_64-linux-gnu:TREE/usr/lib/x86_64-linux-gnu ZYGOTE --zygote
 * --python-home=TREE/usr ...`. */
static void zygote_argv(const struct config *cfg, const struct python *py, char *path,
                        char *argv[ZYGOTE_ARGS], char store[ZYGOTE_ARGS][ZYGOTE_ARG_MAX])
{
	static const char *const levels[] = {"error", "warn", "info", "debug"};
	int n = 0;
	if (*py->tree) {
		snprintf(path, ZYGOTE_ARG_MAX, "%s/" PYTHON_TREE_LOADER, py->tree);
		snprintf(store[n++], ZYGOTE_ARG_MAX, "%s", path);
		snprintf(store[n++], ZYGOTE_ARG_MAX, "--inhibit-cache");
		snprintf(store[n++], ZYGOTE_ARG_MAX, "--library-path");
		snprintf(store[n++], ZYGOTE_ARG_MAX,
		         "%s/lib/" PYTHON_TREE_MULTIARCH ":%s/usr/lib/" PYTHON_TREE_MULTIARCH,
		         py->tree, py->tree);
	} else {
		snprintf(path, ZYGOTE_ARG_MAX, "%s", py->exe);
	}
	snprintf(store[n++], ZYGOTE_ARG_MAX, "%s", py->exe);
	snprintf(store[n++], ZYGOTE_ARG_MAX, "--zygote");
	if (*py->tree)
		snprintf(store[n++], ZYGOTE_ARG_MAX, "--python-home=%s/usr", py->tree);
	snprintf(store[n++], ZYGOTE_ARG_MAX, "--cpu-seconds=%d",
	         cfg->cpu_seconds > cfg->experiment_cpu_seconds ? cfg->cpu_seconds
	                                                        : cfg->experiment_cpu_seconds);
	snprintf(store[n++], ZYGOTE_ARG_MAX, "--memory-bytes=%ld",
	         cfg->memory_bytes > cfg->experiment_memory_bytes ? cfg->memory_bytes
	                                                          : cfg->experiment_memory_bytes);
	snprintf(store[n++], ZYGOTE_ARG_MAX, "--output-bytes=%ld", cfg->output_bytes);
	snprintf(store[n++], ZYGOTE_ARG_MAX, "--log-level=%s", levels[cfg->log_level]);
	if (!cfg->strict)
		snprintf(store[n++], ZYGOTE_ARG_MAX, "--allow-weak-sandbox");
	for (int i = 0; i < n; i++)
		argv[i] = store[i];
	argv[n] = NULL;
}

/* Keeps only sanitizer settings from the server's environment. */
static void zygote_env(char *envp[ZYGOTE_ENV])
{
	int n = 0;
	for (char **e = environ; *e && n < ZYGOTE_ENV - 1; e++)
		if (!strncmp(*e, "ASAN_OPTIONS=", 13) || !strncmp(*e, "UBSAN_OPTIONS=", 14) ||
		    !strncmp(*e, "LSAN_OPTIONS=", 13))
			envp[n++] = *e;
	envp[n] = NULL;
}

/* In the new process: arrange fds and exec. Async-signal-safe only. */
static void exec_zygote(int sock, const char *exe, char *const argv[], char *const envp[])
    __attribute__((noreturn));
static void exec_zygote(int sock, const char *exe, char *const argv[], char *const envp[])
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int devnull = open("/dev/null", O_RDWR);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0)
		_exit(127);
	if (sock == 3 ? fcntl(3, F_SETFD, 0) < 0 : dup2(sock, 3) < 0)
		_exit(127);
	syscall(SYS_close_range, 4u, ~0u, 0u);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(exe, argv, envp);
	_exit(127);
}

int spawn_zygote(const struct config *cfg, const struct python *py, struct spawned *out)
{
	char store[ZYGOTE_ARGS][ZYGOTE_ARG_MAX];
	char *argv[ZYGOTE_ARGS + 2];
	char *envp[ZYGOTE_ENV];
	char exe[ZYGOTE_ARG_MAX];
	int sv[2];
	zygote_argv(cfg, py, exe, argv, store);
	zygote_env(envp);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	/* Block signals so no handler of ours runs in the child before exec. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	out->pidns = true;
	long pid = syscall(SYS_clone, (unsigned long)(SIGCHLD | CLONE_NEWPID), NULL, NULL, NULL, 0);
	/* Any refusal (EPERM without the capability, ENOSYS from a container's
	 * seccomp profile, EINVAL, ENOSPC) means no PID namespace, not no zygote:
	 * a plain fork is tried, and its own error is what counts. */
	if (pid < 0) {
		out->pidns = false;
		pid = fork();
	}
	if (pid == 0)
		exec_zygote(sv[1], exe, argv, envp);
	int saved = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -saved;
	}
	out->pid = (pid_t)pid;
	out->sock = sv[0];
	return 0;
}
