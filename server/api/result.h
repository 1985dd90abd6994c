/* result.h: turning what a child left behind into the run contract
 * (docs/ARCHITECTURE.md §4). The child's bytes are untrusted: anything malformed
 * becomes "crashed". Pure: no I/O, unit-tested with made-up outcomes. */
#ifndef LESSOND_RESULT_H
#define LESSOND_RESULT_H

#include "pool/pool.h"

#include <jansson.h>

struct result_context {
	int cpu_seconds;
	int wall_ms;
	long memory_bytes;
	long output_bytes;
	const char *python; /* borrowed */
};

/* Returns the run contract for one outcome (new reference, never NULL
 * unless out of memory). Every field of the contract is present, plus a
 * plain-words "message" for any status but ok. */
json_t *result_from_outcome(const struct pool_outcome *o, const struct result_context *ctx);

#endif
