// modules.test.mjs: the page's pure modules under node, without a browser:
// the explanations of slot errors, the number and time formats, Python
// version specs and the comparison of runs on two Pythons, and the class
// parts that read data: a learner's step in the class view, names and
// codes as typed, the dashboard's routes; saved progress of steps that
// moved between lessons. (The browser scenarios are in ui.test.mjs,
// pythons.test.mjs and classes.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MOVES, applyMoves } from '../../static/src/moved.js';
import { classesIn, dictSource, exceptionNotes, objectNote } from '../../static/src/explain.js';
import { compareRuns, differenceSummary } from '../../static/src/compare.js';
import { defaultPython, specMatches, specWords } from '../../static/src/versions.js';
import { ago, bytes, bytesExact, millis } from '../../static/src/format.js';
import { charCount, nameProblem } from '../../static/src/joinform.js';
import { joinCode, shownCode } from '../../static/src/joinpage.js';
import { glyphOf, recordWords, stateOf, stepRecord, stuckSteps } from '../../static/src/teach/records.js';
import { teachRoute } from '../../static/src/teach/dashboard.js';

test('bytes are shown in human units, with the exact count when rounded', () => {
  assert.equal(bytes(1), '1 byte');
  assert.equal(bytes(48), '48 bytes');
  assert.equal(bytes(1140), '1.1 KiB');
  assert.equal(bytes(116312), '114 KiB');
  assert.equal(bytes(12796080), '12 MiB');
  assert.equal(bytesExact(1140), '1.1 KiB (1,140 bytes)');
  assert.equal(bytesExact(152), '152 bytes');
  assert.equal(bytes(null), 'unknown');
  assert.equal(millis(0.294), '0.3 ms');
  assert.equal(millis(2338.9), '2.3 s');
});

test('class definitions are read with their bases and __slots__, dataclass(slots=True) included', () => {
  const classes = classesIn([
    'class Base:\n    pass\n',
    '@dataclass(slots=True)\nclass D(Base):\n    x: int\n\nclass P(Base, metaclass=M):\n    # a comment\n    __slots__ = ("x", "__dict__")\n',
  ]);
  assert.deepEqual(classes.get('Base'), { bases: [], hasSlots: false, slotsHaveDict: false });
  assert.deepEqual(classes.get('D'), { bases: ['Base'], hasSlots: true, slotsHaveDict: false });
  assert.deepEqual(classes.get('P'), { bases: ['Base'], hasSlots: true, slotsHaveDict: true });
});

test('a __dict__ that came back is blamed on the class without __slots__', () => {
  const sources = ['class Base:\n    pass\nclass Child(Base):\n    __slots__ = ("a",)\nclass Grand(Child):\n    pass\n'];
  assert.deepEqual(dictSource({ type: 'Child', slots: ['a'], has_dict: true }, sources), { culprit: 'Base', why: 'no-slots' });
  assert.deepEqual(dictSource({ type: 'Grand', slots: ['a'], has_dict: true }, sources), { culprit: 'Grand', why: 'no-slots' });
  assert.deepEqual(dictSource({ type: 'X', slots: ['a'], has_dict: true, dict_from: 'Mixin' }, []), { culprit: 'Mixin', why: 'no-slots' });
  assert.match(objectNote({ type: 'Child', slots: ['a'], has_dict: true }, sources), /the base class `Base` declares no `__slots__`/);
  assert.match(objectNote({ type: 'Grand', slots: ['a'], has_dict: true }, sources), /`Grand` has slots from its base classes, but does not declare `__slots__` itself/);
  assert.match(objectNote({ type: 'Q', slots: ['a', '__dict__'], has_dict: true }, []), /lists `'__dict__'` in its `__slots__`/);
  assert.match(objectNote({ type: 'Unknown', slots: ['a'], has_dict: true }, []), /some base class declares no `__slots__`/);
  assert.equal(objectNote({ type: 'Plain', slots: [], has_dict: true }, []), null);
  assert.equal(objectNote({ type: 'Slim', slots: ['a'], has_dict: false }, []), null);
});

