/* routes.c: matching paths and methods against the route table (routes.h).
 * Pure: no I/O, no allocation. */
#include "api/routes.h"

#include <stddef.h>
#include <string.h>

#define ROUTES_ROW(id, methods, path, label, handler) [ROUTE_##id] = {methods, path, label},
const struct route routes_table[ROUTE_COUNT] = {ROUTES(ROUTES_ROW)};
#undef ROUTES_ROW

#define PARAM "{id}"

/* True when path matches pattern; *param gets the "{id}" segment. The
 * segment is one or more bytes up to the next '/' or the end, and the
 * pattern's text after "{id}" (if any) must follow it exactly. */
static bool path_matches(const char *pattern, const char *path, const char **param)
{
	const char *slot = strstr(pattern, PARAM);
	if (!slot)
		return strcmp(pattern, path) == 0;
	size_t prefix = (size_t)(slot - pattern);
	if (strncmp(pattern, path, prefix) != 0)
		return false;
	const char *seg = path + prefix;
	size_t seglen = strcspn(seg, "/");
	if (seglen == 0 || strcmp(seg + seglen, slot + sizeof PARAM - 1) != 0)
		return false;
	*param = seg;
	return true;
}

int routes_find(const char *path, const char **param)
{
	const char *ignored;
	if (!param)
		param = &ignored;
	for (int i = 0; path && i < ROUTE_COUNT; i++)
		if (path_matches(routes_table[i].path, path, param))
			return i;
	return -1;
}

bool routes_allows(int id, const char *method)
{
	if (id < 0 || id >= ROUTE_COUNT || !method || !*method)
		return false;
	size_t n = strlen(method);
	for (const char *m = routes_table[id].methods; *m;) {
		size_t len = strcspn(m, ", ");
		if (len == n && strncmp(m, method, n) == 0)
			return true;
		m += len;
		m += strspn(m, ", ");
	}
	return false;
}

/* True for /api and every path under /api/. */
static bool under_api(const char *path)
{
	return strcmp(path, "/api") == 0 || strncmp(path, "/api/", 5) == 0;
}

bool routes_owns(const char *path)
{
	return path && (under_api(path) || routes_find(path, NULL) >= 0);
}

int routes_label_of(const char *path)
{
	int id = routes_find(path, NULL);
	if (id >= 0)
		return id;
	return path && under_api(path) ? ROUTE_LABEL_API_OTHER : ROUTE_LABEL_STATIC;
}

const char *routes_label_name(int i)
{
	if (i >= 0 && i < ROUTE_COUNT)
		return routes_table[i].label;
	return i == ROUTE_LABEL_API_OTHER ? "api_other" : "static";
}
