/* demote.c: reading a child's CPU use from /proc and lowering its priority
 * (see demote.h). */
#include "pool/demote.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

enum demotion demote_level(double used_ms, int demote_ms, int idle_ms)
{
	if (idle_ms > 0 && used_ms >= idle_ms)
		return DEMOTE_IDLE;
	if (demote_ms > 0 && used_ms >= demote_ms)
		return DEMOTE_NICE;
	return DEMOTE_NONE;
}

pid_t demote_host_pid(int pidfd)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *at = strstr(buf, "\nPid:");
	long pid = at ? strtol(at + 5, NULL, 10) : 0;
	return pid > 0 ? (pid_t)pid : 0;
}

/* Calls fn(pid, tid, arg) for every thread of pid. Returns -1 when the
 * process is gone, else 0. */
static int each_thread(pid_t pid, void (*fn)(pid_t pid, long tid, void *arg), void *arg)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	DIR *dir = opendir(path);
	if (!dir)
		return -1;
	struct dirent *d;
	while ((d = readdir(dir))) {
		long tid = strtol(d->d_name, NULL, 10);
		if (tid > 0)
			fn(pid, tid, arg);
	}
	closedir(dir);
	return 0;
}

/* Adds one thread's time on the CPU (schedstat's first field, ns) to *arg. */
static void add_thread_cpu(pid_t pid, long tid, void *arg)
{
	char path[96], line[128];
	snprintf(path, sizeof path, "/proc/%d/task/%ld/schedstat", (int)pid, tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, line, sizeof line - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		line[n] = '\0';
		*(double *)arg += (double)strtoull(line, NULL, 10) / 1e6;
	}
}

double demote_cpu_ms(pid_t pid)
{
	double total = 0;
	return each_thread(pid, add_thread_cpu, &total) < 0 ? -1 : total;
}

/* Lowers one thread to the level *arg names. */
static void lower_thread(pid_t pid, long tid, void *arg)
{
	(void)pid;
	static const struct sched_param idle = {0};
	if (*(const enum demotion *)arg == DEMOTE_NICE)
		setpriority(PRIO_PROCESS, (id_t)tid, DEMOTED_NICE);
	else
		sched_setscheduler((pid_t)tid, SCHED_IDLE, &idle);
}

void demote_apply(pid_t pid, enum demotion level)
{
	if (level != DEMOTE_NONE)
		each_thread(pid, lower_thread, &level);
}
