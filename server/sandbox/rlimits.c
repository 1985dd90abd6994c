/* rlimits.c: resource limits with hard == soft, so learner code cannot raise them. */
#include "sandbox/sandbox.h"

#include <errno.h>
#include <sys/resource.h>

/* Sets one limit to `value` for both soft and hard. Returns 0 or -errno. */
static int limit_set(int resource, rlim_t value)
{
	struct rlimit rl = {value, value};
	return setrlimit(resource, &rl) == 0 ? 0 : -errno;
}

int rlimits_apply(const struct sandbox_limits *limits)
{
	int rc = 0;
	rc = rc ? rc : limit_set(RLIMIT_CORE, 0);
	rc = rc ? rc : limit_set(RLIMIT_CPU, (rlim_t)limits->cpu_seconds);
	rc = rc ? rc : limit_set(RLIMIT_FSIZE, (rlim_t)limits->output_bytes + 1);
	rc = rc ? rc : limit_set(RLIMIT_NOFILE, (rlim_t)limits->nofile);
	rc = rc ? rc : limit_set(RLIMIT_NPROC, 0);
#if !defined(__SANITIZE_ADDRESS__)
	/* ASan reserves terabytes of shadow memory up front, so an address-space
	 * limit would fail every allocation; the memory test is skipped there. */
	rc = rc ? rc : limit_set(RLIMIT_AS, (rlim_t)limits->address_space_bytes);
#endif
	return rc;
}
