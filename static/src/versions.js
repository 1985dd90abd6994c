// versions.js: Python versions as the lessons name them, for the page: a
// version is "3.13"; a spec on version-specific prose is "3.13" (that one)
// or "3.12+" (that one and every later one), as server/lesson/pyversion.c
// reads them. Pure functions, no DOM.

/** [major, minor] of "3.13" or "3.13.5", or null when it is not one. */
export function parseVersion(text) {
  const m = /^(\d{1,3})\.(\d{1,3})(?:\.\S*)?$/.exec(String(text || ''));
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Negative, 0 or positive as version a ([major, minor]) is older than, equal to or newer than b. */
function compare(a, b) {
  return a[0] - b[0] || a[1] - b[1];
}

/** True when Python `version` ("3.13" or "3.13.5") is one that spec ("3.13", "3.12+") names. */
export function specMatches(spec, version) {
  const m = /^(\d{1,3}\.\d{1,3})(\+?)$/.exec(String(spec || ''));
  const v = parseVersion(version);
  if (!m || !v) return false;
  const c = compare(v, parseVersion(m[1]));
  return c === 0 || (m[2] === '+' && c > 0);
}

/** A spec in words: "Python 3.13", "Python 3.12 and later". */
export function specWords(spec) {
  const text = String(spec || '');
  return text.endsWith('+') ? `Python ${text.slice(0, -1)} and later` : `Python ${text}`;
}

/**
 * The default of a /api/pythons list: the entry the server marks default
 * (the newest), else the newest by number; null when there is none.
 */
export function defaultPython(pythons) {
  const list = (pythons || []).filter((p) => parseVersion(p.version));
  const marked = list.find((p) => p.default);
  return marked || list.slice().sort((a, b) => compare(parseVersion(a.version), parseVersion(b.version))).pop() || null;
}
