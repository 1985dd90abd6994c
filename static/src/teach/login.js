// teach/login.js: the teacher's sign-in: the token from lessond's token
// file, sent once (POST /api/teach/session); the server keeps a session
// cookie. A wrong token (401) and too many wrong tries (429, with how long
// to wait) are said plainly; the token field is never filled back in.
import { h } from '../dom.js';
import { busyLine, whileBusy } from '../busy.js';
import * as classapi from '../classapi.js';
import { markField, textField } from '../formfield.js';
import { button } from '../steps/common.js';

/** The words for a refused sign-in. */
function refusal(error) {
  if (error.status === 401 || error.status === 403) {
    return 'That token is not the teacher token. Copy it again from the token file (the whole line), then try again.';
  }
  if (error.status === 429) {
    const wait = error.retryAfter ? ` Wait ${error.retryAfter} s` : ' Wait a minute';
    return `Too many wrong tokens from this computer.${wait}, then try again with the token from the file.`;
  }
  return error.message || String(error);
}

/**
 * Renders the sign-in form into main; onSignedIn() runs after the server
 * said yes. note: why the form is shown (a session that ended), or ''.
 * Returns the page title.
 */
export function renderLogin(main, { onSignedIn, note = '' }) {
  const tokenField = textField(
    'teacher-token',
    'Teacher token',
    ['lessond keeps it in its teacher token file: ', h('code', {}, '--teacher-token-file'), ', by default ', h('code', {}, 'teacher-token'), ' in its data directory. Its log says where; it never prints the token itself.'],
    { class: 'text-input token-input', type: 'password' },
    { alert: true },
  );
  const { input } = tokenField;
  const submit = button('Sign in', null, { kind: 'primary', type: 'submit' });
  const busy = busyLine();
  const form = h(
    'form',
    { class: 'login-form', novalidate: true },
    tokenField.row,
    h('div', { class: 'toolbar' }, submit),
    busy,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    markField(tokenField, token ? '' : 'Paste the teacher token first.');
    if (!token) {
      input.focus();
      return;
    }
    await whileBusy(submit, busy, 'Signing in…', async () => {
      try {
        await classapi.signIn(token);
        input.value = '';
        onSignedIn();
      } catch (e) {
        if (!e || !e.kind) throw e;
        markField(tokenField, refusal(e));
        input.select();
        input.focus();
      }
    });
  });
  main.replaceChildren(
    h(
      'div',
      { class: 'teach login' },
      h('h1', { tabindex: '-1' }, 'Teacher sign-in'),
      note ? h('p', { class: 'note' }, note) : null,
      h('p', { class: 'course-intro' }, 'The teacher’s view shows your classes: who joined, where each learner is, who is stuck, and the mistakes the class makes most.'),
      form,
    ),
  );
  return 'Teacher sign-in';
}
