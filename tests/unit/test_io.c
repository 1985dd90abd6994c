/* test_io.c: whole reads and writes (partial writes, EINTR, EOF mid-frame,
 * deadlines) and zygote messages with fds (passing, extras closed, bad
 * sizes), over real pipes and socketpairs. */
#include "common/io.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#define BIG (2u << 20)

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* SIGALRM every 200 µs without SA_RESTART: a blocked read or write returns
 * early (EINTR, or a partial count) while the timer runs. */
static void alarms_start(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarms = 0;
	struct itimerval it = {{0, 200}, {0, 200}};
	setitimer(ITIMER_REAL, &it, NULL);
}

static void alarms_stop(void)
{
	struct itimerval it = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &it, NULL);
	signal(SIGALRM, SIG_DFL);
}

/* Starts fn in a thread that never takes SIGALRM, so every alarm lands on
 * the calling (testing) thread. */
static pthread_t start_quiet_thread(void *(*fn)(void *), void *arg)
{
	sigset_t alrm, old;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, &old);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, fn, arg), 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return t;
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + i / 251);
}

struct slow_end {
	int fd;
	unsigned char *buf; /* BIG bytes */
	size_t done;
};

/* Reads BIG bytes in small pieces, pausing between them. */
static void *slow_reader(void *arg)
{
	struct slow_end *e = arg;
	while (e->done < BIG) {
		ssize_t n =
		    read(e->fd, e->buf + e->done, BIG - e->done < 4096 ? BIG - e->done : 4096);
		if (n <= 0)
			break;
		e->done += (size_t)n;
		if (e->done % (64 * 4096) == 0)
			usleep(1000);
	}
	return NULL;
}

/* Writes BIG pattern bytes in small pieces, pausing between them. */
static void *slow_writer(void *arg)
{
	struct slow_end *e = arg;
	while (e->done < BIG) {
		size_t n = BIG - e->done < 3000 ? BIG - e->done : 3000;
		ssize_t w = write(e->fd, e->buf + e->done, n);
		if (w <= 0)
			break;
		e->done += (size_t)w;
		usleep(50);
	}
	close(e->fd);
	return NULL;
}

/* Fills *src with BIG pattern bytes and *dst with BIG zeros (caller frees both). */
static void big_buffers(unsigned char **src, unsigned char **dst)
{
	*src = malloc(BIG);
	*dst = calloc(1, BIG);
	assert_non_null(*src);
	assert_non_null(*dst);
	for (size_t i = 0; i < BIG; i++)
		(*src)[i] = pattern(i);
}

/* Writes src to fd with io_writev_full, as a frame in three buffers (one empty). */
static int write_as_vector(int fd, unsigned char *src)
{
	struct iovec iov[3] = {{src, 10}, {src + 10, 0}, {src + 10, BIG - 10}};
	return io_writev_full(fd, iov, 3);
}

/* Writes src to fd with io_write_full. */
static int write_as_one(int fd, unsigned char *src)
{
	return io_write_full(fd, src, BIG);
}

/* Reads BIG bytes from fd into dst with io_read_full. */
static int read_whole(int fd, unsigned char *dst)
{
	return io_read_full(fd, dst, BIG);
}

/* Runs op on one end of a pipe while a slow peer works the other end and
 * signals cut op's reads or writes short (partial counts and EINTR); checks
 * every byte went through in order. op writes src when op_writes, else
 * reads into dst. */
static void check_under_signals(int (*op)(int fd, unsigned char *buf), bool op_writes)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	unsigned char *src, *dst;
	big_buffers(&src, &dst);
	struct slow_end peer = {op_writes ? p[0] : p[1], op_writes ? dst : src, 0};
	pthread_t t = start_quiet_thread(op_writes ? slow_reader : slow_writer, &peer);
	alarms_start();
	assert_int_equal(op(op_writes ? p[1] : p[0], op_writes ? src : dst), 0);
	alarms_stop();
	if (op_writes)
		close(p[1]); /* slow_writer closes its own end */
	pthread_join(t, NULL);
	assert_true(alarms > 0);
	assert_int_equal(peer.done, BIG);
	assert_memory_equal(src, dst, BIG);
	close(p[0]);
	free(src);
	free(dst);
}

