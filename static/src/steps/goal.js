// steps/goal.js: a goal: the learner edits the code until the hidden
// checks pass; sees which check failed; reveals hints one at a time, then
// the solution.
import { h, richText } from '../dom.js';
import { announce } from '../announce.js';
import { createEditor } from '../editor.js';
import { pythonTag, renderRun } from '../result.js';
import { plural } from '../format.js';
import * as api from '../api.js';
import * as pythons from '../pythons.js';
import * as store from '../store.js';
import { button, codeSaver, perform, runKeys, stepFrame } from './common.js';

/** The list of checks with passed / failed in words. */
function checksList(checks) {
  return h(
    'ul',
    { class: 'checks' },
    checks.map((c) =>
      h(
        'li',
        { class: c.passed ? 'check-passed' : 'check-failed' },
        h('span', { class: 'check-mark' }, c.passed ? '✓ Passed: ' : '✗ Failed: '),
        c.message,
        c.error ? h('span', { class: 'check-error' }, ` (${c.error})`) : null,
      ),
    ),
  );
}

/** Builds the section of a goal step. */
export function goalStep(ctx, step, index) {
  const saved = store.step(ctx.lesson.id, step.id);
  const hints = step.hints || [];
  const checkCount = step.checks || 0;
  const frame = stepFrame(
    ctx,
    step,
    index,
    `Change the code until every check passes (${plural(checkCount, 'hidden check')}). Check with ${runKeys()}.`,
  );
  const host = h('div', { class: 'editor-host' });
  const checkButton = button('Check', () => check(), { kind: 'primary' });
  const restore = button('Restore original code', () => {
    editor.setCode(step.code);
    editor.clearError();
    store.updateStep(ctx.lesson.id, step.id, { code: undefined });
    announce('The original code is back. Undo (Ctrl+Z) brings your version back.');
  });
  const hintButton = button('', () => showHint(true));
  const solutionButton = button('Show the solution', () => showSolution(true), { hidden: true });
  const hintList = h('ol', { class: 'hints', 'aria-label': 'Hints' });
  const solutionArea = h('div', { class: 'solution' });
  const editor = createEditor(host, {
    doc: saved.code ?? step.code,
    label: `Code of step ${index + 1}, a goal`,
    describedBy: `${frame.id}-help`,
    onRun: () => check(),
    onChange: codeSaver(ctx, step, step.code),
  });
  let shownHints = 0;

  /** Updates the hint and solution buttons after a reveal. */
  function refreshButtons() {
    const left = hints.length - shownHints;
    hintButton.textContent = left ? `Show a hint (${left} left)` : 'No more hints';
    hintButton.hidden = hints.length === 0;
    if (!left) hintButton.setAttribute('aria-disabled', 'true');
    solutionButton.hidden = left > 0;
  }

  /** Reveals the next hint; by the learner (announce) or on reload. */
  function showHint(byLearner) {
    if (shownHints >= hints.length) return;
    const item = h('li', { class: 'hint', tabindex: '-1' }, richText(hints[shownHints]));
    hintList.append(item);
    shownHints += 1;
    refreshButtons();
    if (byLearner) {
      store.updateStep(ctx.lesson.id, step.id, { hints: shownHints });
      announce(`Hint ${shownHints}: ${item.textContent}`);
      if (hintButton.hidden || hintButton.getAttribute('aria-disabled')) item.focus();
    }
  }

  /** Fetches and shows the solution, with a button to use it. */
  async function showSolution(byLearner) {
    try {
      const code = (await api.solution(ctx.lesson.id, step.id)).replace(/\s+$/, '');
      const view = h('div', { class: 'editor-host' });
      createEditor(view, { doc: code, label: `Solution of step ${index + 1}`, readOnly: true });
      const use = button('Put the solution in the editor', () => {
        editor.setCode(code);
        editor.focus();
        announce('The solution is in the editor. Press Check to see it pass.');
      });
      solutionArea.replaceChildren(h('h3', { tabindex: '-1' }, 'Solution'), view, h('div', { class: 'toolbar' }, use));
      solutionButton.hidden = true;
      if (byLearner) {
        store.updateStep(ctx.lesson.id, step.id, { solution: true });
        solutionArea.querySelector('h3').focus();
        announce('The solution is shown below the hints.');
      }
    } catch (error) {
      solutionArea.replaceChildren(h('p', { class: 'field-error' }, error.message || String(error)));
    }
  }

  /** Sends the code to the checks; shows which passed and the run. */
  function check() {
    return perform(
      frame,
      checkButton,
      'Checking…',
      (onBusy) => api.checkCode(ctx.lesson.id, step.id, editor.getCode(), { onBusy, python: pythons.chosenVersion() }),
      (verdict) => {
        if (verdict.correct) frame.markDone();
        const passed = (verdict.checks || []).filter((c) => c.passed).length;
        const run = verdict.run ? renderRun(verdict.run, { editor, sources: ctx.sourcesBefore(index, editor.getCode()), collapsed: verdict.run.status === 'ok' }) : null;
        const element = h(
          'div',
          {},
          h(
            'div',
            { class: `verdict ${verdict.correct ? 'verdict-right' : 'verdict-wrong'}` },
            h('p', { class: 'verdict-headline' }, h('span', { class: 'run-icon', 'aria-hidden': 'true' }), verdict.correct ? 'Goal reached!' : 'Not yet.', pythonTag(verdict.python)),
            verdict.checks && verdict.checks.length ? checksList(verdict.checks) : h('p', {}, verdict.message || ''),
            !verdict.correct && shownHints < hints.length ? h('p', { class: 'nudge' }, 'Stuck? Show a hint below.') : null,
          ),
          run ? run.element : null,
        );
        const total = (verdict.checks || []).length;
        return { element, summary: `${verdict.correct ? 'Goal reached!' : 'Not yet.'} ${passed} of ${total} checks passed. ${verdict.message || ''}` };
      },
    );
  }

  frame.body.append(host, h('div', { class: 'toolbar' }, checkButton, restore));
  frame.section.querySelector('.step-card').append(
    h('div', { class: 'help' }, hintList, h('div', { class: 'toolbar' }, hintButton, solutionButton), solutionArea),
  );
  for (let i = 0; i < Math.min(saved.hints || 0, hints.length); i++) showHint(false);
  refreshButtons();
  if (saved.solution) showSolution(false);
  return frame.section;
}
