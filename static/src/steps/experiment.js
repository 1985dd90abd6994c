// steps/experiment.js: an experiment: each variant's definitions, then the
// workload at every size N, in fresh interpreters; tracemalloc's peak
// drawn against N and listed in a table. On the chosen Python, or, when
// the server serves several, on every one, on one chart.
import { h } from '../dom.js';
import { announce } from '../announce.js';
import { createEditor } from '../editor.js';
import { pythonTag, renderRun } from '../result.js';
import { grouped, plural } from '../format.js';
import { experimentTable, memoryChart, overlapNote } from '../memchart.js';
import * as api from '../api.js';
import * as pythons from '../pythons.js';
import * as store from '../store.js';
import { button, codeSaver, perform, runKeys, stepFrame } from './common.js';

/** Builds the section of an experiment step. */
export function experimentStep(ctx, step, index) {
  const saved = store.step(ctx.lesson.id, step.id);
  const variants = step.variants || [];
  const sizes = step.sizes || [];
  const frame = stepFrame(
    ctx,
    step,
    index,
    `The workload runs once per variant at N = ${sizes.map(grouped).join(', ')}, each time in a fresh Python; the chart shows the peak memory. Measure with ${runKeys()}.`,
  );
  const variantViews = h(
    'div',
    { class: 'variants' },
    variants.map((v, i) => {
      const host = h('div', { class: 'editor-host' });
      createEditor(host, { doc: v.code, label: `Variant ${v.name}`, readOnly: true });
      return h('div', { class: 'variant' }, h('h3', {}, `Variant ${i + 1}: `, h('span', { class: 'variant-name' }, v.name)), host);
    }),
  );
  const host = h('div', { class: 'editor-host' });
  const measureButton = button('Measure', () => measure(), { kind: 'primary' });
  const restore = button('Restore original workload', () => {
    editor.setCode(step.code);
    editor.clearError();
    store.updateStep(ctx.lesson.id, step.id, { code: undefined });
    announce('The original workload is back.');
  });
  const editor = createEditor(host, {
    doc: saved.code ?? step.code,
    label: `Workload of step ${index + 1}; it uses N`,
    describedBy: `${frame.id}-help`,
    onRun: () => measure(),
    onChange: codeSaver(ctx, step, step.code),
  });
  const served = pythons.list();
  const bothButton = served.length >= 2 ? button(served.length === 2 ? 'Measure on both' : `Measure on all ${served.length}`, () => measureOnEvery()) : null;
  let chart = null;

  /**
   * The chart, the table and the messages for a series. measured: one
   * { python (full version), message } per Python that measured it; with
   * several, the series' points carry their "python" and the chart has a
   * line per variant per Python.
   */
  function seriesView(series, measured) {
    if (chart) chart.destroy();
    const tableId = `${frame.id}-numbers`;
    const several = measured.length > 1;
    const parts = several
      ? [h('ul', { class: 'experiment-messages' }, measured.map((m) => h('li', { class: 'experiment-message' }, pythonTag(m.python), ' ', m.message || '')))]
      : measured.map((m) => h('p', { class: 'experiment-message' }, m.message || '', m.python ? ' ' : '', pythonTag(m.python)));
    if (series && series.some((p) => p.status === 'ok')) {
      const caption = several
        ? `Peak memory against N, one line per variant on each Python: a variant keeps its colour and marker, the newest Python is the solid line with filled markers, ${measured.slice(0, -1).map((m) => m.python).join(' and ')} dashed with hollow ones.`
        : 'Peak memory against N, one line per variant.';
      chart = memoryChart(series, { caption, tableId });
      parts.push(chart.element);
      const overlap = overlapNote(series);
      if (overlap) parts.push(h('p', { class: 'overlap-note' }, overlap));
    } else {
      chart = null;
    }
    if (series && series.length) parts.push(experimentTable(series, tableId));
    return h('div', { class: 'experiment-result' }, parts);
  }

  /** The report of an answer whose workload did not run cleanly, or null. */
  function failedRun(answer) {
    if (!answer.run || answer.run.status === 'ok') return null;
    return renderRun(answer.run, { editor, sources: ctx.sourcesBefore(index, editor.getCode()) }).element;
  }

  /** Runs every variant at every size on the chosen Python; draws the result. */
  function measure() {
    const total = variants.length * sizes.length;
    return perform(
      frame,
      measureButton,
      `Measuring ${plural(variants.length, 'variant')} at ${plural(sizes.length, 'size')}: ${total} fresh runs…`,
      (onBusy) => api.checkCode(ctx.lesson.id, step.id, editor.getCode(), { onBusy, python: pythons.chosenVersion() }),
      (answer) => {
        const series = answer.series || [];
        const measured = [{ python: answer.python, message: answer.message }];
        frame.markDone({ series, message: answer.message, python: answer.python, measured: undefined }, { tellClass: false });
        // Draw after the figure is in the page, so Chart.js can size it.
        const element = h('div', {}, seriesView(series, measured), failedRun(answer));
        return { element, summary: `${answer.message || 'Measured.'} The chart and a table of the numbers are below.` };
      },
    );
  }

  /**
   * Runs the experiment on every Python served, one after the other (each
   * is a queue of points of its own); draws every series on one chart.
   */
  function measureOnEvery() {
    const code = editor.getCode();
    const total = variants.length * sizes.length * served.length;
    return perform(
      frame,
      bothButton,
      `Measuring on Python ${served.map((p) => p.version).join(' and ')}: ${total} fresh runs…`,
      async (onBusy) => {
        const answers = [];
        for (const p of served) answers.push(await api.checkCode(ctx.lesson.id, step.id, code, { onBusy, python: p.version }));
        return answers;
      },
      (answers) => {
        const series = answers.flatMap((a, i) => (a.series || []).map((p) => ({ ...p, python: served[i].version })));
        const measured = answers.map((a, i) => ({ python: a.python || served[i].full, message: a.message }));
        frame.markDone({ series, measured, message: undefined, python: undefined }, { tellClass: false });
        const element = h('div', {}, seriesView(series, measured), answers.map(failedRun));
        const said = measured.map((m) => `Python ${m.python}: ${m.message || 'measured.'}`).join(' ');
        return { element, summary: `${said} One chart shows both, with a table of the numbers below.` };
      },
    );
  }

  frame.body.append(
    variantViews,
    h('h3', { class: 'workload-title' }, 'Workload'),
    host,
    h('div', { class: 'toolbar' }, measureButton, bothButton, restore),
  );
  if (saved.series && saved.series.length) {
    frame.output.append(seriesView(saved.series, saved.measured || [{ python: saved.python, message: saved.message }]));
  }
  return frame.section;
}
