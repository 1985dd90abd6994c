// compare.js: the same code's runs on several Pythons, field by field, for
// "Run on both" (compareview.js draws it): the outcome, the value, what it
// printed, the exception's type and message, each object's __dict__ and
// size, and tracemalloc's peak. Pure: run reports in (docs/ARCHITECTURE.md
// §4), plain data out; no DOM.
import { bytesExact } from './format.js';

// Objects compared, at most: lesson snippets name a few.
const MAX_OBJECTS = 6;

/** The outcome of a run in words: "ran without errors", "raised AttributeError", "stopped: timeout". */
function outcome(run) {
  if (run.status === 'ok') return 'ran without errors';
  if (run.status === 'error' && run.exception) return `raised ${run.exception.type}`;
  return `stopped: ${String(run.status || 'unknown').replace(/_/g, ' ')}`;
}

/** The objects a run reports, keyed "p" by name (the result: "the result"), in order. */
function objectsByName(run) {
  const out = new Map();
  for (const o of run.objects || []) {
    const name = o.is_result ? 'the result' : o.name || o.type;
    if (!out.has(name)) out.set(name, o);
  }
  return out;
}

/** The peak in words, or why there is none. */
function peakText(memory) {
  if (!memory) return '—';
  if (memory.absent) return `not measured (${memory.absent})`;
  return memory.peak_bytes === null || memory.peak_bytes === undefined ? '—' : bytesExact(memory.peak_bytes);
}

/**
 * Compares runs of one snippet, one per Python. Returns { fields,
 * differences }: fields in display order, each { key, label, values (one
 * text per run, '—' where a run has none), code (shown as code), differs };
 * differences: the labels of the fields that differ. A field no run has
 * (no output, no exception) is left out; one that some run has is kept for
 * all, so the columns line up.
 */
export function compareRuns(runs) {
  const fields = [];
  const add = (key, label, values, code = false) => {
    fields.push({ key, label, values, code, differs: values.some((v) => v !== values[0]) });
  };
  const any = (pick) => runs.some((r) => pick(r));
  add('outcome', 'outcome', runs.map(outcome));
  if (any((r) => r.result)) {
    add('value', 'value', runs.map((r) => (r.result ? `${r.result.repr}  (${r.result.type})` : '—')), true);
  }
  if (any((r) => r.stdout)) add('stdout', 'output', runs.map((r) => r.stdout || '—'), true);
  if (any((r) => r.stderr)) add('stderr', 'error output', runs.map((r) => r.stderr || '—'), true);
  if (any((r) => r.exception)) {
    add('exception', 'exception', runs.map((r) => (r.exception ? r.exception.type : '—')), true);
    add('message', 'message', runs.map((r) => (r.exception ? r.exception.message || '' : '—')), true);
  }
  const maps = runs.map(objectsByName);
  const names = [...new Set(maps.flatMap((m) => [...m.keys()]))].slice(0, MAX_OBJECTS);
  for (const name of names) {
    const of = (m) => m.get(name);
    add(`dict:${name}`, `${name}: __dict__`, maps.map((m) => (of(m) ? (of(m).has_dict ? 'yes' : 'none') : '—')));
    add(`size:${name}`, `${name}: size`, maps.map((m) => (of(m) && of(m).size != null ? `${of(m).size} bytes` : '—')));
  }
  add('peak', 'peak', runs.map((r) => peakText(r.memory)));
  return { fields, differences: fields.filter((f) => f.differs).map((f) => f.label) };
}

/** "2 differences: peak, message" / "No differences: ..." for a comparison of `count` Pythons. */
export function differenceSummary(differences, count = 2) {
  if (!differences.length) {
    return `No differences: every field is the same on ${count === 2 ? 'both Pythons' : `all ${count} Pythons`}.`;
  }
  return `${differences.length} difference${differences.length === 1 ? '' : 's'}: ${differences.join(', ')}`;
}
