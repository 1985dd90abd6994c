// teach/codeview.js: one learner's work on one step, read-only: their
// latest code (a read-only editor, so it is text, never markup), their
// state and attempts, and their latest wrong answers, exceptions and
// failed checks. Opened from the grid or the stuck list; follows the poll.
// The polled view carries no code, only has_code and code_at: the panel
// fetches the code when it opens and again whenever the poll says code_at
// moved, shows "Loading" until the first answer and the server's sentence
// when a fetch fails (tried again with the next poll). Close (or Escape)
// hides it and gives focus back to what opened it.
import { h } from '../dom.js';
import { ago } from '../format.js';
import { createEditor } from '../editor.js';
import * as classapi from '../classapi.js';
import { answerText, nameText } from '../names.js';
import { recordWords, stepRecord } from './records.js';
import { describeStep } from './steps.js';

const LISTS = [
  ['wrong_answers', 'Latest wrong answers'],
  ['exceptions', 'Latest exceptions'],
  ['failed_checks', 'Latest failed checks'],
];

/** The code panel for course and the class classCode. Returns { element, show, update, close }. */
export function codeView({ course, classCode }) {
  const heading = h('h2', { id: 'learner-code-title', tabindex: '-1' });
  const facts = h('p', { class: 'code-facts' });
  const lists = h('div', { class: 'code-lists' });
  const host = h('div', { class: 'editor-host' });
  const noCode = h('p', { class: 'code-none' });
  const loadState = h('p', { class: 'code-loading', role: 'status' });
  const close = h('button', { type: 'button', class: 'btn btn-secondary btn-small' }, 'Close');
  const element = h('section', { class: 'learner-code', 'aria-labelledby': 'learner-code-title', hidden: true }, h('div', { class: 'learner-code-head' }, heading, close), facts, lists, noCode, loadState, host);
  let open = null; // { learner, lessonId, stepId, opener }
  let editor = null;
  let sig = null;
  // The open cell's code: what the server gave ({ code, at }), the code_at
  // being fetched, the last fetch's failure, and a number that makes the
  // answer of a fetch for a cell no longer open count for nothing.
  let loaded = null;
  let loading = null;
  let failure = '';
  let fetches = 0;
  let want = null; // the poll's code_at of the open cell (null: no code)
  let editorLabel = '';

  /** Forgets the open cell's code and any fetch in flight. */
  function forgetCode() {
    fetches += 1;
    loaded = null;
    loading = null;
    failure = '';
    want = null;
  }

  /** Hides the panel; focus goes back to the opener when it is still in the page. */
  function hide() {
    const opener = open && open.opener;
    if (opener) opener.classList.remove('is-open');
    open = null;
    forgetCode();
    element.hidden = true;
    if (opener && opener.isConnected) opener.focus();
  }
  close.addEventListener('click', hide);
  element.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && open) hide();
  });

  /** Shows the open cell's code, its loading state or why it failed. */
  function showCode() {
    const code = want !== null && loaded ? loaded.code : null;
    host.hidden = code === null;
    if (want === null) loadState.textContent = '';
    else if (failure) loadState.textContent = `The code could not be loaded: ${failure} Trying again with the next update.`;
    else loadState.textContent = loaded ? '' : 'Loading the code…';
    loadState.hidden = !loadState.textContent;
    loadState.classList.toggle('is-error', Boolean(failure));
    if (code === null) return;
    if (!editor) editor = createEditor(host, { doc: code, label: editorLabel, readOnly: true });
    else if (editor.getCode() !== code) editor.setCode(code);
  }

  /** Fetches the open cell's code (the poll said code_at is at). */
  async function fetchCode(at) {
    const mine = ++fetches;
    const { learner, lessonId, stepId } = open;
    loading = at;
    failure = '';
    showCode();
    try {
      const got = await classapi.learnerCode(classCode, learner, lessonId, stepId);
      if (mine !== fetches) return;
      loaded = { code: got.code, at: got.at };
    } catch (error) {
      if (mine !== fetches) return;
      failure = error.detail || error.message;
    }
    loading = null;
    showCode();
  }

  /** Fetches the code when the poll says there is code newer than what is shown (a failed fetch left none: tried again). */
  function followCode(record) {
    want = record && record.has_code ? record.code_at : null;
    if (want === null || loading !== null) return;
    if (!loaded || loaded.at < want) fetchCode(want);
  }

  /** Fills the panel from a class view (the learner may have left: then it says so). */
  function update(view) {
    if (!open) return;
    const learner = (view.learners || []).find((l) => l.learner === open.learner);
    const record = learner ? stepRecord(learner, open.lessonId, open.stepId) : null;
    followCode(record);
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
    noCode.hidden = want !== null;
    noCode.textContent = where.step && where.step.kind === 'predict' ? 'A prediction step has no code to edit; the answers are above.' : 'No code from this learner for this step yet.';
    editorLabel = `Code of ${(learner && learner.name) || 'a learner'} for ${where.label}, read-only`;
    showCode();
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
    forgetCode();
    dropEditor();
    element.hidden = false;
    update(view);
    element.scrollIntoView({ block: 'nearest' });
    heading.focus({ preventScroll: true });
  }

  return { element, show, update, close: hide };
}
