/* pyversion.c: Python versions and prose specs as lessons name them
 * (pyversion.h): "3.13", "3.12+". */
#include "lesson/pyversion.h"

#include <ctype.h>
#include <stddef.h>

/* A parsed spec: major.minor, and whether later versions match too. */
struct spec {
	int major, minor;
	bool later;
};

/* Reads 1-3 digits at *s into *n, moving *s past them. Returns false when
 * there are none or more than three. */
static bool number(const char **s, int *n)
{
	int digits = 0;
	*n = 0;
	while (isdigit((unsigned char)**s)) {
		if (++digits > 3)
			return false;
		*n = *n * 10 + (**s - '0');
		(*s)++;
	}
	return digits > 0;
}

/* Parses "X.Y" at the start of s into *out, leaving *end after it. Returns
 * false when s does not start with one. */
static bool parse_version(const char *s, struct spec *out, const char **end)
{
	if (!s || !number(&s, &out->major) || out->major < 1 || *s++ != '.' ||
	    !number(&s, &out->minor))
		return false;
	out->later = false;
	*end = s;
	return true;
}

/* Parses a whole spec ("3.13" or "3.12+"). Returns false when it is not one. */
static bool parse_spec(const char *s, struct spec *out)
{
	const char *end;
	if (!parse_version(s, out, &end))
		return false;
	if (*end == '+') {
		out->later = true;
		end++;
	}
	return *end == '\0';
}

/* -1, 0 or 1 as version a is older than, the same as, or newer than b. */
static int compare(const struct spec *a, const struct spec *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	return a->minor == b->minor ? 0 : a->minor < b->minor ? -1 : 1;
}

bool pyversion_valid(const char *v)
{
	struct spec s;
	return parse_spec(v, &s) && !s.later;
}

bool pyversion_spec_valid(const char *spec)
{
	struct spec s;
	return parse_spec(spec, &s);
}

bool pyversion_spec_matches(const char *spec, const char *version)
{
	struct spec s, v;
	const char *end;
	if (!parse_spec(spec, &s) || !parse_version(version, &v, &end) ||
	    (*end != '\0' && *end != '.'))
		return false;
	int c = compare(&v, &s);
	return c == 0 || (s.later && c > 0);
}

bool pyversion_specs_overlap(const char *a, const char *b)
{
	struct spec x, y;
	if (!parse_spec(a, &x) || !parse_spec(b, &y))
		return false;
	int c = compare(&x, &y);
	if (x.later && y.later)
		return true;
	if (x.later)
		return c <= 0; /* "3.12+" and "3.13" */
	if (y.later)
		return c >= 0;
	return c == 0;
}