test('slot errors are explained from the run: undeclared, empty slot, weakref, lay-out, class variable, class assignment, old pickle', () => {
  const object = { type: 'Point', slots: ['x', 'y'], has_dict: false };
  const [undeclared] = exceptionNotes({ type: 'AttributeError', message: "'Point' object has no attribute 'z'", name: 'z', object }, []);
  assert.match(undeclared, /`Point` declares `__slots__ = \('x', 'y'\)`, so its instances have room for `x` and `y` only/);
  assert.match(undeclared, /add `'z'` to `__slots__`/);
  const [empty] = exceptionNotes({ type: 'AttributeError', message: "'Point' object has no attribute 'x'", name: 'x', object }, []);
  assert.match(empty, /`x` is one of `Point`’s slots, but this object has no value in it yet/);
  const [weak] = exceptionNotes({ type: 'TypeError', message: "cannot create weak reference to 'P' object" }, ['class P:\n    __slots__ = ("x",)\n']);
  assert.match(weak, /Add `'__weakref__'` to `__slots__`/);
  const [builtin] = exceptionNotes({ type: 'TypeError', message: "cannot create weak reference to 'int' object" }, []);
  assert.match(builtin, /built-in `int`/);
  const [layout] = exceptionNotes({ type: 'TypeError', message: 'multiple bases have instance lay-out conflict' }, []);
  assert.match(layout, /^Lay-out conflict: two of the base classes each declare non-empty `__slots__`/);
  const [clash] = exceptionNotes({ type: 'ValueError', message: "'x' in __slots__ conflicts with class variable" }, []);
  assert.match(clash, /`x` is both in `__slots__` and assigned in the class body/);
  const [layoutDiffers] = exceptionNotes({ type: 'TypeError', message: "__class__ assignment: 'Archived' object layout differs from 'Draft'" }, []);
  assert.match(layoutDiffers, /`Archived` and `Draft` differ in the slots they hold/);
  const [pickleOld] = exceptionNotes({ type: 'TypeError', message: 'a class that defines __slots__ without defining __getstate__ cannot be pickled' }, []);
  assert.match(pickleOld, /^Pickle protocols 0 and 1 save an object through its `__dict__`/);
  assert.deepEqual(exceptionNotes({ type: 'NameError', message: "name 'q' is not defined" }, []), []);
});

test('a learner’s step in the class view reads as a state, a glyph and words; stuck wins the glyph', () => {
  const learner = { learner: 1, name: 'Ada', steps: { points: {
    define: { state: 'done', stuck: false, attempts: 1, failures: 0, last: 5 },
    goal: { state: 'tried', stuck: true, attempts: 4, failures: 3, last: 9 },
  } } };
  assert.equal(stepRecord(learner, 'points', 'nope'), null);
  assert.equal(stateOf(null), 'not_started');
  assert.equal(stateOf(stepRecord(learner, 'points', 'define')), 'done');
  assert.equal(stateOf({ state: 'tried' }), 'tried');
  assert.equal(glyphOf(null), '–');
  assert.equal(glyphOf(stepRecord(learner, 'points', 'define')), '✓');
  assert.equal(glyphOf({ state: 'tried' }), '○');
  assert.equal(glyphOf(stepRecord(learner, 'points', 'goal')), '⚠');
  assert.equal(recordWords(null), 'not started');
  assert.equal(recordWords(stepRecord(learner, 'points', 'define')), 'done, 1 attempt');
  assert.equal(recordWords(stepRecord(learner, 'points', 'goal')), 'tried, stuck, 4 attempts, 3 failed');
  const other = { learner: 2, name: 'Bo', steps: { points: { goal: { state: 'tried', stuck: true, last: 20 } } } };
  assert.deepEqual(stuckSteps({ learners: [learner, other] }).map((s) => [s.learner.learner, s.stepId]), [[2, 'goal'], [1, 'goal']]);
  assert.deepEqual(stuckSteps({}), []);
});

test('times are said as how long ago, by the server’s clock', () => {
  const now = 10_000_000;
  assert.equal(ago(null, now), 'never');
  assert.equal(ago(now - 4000, now), 'just now');
  assert.equal(ago(now + 3000, now), 'just now');
  assert.equal(ago(now - 12_000, now), '12 s ago');
  assert.equal(ago(now - 180_000, now), '3 min ago');
  assert.equal(ago(now - 2 * 3600_000, now), '2 h ago');
  assert.equal(ago(now - 86400_000, now), '1 day ago');
  assert.equal(ago(now - 4 * 86400_000, now), '4 days ago');
});

test('names are counted in characters as the server counts them; codes come from the address', () => {
  assert.equal(charCount('\u{1F600}ab'), 3);
  assert.equal(nameProblem('  '), 'Type the name your teacher will see.');
  assert.equal(nameProblem('', 'Type a name for the class.'), 'Type a name for the class.');
  assert.equal(nameProblem('\u{1F600}'.repeat(40)), '');
  assert.equal(nameProblem(`\u202E${'x'.repeat(40)}`), 'Use at most 40 characters (this name has 41).');
  assert.equal(joinCode('/join/CDFHJK'), 'CDFHJK');
  assert.equal(joinCode('/join/cdf-hjk/'), 'cdf-hjk');
  assert.equal(joinCode('/join'), null);
  assert.equal(joinCode('/join/'), null);
  assert.equal(shownCode('cdfhjk'), 'CDF-HJK');
  assert.equal(shownCode('cdf-hjk'), 'CDF-HJK');
  assert.equal(shownCode('cd'), 'CD');
});

