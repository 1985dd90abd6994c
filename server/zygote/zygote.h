/* zygote.h: the process that holds CPython and forks one child per run. */
#ifndef LESSOND_ZYGOTE_H
#define LESSOND_ZYGOTE_H

#include "common/config.h"

/* Runs the zygote on `sock` (inherited from the server) until the server
 * goes away. Never returns; exits 0 when the socket closes, 2 on init failure. */
void zygote_main(int sock, const struct config *cfg) __attribute__((noreturn));

#endif
