/* learner.h: who is asking, for fairness. A browser gets a random learner id
 * in a cookie on its first request and sends it back; runs are then counted
 * per learner, so a class behind one NAT address is not one client. Without
 * the cookie (curl, a first request) the address is the client. */
#ifndef LESSOND_LEARNER_H
#define LESSOND_LEARNER_H

#include <stdbool.h>
#include <stddef.h>

#define LEARNER_ID_LEN 32 /* hex digits of 128 random bits */
#define LEARNER_COOKIE "lessond_learner"

/* Finds a well-formed learner id in a Cookie header (may be NULL) and copies
 * it into id. Returns false when there is none or it is malformed. */
bool learner_from_cookie(const char *cookie, char id[LEARNER_ID_LEN + 1]);

/* Makes a new random id. Returns 0, or -1 when the kernel gives no randomness. */
int learner_new(char id[LEARNER_ID_LEN + 1]);

/* Writes the Set-Cookie value carrying id (a year, whole site, HttpOnly,
 * SameSite=Strict) into out. */
void learner_set_cookie(const char *id, char *out, size_t len);

/* The fairness key of a request: "l:<id>" with a learner id, else
 * "ip:<address>". */
void learner_client_key(const char *learner, const char *address, char *out, size_t len);

#endif
