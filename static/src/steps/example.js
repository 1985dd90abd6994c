// steps/example.js: an example to read, edit and run, on the chosen Python
// or, when the server serves more than one, on every one side by side.
import { h } from '../dom.js';
import { announce } from '../announce.js';
import { createEditor } from '../editor.js';
import { renderRun } from '../result.js';
import { renderComparison } from '../compareview.js';
import * as api from '../api.js';
import * as pythons from '../pythons.js';
import * as store from '../store.js';
import { button, codeSaver, perform, runKeys, stepFrame } from './common.js';

/** Builds the section of an example step (index: its place in the lesson). */
export function exampleStep(ctx, step, index) {
  const saved = store.step(ctx.lesson.id, step.id);
  const frame = stepFrame(ctx, step, index, `Read it, change it if you like, and run it (${runKeys()}).`);
  const host = h('div', { class: 'editor-host' });
  const runButton = button('Run', () => run(), { kind: 'primary' });
  const served = pythons.list();
  const bothButton = served.length >= 2 ? button(served.length === 2 ? 'Run on both' : `Run on all ${served.length}`, () => runOnEvery()) : null;
  const restore = button('Restore original code', () => {
    editor.setCode(step.code);
    editor.clearError();
    store.updateStep(ctx.lesson.id, step.id, { code: undefined });
    announce('The original code is back. Undo (Ctrl+Z) brings your version back.');
  });
  const editor = createEditor(host, {
    doc: saved.code ?? step.code,
    label: `Code of step ${index + 1}, an example`,
    describedBy: `${frame.id}-help`,
    onRun: () => run(),
    onChange: codeSaver(ctx, step, step.code),
  });

  /** Runs the editor's code after the earlier steps' definitions. */
  function run() {
    return perform(
      frame,
      runButton,
      'Running…',
      (onBusy) => api.run(editor.getCode(), ctx.lesson.id, step.id, { onBusy, python: pythons.chosenVersion() }),
      (report) => {
        frame.markDone();
        return renderRun(report, { editor, sources: ctx.sourcesBefore(index, editor.getCode()), expectRaises: step.raises });
      },
    );
  }

  /** Runs the editor's code on every Python served; shows the runs side by side. */
  function runOnEvery() {
    const code = editor.getCode();
    const names = served.map((p) => p.version).join(' and ');
    return perform(
      frame,
      bothButton,
      `Running on Python ${names}…`,
      (onBusy) => Promise.all(served.map((p) => api.run(code, ctx.lesson.id, step.id, { onBusy, python: p.version }))),
      (reports) => {
        frame.markDone();
        return renderComparison(reports, served, { editor, sources: ctx.sourcesBefore(index, code), expectRaises: step.raises });
      },
    );
  }

  frame.body.append(host, h('div', { class: 'toolbar' }, runButton, bothButton, restore));
  return frame.section;
}
