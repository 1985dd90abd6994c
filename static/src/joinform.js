// joinform.js: the form a learner joins a class with: the class code (unless
// the page already has it, as /join/{code} does) and a display name of 1 to
// 40 characters, nothing else. The server judges the code and the name; its
// refusals (no such class: 404, a malformed code or name: 400) are shown in
// its own plain sentence next to the field.
import { h } from './dom.js';
import { busyLine, whileBusy } from './busy.js';
import { markField as mark, textField as field } from './formfield.js';
import * as membership from './membership.js';
import { button } from './steps/common.js';

export const NAME_MAX = 40;

/** The number of characters (code points) of a text, as the server counts them. */
export function charCount(text) {
  return [...String(text)].length;
}

/**
 * What is wrong with a name (a learner's or a class's) as typed, or '';
 * empty: the words when there is none. The server checks again.
 */
export function nameProblem(name, empty = 'Type the name your teacher will see.') {
  const n = charCount(name.trim());
  if (n === 0) return empty;
  if (n > NAME_MAX) return `Use at most ${NAME_MAX} characters (this name has ${n}).`;
  return '';
}

/**
 * The join form. idPrefix: unique ids on the page; code: the class code
 * when the page knows it (no code field then); onJoined(membership) after
 * the server said yes. Returns the <form>.
 */
export function joinForm({ idPrefix, code = null, onJoined }) {
  const codeField = code === null
    ? field(`${idPrefix}-code`, 'Class code', 'As your teacher shows it, for example CDF-HJK (capitals, spaces and dashes do not matter).', { autocapitalize: 'characters' })
    : null;
  const nameField = field(`${idPrefix}-name`, 'Your name', `As your teacher will see it: 1 to ${NAME_MAX} characters. Nothing else is asked.`, { autocapitalize: 'words' });
  const submit = button('Join the class', null, { kind: 'primary', type: 'submit' });
  const busy = busyLine();
  // A refusal about the class when the page has no code field (the /join/{code} page).
  const formError = h('p', { class: 'field-error form-error', role: 'alert' });
  const form = h('form', { class: 'join-form', novalidate: true }, codeField ? codeField.row : null, nameField.row, h('div', { class: 'toolbar' }, submit), busy, formError);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const typedCode = codeField ? codeField.input.value.trim() : code;
    const name = nameField.input.value.trim();
    const codeProblem = codeField && !typedCode ? 'Type the class code your teacher gave you.' : '';
    if (codeField) mark(codeField, codeProblem);
    mark(nameField, nameProblem(name));
    const first = [codeField, nameField].find((f) => f && f.error.textContent);
    if (first) {
      first.input.focus();
      return;
    }
    await whileBusy(submit, busy, 'Joining…', async () => {
      formError.textContent = '';
      try {
        const joined = await membership.join(typedCode, name);
        onJoined(joined);
      } catch (error) {
        if (!error || !error.kind) throw error;
        // 404: no such class; 400: a malformed code or name, in the server's words.
        const refused = error.detail && (error.status === 404 || error.status === 400);
        const problem = error.status === 429
          ? `Too many tries with codes that do not exist. Wait ${error.retryAfter || 60} s, then check the code with your teacher.`
          : refused ? error.detail : error.message;
        const aboutName = error.status === 400 && /name/i.test(error.detail) && !/code/i.test(error.detail);
        if (aboutName) {
          mark(nameField, problem);
          nameField.input.focus();
        } else if (codeField && refused) {
          mark(codeField, problem);
          codeField.input.focus();
        } else {
          formError.textContent = problem;
        }
      }
    });
  });
  return form;
}
