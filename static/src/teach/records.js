// teach/records.js: reading one learner's step from the class view
// (GET /api/classes/{code}): its state, whether they are stuck, and the
// same in words and in a glyph, so the dashboard never says it by colour
// alone. A step absent from a learner's "steps" is not started.
import { plural } from '../format.js';

export const STATES = ['not_started', 'tried', 'done'];

/** What each state and "stuck" look like in a grid cell (a shape, not only a colour). */
export const GLYPH = { not_started: '–', tried: '○', done: '✓', stuck: '⚠' };
export const WORDS = { not_started: 'not started', tried: 'tried', done: 'done', stuck: 'stuck' };

/** The learner's record of a step, or null (not started). */
export function stepRecord(learner, lessonId, stepId) {
  const lesson = learner && learner.steps && learner.steps[lessonId];
  return (lesson && lesson[stepId]) || null;
}

/** The state of a record: 'not_started', 'tried' or 'done'. */
export function stateOf(record) {
  if (!record) return 'not_started';
  return record.state === 'done' ? 'done' : 'tried';
}

/** Whether a record says the learner is stuck on the step. */
export function isStuck(record) {
  return Boolean(record && record.stuck);
}

/** The glyph of a record: stuck wins over tried and done. */
export function glyphOf(record) {
  return isStuck(record) ? GLYPH.stuck : GLYPH[stateOf(record)];
}

/** "done, stuck, 4 attempts, 3 failed" (or "not started"). */
export function recordWords(record) {
  const state = stateOf(record);
  if (state === 'not_started') return WORDS.not_started;
  const parts = [WORDS[state]];
  if (isStuck(record)) parts.push(WORDS.stuck);
  if (record.attempts) parts.push(plural(record.attempts, 'attempt'));
  if (record.failures) parts.push(`${record.failures} failed`);
  return parts.join(', ');
}

/** Every stuck step of the view: [{ learner, lessonId, stepId, record }], most recent first. */
export function stuckSteps(view) {
  const out = [];
  for (const learner of view.learners || []) {
    for (const [lessonId, steps] of Object.entries(learner.steps || {})) {
      for (const [stepId, record] of Object.entries(steps || {})) {
        if (isStuck(record)) out.push({ learner, lessonId, stepId, record });
      }
    }
  }
  return out.sort((a, b) => (b.record.last || 0) - (a.record.last || 0));
}
