/* routes.h: the URL space of the API, written once. ROUTES is the one table:
 * a row per route with its id, the methods it takes (also its Allow
 * header), its path (exact, or with one "{id}": one non-empty segment
 * without '/', anywhere in the path), its metrics label, and its handler (defined in api.c).
 * routes.c matches paths against it and names the labels; api.c dispatches
 * from it; main.c asks it which paths are the API's. A row without a label
 * or a handler does not compile, so no route can go unlabelled. */
#ifndef LESSOND_ROUTES_H
#define LESSOND_ROUTES_H

#include <stdbool.h>

#define ROUTES(X)                                                                                  \
	X(RUN, "POST", "/api/run", "run", handle_run)                                              \
	X(CHECK, "POST", "/api/check", "check", handle_check)                                      \
	X(SOLUTION, "POST", "/api/solution", "solution", handle_solution)                          \
	X(HEALTH, "GET, HEAD", "/api/health", "health", handle_health)                             \
	X(PYTHONS, "GET, HEAD", "/api/pythons", "pythons", handle_pythons)                         \
	X(LESSONS, "GET, HEAD", "/api/lessons", "lessons", handle_lessons)                         \
	X(LESSON, "GET, HEAD", "/api/lessons/{id}", "lesson", handle_lesson)                       \
	X(METRICS, "GET, HEAD", "/metrics", "metrics", handle_metrics)                             \
	X(TEACH_SESSION, "GET, HEAD, POST, DELETE", "/api/teach/session", "teach_session",         \
	  handle_teach_session)                                                                    \
	X(CLASSES, "GET, HEAD, POST", "/api/classes", "classes", handle_classes)                   \
	X(CLASS, "GET, HEAD, DELETE", "/api/classes/{id}", "class", handle_class)                  \
	X(CLASS_CSV, "GET, HEAD", "/api/classes/{id}/export.csv", "class_csv", handle_class_csv)   \
	X(CLASS_CODE, "GET, HEAD", "/api/classes/{id}/code", "class_code", handle_class_code)      \
	X(CLASS_JOIN, "POST", "/api/classes/{id}/join", "class_join", handle_class_join)           \
	X(MEMBERSHIP, "GET, HEAD, DELETE", "/api/membership", "membership", handle_membership)     \
	X(PROGRESS, "POST", "/api/progress", "progress", handle_progress)

#define ROUTES_ENUM(id, methods, path, label, handler) ROUTE_##id,
enum route_id { ROUTES(ROUTES_ENUM) ROUTE_COUNT };
#undef ROUTES_ENUM

/* Labels past the routes' own, for paths no route matches. */
#define ROUTE_LABEL_API_OTHER ROUTE_COUNT       /* under /api, but no route */
#define ROUTE_LABEL_STATIC    (ROUTE_COUNT + 1) /* everything else: the static files */
#define ROUTE_LABELS          (ROUTE_COUNT + 2)

struct route {
	const char *methods; /* "POST", "GET, HEAD": the Allow header */
	const char *path;    /* exact, or a prefix and "{id}" */
	const char *label;   /* the metrics label: [a-z_]+ */
};

/* The table's rows without their handlers, indexed by enum route_id. */
extern const struct route routes_table[ROUTE_COUNT];

/* The route whose path matches `path`, or -1. For a "{id}" route, *param
 * (when param is not NULL) points at the segment inside path (borrowed;
 * it ends at the next '/' or the end of path). */
int routes_find(const char *path, const char **param);

/* True when route `id` takes `method` (one of its listed methods). */
bool routes_allows(int id, const char *method);

/* True when the API answers `path`: a route's path, or anything under
 * /api (which, matching no route, is the API's 404). */
bool routes_owns(const char *path);

/* The label index (0 to ROUTE_LABELS - 1) that counts a request for path;
 * NULL counts as static. */
int routes_label_of(const char *path);

/* The name of label index i ("run", ..., "api_other", "static"; "static"
 * out of range). */
const char *routes_label_name(int i);

#endif
