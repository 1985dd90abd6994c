// teach/stuck.js: "who is stuck": every learner the server marks stuck on
// a step (several failed attempts, or long on it), most recent first,
// each a button to their code. Redrawn only when the list changes, with
// the keyboard's place kept (keepfocus.js).
import { h } from '../dom.js';
import { plural } from '../format.js';
import { nameText } from '../names.js';
import { keepFocus } from './keepfocus.js';
import { stuckSteps } from './records.js';
import { describeStep } from './steps.js';

/** The stuck list for course; onOpen(learner, lessonId, stepId, button). Returns { element, update }. */
export function stuckList({ course, onOpen }) {
  const list = h('ul', { class: 'stuck-list' });
  const none = h('p', { class: 'stuck-none' }, 'Nobody is stuck right now.');
  const element = h('div', { class: 'stuck-block' }, list, none);
  let sig = null;

  /** One stuck learner and step. */
  function item({ learner, lessonId, stepId, record }) {
    const where = describeStep(course, lessonId, stepId);
    const btn = h('button', { type: 'button', class: 'link-button', 'data-focus-key': `${learner.learner}/${lessonId}/${stepId}` }, nameText(learner.name, 'name-strong'));
    btn.addEventListener('click', () => onOpen(learner.learner, lessonId, stepId, btn));
    const facts = [plural(record.attempts || 0, 'attempt'), `${record.failures || 0} failed`].join(', ');
    return h('li', { class: 'stuck-item' }, h('span', { class: 'cell-mark', 'aria-hidden': 'true' }, '⚠ '), btn, ` on ${where.label} (${facts})`);
  }

  /** Redraws the list from a class view when it changed. */
  function update(view) {
    const stuck = stuckSteps(view);
    const next = JSON.stringify(stuck.map((s) => [s.learner.learner, s.learner.name, s.lessonId, s.stepId, s.record.attempts, s.record.failures]));
    if (next === sig) return;
    sig = next;
    keepFocus(list, () => list.replaceChildren(...stuck.map(item)));
    none.hidden = stuck.length > 0;
    list.hidden = stuck.length === 0;
  }

  return { element, update };
}