/* A frame in three buffers reaches a slow reader byte for byte. */
static void test_writev_full_survives_partial_writes_and_eintr(void **state)
{
	(void)state;
	check_under_signals(write_as_vector, true);
}

/* io_write_full: the same for one buffer. */
static void test_write_full_survives_partial_writes_and_eintr(void **state)
{
	(void)state;
	check_under_signals(write_as_one, true);
}

/* A frame that arrives in pieces, with signals interrupting the reads, is
 * read whole. */
static void test_read_full_survives_pieces_and_eintr(void **state)
{
	(void)state;
	check_under_signals(read_whole, false);
}

/* The writer closing mid-frame fails the read with ENODATA; what came is kept. */
static void test_read_full_eof_mid_frame(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "abc", 3), 3);
	close(p[1]);
	char buf[8] = {0};
	errno = 0;
	assert_int_equal(io_read_full(p[0], buf, sizeof buf), -1);
	assert_int_equal(errno, ENODATA);
	assert_memory_equal(buf, "abc", 3);
	close(p[0]);
}

/* Nothing to read: the deadline ends the wait with ETIMEDOUT, not before. */
static void test_read_until_times_out(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "ab", 2), 2);
	char buf[4];
	long long t0 = io_clock_ms();
	assert_int_equal(io_read_until(p[0], buf, sizeof buf, t0 + 60), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(io_clock_ms() - t0 >= 60);
	assert_int_equal(write(p[1], "cd", 2), 2);
	assert_int_equal(io_read_until(p[0], buf, 2, io_clock_ms() + 1000), 0);
	assert_memory_equal(buf, "cd", 2);
	close(p[0]);
	close(p[1]);
}

static void seqpacket_pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

/* True when the read end of a pipe sees its end (every write end closed). */
static int at_eof(int rd)
{
	int fl = fcntl(rd, F_GETFL);
	fcntl(rd, F_SETFL, fl | O_NONBLOCK);
	char c;
	ssize_t n = read(rd, &c, 1);
	fcntl(rd, F_SETFL, fl);
	return n == 0;
}

/* A message and its fds arrive whole; the received fds work and are
 * close-on-exec. */
static void test_zmsg_passes_message_and_fds(void **state)
{
	(void)state;
	int sv[2], a[2], b[2];
	seqpacket_pair(sv);
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	struct zmsg m = {.type = ZMSG_CHILD, .pid = 42, .cpu_us = 1234567};
	int send_fds[2] = {a[1], b[1]};
	assert_int_equal(zmsg_send(sv[0], &m, send_fds, 2, 0), 0);
	close(a[1]);
	close(b[1]);
	struct zmsg got;
	int fds[ZMSG_MAX_FDS], nfds = -1;
	assert_int_equal(zmsg_recv(sv[1], &got, fds, &nfds, 0), 1);
	assert_int_equal(got.type, ZMSG_CHILD);
	assert_int_equal(got.pid, 42);
	assert_int_equal(got.cpu_us, 1234567);
	assert_int_equal(nfds, 2);
	for (int i = 0; i < 2; i++)
		assert_true(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(fds[1], "b", 1), 1);
	char c = 0;
	assert_int_equal(read(b[0], &c, 1), 1);
	assert_int_equal(c, 'b');
	assert_false(at_eof(a[0]));
	close(fds[0]);
	close(fds[1]);
	assert_true(at_eof(a[0]));
	assert_true(at_eof(b[0]));
	/* A message without fds, and the end of the stream. */
	assert_int_equal(zmsg_send(sv[0], &m, NULL, 0, 0), 0);
	assert_int_equal(zmsg_recv(sv[1], &got, fds, &nfds, 0), 1);
	assert_int_equal(nfds, 0);
	close(sv[0]);
	assert_int_equal(zmsg_recv(sv[1], &got, fds, &nfds, 0), 0);
	close(sv[1]);
	close(a[0]);
	close(b[0]);
}

