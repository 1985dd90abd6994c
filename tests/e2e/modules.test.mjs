// modules.test.mjs: the page's pure modules under node, without a browser:
// the explanations of slot errors, the number and time formats, and the
// class parts that read data: a learner's step in the class view, names
// and codes as typed, the dashboard's routes. (The browser scenarios are in
// ui.test.mjs and classes.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classesIn, dictSource, exceptionNotes, objectNote } from '../../static/src/explain.js';
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
