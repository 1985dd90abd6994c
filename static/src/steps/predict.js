// steps/predict.js: "predict the result": the learner types what the last
// line gives (a value, or an exception's name), the server runs the code
// and judges, and the real result is shown beside the answer.
import { h, richText } from '../dom.js';
import { createEditor } from '../editor.js';
import { pythonTag, renderRun } from '../result.js';
import * as api from '../api.js';
import * as pythons from '../pythons.js';
import * as store from '../store.js';
import { button, perform, stepFrame } from './common.js';

/** The real outcome in words, from a check's `expected`. */
function expectedText(expected) {
  if (!expected) return null;
  if (expected.exception) {
    return h('p', { class: 'expected' }, 'It raises ', h('code', {}, expected.exception), expected.message ? [': ', h('code', {}, expected.message)] : null, '.');
  }
  return h('p', { class: 'expected' }, 'The real result: ', h('code', {}, expected.repr), expected.type ? [' (', h('code', {}, expected.type), ')'] : null, '.');
}

/** The server's message without its leading "Right!" / "Not quite." (the headline says it). */
function withoutVerdictWord(message) {
  return message.replace(/^(Right!|Not quite\.|Correct!|Wrong\.)\s*/, '');
}

/** The verdict block: right or wrong, the real result, the explanation. */
function verdictBlock(verdict) {
  return h(
    'div',
    { class: `verdict ${verdict.correct ? 'verdict-right' : 'verdict-wrong'}` },
    h('p', { class: 'verdict-headline' }, h('span', { class: 'run-icon', 'aria-hidden': 'true' }), verdict.correct ? 'Right!' : 'Not quite.', pythonTag(verdict.python)),
    verdict.message ? h('p', { class: 'verdict-message' }, withoutVerdictWord(verdict.message)) : expectedText(verdict.expected),
    verdict.explain ? h('div', { class: 'explain' }, richText(verdict.explain)) : null,
  );
}

/** Builds the section of a predict step. */
export function predictStep(ctx, step, index) {
  const saved = store.step(ctx.lesson.id, step.id);
  const frame = stepFrame(ctx, step, index, 'What does the last line give? Predict first, then check.');
  const host = h('div', { class: 'editor-host' });
  createEditor(host, { doc: step.code, label: `Code of step ${index + 1}, to predict`, readOnly: true });
  const inputId = `${frame.id}-answer`;
  const hintId = `${frame.id}-answer-hint`;
  const errorId = `${frame.id}-answer-error`;
  const input = h('input', {
    id: inputId,
    class: 'answer-input',
    type: 'text',
    autocomplete: 'off',
    autocapitalize: 'off',
    spellcheck: 'false',
    'aria-describedby': `${hintId} ${errorId}`,
  });
  input.value = saved.answer || '';
  const error = h('p', { class: 'field-error', id: errorId });
  const submit = button('Check my prediction', null, { kind: 'primary', type: 'submit' });
  const form = h(
    'form',
    { class: 'predict-form', novalidate: true },
    h('label', { for: inputId }, 'Your prediction'),
    h('p', { class: 'field-hint', id: hintId }, 'A Python value such as ', h('code', {}, "{'x': 1}"), ' or ', h('code', {}, 'True'), ', or the name of the exception if you think it raises one.'),
    h('div', { class: 'answer-row' }, input, submit),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    check();
  });

  /** Sends the answer; shows the verdict and the real run. */
  function check() {
    const answer = input.value.trim();
    if (!answer) {
      error.textContent = 'Type your prediction first.';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return undefined;
    }
    error.textContent = '';
    input.removeAttribute('aria-invalid');
    return perform(
      frame,
      submit,
      'Checking…',
      (onBusy) => api.checkPrediction(ctx.lesson.id, step.id, answer, { onBusy, python: pythons.chosenVersion() }),
      (verdict) => {
        const keep = { correct: verdict.correct, message: verdict.message, expected: verdict.expected, explain: verdict.explain, python: verdict.python };
        frame.markDone({ answer, verdict: keep }, { tellClass: false });
        const run = verdict.run ? renderRun(verdict.run, { sources: ctx.sourcesBefore(index, step.code), expectRaises: step.raises, collapsed: true }) : null;
        return {
          element: h('div', {}, verdictBlock(verdict), run ? run.element : null),
          summary: `${verdict.correct ? 'Right!' : 'Not quite.'} ${verdict.message || ''}${verdict.python ? ` (Python ${verdict.python})` : ''}`,
        };
      },
    );
  }

  frame.body.append(host, form);
  if (saved.verdict) {
    frame.output.append(h('p', { class: 'earlier' }, 'Your earlier answer: ', h('code', {}, saved.answer || '')), verdictBlock(saved.verdict));
  }
  return frame.section;
}
