/* stepusage.c: a step's figures against its limits (see stepusage.h). */
#include "lesson/stepusage.h"

#include <stdio.h>
#include <string.h>

struct step_usage step_usage_none(void)
{
	return (struct step_usage){.peak = -1};
}

struct step_limits step_limits_of(const struct config *cfg, bool point)
{
	if (point)
		return (struct step_limits){
		    cfg->experiment_cpu_seconds,  cfg->experiment_wall_ms,
		    cfg->experiment_memory_bytes, "--experiment-cpu-seconds",
		    "--experiment-wall-ms",       "--experiment-memory-bytes"};
	return (struct step_limits){cfg->cpu_seconds, cfg->wall_ms, cfg->memory_bytes,
	                            "--cpu-seconds",  "--wall-ms",  "--memory-bytes"};
}

/* Adds the figures of one run: `usage` ({"cpu_ms", "wall_ms"}, from
 * check.c's add_usage), `peak` (an integer or absent) and `time` (the
 * contract's, whose cpu_ms stands in when usage has no whole figure; may
 * be NULL). All borrowed. */
static void add(struct step_usage *u, json_t *usage, json_t *peak, json_t *time)
{
	json_t *whole = json_object_get(usage, "cpu_ms");
	bool known = json_is_number(whole);
	double cpu = json_number_value(known ? whole : json_object_get(time, "cpu_ms"));
	if (cpu > u->cpu_ms)
		u->cpu_ms = cpu;
	u->cpu_partial |= !known;
	double wall = json_number_value(json_object_get(usage, "wall_ms"));
	if (wall > u->wall_ms)
		u->wall_ms = wall;
	if (json_is_integer(peak) && json_integer_value(peak) > u->peak)
		u->peak = json_integer_value(peak);
}

void step_usage_add_run(struct step_usage *u, json_t *run)
{
	add(u, json_object_get(run, "usage"),
	    json_object_get(json_object_get(run, "memory"), "peak_bytes"),
	    json_object_get(run, "time"));
}

void step_usage_add_point(struct step_usage *u, json_t *point)
{
	add(u, json_object_get(point, "usage"), json_object_get(point, "peak_bytes"), NULL);
}

/* "256 MiB" (a whole number of MiB), "96.4 MiB", "27.2 KiB", "900 bytes". */
static void bytes_text(double bytes, char *buf, size_t len)
{
	if (bytes >= 1024.0 * 1024.0 && (long long)bytes % (1LL << 20) == 0)
		snprintf(buf, len, "%lld MiB", (long long)bytes >> 20);
	else if (bytes >= 1024.0 * 1024.0)
		snprintf(buf, len, "%.1f MiB", bytes / (1024.0 * 1024.0));
	else if (bytes >= 1024.0)
		snprintf(buf, len, "%.1f KiB", bytes / 1024.0);
	else
		snprintf(buf, len, "%.0f bytes", bytes);
}

/* "5 s" for a whole number of seconds, else "700 ms". */
static void ms_text(long ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%ld s", ms / 1000);
	else
		snprintf(buf, len, "%ld ms", ms);
}

void step_usage_text(const struct step_usage *u, const struct step_limits *lim, char *buf,
                     size_t len)
{
	char cpu_lim[48] = "", wall_lim[48] = "", peak[32] = "n/a", mem_lim[48] = "";
	if (lim) {
		char t[32];
		ms_text(lim->cpu_seconds * 1000L, t, sizeof t);
		snprintf(cpu_lim, sizeof cpu_lim, " (limit %s)", t);
		ms_text(lim->wall_ms, t, sizeof t);
		snprintf(wall_lim, sizeof wall_lim, " (limit %s)", t);
		bytes_text((double)lim->memory_bytes, t, sizeof t);
		snprintf(mem_lim, sizeof mem_lim, " (limit %s)", t);
	}
	if (u->peak >= 0)
		bytes_text((double)u->peak, peak, sizeof peak);
	snprintf(buf, len, "cpu %.0f ms%s%s, wall %.0f ms%s, peak %s%s", u->cpu_ms,
	         u->cpu_partial ? " (setup and snippet only)" : "", cpu_lim, u->wall_ms, wall_lim,
	         peak, u->peak >= 0 ? mem_lim : "");
}

double step_usage_share(const struct step_usage *u, const struct step_limits *lim)
{
	double cpu = u->cpu_ms / (lim->cpu_seconds * 1000.0), wall = u->wall_ms / lim->wall_ms;
	double mem = u->peak >= 0 ? (double)u->peak / (double)lim->memory_bytes : 0;
	double most = cpu > wall ? cpu : wall;
	return mem > most ? mem : most;
}

/* Appends "; " (unless buf is empty) and one finding to buf. */
static void append(char *buf, size_t len, const char *text)
{
	size_t at = strlen(buf);
	if (at + 1 < len)
		snprintf(buf + at, len - at, "%s%s", at ? "; " : "", text);
}

bool step_usage_too_close(const struct step_usage *u, const struct step_limits *lim, char *buf,
                          size_t len)
{
	char text[160], limit[32], figure[32];
	buf[0] = '\0';
	if (u->cpu_ms * 2 > lim->cpu_seconds * 1000.0) {
		ms_text(lim->cpu_seconds * 1000L, limit, sizeof limit);
		snprintf(text, sizeof text, "%.0f ms of CPU, more than half of the %s limit (%s)",
		         u->cpu_ms, limit, lim->cpu_flag);
		append(buf, len, text);
	}
	if (u->wall_ms * 2 > lim->wall_ms) {
		ms_text(lim->wall_ms, limit, sizeof limit);
		snprintf(text, sizeof text,
		         "%.0f ms of wall time, more than half of the %s limit (%s)", u->wall_ms,
		         limit, lim->wall_flag);
		append(buf, len, text);
	}
	if (u->peak >= 0 && (double)u->peak * 2 > (double)lim->memory_bytes) {
		bytes_text((double)u->peak, figure, sizeof figure);
		bytes_text((double)lim->memory_bytes, limit, sizeof limit);
		snprintf(text, sizeof text, "a peak of %s, more than half of the %s limit (%s)",
		         figure, limit, lim->memory_flag);
		append(buf, len, text);
	}
	return buf[0] != '\0';
}
