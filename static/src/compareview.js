// compareview.js: "Run on both": the runs of one snippet on every Python
// the server serves, side by side (a column per Python, stacked on narrow
// screens), the fields that differ marked in words ("≠ differs") as well
// as by colour, the equal ones left plain, a summary of the differences at
// the top, and each run's full report folded under its column. The
// comparison itself is compare.js.
import { h } from './dom.js';
import { compareRuns, differenceSummary } from './compare.js';
import { pythonTag, renderRun } from './result.js';

let comparisons = 0;

/** One field of one column: its label, the marker when it differs, its value. */
function fieldView(field, value) {
  return h(
    'div',
    { class: `compare-field${field.differs ? ' differs' : ''}`, 'data-field': field.key },
    h(
      'p',
      { class: 'compare-label' },
      h('span', {}, field.label),
      field.differs ? h('span', { class: 'compare-marker' }, '≠ differs') : null,
    ),
    field.code ? h('pre', { class: 'compare-value', tabindex: '0' }, h('code', {}, value)) : h('p', { class: 'compare-value' }, value),
  );
}

/**
 * Renders reports (one run per Python, in the order of `pythons`, entries
 * { version, full }) side by side. opts: sources (the code the runs saw),
 * expectRaises, editor (marks the failing line of the first run that has
 * one). Returns { element, summary } like renderRun: summary is the
 * announcement ("2 differences: peak, message").
 */
export function renderComparison(reports, pythons, { sources = [], expectRaises, editor } = {}) {
  const { fields, differences } = compareRuns(reports);
  const summary = differenceSummary(differences, reports.length);
  const failing = reports.findIndex((r) => r.exception && !r.exception.in_setup && r.exception.line);
  const n = ++comparisons;
  const columns = reports.map((report, i) => {
    const python = report.python || pythons[i].full || pythons[i].version;
    const id = `compare-${n}-${i}`;
    const full = renderRun(report, { sources, expectRaises, editor: i === (failing < 0 ? 0 : failing) ? editor : undefined });
    return h(
      'section',
      { class: 'compare-column', 'aria-labelledby': id, 'data-python': pythons[i].version },
      h('h3', { class: 'compare-python', id }, pythonTag(python)),
      fields.map((f) => fieldView(f, f.values[i])),
      h('details', { class: 'compare-report' }, h('summary', {}, `The whole report from Python ${python}`), full.element),
    );
  });
  const grid = h('div', { class: 'compare-grid' }, columns);
  // One grid row per field (and the heading and report), so the columns line up.
  grid.style.setProperty('--compare-rows', String(fields.length + 2));
  grid.style.setProperty('--compare-columns', String(reports.length));
  const element = h(
    'div',
    { class: 'compare', 'data-differences': String(differences.length) },
    h('p', { class: `compare-summary${differences.length ? ' has-differences' : ''}` }, summary),
    grid,
  );
  return { element, summary: `Ran on ${reports.length} Pythons. ${summary}` };
}
