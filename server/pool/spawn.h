/* spawn.h: starting the zygote from the (multi-threaded) server. */
#ifndef LESSOND_SPAWN_H
#define LESSOND_SPAWN_H

#include "common/config.h"
#include "pool/pythons.h"

#include <stdbool.h>
#include <sys/types.h>

struct spawned {
	pid_t pid;
	int sock;   /* the server's end of the SOCK_SEQPACKET pair, close-on-exec */
	bool pidns; /* the zygote got a PID namespace of its own */
};

/* fork+exec of py's zygote (`exe --zygote ...`, under its tree's loader
 * for a tree's Python: see pythons.h) with a cleared environment (sanitizer
 * options excepted), stdin/stdout on /dev/null, stderr kept for logs, the
 * socket at fd 3 and no other fd. Tries a new PID namespace first. Between
 * fork and exec only async-signal-safe calls run, so this is safe from any
 * thread. Returns 0, or -errno with nothing left open. */
int spawn_zygote(const struct config *cfg, const struct python *py, struct spawned *out);

#endif
