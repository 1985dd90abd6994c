/* errbody.c: {"error": message} as JSON text (errbody.h). */
#include "common/errbody.h"

#include "common/buf.h"
#include "common/utf8.h"

#include <stdio.h>
#include <string.h>

char *errbody_json(const char *message, size_t *len)
{
	char safe[ERRBODY_MESSAGE_MAX + 1];
	snprintf(safe, sizeof safe, "%s", message ? message : "");
	utf8_scrub(safe); /* also mends a character the cut split */
	struct buf b = {0};
	buf_addstr(&b, "{\"error\":\"");
	for (const unsigned char *p = (const unsigned char *)safe; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(&b, "\\%c", *p);
		else if (*p == '\n')
			buf_addstr(&b, "\\n");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(&b, "\\u%04x", *p);
		else
			buf_add(&b, p, 1);
	}
	buf_addstr(&b, "\"}");
	return buf_take(&b, len); /* NULL when an append failed */
}
