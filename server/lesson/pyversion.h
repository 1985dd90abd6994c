/* pyversion.h: Python versions as lessons name them. A version is "3.13"
 * (answer@3.13=, `output python=3.13`); a spec, on a version-specific
 * prose block (```text python=SPEC), is a version ("3.13": that one) or a
 * version and a plus ("3.12+": that one and every later one). Pure
 * string functions: no allocation, no failure but a false answer. */
#ifndef LESSOND_PYVERSION_H
#define LESSOND_PYVERSION_H

#include <stdbool.h>

/* True for "X.Y" (digits, at most three each, X >= 1): "3.13". */
bool pyversion_valid(const char *v);

/* True for a prose spec: "3.13" or "3.12+". */
bool pyversion_spec_valid(const char *spec);

/* True when Python `version` ("3.13", or a full "3.13.5") is one the
 * valid spec names; false for anything that does not parse. */
bool pyversion_spec_matches(const char *spec, const char *version);

/* True when some Python matches both valid specs ("3.12+" and "3.13"). */
bool pyversion_specs_overlap(const char *a, const char *b);

#endif
