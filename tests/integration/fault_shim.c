/* fault_shim.c: an LD_PRELOAD library for the fault tests
 * (test_faults.py), built by `make integration` into build/tests/. It makes
 * system calls of the server process fail or stall the way a starved
 * kernel or machine would, so the failure paths run in the real binary with
 * nothing added to it:
 *
 *   LESSOND_FAULT_CHILD_WATCH=N  the first N epoll_ctl(EPOLL_CTL_ADD) calls
 *       that watch for EPOLLIN | EPOLLRDHUP (a child's result pipe; nothing
 *       else asks for exactly that) fail with ENOSPC, as when
 *       fs.epoll.max_user_watches is hit;
 *   LESSOND_FAULT_NO_ZYGOTE=PATH  while PATH exists, socketpair() of a
 *       SOCK_SEQPACKET pair (only the zygote's socket is one) fails with
 *       EMFILE, so no zygote can be started;
 *   LESSOND_FAULT_SLOW_CPU_READ_MS=N  opendir() of a /proc/PID/task
 *       directory (the pool reading a running child's CPU use) first sleeps
 *       N ms, as a thread that loses the CPU on a loaded machine would;
 *   LESSOND_FAULT_FPRINTF=1  fprintf() to any stream but stdout and stderr
 *       (the port file) fails with EIO, as a full or broken disk would;
 *   LESSOND_FAULT_DB_FULL=PATH  while PATH exists, write(), pwrite() and
 *       pwrite64() to the class database (a file named lessond.db, or its
 *       -wal or -journal beside it) fail with ENOSPC, as on a full disk.
 *       SQLite maps its -shm file and never writes it, so reads go on.
 *
 * The zygote is started with a cleared environment, so the shim never
 * reaches it or the children. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int socketpair(int domain, int type, int protocol, int sv[2]);
DIR *opendir(const char *path);
int fprintf(FILE *stream, const char *fmt, ...);
ssize_t write(int fd, const void *buf, size_t n);
ssize_t pwrite(int fd, const void *buf, size_t n, off_t at);
ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t at);
int __fprintf_chk(FILE *stream, int flag, const char *fmt, ...);

/* Stores the next definition of `name` (libc's) into the function pointer
 * at fn (ISO C has no cast from dlsym's object pointer to a function). */
static void next_symbol(const char *name, void *fn, size_t size)
{
	void *sym = dlsym(RTLD_NEXT, name);
	memcpy(fn, &sym, size);
}

static atomic_long watch_failures = -1; /* -1: not read from the environment yet */

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	static int (*real)(int, int, int, struct epoll_event *);
	if (!real)
		next_symbol("epoll_ctl", &real, sizeof real);
	if (op == EPOLL_CTL_ADD && ev && ev->events == (EPOLLIN | EPOLLRDHUP)) {
		long left = atomic_load(&watch_failures);
		if (left < 0) {
			const char *n = getenv("LESSOND_FAULT_CHILD_WATCH");
			long want = n ? atol(n) : 0;
			atomic_compare_exchange_strong(&watch_failures, &left, want);
		}
		left = atomic_load(&watch_failures);
		while (left > 0 && !atomic_compare_exchange_weak(&watch_failures, &left, left - 1))
			;
		if (left > 0) {
			errno = ENOSPC;
			return -1;
		}
	}
	return real(epfd, op, fd, ev);
}

int socketpair(int domain, int type, int protocol, int sv[2])
{
	static int (*real)(int, int, int, int[2]);
	if (!real)
		next_symbol("socketpair", &real, sizeof real);
	const char *path = getenv("LESSOND_FAULT_NO_ZYGOTE");
	if (domain == AF_UNIX && (type & 0xf) == SOCK_SEQPACKET && path &&
	    access(path, F_OK) == 0) {
		errno = EMFILE;
		return -1;
	}
	return real(domain, type, protocol, sv);
}

DIR *opendir(const char *path)
{
	static DIR *(*real)(const char *);
	if (!real)
		next_symbol("opendir", &real, sizeof real);
	const char *ms = getenv("LESSOND_FAULT_SLOW_CPU_READ_MS");
	size_t len = strlen(path);
	if (ms && strncmp(path, "/proc/", 6) == 0 && len > 5 &&
	    strcmp(path + len - 5, "/task") == 0) {
		long n = atol(ms);
		struct timespec ts = {n / 1000, (n % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	return real(path);
}

/* fprintf, failing for files when LESSOND_FAULT_FPRINTF is set. */
static int shim_vfprintf(FILE *stream, const char *fmt, va_list ap)
{
	if (getenv("LESSOND_FAULT_FPRINTF") && stream != stdout && stream != stderr) {
		errno = EIO;
		return -1;
	}
	return vfprintf(stream, fmt, ap);
}

int fprintf(FILE *stream, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = shim_vfprintf(stream, fmt, ap);
	va_end(ap);
	return n;
}

int __fprintf_chk(FILE *stream, int flag, const char *fmt, ...)
{
	(void)flag;
	va_list ap;
	va_start(ap, fmt);
	int n = shim_vfprintf(stream, fmt, ap);
	va_end(ap);
	return n;
}

/* True when LESSOND_FAULT_DB_FULL names a file that exists and fd is the
 * class database or its write-ahead log or rollback journal. */
static bool db_full(int fd)
{
	const char *flag = getenv("LESSOND_FAULT_DB_FULL");
	if (!flag || access(flag, F_OK) != 0)
		return false;
	char link[64], path[4096];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof path - 1);
	if (n <= 0)
		return false;
	path[n] = '\0';
	static const char *const names[] = {"/lessond.db", "/lessond.db-wal",
	                                    "/lessond.db-journal"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t len = strlen(names[i]);
		if ((size_t)n >= len && strcmp(path + n - len, names[i]) == 0)
			return true;
	}
	return false;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	if (!real)
		next_symbol("write", &real, sizeof real);
	if (db_full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t at)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	if (!real)
		next_symbol("pwrite", &real, sizeof real);
	if (db_full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, n, at);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t at)
{
	static ssize_t (*real)(int, const void *, size_t, off64_t);
	if (!real)
		next_symbol("pwrite64", &real, sizeof real);
	if (db_full(fd)) {
		errno = ENOSPC;
		return -1;
	}
	return real(fd, buf, n, at);
}
