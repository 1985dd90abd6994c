// membership.js: whether this learner is in a class, as the server says
// (GET /api/membership), kept for the page: the join box, the join page
// and progress.js read it; joining and leaving go through here so every
// reader sees the change. The server is the owner; this is a copy, read
// again on each course page and join page.
import * as classapi from './classapi.js';

let known = { class: null, name: null };
let first = null;
const listeners = [];

/** The last membership seen: { class: {code, display, name} | null, name }. */
export function current() {
  return known;
}

/** Whether the learner is in a class (as last seen). */
export function joined() {
  return Boolean(known.class && known.class.code);
}

/** Keeps a membership answer and tells the listeners. */
function keep(answer) {
  known = { class: (answer && answer.class) || null, name: (answer && answer.name) || null };
  for (const fn of listeners) fn(known);
  return known;
}

/** Calls fn(membership) after every change. */
export function onChange(fn) {
  listeners.push(fn);
}

/**
 * The membership once the server first said it (one request for every
 * caller); never rejects: a failure leaves "no class".
 */
export function ready() {
  if (!first) first = refresh().catch(() => known);
  return first;
}

/** Asks the server again; a failure keeps the last copy and rejects. */
export async function refresh() {
  return keep(await classapi.membership());
}

/** Joins class code as name; resolves with the new membership, rejects with ApiError. */
export async function join(code, name) {
  const answer = await classapi.join(code, name);
  return keep({ class: answer.class, name: answer.name });
}

/** Leaves the class; resolves with the (empty) membership. */
export async function leave() {
  await classapi.leave();
  return keep({ class: null, name: null });
}
