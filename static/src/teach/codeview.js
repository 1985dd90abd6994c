// teach/codeview.js: one learner's work on one step, read-only: their
// latest code (a read-only editor, so it is text, never markup), their
// state and attempts, and their latest wrong answers, exceptions and
// failed checks. Opened from the grid or the stuck list; follows the poll;
// Close (or Escape) hides it and gives focus back to what opened it.
import { h } from '../dom.js';
import { ago } from '../format.js';
import { createEditor } from '../editor.js';
import { answerText, nameText } from '../names.js';
import { recordWords, stepRecord } from './records.js';
import { describeStep } from './steps.js';

const LISTS = [
  ['wrong_answers', 'Latest wrong answers'],
  ['exceptions', 'Latest exceptions'],
  ['failed_checks', 'Latest failed checks'],
];

/** The code panel for course. Returns { element, show, update, close }. */
export function codeView({ course }) {
  const heading = h('h2', { id: 'learner-code-title', tabindex: '-1' });
  const facts = h('p', { class: 'code-facts' });
  const lists = h('div', { class: 'code-lists' });
  const host = h('div', { class: 'editor-host' });
  const noCode = h('p', { class: 'code-none' });
  const close = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Close');
  const element = h('section', { class: 'learner-code', 'aria-labelledby': 'learner-code-title', hidden: true }, h('div', { class: 'learner-code-head' }, heading, close), facts, lists, noCode, host);
  let open = null; // { learner, lessonId, stepId, opener }
  let editor = null;
  let sig = null;

  /** Hides the panel; focus goes back to the opener when it is still in the page. */
  function hide() {
    const opener = open && open.opener;
    if (opener) opener.classList.remove('is-open');
    open = null;
    element.hidden = true;
    if (opener && opener.isConnected) opener.focus();
  }
  close.addEventListener('click', hide);
  element.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && open) hide();
  });

  /** Fills the panel from a class view (the learner may have left: then it says so). */
  function update(view) {
    if (!open) return;
    const learner = (view.learners || []).find((l) => l.learner === open.learner);
    const record = learner ? stepRecord(learner, open.lessonId, open.stepId) : null;
    const next = JSON.stringify([learner ? learner.name : null, record]);
    if (next === sig) return;
    sig = next;
    const where = describeStep(course, open.lessonId, open.stepId);
    heading.replaceChildren(learner ? nameText(learner.name, 'name-strong') : 'A learner who left', ` · ${where.label}`);
    facts.textContent = learner
      ? `${recordWords(record)}${record && record.last ? `; last activity ${ago(record.last, view.now)}` : ''}.`
      : 'This learner left the class; their records are gone.';
    lists.replaceChildren(
      ...LISTS.map(([key, title]) => {
        const items = (record && record[key]) || [];
        return items.length ? h('div', { class: 'mistake-kind' }, h('h3', {}, title), h('ol', { class: 'mistake-list' }, items.map((t) => h('li', {}, answerText(t))))) : null;
      }).filter(Boolean),
    );
    const code = record && typeof record.code === 'string' ? record.code : null;
    noCode.hidden = code !== null;
    noCode.textContent = where.step && where.step.kind === 'predict' ? 'A prediction step has no code to edit; the answers are above.' : 'No code from this learner for this step yet.';
    host.hidden = code === null;
    if (code === null) return;
    const label = `Code of ${learner.name || 'a learner'} for ${where.label}, read-only`;
    if (!editor) editor = createEditor(host, { doc: code, label, readOnly: true });
    else if (editor.getCode() !== code) editor.setCode(code);
  }

  /** Drops the editor of the learner shown before (its label names them). */
  function dropEditor() {
    if (editor) editor.view.destroy();
    editor = null;
    host.replaceChildren();
  }

  /** Opens the panel on a learner's step; opener gets focus back on close. */
  function show(learner, lessonId, stepId, opener, view) {
    if (open && open.opener) open.opener.classList.remove('is-open');
    open = { learner, lessonId, stepId, opener };
    if (opener) opener.classList.add('is-open');
    sig = null;
    dropEditor();
    element.hidden = false;
    update(view);
    element.scrollIntoView({ block: 'nearest' });
    heading.focus({ preventScroll: true });
  }

  return { element, show, update, close: hide };
}
