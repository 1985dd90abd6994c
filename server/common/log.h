/* log.h: one logging macro for every process (server, zygote, child).
 * Lines go to stderr as "<pid> <role> <level> message". The level check
 * happens before any formatting, so disabled levels cost one comparison. */
#ifndef LESSOND_LOG_H
#define LESSOND_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern int log_threshold;

/* Sets the role printed on every line ("server", "zygote"). Borrowed: the
 * string must outlive all logging (use a literal). */
void log_set_role(const char *role);

/* Formats and writes one line; never fails loudly (a failed write is dropped). */
void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses "error|warn|info|debug"; returns -1 for anything else. */
int log_level_parse(const char *name);

#define LOG(level, ...)                                                                            \
	do {                                                                                       \
		if ((level) <= log_threshold)                                                      \
			log_write((level), __VA_ARGS__);                                           \
	} while (0)
#define log_error(...) LOG(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  LOG(LOG_WARN, __VA_ARGS__)
#define log_info(...)  LOG(LOG_INFO, __VA_ARGS__)
#define log_debug(...) LOG(LOG_DEBUG, __VA_ARGS__)

#endif
