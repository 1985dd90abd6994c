/* landlock.c: the filesystem, TCP and scope rules. The ruleset is built once
 * in the zygote; each child only calls landlock_restrict_self on it.
 * Debian 12's headers predate the network and scope ABIs, so the structures
 * are declared here at their kernel sizes. */
#include "sandbox/sandbox.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule       445
#define SYS_landlock_restrict_self  446
#endif

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

#define LL_CREATE_RULESET_VERSION (1u << 0)
#define LL_RULE_PATH_BENEATH      1
#define LL_FS_READ_FILE           (1ull << 2)
#define LL_FS_READ_DIR            (1ull << 3)
#define LL_NET_BIND_TCP           (1ull << 0)
#define LL_NET_CONNECT_TCP        (1ull << 1)
#define LL_SCOPE_ABSTRACT_UNIX    (1ull << 0)
#define LL_SCOPE_SIGNAL           (1ull << 1)

/* All filesystem rights the kernel's ABI knows: each one is then denied
 * unless a rule grants it. */
static uint64_t fs_rights_for_abi(int abi)
{
	uint64_t rights = (1ull << 13) - 1; /* ABI 1: execute .. make_sym */
	if (abi >= 2)
		rights |= 1ull << 13; /* refer */
	if (abi >= 3)
		rights |= 1ull << 14; /* truncate */
	if (abi >= 5)
		rights |= 1ull << 15; /* ioctl_dev */
	return rights;
}

int landlock_build(const char (*paths)[512], int npaths, int *abi, unsigned *extra)
{
	*extra = 0;
	long version = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
	if (version < 1) {
		*abi = 0;
		return -errno;
	}
	*abi = (int)version;
	struct ll_ruleset_attr attr = {.handled_access_fs = fs_rights_for_abi(*abi)};
	size_t size = sizeof attr.handled_access_fs;
	if (*abi >= 4) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		size = offsetof(struct ll_ruleset_attr, scoped);
		*extra |= LAYER_LANDLOCK_NET;
	}
	if (*abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		size = sizeof attr;
		*extra |= LAYER_LANDLOCK_SCOPE;
	}
	int fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (fd < 0)
		return -errno;
	for (int i = 0; i < npaths; i++) {
		int dir = open(paths[i], O_PATH | O_CLOEXEC);
		if (dir < 0) {
			log_warn("landlock: cannot open %s: skipped", paths[i]);
			continue;
		}
		struct ll_path_beneath rule = {.allowed_access = LL_FS_READ_FILE | LL_FS_READ_DIR,
		                               .parent_fd = dir};
		if (syscall(SYS_landlock_add_rule, fd, LL_RULE_PATH_BENEATH, &rule, 0) != 0)
			log_warn("landlock: rule for %s refused: errno %d", paths[i], errno);
		close(dir);
	}
	return fd;
}

int landlock_enforce(int ruleset_fd)
{
	if (syscall(SYS_landlock_restrict_self, ruleset_fd, 0) != 0)
		return -errno;
	return 0;
}
