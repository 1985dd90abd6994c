// result.js: the result panel of a run (docs/ARCHITECTURE.md §4): the outcome in
// plain words, the value of the last expression, stdout and stderr, the
// exception with its line highlighted in the editor, the objects, and
// tracemalloc's peak beside the Python that measured it. Also the panel
// for a run that never happened (server busy, unreachable).
import { h, inlineCode, richText } from './dom.js';
import { bytesExact, millis } from './format.js';
import { exceptionNotes, plainWords } from './explain.js';
import { objectCards } from './objects.js';

// Runs that did not finish: a headline, and tips beyond what the server's
// own message says (a tip is left out when the message already gives it,
// `unless`, or when it does not apply, `when`).
const STOPPED = {
  timeout: {
    headline: 'Stopped: it ran too long',
    tips: [
      { text: 'Look for a loop that never ends, such as `while True:` without a `break`.', unless: /loop/i },
      { text: 'Make N smaller: the work grows with it.', unless: /\bN\b/ },
    ],
  },
  memory_limit: {
    headline: 'Stopped: it needed too much memory',
    tips: [
      { text: 'Make N smaller.', unless: /\bN\b/ },
      { text: 'Keep fewer objects alive at once: if you only need a count or a total, compute that instead of building a list.' },
    ],
  },
  output_limit: {
    headline: 'Stopped: it printed too much',
    tips: [{ text: 'Print a summary instead: `len(...)`, or the first few items (`items[:10]`).' }],
  },
  crashed: {
    headline: 'The run did not finish',
    tips: [
      { text: 'Leave out files, the network, processes and threads: the sandbox allows none of them.', when: /sandbox/i },
      { text: 'Run it again: a crash is usually a one-off.', unless: /run it again|sandbox/i },
      { text: 'If it keeps failing, undo your last change or restore the original code.' },
    ],
  },
};

/** A labelled block of program output, or null when empty. */
function outputBlock(title, text, cls) {
  if (!text) return null;
  return h('div', { class: `output ${cls}` }, h('h3', {}, title), h('pre', { tabindex: '0' }, h('code', {}, text)));
}

/** The tips list (texts, or { text, unless, when } read against message); null if none apply. */
function tipsList(tips, message = '') {
  const shown = tips
    .filter((t) => typeof t === 'string' || ((!t.unless || !t.unless.test(message)) && (!t.when || t.when.test(message))))
    .map((t) => (typeof t === 'string' ? t : t.text));
  if (!shown.length) return null;
  return h('div', { class: 'tips' }, h('p', { class: 'tips-title' }, 'Also worth trying:'), h('ul', {}, shown.map((t) => h('li', {}, inlineCode(t)))));
}

/** Where an exception happened, in words. */
function whereText(exc) {
  if (exc.in_setup) return 'in the code of an earlier step';
  if (exc.line) return `on line ${exc.line}`;
  return '';
}

/** The headline and its tone for a run. */
function headlineOf(run, expectRaises) {
  const exc = run.exception;
  if (run.status === 'ok') return { tone: 'ok', text: 'Ran without errors' };
  if (run.status === 'error' && exc) {
    if (expectRaises && exc.type === expectRaises) {
      return { tone: 'expected', text: `Raised ${exc.type} ${whereText(exc)}, as expected`.replace(/\s+,/, ',') };
    }
    return { tone: 'error', text: `${exc.type} ${whereText(exc)}`.trim() };
  }
  const stopped = STOPPED[run.status];
  return { tone: 'stopped', text: stopped ? stopped.headline : 'The run did not finish' };
}

/** The exception block: message, plain words, subject notes, traceback. */
function exceptionBlock(exc, sources) {
  const notes = exceptionNotes(exc, sources);
  const position = exc.type === 'SyntaxError' || exc.type === 'IndentationError'
    ? exc.line ? ` (line ${exc.line}${exc.offset ? `, column ${exc.offset}` : ''})` : ''
    : '';
  return h(
    'div',
    { class: 'exception' },
    h('p', { class: 'exception-message' }, h('code', {}, `${exc.type}: ${exc.message || ''}`), position),
    notes.length
      ? h('div', { class: 'explain subject' }, notes.map((n) => richText(n)))
      : h('div', { class: 'explain' }, richText(plainWords(exc.type))),
    exc.in_setup
      ? h('p', { class: 'explain' }, 'This failed before your code ran, in what the earlier steps define. The lesson’s own code is used for those steps, so this may be a problem in the lesson itself.')
      : null,
    exc.traceback
      ? h('details', { class: 'traceback' }, h('summary', {}, 'Traceback'), h('pre', { tabindex: '0' }, h('code', {}, exc.traceback)))
      : null,
  );
}

