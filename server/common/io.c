/* io.c: whole reads and writes, and zygote messages with fds (io.h). The
 * read and write loops run in a sandboxed child too, so they call nothing
 * but read, write, writev and poll, and never allocate (the zygote's probe
 * must not move the heap it measures). */
#include "common/io.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

long long io_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int io_read_until(int fd, void *buf, size_t len, long long deadline)
{
	char *p = buf;
	while (len > 0) {
		if (deadline >= 0) {
			long long left = deadline - io_clock_ms();
			if (left <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			struct pollfd pfd = {fd, POLLIN, 0};
			int rc = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
			if (rc < 0 && errno != EINTR)
				return -1;
			if (rc <= 0)
				continue; /* interrupted or timed out: the clock decides */
		}
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ENODATA;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int io_read_full(int fd, void *buf, size_t len)
{
	return io_read_until(fd, buf, len, -1);
}

int io_write_full(int fd, const void *buf, size_t len)
{
	/* A one-element iovec: writev takes what write would. */
	struct iovec iov = {(void *)(uintptr_t)buf, len};
	return io_writev_full(fd, &iov, 1);
}

int io_writev_full(int fd, struct iovec *iov, int iovcnt)
{
	while (iovcnt > 0 && iov->iov_len == 0) {
		iov++;
		iovcnt--;
	}
	while (iovcnt > 0) {
		ssize_t n = writev(fd, iov, iovcnt);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO; /* no progress on a non-empty write */
			return -1;
		}
		size_t done = (size_t)n;
		while (iovcnt > 0 && done >= iov->iov_len) {
			done -= iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (char *)iov->iov_base + done;
			iov->iov_len -= done;
		}
	}
	return 0;
}

int zmsg_send(int sock, const struct zmsg *m, const int *fds, int nfds, int flags)
{
	if (nfds < 0 || nfds > ZMSG_MAX_FDS || (nfds > 0 && !fds)) {
		errno = EINVAL;
		return -1;
	}
	struct zmsg copy = *m;
	struct iovec iov = {&copy, sizeof copy};
	union {
		char buf[CMSG_SPACE(ZMSG_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (nfds > 0) {
		memset(&u, 0, sizeof u);
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n != (ssize_t)sizeof *m) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* Takes the fds of every SCM_RIGHTS header in mh: the first ZMSG_MAX_FDS
 * into fds (counted in *nfds), the rest closed. */
static void take_fds(struct msghdr *mh, int fds[ZMSG_MAX_FDS], int *nfds)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
			if (*nfds < ZMSG_MAX_FDS)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
}

int zmsg_recv(int sock, struct zmsg *m, int fds[ZMSG_MAX_FDS], int *nfds, int flags)
{
	/* Room for one more fd than a message may carry, so a sender that
	 * attaches too many has the extras delivered (and closed here)
	 * rather than left to the kernel's truncation. */
	union {
		char buf[CMSG_SPACE((ZMSG_MAX_FDS + 1) * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {m, sizeof *m};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
	*nfds = 0;
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | flags);
	if (n <= 0)
		return (int)n;
	take_fds(&mh, fds, nfds);
	if (n != (ssize_t)sizeof *m || (mh.msg_flags & MSG_TRUNC)) {
		for (int i = 0; i < *nfds; i++)
			close(fds[i]);
		*nfds = 0;
		errno = EBADMSG;
		return -1;
	}
	return 1;
}
