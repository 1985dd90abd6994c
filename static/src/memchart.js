// memchart.js: the experiment chart (Chart.js): the peak (as tracemalloc counts it) against
// N, one line per variant, told apart by colour, dash and point shape;
// colours from the page's CSS so dark mode applies. A series measured on
// several Pythons (its points carry "python") has a line per variant per
// Python, named "plain class · 3.11": a variant keeps its colour and point
// shape on every Python, and the Pythons differ by dash and by filled or
// hollow points (the newest solid and filled). The same numbers go in a
// table beside it (experimentTable).
import {
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  Tooltip,
} from 'chart.js';
import { h } from './dom.js';
import { bytes, bytesExact, grouped } from './format.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Legend, Tooltip);

const live = new Set();

/** Destroys the charts whose canvas left the page (called on each new page). */
export function releaseDetachedCharts() {
  for (const handle of live) if (!handle.element.isConnected) handle.destroy();
}

const SHAPES = ['circle', 'triangle', 'rect', 'rectRot', 'star', 'crossRot'];
const DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];

/** A CSS custom property of the page (e.g. --chart-1). */
function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Variant names in the order they first appear in the series. */
export function variantsOf(series) {
  return [...new Set(series.map((p) => p.variant))];
}

/** The Pythons ("3.11", ...) a series' points name, in the order they first appear; [] when none. */
export function pythonsOf(series) {
  return [...new Set(series.map((p) => p.python).filter(Boolean))];
}

/**
 * The lines of a series: one per variant, or, measured on several Pythons,
 * one per variant per Python (variant first). Each is { key (its name in
 * the legend and the table), variant, python (null for one Python), v (the
 * variant's index), py (the Python's index) }.
 */
export function linesOf(series) {
  const variants = variantsOf(series);
  const pythons = pythonsOf(series);
  if (pythons.length < 2) return variants.map((variant, v) => ({ key: variant, variant, python: null, v, py: 0 }));
  return variants.flatMap((variant, v) => pythons.map((python, py) => ({ key: `${variant} · ${python}`, variant, python, v, py })));
}

/** The point of `line` at N = n, or undefined. */
function pointOf(series, line, n) {
  return series.find((p) => p.variant === line.variant && p.n === n && (!line.python || p.python === line.python));
}

/** Sizes N in increasing order. */
export function sizesOf(series) {
  return [...new Set(series.map((p) => p.n))].sort((a, b) => a - b);
}

/** Colours and fonts for the current colour scheme. */
function theme() {
  return {
    text: cssVar('--fg'),
    muted: cssVar('--muted'),
    grid: cssVar('--border'),
    lines: [1, 2, 3, 4, 5, 6].map((i) => cssVar(`--chart-${i}`)),
  };
}

/**
 * A y axis in binary units: ticks at round numbers of bytes, KiB or MiB
 * (0, 20 KiB, 40 KiB...) rather than at round numbers of bytes.
 */
export function byteAxis(max) {
  const unitSize = max >= 1024 * 1024 ? 1024 * 1024 : max >= 1024 ? 1024 : 1;
  const unit = { 1: 'bytes', 1024: 'KiB', [1024 * 1024]: 'MiB' }[unitSize];
  const rough = Math.max(max / unitSize / 5, 1e-9);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough);
  return {
    stepSize: step * unitSize,
    label: (v) => `${Number((v / unitSize).toFixed(3))} ${unit}`,
  };
}

/** Chart.js options for the series, given a theme. */
function options(t, logX, yAxis, sizes) {
  const axisTitle = (text) => ({ display: true, text, color: t.text, font: { size: 14 } });
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: 'nearest', intersect: false },
    scales: {
      x: {
        type: logX ? 'logarithmic' : 'linear',
        bounds: 'data',
        title: axisTitle('N'),
        // Ticks at the sizes measured (when there are few), so each point
        // sits on a labelled N.
        afterBuildTicks: (axis) => {
          if (sizes.length <= 8) axis.ticks = sizes.map((value) => ({ value }));
        },
        ticks: { color: t.muted, maxRotation: 0, callback: (v) => grouped(v) },
        grid: { color: t.grid },
      },
      y: {
        type: 'linear',
        beginAtZero: true,
        title: axisTitle('peak memory (as tracemalloc counts it)'),
        ticks: { color: t.muted, stepSize: yAxis.stepSize, callback: yAxis.label },
        grid: { color: t.grid },
      },
    },
    plugins: {
      legend: { labels: { color: t.text, usePointStyle: true, font: { size: 14 }, sort: (a, b) => a.datasetIndex - b.datasetIndex } },
      tooltip: {
        callbacks: {
          label: (item) => `${item.dataset.label}: ${bytesExact(item.parsed.y)} at N = ${grouped(item.parsed.x)}`,
        },
      },
    },
  };
}

