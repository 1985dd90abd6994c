/* log.c: the logging sink shared by the server and the zygote. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int log_threshold = LOG_INFO;
static const char *log_role = "server";

void log_set_role(const char *role)
{
	log_role = role;
}

int log_level_parse(const char *name)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	for (int i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* Builds the whole line in one buffer and writes it with a single write(2),
 * so lines from concurrent threads and processes never interleave. */
void log_write(enum log_level level, const char *fmt, ...)
{
	static const char *const tags[] = {"ERROR", "WARN", "INFO", "DEBUG"};
	char line[1024];
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	int n =
	    snprintf(line, sizeof line, "%02d:%02d:%02d.%03ld %d %s %s ", tm.tm_hour, tm.tm_min,
	             tm.tm_sec, (long)(tv.tv_usec / 1000), (int)getpid(), log_role, tags[level]);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}
