/* zygote.h: the process that holds CPython and forks one child per run. */
#ifndef LESSOND_ZYGOTE_H
#define LESSOND_ZYGOTE_H

#include "common/config.h"

/* Runs the zygote on `sock` (inherited from the server) until the server
 * goes away, its interpreter's home python_home (NULL: where it was built
 * to look). Never returns; exits 0 when the socket closes, 2 on init failure. */
void zygote_main(int sock, const struct config *cfg, const char *python_home)
    __attribute__((noreturn));

/* `BIN --zygote [--python-home=DIR] [limits...]`, the socket on fd 3: the
 * entry of both binaries that can be a zygote (lessond itself, for the
 * Python it links, and a tree's zygote-only binary, zygote_bin.c).
 * --python-home, which only the server passes, points the interpreter at
 * another tree's standard library (pyrun_init). Returns 2 when the
 * arguments are wrong (said on stderr); otherwise never returns. */
int zygote_command(int argc, char **argv);

#endif