/** The datasets: one per line (linesOf); points that did not run are gaps. */
function datasets(series, t) {
  const lines = linesOf(series);
  const newest = pythonsOf(series).length - 1;
  // Later variants get bigger markers drawn first, so a line that lies
  // exactly on another (same memory) still shows its points. With one
  // Python later variants are hollow and dashed; with several, the older
  // Pythons are.
  return lines.map((line, i) => {
    const colour = t.lines[line.v % t.lines.length];
    const hollow = line.python ? line.py !== newest : line.v !== 0;
    return {
      label: line.key,
      data: sizesOf(series).map((n) => pointOf(series, line, n)).filter(Boolean)
        .map((p) => ({ x: p.n, y: p.status === 'ok' && p.peak_bytes != null ? p.peak_bytes : null })),
      borderColor: colour,
      backgroundColor: colour,
      borderDash: line.python ? (hollow ? DASHES[1 + (line.py % (DASHES.length - 1))] : []) : DASHES[line.v % DASHES.length],
      pointStyle: SHAPES[line.v % SHAPES.length],
      pointRadius: 5 + 2.5 * line.v + (line.python && hollow ? 2 : 0),
      pointHoverRadius: 7 + 2.5 * line.v + (line.python && hollow ? 2 : 0),
      pointBackgroundColor: hollow ? 'transparent' : colour,
      pointBorderWidth: hollow ? 2.5 : 1,
      borderWidth: 2.5,
      order: -i,
      spanGaps: false,
    };
  });
}

/**
 * Draws the chart into a new <figure>; returns { element, destroy }.
 * The canvas is an image to assistive technology: its label says the
 * table below holds the same numbers.
 */
export function memoryChart(series, { caption, tableId }) {
  const sizes = sizesOf(series);
  const logX = sizes.length > 1 && sizes[sizes.length - 1] / Math.max(sizes[0], 1) >= 50;
  const canvas = h('canvas', {
    role: 'img',
    'aria-label': `Line chart of peak memory against N for ${linesOf(series).map((l) => l.key).join(', ')}. The table ${tableId ? 'below ' : ''}has the same numbers.`,
  });
  const element = h('figure', { class: 'chart' }, h('div', { class: 'chart-box' }, canvas), h('figcaption', {}, caption));
  const t = theme();
  const yAxis = byteAxis(Math.max(1, ...series.filter((p) => p.status === 'ok').map((p) => p.peak_bytes || 0)));
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 13;
  const chart = new Chart(canvas, { type: 'line', data: { datasets: datasets(series, t) }, options: options(t, logX, yAxis, sizes) });
  const scheme = window.matchMedia('(prefers-color-scheme: dark)');
  /** Re-reads the colours when the system switches light/dark. */
  const recolour = () => {
    const fresh = theme();
    chart.data.datasets = datasets(series, fresh);
    chart.options = options(fresh, logX, yAxis, sizes);
    chart.update();
  };
  scheme.addEventListener('change', recolour);
  const handle = {
    element,
    chart,
    /** Stops following the colour scheme and frees the chart. */
    destroy() {
      live.delete(handle);
      scheme.removeEventListener('change', recolour);
      chart.destroy();
    },
  };
  live.add(handle);
  return handle;
}

/**
 * A sentence naming lines (variants, or variants on a Python) whose peaks
 * were equal (within 1%) at every N, which therefore lie on top of each
 * other; or null.
 */
export function overlapNote(series) {
  const lines = linesOf(series);
  const sizes = sizesOf(series);
  const peak = (line, n) => {
    const p = pointOf(series, line, n);
    return p && p.status === 'ok' ? p.peak_bytes : undefined;
  };
  const pairs = [];
  lines.forEach((a, i) =>
    lines.slice(i + 1).forEach((b) => {
      const same = sizes.every((n) => peak(a, n) != null && peak(b, n) != null && Math.abs(peak(a, n) - peak(b, n)) <= 0.01 * peak(a, n));
      if (same) pairs.push(`“${a.key}” and “${b.key}”`);
    }),
  );
  return pairs.length ? `${pairs.join('; ')} measured the same at every N (within 1%), so their lines lie on top of each other.` : null;
}

/** The text of one table cell: peak in human units, exact bytes, share of the base line's. */
function cellParts(p, base, baseName) {
  if (!p) return '—';
  if (p.status !== 'ok' || p.peak_bytes == null) return `did not finish (${String(p.status).replace('_', ' ')})`;
  const parts = [h('span', { class: 'human' }, bytes(p.peak_bytes))];
  if (p.peak_bytes >= 1024) parts.push(h('span', { class: 'exact' }, `${grouped(p.peak_bytes)} bytes`));
  if (base && base !== p && base.status === 'ok' && base.peak_bytes) {
    parts.push(h('span', { class: 'ratio' }, `${Math.round((100 * p.peak_bytes) / base.peak_bytes)}% of ${baseName}`));
  }
  return parts;
}

/**
 * The numbers as a table: a row per N, a column per line (linesOf); each
 * later variant's cell also gives it as a percentage of the first
 * variant's on the same Python.
 */
export function experimentTable(series, id) {
  const lines = linesOf(series);
  const sizes = sizesOf(series);
  const baseOf = (line) => lines.find((l) => l.v === 0 && l.python === line.python);
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': `${id}-caption` },
    h(
      'table',
      { class: 'numbers', id },
      h('caption', { id: `${id}-caption` }, `Peak memory (as tracemalloc counts it) by N and variant${lines.some((l) => l.python) ? ' on each Python' : ''}`),
      h(
        'thead',
        {},
        h('tr', {}, h('th', { scope: 'col' }, 'N'), lines.map((l) => h('th', { scope: 'col' }, l.key))),
      ),
      h(
        'tbody',
        {},
        sizes.map((n) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, grouped(n)),
            lines.map((l) => h('td', {}, cellParts(pointOf(series, l, n), pointOf(series, baseOf(l), n), baseOf(l).variant))),
          ),
        ),
      ),
    ),
  );
}
