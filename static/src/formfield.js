// formfield.js: the labelled text field of the join, sign-in and new-class
// forms: a label, a hint, the input and an error line, both tied to the
// input (aria-describedby), and aria-invalid while the error shows. It
// builds elements only; each form owns what is typed and what is wrong.
import { h } from './dom.js';

/**
 * A field: { row, input, error }. id: the input's id (the hint and error
 * lines get id-hint and id-error); hint: text or nodes; props: more input
 * attributes (type, class...); alert: the error line is role=alert, for
 * errors that come while focus is elsewhere.
 */
export function textField(id, label, hint, props = {}, { alert = false } = {}) {
  const input = h('input', {
    id,
    class: 'text-input',
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': `${id}-hint ${id}-error`,
    ...props,
  });
  const error = h('p', { class: 'field-error', id: `${id}-error`, role: alert ? 'alert' : null });
  const row = h('div', { class: 'form-field' }, h('label', { for: id }, label), h('p', { class: 'field-hint', id: `${id}-hint` }, hint), input, error);
  return { row, input, error };
}

/** Shows a problem on a field (its error line and aria-invalid), or clears it with ''. */
export function markField(field, problem) {
  field.error.textContent = problem;
  if (problem) field.input.setAttribute('aria-invalid', 'true');
  else field.input.removeAttribute('aria-invalid');
}
