// pythons.js: which Python the learner's runs use. The server says which it
// serves (GET /api/pythons, asked once per page load); the learner's choice
// is remembered in the browser (store.js, prefs.python), and the default is
// the newest served. A remembered Python the server no longer serves is not
// forgotten (it comes back when the server serves it again), but runs use
// the default meanwhile and `unavailable()` names it so the page can say so.
// Listeners hear every change of choice.
import * as api from './api.js';
import * as store from './store.js';
import { defaultPython } from './versions.js';

let served = [];
let current = null;
let missing = null;
let first = null;
const listeners = [];

/** Picks the Python runs use from what is served and what was remembered. */
function settle() {
  const remembered = store.pref('python');
  const fallback = defaultPython(served);
  const kept = served.find((p) => p.version === remembered);
  current = kept || fallback;
  missing = remembered && !kept && served.length ? remembered : null;
}

/**
 * Resolves once the server said what it serves (one request for every
 * caller); never rejects: a failure leaves no Python known, and runs then
 * name none (the server's default runs them).
 */
export function ready() {
  if (!first) {
    first = api
      .pythons()
      .then((list) => {
        served = Array.isArray(list) ? list.filter((p) => p && typeof p.version === 'string') : [];
      })
      .catch(() => {
        served = [];
      })
      .then(settle);
  }
  return first;
}

/** The Pythons served, oldest first: [{ version, full, default }] (empty until ready, or when unknown). */
export function list() {
  return served;
}

/** The chosen Python's entry { version, full, default }, or null when none is known. */
export function chosen() {
  return current;
}

/** The version ("3.13") runs should name, or undefined when none is known. */
export function chosenVersion() {
  return current ? current.version : undefined;
}

/** The remembered version the server does not serve now ("3.12"), or null. */
export function unavailable() {
  return missing;
}

/** Chooses a served version, remembers it and tells the listeners; an unknown one is ignored. */
export function choose(version) {
  if (!served.some((p) => p.version === version)) return;
  store.setPref('python', version);
  settle();
  for (const fn of listeners) fn(current);
}

/** Calls fn(entry) after every change of choice. */
export function onChange(fn) {
  listeners.push(fn);
}
