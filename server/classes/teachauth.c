/* teachauth.c: teacher tokens, their constant-time comparison and the
 * wrong-guess throttle (see teachauth.h). */
#include "classes/teachauth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

void teach_token_from_bytes(const unsigned char raw[TEACH_TOKEN_BYTES],
                            char out[TEACH_TOKEN_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < TEACH_TOKEN_BYTES; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[TEACH_TOKEN_HEX] = '\0';
}

int teach_token_new(char out[TEACH_TOKEN_HEX + 1])
{
	unsigned char raw[TEACH_TOKEN_BYTES];
	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return -1;
	teach_token_from_bytes(raw, out);
	memset(raw, 0, sizeof raw);
	return 0;
}

/* True for the ASCII whitespace a token file may have around the token. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int teach_secret_set(struct teach_secret *s, const char *text, size_t len)
{
	memset(s, 0, sizeof *s);
	while (len > 0 && is_space(text[0]))
		text++, len--;
	while (len > 0 && is_space(text[len - 1]))
		len--;
	if (len < TEACH_TOKEN_MIN || len > TEACH_TOKEN_MAX)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (text[i] < 0x21 || text[i] > 0x7e)
			return -1;
	memcpy(s->pad, text, len);
	s->len = len;
	return 0;
}

bool teach_token_equal(const struct teach_secret *s, const char *given, size_t given_len)
{
	unsigned char pad[TEACH_TOKEN_MAX] = {0};
	memcpy(pad, given, given_len < TEACH_TOKEN_MAX ? given_len : TEACH_TOKEN_MAX);
	/* volatile: the compiler may not stop at the first difference. */
	volatile unsigned char diff = 0;
	for (size_t i = 0; i < TEACH_TOKEN_MAX; i++)
		diff |= pad[i] ^ s->pad[i];
	size_t lens = given_len ^ s->len;
	for (size_t i = 0; i < sizeof lens; i++)
		diff |= (unsigned char)(lens >> (8 * i));
	/* A zeroed secret has len 0, so an empty guess would match: refuse it.
	 * (s->len == 0) is data about the secret's state, not its bytes. */
	diff |= (unsigned char)(s->len == 0);
	memset(pad, 0, sizeof pad);
	return diff == 0;
}

const char *teach_bearer(const char *header, size_t *len)
{
	if (!header || strncasecmp(header, "Bearer", 6) != 0 || header[6] != ' ')
		return NULL;
	const char *at = header + 6;
	while (*at == ' ')
		at++;
	size_t n = strlen(at);
	while (n > 0 && at[n - 1] == ' ')
		n--;
	if (n == 0 || memchr(at, ' ', n))
		return NULL;
	*len = n;
	return at;
}

/* Copies key, cut to TEACH_KEY_MAX bytes, into out. */
static void key_copy(char out[TEACH_KEY_MAX + 1], const char *key)
{
	snprintf(out, TEACH_KEY_MAX + 1, "%s", key ? key : "");
}

/* True when slot's window is still open at now_ms. */
static bool open_at(const struct teach_throttle *t, const struct teach_throttle_slot *slot,
                    int64_t now_ms)
{
	return slot->fails > 0 && now_ms - slot->window_start_ms < t->window_ms;
}

/* The index of the slot holding key, or -1. */
static int find(const struct teach_throttle *t, const char *key)
{
	char k[TEACH_KEY_MAX + 1];
	key_copy(k, key);
	for (int i = 0; i < TEACH_THROTTLE_SLOTS; i++)
		if (t->slots[i].key[0] && strcmp(t->slots[i].key, k) == 0)
			return i;
	return -1;
}

/* The index of a slot free or with its window closed at now_ms, or -1 when
 * every slot is in an open window. */
static int spare(const struct teach_throttle *t, int64_t now_ms)
{
	for (int i = 0; i < TEACH_THROTTLE_SLOTS; i++)
		if (!t->slots[i].key[0] || !open_at(t, &t->slots[i], now_ms))
			return i;
	return -1;
}

/* The wait a slot imposes at now_ms. */
static int64_t slot_wait(const struct teach_throttle *t, const struct teach_throttle_slot *slot,
                         int64_t now_ms)
{
	if (!open_at(t, slot, now_ms) || slot->fails < t->max_fails)
		return 0;
	return slot->window_start_ms + t->window_ms - now_ms;
}

int64_t teach_throttle_wait(const struct teach_throttle *t, const char *key, int64_t now_ms)
{
	int i = find(t, key);
	if (i >= 0)
		return slot_wait(t, &t->slots[i], now_ms);
	if (key && key[0] && spare(t, now_ms) >= 0)
		return 0;
	return slot_wait(t, &t->overflow, now_ms);
}

void teach_throttle_failed(struct teach_throttle *t, const char *key, int64_t now_ms)
{
	int i = find(t, key);
	if (i < 0 && key && key[0] && (i = spare(t, now_ms)) >= 0) {
		memset(&t->slots[i], 0, sizeof t->slots[i]);
		key_copy(t->slots[i].key, key);
	}
	/* No slot to spare, or an empty key (it would look free): the overflow. */
	struct teach_throttle_slot *slot = i >= 0 ? &t->slots[i] : &t->overflow;
	if (!open_at(t, slot, now_ms)) {
		slot->fails = 0;
		slot->window_start_ms = now_ms;
	}
	slot->fails++;
}

void teach_throttle_succeeded(struct teach_throttle *t, const char *key)
{
	int i = find(t, key);
	if (i >= 0)
		memset(&t->slots[i], 0, sizeof t->slots[i]);
}
