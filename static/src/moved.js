// moved.js: the steps that moved to another lesson, or left the course,
// when the lessons were rearranged, and what that means for a learner's
// saved progress (store.js applies it each time it loads the record).
// A moved step keeps its record, so an answered prediction is still
// answered where it lives now; a step that left has no place to show its
// record, so the record goes, and no longer counts on the course page
// (which counts a lesson's saved records against its number of steps).
// Only the learner's own record changes: the class records on the server
// are a log of what was done where, and keep the ids they were made with.

/**
 * Each entry: from [lesson id, step id] to [lesson id, step id], or to
 * null for a step that left the course (a rewritten step gets a new id and
 * starts afresh, since saved code for the old one would not fit it).
 */
export const MOVES = [
  { from: ['slots-at-scale', 'generated-slots'], to: ['dataclass-slots', 'generated-slots'] },
  { from: ['slots-at-scale', 'plain-dataclass'], to: ['dataclass-slots', 'plain-dataclass'] },
  { from: ['slots-at-scale', 'speed'], to: null },
  { from: ['slots-at-scale', 'real-saving'], to: null },
  { from: ['measuring-memory', 'honest-bytes'], to: null },
  { from: ['when-not-to-use-slots', 'layout-conflict'], to: null },
  { from: ['when-not-to-use-slots', 'class-attribute-default'], to: null },
  { from: ['when-not-to-use-slots', 'document-share'], to: null },
  { from: ['when-not-to-use-slots', 'both-shares'], to: null },
  { from: ['declaring-slots', 'no-dict'], to: null },
  { from: ['declaring-slots', 'plain-base'], to: null },
  { from: ['undeclared-attributes', 'unset-slot'], to: null },
  { from: ['undeclared-attributes', 'fix-pixel'], to: null },
  { from: ['slots-and-inheritance', 'point3d-no-dict'], to: null },
  { from: ['slots-and-inheritance', 'named-dict'], to: null },
  { from: ['slots-and-inheritance', 'base-without-slots'], to: null },
  { from: ['weak-references', 'slotted-ref'], to: null },
  { from: ['weak-references', 'texture-cache'], to: null },
  { from: ['weak-references', 'still-no-dict'], to: null },
  { from: ['dict-in-slots', 'plugin-node'], to: null },
];

/**
 * Applies moves to a progress record ({ lessons: { [id]: { visited,
 * steps } } }, store.js's shape) in place. A step's record goes to its new
 * place unless that place already has one (made there since: it wins);
 * either way the old one is removed. Returns true when anything changed.
 * Running it again changes nothing.
 */
export function applyMoves(record, moves = MOVES) {
  let changed = false;
  for (const { from, to } of moves) {
    const source = record.lessons[from[0]];
    const saved = source && source.steps && source.steps[from[1]];
    if (!saved) continue;
    delete source.steps[from[1]];
    changed = true;
    if (!to) continue;
    if (!record.lessons[to[0]]) record.lessons[to[0]] = { visited: false, steps: {} };
    const target = record.lessons[to[0]];
    if (!target.steps) target.steps = {};
    if (!target.steps[to[1]]) target.steps[to[1]] = saved;
  }
  return changed;
}
