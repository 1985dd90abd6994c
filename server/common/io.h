/* io.h: the byte-moving primitives every process shares. Whole reads and
 * writes on blocking fds (the server, the zygote, its probe and its children
 * use them; in a child they make no system call but read, write, writev and
 * poll, all on the seccomp allowlist), and zygote messages (protocol.h) with
 * fds attached over SCM_RIGHTS (the server and the zygote only: a child has
 * no socket). Every function returns 0 or -1 with errno set. */
#ifndef LESSOND_IO_H
#define LESSOND_IO_H

#include "common/protocol.h"

#include <stddef.h>
#include <sys/uio.h>

/* Milliseconds on CLOCK_MONOTONIC: the clock io_read_until's deadline is on. */
long long io_clock_ms(void);

/* Reads exactly len bytes into buf, retrying on EINTR. Fails with errno
 * ENODATA when the other end closes before len bytes came (what did come is
 * in buf), or with read's errno. */
int io_read_full(int fd, void *buf, size_t len);

/* io_read_full that gives up at `deadline` (io_clock_ms time) with
 * ETIMEDOUT; a deadline below 0 waits for ever and makes no poll call. */
int io_read_until(int fd, void *buf, size_t len, long long deadline);

/* Writes all len bytes of buf, retrying on EINTR and partial writes. Fails
 * with write's errno (EPIPE when the reader is gone and SIGPIPE is ignored). */
int io_write_full(int fd, const void *buf, size_t len);

/* Writes every byte of the iovcnt buffers in iov, in as few writev calls as
 * the fd takes (one, for a frame that fits a pipe: the reader wakes once).
 * Borrows iov and advances it in place as bytes go out. Fails as
 * io_write_full. */
int io_writev_full(int fd, struct iovec *iov, int iovcnt);

/* Sends one zygote message with nfds (0 to ZMSG_MAX_FDS) fds attached; the
 * fds stay the caller's (the receiver gets copies). flags go to sendmsg
 * with MSG_NOSIGNAL (MSG_DONTWAIT: fail with EAGAIN instead of waiting).
 * Fails with EINVAL for a bad nfds, EMSGSIZE for a short send, or
 * sendmsg's errno. */
int zmsg_send(int sock, const struct zmsg *m, const int *fds, int nfds, int flags);

/* Receives one zygote message into *m and the fds that came with it into
 * fds (new close-on-exec fds the caller closes; *nfds says how many). fds
 * past ZMSG_MAX_FDS are closed here. flags go to recvmsg (MSG_DONTWAIT).
 * Returns 1 for a whole message, 0 at end of stream; -1 with EBADMSG for a
 * message of the wrong size (its fds closed, *nfds 0) or with recvmsg's
 * errno (EAGAIN, EINTR: nothing was taken). */
int zmsg_recv(int sock, struct zmsg *m, int fds[ZMSG_MAX_FDS], int *nfds, int flags);

#endif
