/* learner.c: the learner cookie (see learner.h). */
#include "api/learner.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

/* True when s starts with exactly LEARNER_ID_LEN lowercase hex digits that
 * end the cookie value. */
static bool well_formed(const char *s)
{
	for (int i = 0; i < LEARNER_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	char end = s[LEARNER_ID_LEN];
	return end == '\0' || end == ';' || end == ' ' || end == '\t';
}

bool learner_from_cookie(const char *cookie, char id[LEARNER_ID_LEN + 1])
{
	const size_t name_len = strlen(LEARNER_COOKIE);
	for (const char *at = cookie; at && *at;) {
		while (*at == ' ' || *at == '\t' || *at == ';')
			at++;
		if (strncmp(at, LEARNER_COOKIE, name_len) == 0 && at[name_len] == '=' &&
		    well_formed(at + name_len + 1)) {
			memcpy(id, at + name_len + 1, LEARNER_ID_LEN);
			id[LEARNER_ID_LEN] = '\0';
			return true;
		}
		at = strchr(at, ';');
	}
	return false;
}

int learner_new(char id[LEARNER_ID_LEN + 1])
{
	unsigned char raw[LEARNER_ID_LEN / 2];
	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return -1;
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

void learner_set_cookie(const char *id, char *out, size_t len)
{
	snprintf(out, len, "%s=%s; Path=/; Max-Age=31536000; HttpOnly; SameSite=Strict",
	         LEARNER_COOKIE, id);
}

void learner_client_key(const char *learner, const char *address, char *out, size_t len)
{
	if (learner && *learner)
		snprintf(out, len, "l:%s", learner);
	else
		snprintf(out, len, "ip:%s", address ? address : "");
}
