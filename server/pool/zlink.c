/* zlink.c: the zygote link (zlink.h): spawning and replacing the zygote,
 * its HELLO, WANT requests and the messages it sends (common/io.h carries
 * them). The pool thread (pool.c) owns the slots and decides what each
 * message means. */
#include "pool/zlink.h"

#include "common/io.h"
#include "common/log.h"
#include "sandbox/sandbox.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define HELLO_TIMEOUT_MS 30000

void zlink_init(struct zlink *z, const struct config *cfg, const struct python *py, int epfd,
                void *tag)
{
	memset(z, 0, sizeof *z);
	z->cfg = cfg;
	z->python = *py;
	z->epfd = epfd;
	z->tag = tag;
	z->zygote.sock = -1;
	z->backoff_ms = ZLINK_BACKOFF_MIN_MS;
}

int zlink_start(struct zlink *z)
{
	int rc = spawn_zygote(z->cfg, &z->python, &z->zygote);
	if (rc < 0) {
		z->zygote.sock = -1;
		return rc;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = z->tag};
	if (epoll_ctl(z->epfd, EPOLL_CTL_ADD, z->zygote.sock, &ev) < 0) {
		rc = -errno; /* a zygote nobody listens to would never hand over a child */
		zlink_stop(z);
		return rc;
	}
	z->generation++;
	z->requested = 0;
	z->said_hello = false;
	z->retry_at = 0;
	return 0;
}

int zlink_await_hello(struct zlink *z, struct zlink_hello *out, char *err, size_t errlen)
{
	struct pollfd pfd = {z->zygote.sock, POLLIN, 0};
	struct zmsg m;
	int fds[ZMSG_MAX_FDS], nfds = 0;
	if (poll(&pfd, 1, HELLO_TIMEOUT_MS) != 1 ||
	    zmsg_recv(z->zygote.sock, &m, fds, &nfds, MSG_DONTWAIT) != 1 || m.type != ZMSG_HELLO) {
		snprintf(err, errlen,
		         "the zygote of python %s did not start (see its log lines above)",
		         z->python.version);
		return -1;
	}
	if (m.count < 0) {
		snprintf(err, errlen, "the zygote of python %s failed: %.64s", z->python.version,
		         m.text);
		return -1;
	}
	z->said_hello = true;
	unsigned layers = m.layers | (z->zygote.pidns ? LAYER_PIDNS : 0);
	out->layers = layers;
	out->landlock_abi = m.landlock_abi;
	snprintf(out->python, sizeof out->python, "%.31s", m.text);
	for (unsigned bit = 1; bit < (1u << LAYER_COUNT); bit <<= 1) {
		bool on = layers & bit;
		bool required = LAYERS_REQUIRED & bit;
		if (on)
			log_info("python %s: sandbox layer %-15s active", z->python.version,
			         sandbox_layer_name(bit));
		else if (required && z->cfg->strict)
			log_error("python %s: sandbox layer %-15s UNAVAILABLE (required)",
			          z->python.version, sandbox_layer_name(bit));
		else if (required)
			log_warn("python %s: sandbox layer %-15s UNAVAILABLE: running WITHOUT it "
			         "because "
			         "--allow-weak-sandbox was given; learner code is less contained",
			         z->python.version, sandbox_layer_name(bit));
		else
			log_info("python %s: sandbox layer %-15s unavailable", z->python.version,
			         sandbox_layer_name(bit));
	}
	if (z->cfg->strict && (layers & LAYERS_REQUIRED) != LAYERS_REQUIRED) {
		snprintf(err, errlen,
		         "required sandbox layers are missing (see above); refusing to start. "
		         "--allow-weak-sandbox starts anyway, less safely");
		return -1;
	}
	return 0;
}

void zlink_want(struct zlink *z, int count)
{
	if (count <= 0 || z->zygote.sock < 0)
		return;
	struct zmsg m = {.type = ZMSG_WANT, .count = count};
	if (zmsg_send(z->zygote.sock, &m, NULL, 0, MSG_DONTWAIT) == 0)
		z->requested += count;
}

enum zlink_recv zlink_recv(struct zlink *z, struct zmsg *m, int fds[ZMSG_MAX_FDS], int *nfds)
{
	for (;;) {
		int rc = zmsg_recv(z->zygote.sock, m, fds, nfds, MSG_DONTWAIT);
		if (rc < 0 && (errno == EAGAIN || errno == EINTR))
			return ZLINK_NONE;
		if (rc != 1) /* end of stream or a malformed message: its fds are closed */
			return ZLINK_LOST;
		if (m->type == ZMSG_CHILD)
			z->requested = z->requested > 0 ? z->requested - 1 : 0;
		if (m->type == ZMSG_HELLO) { /* a restarted zygote: nothing to hand over */
			log_info("zygote %d ready (python %.32s)", (int)z->zygote.pid, m->text);
			z->said_hello = true;
			z->backoff_ms = ZLINK_BACKOFF_MIN_MS;
			for (int i = 0; i < *nfds; i++)
				close(fds[i]);
			continue;
		}
		return ZLINK_MSG;
	}
}

/* Schedules the next start `delay_ms` from now. */
static void schedule_start(struct zlink *z, double now, double delay_ms)
{
	z->retry_at = now + delay_ms;
	if (z->retry_at <= 0)
		z->retry_at = 1; /* 0 means nothing is due */
}

/* The next backoff: doubled, up to the maximum. */
static void backoff_grow(struct zlink *z)
{
	z->backoff_ms =
	    z->backoff_ms * 2 > ZLINK_BACKOFF_MAX_MS ? ZLINK_BACKOFF_MAX_MS : z->backoff_ms * 2;
}

void zlink_lost(struct zlink *z, double now)
{
	log_error("zygote %d (python %s) exited; starting a new one", (int)z->zygote.pid,
	          z->python.version);
	epoll_ctl(z->epfd, EPOLL_CTL_DEL, z->zygote.sock, NULL);
	zlink_stop(z);
	if (z->said_hello) {
		schedule_start(z, now, 0);
	} else { /* it died before it was ready: as good as a failed start */
		schedule_start(z, now, z->backoff_ms);
		backoff_grow(z);
	}
}

bool zlink_tick(struct zlink *z, double now)
{
	if (z->zygote.sock >= 0 || z->retry_at == 0 || now < z->retry_at)
		return false;
	int rc = zlink_start(z);
	if (rc == 0)
		return true;
	log_error("cannot start the zygote of python %s: %s; trying again in %.1f s",
	          z->python.version, strerror(-rc), z->backoff_ms / 1000.0);
	schedule_start(z, now, z->backoff_ms);
	backoff_grow(z);
	return false;
}

double zlink_timeout_ms(const struct zlink *z, double now)
{
	if (z->zygote.sock >= 0 || z->retry_at == 0)
		return -1;
	return z->retry_at > now ? z->retry_at - now : 0;
}

bool zlink_up(const struct zlink *z)
{
	return z->zygote.sock >= 0;
}

void zlink_stop(struct zlink *z)
{
	if (z->zygote.sock < 0)
		return;
	kill(z->zygote.pid, SIGKILL);
	waitpid(z->zygote.pid, NULL, 0);
	close(z->zygote.sock);
	z->zygote.sock = -1;
	z->zygote.pid = 0;
}
