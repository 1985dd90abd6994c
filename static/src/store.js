// store.js: the learner's progress and edited code, and their preferences
// (the Python they chose), kept in localStorage under one key so a reload
// (or a closed tab) loses nothing. Shape:
//   { lessons: { [lessonId]: { visited: true,
//       steps: { [stepId]: { done, code, answer, verdict, hints,
//                            solution, series, message } } } },
//     prefs: { python: '3.11' } }
// When storage is unavailable (private mode, quota), progress lives in
// memory for this visit only. Steps that moved between lessons bring their
// record along when it is read (moved.js).
import { applyMoves } from './moved.js';

const KEY = 'lessond.progress.v1';
let memory = null;

/**
 * The whole record: read from storage once, with moved steps carried to
 * where they are now (saved back when that changed anything), then kept
 * in memory (the same object each time; callers change it, then save).
 */
function load() {
  if (memory) return memory;
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) || 'null');
    memory = parsed && typeof parsed === 'object' && parsed.lessons ? parsed : { lessons: {} };
  } catch {
    memory = { lessons: {} };
  }
  if (applyMoves(memory)) save();
  return memory;
}

/** Writes the record back; failures leave it in memory only. */
function save() {
  try {
    localStorage.setItem(KEY, JSON.stringify(memory));
  } catch {
    /* storage full or disabled: keep going in memory */
  }
}

/** The record of one lesson, created when missing. */
function lessonRecord(lessonId) {
  const all = load();
  if (!all.lessons[lessonId]) all.lessons[lessonId] = { visited: false, steps: {} };
  return all.lessons[lessonId];
}

/**
 * What is stored for one step: the record itself (change it only through
 * updateStep), or a new empty object when nothing is.
 */
export function step(lessonId, stepId) {
  const lesson = load().lessons[lessonId];
  return (lesson && lesson.steps[stepId]) || {};
}

/** Merges patch into a step's record and saves; undefined values delete. */
export function updateStep(lessonId, stepId, patch) {
  const lesson = lessonRecord(lessonId);
  const record = { ...(lesson.steps[stepId] || {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete record[key];
    else record[key] = value;
  }
  lesson.steps[stepId] = record;
  save();
  return record;
}

/** Notes that the learner opened a lesson (it counts as started). */
export function markVisited(lessonId) {
  const lesson = lessonRecord(lessonId);
  if (!lesson.visited) {
    lesson.visited = true;
    save();
  }
}

/**
 * Progress of a lesson with stepCount steps: { state: 'done' | 'started'
 * | 'new', done: number of finished steps }. stepIds, when given, limits
 * the count to steps the lesson still has.
 */
export function lessonProgress(lessonId, stepCount, stepIds) {
  const lesson = load().lessons[lessonId];
  if (!lesson) return { state: 'new', done: 0 };
  const ids = stepIds || Object.keys(lesson.steps);
  const done = Math.min(stepCount, ids.filter((id) => lesson.steps[id] && lesson.steps[id].done).length);
  const touched = lesson.visited || Object.keys(lesson.steps).length > 0;
  if (stepCount > 0 && done >= stepCount) return { state: 'done', done };
  return { state: touched ? 'started' : 'new', done };
}

/** Forgets one lesson's progress and edited code. */
export function resetLesson(lessonId) {
  delete load().lessons[lessonId];
  save();
}

/** A preference (prefs[name]), or undefined when never set. */
export function pref(name) {
  const prefs = load().prefs;
  return prefs && typeof prefs === 'object' ? prefs[name] : undefined;
}

/** Sets a preference and saves; undefined forgets it. */
export function setPref(name, value) {
  const all = load();
  if (!all.prefs || typeof all.prefs !== 'object') all.prefs = {};
  if (value === undefined) delete all.prefs[name];
  else all.prefs[name] = value;
  save();
}

/** Forgets all progress and edited code; preferences stay. */
export function resetAll() {
  memory = { lessons: {}, prefs: load().prefs };
  save();
}
