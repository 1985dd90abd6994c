// teach/summary.js: the class's common mistakes, per step (the class
// view's "summary"): the most frequent wrong answers, exception types and
// failed checks with their counts, and how many learners did, tried or are
// stuck on the step. Learners' answers are shown as text only. Redrawn only
// when the summary changes.
import { h } from '../dom.js';
import { plural } from '../format.js';
import { answerText } from '../names.js';
import { GLYPH } from './records.js';
import { describeStep } from './steps.js';

const TOP = 5;
const KINDS = [
  ['wrong_answers', 'Wrong answers'],
  ['exceptions', 'Exceptions'],
  ['failed_checks', 'Failed checks'],
];

/** The summary's steps in course order (steps the course lost go last): [{ lessonId, stepId, entry }]. */
function orderedSteps(course, summary) {
  const out = [];
  for (const [lessonId, steps] of Object.entries(summary || {})) {
    for (const [stepId, entry] of Object.entries(steps || {})) out.push({ lessonId, stepId, entry });
  }
  const rank = (s) => {
    const li = course.findIndex((l) => l.id === s.lessonId);
    const si = li < 0 ? -1 : course[li].steps.findIndex((st) => st.id === s.stepId);
    return li < 0 || si < 0 ? Number.MAX_SAFE_INTEGER : li * 10000 + si;
  };
  return out.sort((a, b) => rank(a) - rank(b));
}

/** Whether a step's entry has anything to show a teacher. */
function hasMistakes(entry) {
  return KINDS.some(([key]) => (entry[key] || []).length > 0) || entry.stuck > 0;
}

/** "×3 (2 learners)": how often, and by how many learners when the server says. */
function countText(item) {
  const times = item.count === 1 ? 'once' : `${item.count} times`;
  const who = Number.isInteger(item.learners) ? `, ${plural(item.learners, 'learner')}` : '';
  return h('span', { class: 'mistake-count' }, h('span', { 'aria-hidden': 'true' }, `×${item.count}${who ? ` (${plural(item.learners, 'learner')})` : ''}`), h('span', { class: 'visually-hidden' }, `${times}${who}`));
}

/** One list of texts with counts ("Wrong answers": True ×3), or null when empty. */
function countList(title, items) {
  if (!items || !items.length) return null;
  const top = [...items].sort((a, b) => b.count - a.count).slice(0, TOP);
  return h(
    'div',
    { class: 'mistake-kind' },
    h('h4', {}, title),
    h('ol', { class: 'mistake-list' }, top.map((it) => h('li', {}, answerText(it.text), ' ', countText(it)))),
  );
}

/** One step's block. */
function stepBlock(course, { lessonId, stepId, entry }) {
  const where = describeStep(course, lessonId, stepId);
  return h(
    'section',
    { class: 'mistake-step', 'data-lesson': lessonId, 'data-step': stepId },
    h('h3', {}, where.label),
    h('p', { class: 'mistake-counts' }, `${GLYPH.done} ${entry.done || 0} done · ${GLYPH.tried} ${entry.tried || 0} tried · ${GLYPH.stuck} ${entry.stuck || 0} stuck`),
    h('div', { class: 'mistake-kinds' }, KINDS.map(([key, title]) => countList(title, entry[key]))),
  );
}

/** The summary block for course. Returns { element, update(view) }. */
export function mistakeSummary({ course }) {
  const body = h('div', { class: 'mistake-steps' });
  const none = h('p', { class: 'mistake-none' }, 'No wrong answers, exceptions or failed checks yet.');
  const element = h('div', { class: 'summary-block' }, body, none);
  let sig = null;

  /** Redraws from a class view when its summary changed. */
  function update(view) {
    const next = JSON.stringify(view.summary || {});
    if (next === sig) return;
    sig = next;
    const steps = orderedSteps(course, view.summary).filter((s) => hasMistakes(s.entry));
    body.replaceChildren(...steps.map((s) => stepBlock(course, s)));
    none.hidden = steps.length > 0;
  }

  return { element, update };
}