test('the dashboard’s routes: the classes, a class, its projector view', () => {
  assert.deepEqual(teachRoute(''), { page: 'classes' });
  assert.deepEqual(teachRoute('#/'), { page: 'classes' });
  assert.deepEqual(teachRoute('#/class/CDFHJK'), { page: 'class', code: 'CDFHJK' });
  assert.deepEqual(teachRoute('#/class/CDFHJK/'), { page: 'class', code: 'CDFHJK' });
  assert.deepEqual(teachRoute('#/class/CDFHJK/present'), { page: 'present', code: 'CDFHJK' });
  assert.deepEqual(teachRoute('#/class/CDFHJK/other'), { page: 'classes' });
});

test('version specs: "3.13" is that Python, "3.12+" that one and later; the default is the one the server marks', () => {
  assert.equal(specMatches('3.13', '3.13'), true);
  assert.equal(specMatches('3.13', '3.13.5'), true);
  assert.equal(specMatches('3.13', '3.11.2'), false);
  assert.equal(specMatches('3.13', '3.130'), false);
  assert.equal(specMatches('3.12+', '3.13'), true);
  assert.equal(specMatches('3.12+', '3.12'), true);
  assert.equal(specMatches('3.12+', '4.0'), true);
  assert.equal(specMatches('3.12+', '3.11'), false);
  assert.equal(specMatches('3.x', '3.11'), false);
  assert.equal(specMatches('3.12+', undefined), false);
  assert.equal(specWords('3.13'), 'Python 3.13');
  assert.equal(specWords('3.12+'), 'Python 3.12 and later');
  const served = [{ version: '3.11', default: false }, { version: '3.13', default: true }];
  assert.equal(defaultPython(served).version, '3.13');
  assert.equal(defaultPython([{ version: '3.13' }, { version: '3.11' }]).version, '3.13');
  assert.equal(defaultPython([]), null);
});

/** A run report as the server sends one (docs/ARCHITECTURE.md §4), with overrides. */
function report(over = {}) {
  return {
    status: 'ok', result: null, stdout: '', stderr: '', exception: null, objects: [],
    memory: { peak_bytes: 1000, current_bytes: 900 }, python: '3.11.2', ...over,
  };
}

test('runs on two Pythons are compared field by field; equal fields are not differences', () => {
  const p = (size) => ({ name: 'p', type: 'P', has_dict: true, slots: [], size, attrs: {} });
  const s = { name: 's', type: 'S', has_dict: false, slots: ['x'], size: 40, attrs: {} };
  const older = report({
    status: 'error', stdout: '56\n', objects: [p(56), s],
    exception: { type: 'AttributeError', message: "'S' object has no attribute 'z'" },
  });
  const newer = report({
    status: 'error', stdout: '48\n', objects: [p(48), s], memory: { peak_bytes: 1200 }, python: '3.13.5',
    exception: { type: 'AttributeError', message: "'S' object has no attribute 'z' and no __dict__ for setting new attributes" },
  });
  const { fields, differences } = compareRuns([older, newer]);
  assert.deepEqual(fields.map((f) => f.key), ['outcome', 'stdout', 'exception', 'message', 'dict:p', 'size:p', 'dict:s', 'size:s', 'peak']);
  assert.deepEqual(differences, ['output', 'message', 'p: size', 'peak']);
  const byKey = Object.fromEntries(fields.map((f) => [f.key, f]));
  assert.deepEqual(byKey['size:p'].values, ['56 bytes', '48 bytes']);
  assert.deepEqual(byKey.outcome.values, ['raised AttributeError', 'raised AttributeError']);
  assert.equal(byKey.outcome.differs, false);
  assert.equal(byKey['dict:s'].differs, false);
  assert.deepEqual(byKey.peak.values, ['1000 bytes', '1.2 KiB (1,200 bytes)']);
  assert.equal(differenceSummary(differences), '4 differences: output, message, p: size, peak');
  assert.equal(differenceSummary(['peak']), '1 difference: peak');
  assert.equal(differenceSummary([]), 'No differences: every field is the same on both Pythons.');
  assert.equal(differenceSummary([], 3), 'No differences: every field is the same on all 3 Pythons.');
});

