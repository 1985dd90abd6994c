// classapi.js: the class records' HTTP API (issue 12): the teacher's
// session and classes, and the learner's membership, join and progress.
// Calls resolve with the parsed body or reject with api.js's ApiError
// (status, and detail: the server's own sentence); the pages choose the
// words. None is retried on 429/503: a teacher's wrong token must not be
// sent three times, and a poll comes again by itself.
import { request } from './api.js';

const once = { retry: false };

/** The URL path of one class (code as the server gave it, or as typed). */
const classPath = (code) => `/api/classes/${encodeURIComponent(code)}`;

/** GET /api/teach/session: true when this browser is signed in as the teacher. */
export async function teacherSignedIn() {
  try {
    await request('GET', '/api/teach/session', undefined, once);
    return true;
  } catch (error) {
    if (error.status === 401) return false;
    throw error;
  }
}

/** POST /api/teach/session: signs in with the token (401 wrong, 429 too many). */
export function signIn(token) {
  return request('POST', '/api/teach/session', { token }, once);
}

/** DELETE /api/teach/session: signs out (the cookie is cleared). */
export function signOut() {
  return request('DELETE', '/api/teach/session', undefined, once);
}

/** GET /api/classes: the teacher's classes, oldest first. */
export function classes() {
  return request('GET', '/api/classes', undefined, once).then((d) => d.classes || []);
}

/** POST /api/classes: a new class; resolves with {code, display, name, created, join_url}. */
export function createClass(name) {
  return request('POST', '/api/classes', { name }, once);
}

/** GET /api/classes/{code}: the class view (learners, their steps, the summary). */
export function classView(code) {
  return request('GET', classPath(code), undefined, once);
}

/**
 * GET /api/classes/{code}/code: one learner's latest code for one step
 * (learner: the view's number), {code, at}; the polled view only says
 * has_code and code_at.
 */
export function learnerCode(code, learner, lesson, step) {
  const query = new URLSearchParams({ learner: String(learner), lesson, step });
  return request('GET', `${classPath(code)}/code?${query}`, undefined, once);
}

/** DELETE /api/classes/{code}: deletes the class and everything recorded for it. */
export function deleteClass(code) {
  return request('DELETE', classPath(code), undefined, once);
}

/** The URL of the class's CSV export (a link: the browser downloads it). */
export function exportUrl(code) {
  return `${classPath(code)}/export.csv`;
}

/** GET /api/membership: {class: {code, display, name} | null, name}. */
export function membership() {
  return request('GET', '/api/membership', undefined, once);
}

/** POST /api/classes/{code}/join: joins (or renames, or moves) this learner. */
export function join(code, name) {
  return request('POST', `${classPath(code)}/join`, { name }, once);
}

/** DELETE /api/membership: leaves the class (its records of this learner go). */
export function leave() {
  return request('DELETE', '/api/membership', undefined, once);
}

/**
 * POST /api/progress: what only the page knows about a step: kind "done",
 * or kind "code" with the edited code. keepalive: sent as the page closes.
 */
export function progress(lesson, step, kind, code, { keepalive = false } = {}) {
  const body = kind === 'code' ? { lesson, step, kind, code } : { lesson, step, kind };
  return request('POST', '/api/progress', body, { retry: false, keepalive });
}
