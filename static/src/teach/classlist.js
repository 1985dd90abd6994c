// teach/classlist.js: the teacher's classes (GET /api/classes, oldest
// first) with their codes and learner counts, a form for a new class
// (POST /api/classes; a name of 1 to 40 characters), and signing out.
// A new class opens at once, so its code can go on the projector.
import { h } from '../dom.js';
import { busyLine, whileBusy } from '../busy.js';
import * as classapi from '../classapi.js';
import { markField, textField } from '../formfield.js';
import { plural } from '../format.js';
import { nameProblem } from '../joinform.js';
import { nameText } from '../names.js';
import { button } from '../steps/common.js';

/** The hash of a class's page in the dashboard. */
export const classHash = (code) => `#/class/${encodeURIComponent(code)}`;

/** The table of classes, or a sentence when there are none. */
function classTable(list) {
  if (!list.length) return h('p', { class: 'classes-none' }, 'No classes yet. Make one below; its code is what learners type to join.');
  return h(
    'table',
    { class: 'class-table' },
    h('caption', { class: 'visually-hidden' }, 'Your classes, oldest first'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Class'), h('th', { scope: 'col' }, 'Code'), h('th', { scope: 'col' }, 'Learners'), h('th', { scope: 'col' }, 'Made'))),
    h(
      'tbody',
      {},
      list.map((c) =>
        h(
          'tr',
          { 'data-class': c.code },
          h('th', { scope: 'row' }, h('a', { href: classHash(c.code) }, nameText(c.name, 'name-strong'))),
          h('td', { class: 'class-code' }, c.display || c.code),
          h('td', {}, String(c.learners ?? 0)),
          h('td', {}, c.created ? new Date(c.created).toLocaleDateString() : ''),
        ),
      ),
    ),
  );
}

/** The "new class" form; onMade(cls) after the server made it. */
function newClassForm(onMade) {
  const nameField = textField('new-class-name', 'Name of the new class', 'For you and the learners, for example “Year 10 Python, Tuesday”: 1 to 40 characters.', { spellcheck: 'true' }, { alert: true });
  const { input } = nameField;
  const submit = button('Make the class', null, { kind: 'primary', type: 'submit' });
  const busy = busyLine();
  const form = h(
    'form',
    { class: 'new-class-form', novalidate: true },
    nameField.row,
    h('div', { class: 'toolbar' }, submit),
    busy,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = input.value.trim();
    const problem = nameProblem(name, 'Type a name for the class.');
    markField(nameField, problem);
    if (problem) {
      input.focus();
      return;
    }
    await whileBusy(submit, busy, 'Making the class…', async () => {
      try {
        onMade(await classapi.createClass(name));
      } catch (e) {
        if (!e || !e.kind) throw e;
        markField(nameField, e.detail || e.message);
        input.focus();
      }
    });
  });
  return form;
}

/**
 * Renders the class list into main; onSignedOut() after signing out.
 * Rejects with the ApiError of the list (the dashboard shows sign-in on 401).
 */
export async function renderClassList(main, { onSignedOut }) {
  const list = await classapi.classes();
  const signOut = button('Sign out', async () => {
    try {
      await classapi.signOut();
    } finally {
      onSignedOut();
    }
  }, { class: 'btn btn-secondary btn-small' });
  main.replaceChildren(
    h(
      'div',
      { class: 'teach classes' },
      h('div', { class: 'teach-head' }, h('h1', { tabindex: '-1' }, 'Your classes'), signOut),
      h('p', { class: 'course-intro' }, list.length ? `${plural(list.length, 'class', 'classes')}. Open one to show its join code and follow its learners live.` : 'Make a class, show its code to the learners, and follow them live.'),
      classTable(list),
      h('h2', {}, 'New class'),
      newClassForm((cls) => {
        window.location.hash = classHash(cls.code);
      }),
    ),
  );
  return 'Your classes';
}