/** "Python 3.13.5" as a tag: which Python produced a result (the answer's "python"); null without one. */
export function pythonTag(python) {
  return python ? h('span', { class: 'python-tag' }, `Python ${python}`) : null;
}

/** The memory line: tracemalloc's peak, or why it is absent. */
function memoryLine(memory) {
  if (!memory) return null;
  if (memory.absent) return h('p', { class: 'memory' }, `Memory not measured: ${memory.absent}.`);
  if (memory.peak_bytes === null || memory.peak_bytes === undefined) return null;
  return h(
    'p',
    { class: 'memory' },
    h('span', { class: 'memory-label' }, 'Peak memory: '),
    h('strong', { class: 'memory-peak' }, bytesExact(memory.peak_bytes)),
    ' allocated at most while it ran (as tracemalloc counts it).',
  );
}

/** The value of the last expression, or a note that there is none. */
function resultBlock(result) {
  if (!result) {
    return h('p', { class: 'no-result' }, 'No result: the last line is not an expression.');
  }
  return h(
    'div',
    { class: 'result-value' },
    h('h3', {}, 'Result ', h('span', { class: 'result-type' }, '(', h('code', {}, result.type), ')')),
    h('pre', { tabindex: '0' }, h('code', {}, result.repr)),
  );
}

/**
 * Renders a run report. opts: editor (to highlight the failing line),
 * sources (code the run saw, for explanations), expectRaises (the
 * exception an example is meant to raise), collapsed (inside a closed
 * <details>, for runs shown beside a verdict). Returns { element, summary }:
 * summary is one sentence for the screen-reader announcement.
 */
export function renderRun(run, { editor, sources = [], expectRaises, collapsed = false } = {}) {
  const exc = run.exception;
  const head = headlineOf(run, expectRaises);
  if (editor) {
    if (exc && !exc.in_setup && exc.line) editor.showError(exc.line, exc.offset);
    else editor.clearError();
  }
  const stopped = STOPPED[run.status];
  const element = h(
    'div',
    { class: `run-report tone-${head.tone}`, 'data-status': run.status },
    h('p', { class: 'run-headline' }, h('span', { class: 'run-icon', 'aria-hidden': 'true' }), head.text),
    stopped ? h('div', { class: 'explain' }, richText(run.message || '')) : null,
    stopped ? tipsList(stopped.tips, run.message || '') : null,
    run.status === 'ok' ? resultBlock(run.result) : null,
    exc ? exceptionBlock(exc, sources) : null,
    outputBlock('Output', run.stdout, 'stdout'),
    outputBlock('Error output', run.stderr, 'stderr'),
    run.truncated ? h('p', { class: 'truncated' }, 'The output was cut off at the size limit.') : null,
    objectCards(run.objects, sources),
    memoryLine(run.memory),
    h('p', { class: 'run-meta' }, pythonTag(run.python), run.python && run.time ? ' · ' : '', run.time ? `${millis(run.time.wall_ms)} wall time` : ''),
  );
  let summary = head.text;
  if (collapsed) {
    const details = h('details', { class: 'run-details' }, h('summary', {}, `Details of the run (${head.text})`), element);
    return { element: details, summary };
  }
  if (run.status === 'ok' && run.result) summary += `. Result: ${run.result.repr.slice(0, 200)}`;
  if (exc && head.tone === 'error') summary += `: ${exc.message}`;
  return { element, summary };
}

/** The panel for an API call that produced no run (busy, unreachable); its message says what to try. */
export function renderProblem(error) {
  const headline =
    error.status === 429
      ? 'Your earlier runs come first'
      : { busy: 'The server is busy', network: 'No connection to the server' }[error.kind] || 'That did not work';
  const element = h(
    'div',
    { class: 'run-report tone-stopped', 'data-status': `api-${error.kind}` },
    h('p', { class: 'run-headline' }, h('span', { class: 'run-icon', 'aria-hidden': 'true' }), headline),
    h('div', { class: 'explain' }, richText(error.message)),
  );
  return { element, summary: `${headline}. ${error.message}` };
}
