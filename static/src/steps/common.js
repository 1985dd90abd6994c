// steps/common.js: what every step shares: its section and heading, the
// toolbar, the "done" mark, saving edited code (in the browser, and for a
// learner in a class, to the class when they leave the step; a run or
// check carries it itself: progress.js), and running an API call with the
// busy line and the result panel.
import { h, domId, prose } from '../dom.js';
import { announce } from '../announce.js';
import { whileBusy, busyLine } from '../busy.js';
import * as progress from '../progress.js';
import { renderProblem } from '../result.js';
import * as store from '../store.js';

const KIND_LABEL = {
  example: 'Example',
  predict: 'Predict',
  goal: 'Goal',
  experiment: 'Experiment',
};

/** "Ctrl+Enter" or "⌘+Enter", as this keyboard has it. */
export function runKeys() {
  const mac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
  return mac ? '⌘+Enter' : 'Ctrl+Enter';
}

/**
 * The frame of a step (index: 0-based place in the lesson): a <section>
 * with the step's own prose before it, a heading, an instruction line, a
 * body to fill, a busy line and an output area. ctx: the lesson context.
 */
export function stepFrame(ctx, step, index, instructions) {
  const id = domId('step', step.id);
  const done = h('span', { class: 'step-done', hidden: true }, '✓ Done');
  const body = h('div', { class: 'step-body' });
  const busy = busyLine();
  const output = h('div', { class: 'step-output' });
  const section = h(
    'section',
    { class: `step step-${step.kind}`, id, 'aria-labelledby': `${id}-title`, 'data-step': step.id },
    prose(step.html, 'step-prose', ctx.lesson.title),
    h(
      'div',
      { class: 'step-card' },
      h(
        'h2',
        { class: 'step-title', id: `${id}-title` },
        h('span', { class: 'step-kind' }, KIND_LABEL[step.kind] || step.kind),
        h('span', { class: 'step-count' }, ` · step ${index + 1} of ${ctx.lesson.steps.length}`),
      ),
      done,
      h('p', { class: 'step-instructions', id: `${id}-help` }, instructions),
      body,
      busy,
      output,
    ),
  );
  const frame = {
    id,
    section,
    body,
    busy,
    output,
    /**
     * Shows the done mark, records it and refreshes the lesson header.
     * tellClass: also tell the class the step is done; predictions and
     * experiments pass false, since the server records their check and its
     * verdict decides (a wrong prediction is done here, not for the teacher).
     */
    markDone(extra = {}, { tellClass = true } = {}) {
      store.updateStep(ctx.lesson.id, step.id, { done: true, ...extra });
      if (tellClass) progress.stepDone(ctx.lesson.id, step.id);
      done.hidden = false;
      ctx.onProgress();
    },
    /** Sends the step's edited code to the class, if it changed since last sent. */
    sendCode() {
      progress.sendCode(ctx.lesson.id, step.id);
    },
    /** For a run or check about to go: returns answered(answer) (progress.carriedBy). */
    carried() {
      return progress.carriedBy(ctx.lesson.id, step.id);
    },
  };
  // Leaving the step (focus moves out of it) sends its edited code.
  section.addEventListener('focusout', (event) => {
    if (!event.relatedTarget || !section.contains(event.relatedTarget)) frame.sendCode();
  });
  if (store.step(ctx.lesson.id, step.id).done) done.hidden = false;
  return frame;
}

/** A button; kind 'primary' or 'secondary'. */
export function button(text, onClick, { kind = 'secondary', ...props } = {}) {
  return h('button', { type: 'button', class: `btn btn-${kind}`, onclick: onClick, ...props }, text);
}

/**
 * Saves a step's edited code (debounced); the original code is not stored.
 * The class gets it later (with a run or check, or frame.sendCode on leaving the step).
 */
export function codeSaver(ctx, step, original) {
  let timer = 0;
  return (code) => {
    progress.codeEdited(ctx.lesson.id, step.id, code);
    clearTimeout(timer);
    timer = setTimeout(() => {
      store.updateStep(ctx.lesson.id, step.id, { code: code === original ? undefined : code });
    }, 250);
  };
}

/**
 * Runs call(say) with the busy line after 200 ms on control, and shows
 * what comes back: render(answer) returns { element, summary } for the
 * output area. API errors become a plain-words panel. Both are announced.
 * The class records the code the call carries (progress.carriedBy).
 */
export async function perform(frame, control, label, call, render) {
  const answered = frame.carried();
  return whileBusy(control, frame.busy, label, async (say) => {
    let shown;
    try {
      const answer = await call(() => say('The server is busy; trying again in a moment…'));
      answered(answer);
      shown = render(answer);
    } catch (error) {
      if (!error || !error.kind) throw error;
      shown = renderProblem(error);
    }
    frame.output.replaceChildren(shown.element);
    announce(shown.summary);
    return shown;
  });
}
