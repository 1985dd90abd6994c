/* sandbox.c: builds the layers once and enters them in each child. */
#include "sandbox/sandbox.h"

#include "common/log.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

const char *sandbox_layer_name(unsigned layer)
{
	switch (layer) {
	case LAYER_RLIMITS: return "rlimits";
	case LAYER_LANDLOCK: return "landlock";
	case LAYER_SECCOMP: return "seccomp";
	case LAYER_USERNS: return "user_namespace";
	case LAYER_IPCNS: return "ipc_namespace";
	case LAYER_PIDNS: return "pid_namespace";
	case LAYER_LANDLOCK_NET: return "landlock_tcp";
	case LAYER_LANDLOCK_SCOPE: return "landlock_scope";
	default: return "?";
	}
}

void sandbox_build(struct sandbox *sb, const char (*paths)[512], int npaths,
                   const struct sandbox_limits *limits)
{
	memset(sb, 0, sizeof *sb);
	sb->limits = *limits;
	sb->ruleset_fd = landlock_build(paths, npaths, &sb->landlock_abi, &sb->landlock_extra);
	if (sb->ruleset_fd < 0)
		log_warn("landlock unavailable: %s", strerror(-sb->ruleset_fd));
	int rc = seccomp_build(&sb->filter);
	if (rc < 0)
		log_warn("seccomp unavailable: %s", strerror(-rc));
}

unsigned sandbox_enter(struct sandbox *sb)
{
	unsigned active = 0;
	if (unshare(CLONE_NEWUSER | CLONE_NEWIPC) == 0)
		active |= LAYER_USERNS | LAYER_IPCNS;
	else if (unshare(CLONE_NEWIPC) == 0)
		active |= LAYER_IPCNS;
	if (rlimits_apply(&sb->limits) == 0)
		active |= LAYER_RLIMITS;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return active; /* neither Landlock nor seccomp can load without it */
	if (sb->ruleset_fd >= 0) {
		if (landlock_enforce(sb->ruleset_fd) == 0)
			active |= LAYER_LANDLOCK | sb->landlock_extra;
		close(sb->ruleset_fd);
		sb->ruleset_fd = -1;
	}
	if (seccomp_enforce(&sb->filter) == 0)
		active |= LAYER_SECCOMP;
	return active;
}
