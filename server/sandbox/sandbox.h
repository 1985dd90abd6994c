/* sandbox.h: the layers a child puts between learner code and the machine.
 * Built once in the zygote (sandbox_build), entered by each child
 * (sandbox_enter) before it waits for its job. */
#ifndef LESSOND_SANDBOX_H
#define LESSOND_SANDBOX_H

#include <linux/filter.h>
#include <stdbool.h>

/* Layer bits, reported by the zygote and in GET /api/health. */
enum sandbox_layer {
	LAYER_RLIMITS = 1u << 0,
	LAYER_LANDLOCK = 1u << 1, /* filesystem: read-only Python runtime */
	LAYER_SECCOMP = 1u << 2,
	LAYER_USERNS = 1u << 3,
	LAYER_IPCNS = 1u << 4,
	LAYER_PIDNS = 1u << 5, /* set by the server: the zygote's own namespace */
	LAYER_LANDLOCK_NET = 1u << 6,
	LAYER_LANDLOCK_SCOPE = 1u << 7,
};
#define LAYERS_REQUIRED (LAYER_RLIMITS | LAYER_LANDLOCK | LAYER_SECCOMP)
#define LAYER_COUNT     8

/* Name of one layer bit for logs and JSON ("rlimits", "landlock", ...). */
const char *sandbox_layer_name(unsigned layer);

struct sandbox_limits {
	long cpu_seconds;
	long address_space_bytes; /* RLIMIT_AS: the backstop of the heap limit */
	long output_bytes;
	long nofile;
};

struct sandbox {
	int ruleset_fd;           /* Landlock ruleset, -1 when unavailable */
	int landlock_abi;         /* 0 when unavailable */
	unsigned landlock_extra;  /* LAYER_LANDLOCK_NET / _SCOPE the ruleset covers */
	struct sock_fprog filter; /* seccomp program, filter.filter NULL when unavailable */
	struct sandbox_limits limits;
};

/* Builds what can be built once: the Landlock ruleset allowing reads beneath
 * `paths`, and the seccomp program. Never fails as a whole: a layer that cannot
 * be built is left out and logged; sandbox_enter then reports it missing. */
void sandbox_build(struct sandbox *sb, const char (*paths)[512], int npaths,
                   const struct sandbox_limits *limits);

/* In a single-threaded child: enters the namespaces it may, applies rlimits,
 * no_new_privs, Landlock and seccomp, in that order. Returns the layers that
 * are now active. Closes sb->ruleset_fd in this process. */
unsigned sandbox_enter(struct sandbox *sb);

/* Layer builders and appliers, one file each. Return 0 or -errno. */
int landlock_build(const char (*paths)[512], int npaths, int *abi, unsigned *extra);
int landlock_enforce(int ruleset_fd);
int seccomp_build(struct sock_fprog *prog);
int seccomp_enforce(const struct sock_fprog *prog);
int rlimits_apply(const struct sandbox_limits *limits);

#endif