/* Sends len bytes with nfds fds attached, bypassing zmsg_send's checks. */
static void raw_send(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(16 * sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof u);
	struct iovec iov = {(void *)(uintptr_t)buf, len};
	struct msghdr mh = {.msg_iov = &iov,
	                    .msg_iovlen = 1,
	                    .msg_control = u.buf,
	                    .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	assert_int_equal(sendmsg(sock, &mh, 0), (ssize_t)len);
}

/* A sender that attaches more than ZMSG_MAX_FDS fds: the receiver keeps
 * the first ZMSG_MAX_FDS and none of the rest stays open. */
static void test_zmsg_recv_closes_extra_fds(void **state)
{
	(void)state;
	enum { SENT = 9 };
	int sv[2], rd[SENT], wr[SENT];
	seqpacket_pair(sv);
	for (int i = 0; i < SENT; i++) {
		int p[2];
		assert_int_equal(pipe(p), 0);
		rd[i] = p[0];
		wr[i] = p[1];
	}
	struct zmsg m = {.type = ZMSG_CHILD, .pid = 7};
	raw_send(sv[0], &m, sizeof m, wr, SENT);
	for (int i = 0; i < SENT; i++)
		close(wr[i]);
	struct zmsg got;
	int fds[ZMSG_MAX_FDS], nfds = -1;
	assert_int_equal(zmsg_recv(sv[1], &got, fds, &nfds, 0), 1);
	assert_int_equal(nfds, ZMSG_MAX_FDS);
	for (int i = 0; i < SENT; i++)
		if (i < ZMSG_MAX_FDS)
			assert_false(at_eof(rd[i])); /* kept: its write end is ours */
		else
			assert_true(at_eof(rd[i])); /* closed: no write end left open */
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	for (int i = 0; i < SENT; i++) {
		assert_true(at_eof(rd[i]));
		close(rd[i]);
	}
	close(sv[0]);
	close(sv[1]);
}

/* zmsg_send refuses more fds than a message may carry. */
static void test_zmsg_send_refuses_too_many_fds(void **state)
{
	(void)state;
	int sv[2];
	seqpacket_pair(sv);
	int fds[ZMSG_MAX_FDS + 1];
	for (int i = 0; i <= ZMSG_MAX_FDS; i++)
		fds[i] = sv[0];
	struct zmsg m = {.type = ZMSG_EXIT};
	errno = 0;
	assert_int_equal(zmsg_send(sv[0], &m, fds, ZMSG_MAX_FDS + 1, 0), -1);
	assert_int_equal(errno, EINVAL);
	struct zmsg got;
	int nfds;
	assert_int_equal(zmsg_recv(sv[1], &got, fds, &nfds, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN); /* nothing was sent */
	close(sv[0]);
	close(sv[1]);
}

/* A message shorter or longer than struct zmsg fails with EBADMSG, and
 * the fds it carried are closed, not handed out. */
static void test_zmsg_recv_rejects_wrong_sizes(void **state)
{
	(void)state;
	int sv[2];
	seqpacket_pair(sv);
	char big[sizeof(struct zmsg) + 8];
	memset(big, 0, sizeof big);
	size_t sizes[2] = {10, sizeof big};
	for (int k = 0; k < 2; k++) {
		int p[2];
		assert_int_equal(pipe(p), 0);
		raw_send(sv[0], big, sizes[k], &p[1], 1);
		close(p[1]);
		struct zmsg got;
		int fds[ZMSG_MAX_FDS], nfds = -1;
		errno = 0;
		assert_int_equal(zmsg_recv(sv[1], &got, fds, &nfds, 0), -1);
		assert_int_equal(errno, EBADMSG);
		assert_int_equal(nfds, 0);
		assert_true(at_eof(p[0]));
		close(p[0]);
	}
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_writev_full_survives_partial_writes_and_eintr),
	    cmocka_unit_test(test_write_full_survives_partial_writes_and_eintr),
	    cmocka_unit_test(test_read_full_survives_pieces_and_eintr),
	    cmocka_unit_test(test_read_full_eof_mid_frame),
	    cmocka_unit_test(test_read_until_times_out),
	    cmocka_unit_test(test_zmsg_passes_message_and_fds),
	    cmocka_unit_test(test_zmsg_recv_closes_extra_fds),
	    cmocka_unit_test(test_zmsg_send_refuses_too_many_fds),
	    cmocka_unit_test(test_zmsg_recv_rejects_wrong_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
