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

void zlink_init(struct zlink *z, const struct config *cfg, const char *exe, int epfd, void *tag)
{
	memset(z, 0, sizeof *z);
	z->cfg = cfg;
	snprintf(z->exe, sizeof z->exe, "%s", exe);
	z->epfd = epfd;
	z->tag = tag;
	z->zygote.sock = -1;
}

int zlink_start(struct zlink *z)
{
	int rc = spawn_zygote(z->cfg, z->exe, &z->zygote);
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
	return 0;
}

int zlink_await_hello(struct zlink *z, struct zlink_hello *out, char *err, size_t errlen)
{
	struct pollfd pfd = {z->zygote.sock, POLLIN, 0};
	struct zmsg m;
	int fds[ZMSG_MAX_FDS], nfds = 0;
	if (poll(&pfd, 1, HELLO_TIMEOUT_MS) != 1 ||
	    zmsg_recv(z->zygote.sock, &m, fds, &nfds, MSG_DONTWAIT) != 1 || m.type != ZMSG_HELLO) {
		snprintf(err, errlen, "the zygote did not start (see its log lines above)");
		return -1;
	}
	if (m.count < 0) {
		snprintf(err, errlen, "the zygote failed: %.64s", m.text);
		return -1;
	}
	unsigned layers = m.layers | (z->zygote.pidns ? LAYER_PIDNS : 0);
	out->layers = layers;
	out->landlock_abi = m.landlock_abi;
	snprintf(out->python, sizeof out->python, "%.31s", m.text);
	for (unsigned bit = 1; bit < (1u << LAYER_COUNT); bit <<= 1) {
		bool on = layers & bit;
		bool required = LAYERS_REQUIRED & bit;
		if (on)
			log_info("sandbox layer %-15s active", sandbox_layer_name(bit));
		else if (required && z->cfg->strict)
			log_error("sandbox layer %-15s UNAVAILABLE (required)",
			          sandbox_layer_name(bit));
		else if (required)
			log_warn("sandbox layer %-15s UNAVAILABLE: running WITHOUT it because "
			         "--allow-weak-sandbox was given; learner code is less contained",
			         sandbox_layer_name(bit));
		else
			log_info("sandbox layer %-15s unavailable", sandbox_layer_name(bit));
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
			for (int i = 0; i < *nfds; i++)
				close(fds[i]);
			continue;
		}
		return ZLINK_MSG;
	}
}

void zlink_lost(struct zlink *z)
{
	log_error("zygote %d exited; starting a new one", (int)z->zygote.pid);
	epoll_ctl(z->epfd, EPOLL_CTL_DEL, z->zygote.sock, NULL);
	close(z->zygote.sock);
	z->zygote.sock = -1;
	kill(z->zygote.pid, SIGKILL);
	waitpid(z->zygote.pid, NULL, 0);
}

void zlink_restart(struct zlink *z)
{
	int rc;
	while ((rc = zlink_start(z)) < 0) {
		log_error("cannot start the zygote: %s; retrying", strerror(-rc));
		usleep(200000);
	}
}

void zlink_stop(struct zlink *z)
{
	if (z->zygote.sock < 0)
		return;
	kill(z->zygote.pid, SIGKILL);
	waitpid(z->zygote.pid, NULL, 0);
	close(z->zygote.sock);
	z->zygote.sock = -1;
}
