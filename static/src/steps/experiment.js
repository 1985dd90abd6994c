// steps/experiment.js: an experiment: each variant's definitions, then the
// workload at every size N, in fresh interpreters; tracemalloc's peak
// drawn against N and listed in a table.
import { h } from '../dom.js';
import { announce } from '../announce.js';
import { createEditor } from '../editor.js';
import { renderRun } from '../result.js';
import { grouped, plural } from '../format.js';
import { experimentTable, memoryChart, overlapNote } from '../memchart.js';
import * as api from '../api.js';
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
  let chart = null;

  /** The chart, the table and the message for a series. */
  function seriesView(series, message) {
    if (chart) chart.destroy();
    const tableId = `${frame.id}-numbers`;
    const parts = [h('p', { class: 'experiment-message' }, message || '')];
    if (series && series.some((p) => p.status === 'ok')) {
      chart = memoryChart(series, { caption: 'Peak memory against N, one line per variant.', tableId });
      parts.push(chart.element);
      const overlap = overlapNote(series);
      if (overlap) parts.push(h('p', { class: 'overlap-note' }, overlap));
    } else {
      chart = null;
    }
    if (series && series.length) parts.push(experimentTable(series, tableId));
    return h('div', { class: 'experiment-result' }, parts);
  }

  /** Runs every variant at every size; draws the result. */
  function measure() {
    const total = variants.length * sizes.length;
    return perform(
      frame,
      measureButton,
      `Measuring ${plural(variants.length, 'variant')} at ${plural(sizes.length, 'size')}: ${total} fresh runs…`,
      (onBusy) => api.checkCode(ctx.lesson.id, step.id, editor.getCode(), { onBusy }),
      (answer) => {
        const series = answer.series || [];
        frame.markDone({ series, message: answer.message }, { tellClass: false });
        const failed = answer.run && answer.run.status !== 'ok';
        const run = failed ? renderRun(answer.run, { editor, sources: ctx.sourcesBefore(index, editor.getCode()) }) : null;
        // Draw after the figure is in the page, so Chart.js can size it.
        const element = h('div', {}, seriesView(series, answer.message), run ? run.element : null);
        return { element, summary: `${answer.message || 'Measured.'} The chart and a table of the numbers are below.` };
      },
    );
  }

  frame.body.append(
    variantViews,
    h('h3', { class: 'workload-title' }, 'Workload'),
    host,
    h('div', { class: 'toolbar' }, measureButton, restore),
  );
  if (saved.series && saved.series.length) {
    frame.output.append(seriesView(saved.series, saved.message));
  }
  return frame.section;
}