test('a field only one run has is kept for both, so the columns line up', () => {
  const ok = report({ result: { repr: '2', type: 'int' } });
  const raised = report({ status: 'error', exception: { type: 'NameError', message: "name 'q' is not defined" } });
  const { fields, differences } = compareRuns([ok, raised]);
  const byKey = Object.fromEntries(fields.map((f) => [f.key, f]));
  assert.deepEqual(byKey.value.values, ['2  (int)', '—']);
  assert.deepEqual(byKey.exception.values, ['—', 'NameError']);
  assert.deepEqual(differences, ['outcome', 'value', 'exception', 'message']);
  assert.equal(fields.some((f) => f.key === 'stdout'), false, 'nothing printed: no output field');
  const same = compareRuns([report(), report({ python: '3.13.5' })]);
  assert.deepEqual(same.differences, []);
});

/** The course in lessons/: { [lesson id]: Set of its step ids }, read from the files' front matter and step fences. */
function courseSteps() {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../lessons');
  const course = {};
  for (const name of readdirSync(dir).filter((n) => /^\d+-.*\.md$/.test(n))) {
    const text = readFileSync(join(dir, name), 'utf8');
    const id = /^id: *(\S+)/m.exec(text)[1];
    course[id] = new Set([...text.matchAll(/^```python (?:example|predict|goal|experiment)\b[^\n]*\bid=([\w-]+)/gm)].map((m) => m[1]));
  }
  return course;
}

test('saved progress of a moved step goes where the step lives now; a step that left takes its record along', () => {
  const record = { lessons: {
    'slots-at-scale': { visited: true, steps: { 'generated-slots': { done: true, answer: "('x', 'y')" }, speed: { done: true }, scale: { done: true } } },
    'dataclass-slots': { visited: false, steps: { 'plain-dataclass': { done: true, answer: 'True' } } },
  } };
  const moves = [
    { from: ['slots-at-scale', 'generated-slots'], to: ['dataclass-slots', 'generated-slots'] },
    { from: ['slots-at-scale', 'speed'], to: null },
    { from: ['slots-at-scale', 'plain-dataclass'], to: ['dataclass-slots', 'plain-dataclass'] },
    { from: ['nowhere', 'step'], to: ['measuring-memory', 'step'] },
  ];
  assert.equal(applyMoves(record, moves), true);
  assert.deepEqual(record.lessons['slots-at-scale'].steps, { scale: { done: true } });
  assert.deepEqual(record.lessons['dataclass-slots'].steps['generated-slots'], { done: true, answer: "('x', 'y')" });
  assert.deepEqual(record.lessons['dataclass-slots'].steps['plain-dataclass'], { done: true, answer: 'True' });
  assert.equal(record.lessons['measuring-memory'], undefined);
  assert.equal(applyMoves(record, moves), false, 'a second pass changes nothing');
  const there = { lessons: { a: { steps: { s: { done: true } } }, b: { steps: { s: { answer: 'new' } } } } };
  applyMoves(there, [{ from: ['a', 's'], to: ['b', 's'] }]);
  assert.deepEqual(there.lessons, { a: { steps: {} }, b: { steps: { s: { answer: 'new' } } } }, 'a record made at the new place wins');
});

test('every moved step names a step the course has now, and the place it left has no such step', () => {
  const course = courseSteps();
  for (const { from, to } of MOVES) {
    assert.ok(!(course[from[0]] && course[from[0]].has(from[1])), `${from.join('/')} is still in the course`);
    if (to) assert.ok(course[to[0]] && course[to[0]].has(to[1]), `${to.join('/')} is not in the course`);
  }
});

test('the store reads a moved step from where it lives now, and saves the moved record', async () => {
  const saved = { lessons: { 'slots-at-scale': { visited: true, steps: { 'generated-slots': { done: true } } } } };
  const written = [];
  globalThis.localStorage = {
    getItem: () => JSON.stringify(saved),
    setItem: (key, value) => written.push([key, JSON.parse(value)]),
  };
  try {
    const store = await import('../../static/src/store.js');
    assert.deepEqual(store.step('dataclass-slots', 'generated-slots'), { done: true });
    assert.deepEqual(store.step('slots-at-scale', 'generated-slots'), {});
    assert.equal(written.length, 1);
    assert.deepEqual(written[0][1].lessons['dataclass-slots'].steps, { 'generated-slots': { done: true } });
  } finally {
    delete globalThis.localStorage;
  }
});
