// modules.test.mjs: the page's pure modules under node, without a browser:
// the explanations of slot errors and the number formats. (The browser
// scenarios are in ui.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classesIn, dictSource, exceptionNotes, objectNote } from '../../static/src/explain.js';
import { bytes, bytesExact, millis } from '../../static/src/format.js';

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

test('slot errors are explained from the run: undeclared, empty slot, weakref, lay-out, class variable', () => {
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
  assert.deepEqual(exceptionNotes({ type: 'NameError', message: "name 'q' is not defined" }, []), []);
});
