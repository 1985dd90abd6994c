// explain.js: exceptions and objects explained in plain words, for this
// course's subject, from the facts a run reports (the exception's type,
// message and `object`, the objects' slots and __dict__) and, where the
// run cannot say more, from the class definitions in the code itself.
// Texts use `backticks` for code; dom.richText turns them into <code>.

const PLAIN = {
  AttributeError: 'An attribute was read or assigned that this object does not have.',
  NameError: 'A name was used before anything defined it. Check the spelling; earlier steps’ definitions are available as the lesson wrote them.',
  SyntaxError: 'Python could not read the code, so nothing ran. Look for a missing colon, bracket or quote near the marked spot.',
  IndentationError: 'The indentation does not fit: Python groups statements by how far they are indented.',
  TypeError: 'A value of the wrong type was used, or something was called with the wrong arguments.',
  ValueError: 'A value had the right type but an unsuitable content.',
  KeyError: 'A dictionary was asked for a key it does not have.',
  IndexError: 'A sequence was asked for a position past its end.',
  ZeroDivisionError: 'Something was divided by zero.',
  RecursionError: 'A function called itself too deeply without stopping.',
  MemoryError: 'Python ran out of the memory this run may use.',
  ModuleNotFoundError: 'That module is not available in the sandbox: the standard library is there, the network and installed packages are not.',
  ImportError: 'That import failed: the sandbox has the standard library only, and some of it cannot run here.',
  PermissionError: 'The sandbox does not allow that: no files, network or processes, by design.',
  OSError: 'The operating system refused: the sandbox allows no files, network or processes.',
  AssertionError: 'An assert statement found its condition false.',
};

const BUILTIN_TYPES = new Set(['int', 'str', 'tuple', 'bytes', 'list', 'dict', 'set', 'float', 'bool', 'object', 'NoneType']);

/** One plain sentence about an exception type (or a general one). */
export function plainWords(type) {
  return PLAIN[type] || 'The code raised an exception, so the run stopped there.';
}

/** "`x`", "`x` and `y`", "`x`, `y` and `z`". */
function andList(names) {
  const quoted = names.map((n) => `\`${n}\``);
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

/** A Python tuple literal of names: ('x', 'y'). */
function slotTuple(names) {
  return `(${names.map((n) => `'${n}'`).join(', ')}${names.length === 1 ? ',' : ''})`;
}

/** True when the decorators right above line i include one with slots=True. */
function decoratedWithSlots(lines, i) {
  for (let j = i - 1; j >= 0 && /^\s*@/.test(lines[j]); j--) {
    if (/slots\s*=\s*True/.test(lines[j])) return true;
  }
  return false;
}

/**
 * The classes defined in some Python sources: Map name -> { bases,
 * hasSlots, slotsHaveDict }. A light reading of `class` lines and the
 * lines indented under them, good enough for lesson-sized code; later
 * definitions replace earlier ones, as they would when run.
 */
export function classesIn(sources) {
  const classes = new Map();
  for (const source of sources) {
    const lines = String(source || '').split('\n');
    lines.forEach((line, i) => {
      const m = /^(\s*)class\s+([A-Za-z_]\w*)\s*(?:\(([^)]*)\))?\s*:/.exec(line);
      if (!m) return;
      const indent = m[1].length;
      const bases = (m[3] || '')
        .split(',')
        .map((b) => b.trim())
        .filter((b) => b && !b.includes('='))
        .map((b) => b.split('.').pop());
      // @dataclass(slots=True) writes __slots__ for the class.
      let hasSlots = /:\s*__slots__\s*=/.test(line) || decoratedWithSlots(lines, i);
      let slotsHaveDict = hasSlots && line.includes('__dict__');
      let bodyIndent = null;
      for (let j = i + 1; j < lines.length; j++) {
        const body = lines[j];
        if (!body.trim() || /^\s*#/.test(body)) continue;
        const depth = body.length - body.trimStart().length;
        if (depth <= indent) break;
        if (bodyIndent === null) bodyIndent = depth;
        if (depth === bodyIndent && /^\s*__slots__\s*(:[^=]*)?=/.test(body)) {
          hasSlots = true;
          slotsHaveDict = body.includes('__dict__');
        }
      }
      classes.set(m[2], { bases, hasSlots, slotsHaveDict });
    });
  }
  return classes;
}

/** The class names of typeName's MRO, as far as the sources tell (left first, depth first). */
function ancestry(typeName, classes) {
  const order = [];
  const visit = (name) => {
    if (order.includes(name) || name === 'object') return;
    order.push(name);
    const known = classes.get(name);
    if (known) known.bases.forEach(visit);
  };
  visit(typeName);
  return order;
}

/**
 * Why an instance of a slotted class still has a __dict__: { culprit,
 * why } or null. Uses the run's own `dict_from` when the server gives it,
 * else the class definitions in sources.
 */
export function dictSource(obj, sources) {
  if (obj.dict_from) return { culprit: obj.dict_from, why: 'no-slots' };
  if ((obj.slots || []).includes('__dict__')) return { culprit: null, why: 'dict-slot' };
  const classes = classesIn(sources);
  for (const name of ancestry(obj.type, classes)) {
    const known = classes.get(name);
    if (known && !known.hasSlots) return { culprit: name, why: 'no-slots' };
    if (known && known.slotsHaveDict) return { culprit: name, why: 'dict-slot' };
  }
  return null;
}

/** A note for an object that declares slots yet has a __dict__, or null. */
export function objectNote(obj, sources) {
  if (!obj.has_dict || !(obj.slots || []).length) return null;
  const found = dictSource(obj, sources);
  if (found && found.why === 'dict-slot') {
    return `\`${obj.type}\` lists \`'__dict__'\` in its \`__slots__\`, which gives every instance a dictionary on purpose.`;
  }
  if (found && found.culprit === obj.type) {
    return `\`${obj.type}\` has slots from its base classes, but does not declare \`__slots__\` itself, so Python gives its instances a \`__dict__\` anyway. Add \`__slots__ = ()\` (or its own new names) to \`${obj.type}\`.`;
  }
  if (found && found.culprit) {
    return `\`${obj.type}\` declares \`__slots__\`, yet its instances have a \`__dict__\`: the base class \`${found.culprit}\` declares no \`__slots__\`, and one class without them anywhere in the hierarchy brings the dictionary back. Give \`${found.culprit}\` a \`__slots__\` too (\`__slots__ = ()\` if it has no attributes of its own).`;
  }
  return `\`${obj.type}\` declares \`__slots__\`, yet its instances have a \`__dict__\`: some base class declares no \`__slots__\`. Every class in the hierarchy needs \`__slots__\` for the dictionary to go away.`;
}

/** Notes for an AttributeError from its `name` and `object` facts. */
function attributeNotes(exc) {
  const obj = exc.object;
  const name = exc.name;
  const readOnly = /object attribute '([^']+)' is read-only/.exec(exc.message || '');
  if (readOnly) {
    return [`\`${readOnly[1]}\` is a slot, but the class also assigns \`${readOnly[1]}\` at class level, which hides the slot: instances can no longer store their own \`${readOnly[1]}\`.`];
  }
  if (!obj || !name) return [];
  const slots = obj.slots || [];
  if (slots.length && slots.includes(name)) {
    return [`\`${name}\` is one of \`${obj.type}\`’s slots, but this object has no value in it yet: a slot stays empty until something assigns it, and reading an empty slot raises \`AttributeError\`.`];
  }
  if (slots.length && !obj.has_dict) {
    return [`\`${obj.type}\` declares \`__slots__ = ${slotTuple(slots)}\`, so its instances have room for ${andList(slots)} only, and no \`__dict__\` to keep \`${name}\` in. If instances need \`${name}\`, add \`'${name}'\` to \`__slots__\`.`];
  }
  if (!slots.length && !obj.has_dict && BUILTIN_TYPES.has(obj.type)) {
    return [`Instances of the built-in \`${obj.type}\` have no \`__dict__\`, so they cannot take attributes of their own.`];
  }
  return [];
}

/**
 * Subject notes for an exception: a list of texts (may be empty).
 * sources: the code the run saw (earlier steps, then this one).
 */
export function exceptionNotes(exc, sources) {
  const msg = exc.message || '';
  let m;
  if (exc.type === 'AttributeError') return attributeNotes(exc);
  if ((m = /cannot create weak reference to '([^']+)' object/.exec(msg))) {
    const type = m[1];
    const known = classesIn(sources).get(type);
    if (BUILTIN_TYPES.has(type) && !known) {
      return [`Instances of the built-in \`${type}\` cannot be weakly referenced.`];
    }
    return [`\`${type}\` declares \`__slots__\` without \`'__weakref__'\`, so its instances have no place for weak references. Add \`'__weakref__'\` to \`__slots__\`, for example \`__slots__ = ('x', '__weakref__')\`, to allow \`weakref.ref()\`.`];
  }
  if (/multiple bases have instance lay-out conflict/.test(msg)) {
    return ['Lay-out conflict: two of the base classes each declare non-empty `__slots__`, so each has its own fixed memory layout, and one class cannot have both. Let at most one base class have non-empty `__slots__` (the others can declare `__slots__ = ()`), or do not inherit from both.'];
  }
  if ((m = /'([^']+)' in __slots__ conflicts with class variable/.exec(msg))) {
    return [`\`${m[1]}\` is both in \`__slots__\` and assigned in the class body (a class variable, perhaps meant as a default). A slot is itself a class attribute, a descriptor named \`${m[1]}\`, so the two cannot share the name. Remove the class-level \`${m[1]} = …\` and give the default in \`__init__\` instead.`];
  }
  if (/__dict__ slot disallowed: we already got one/.test(msg)) {
    return ['A base class already gives instances a `__dict__`, so `\'__dict__\'` cannot be added to `__slots__` again.'];
  }
  if (/__weakref__ slot disallowed/.test(msg)) {
    return ['A base class already makes instances weak-referenceable, so `\'__weakref__\'` cannot be added to `__slots__` again.'];
  }
  if ((m = /nonempty __slots__ not supported for subtype of '([^']+)'/.exec(msg))) {
    return [`\`${m[1]}\` objects vary in size, so a subclass of \`${m[1]}\` may only declare empty slots: \`__slots__ = ()\`.`];
  }
  if ((m = /__class__ assignment: '([^']+)' object layout differs from '([^']+)'/.exec(msg))) {
    return [`An object can change its class only to one with the same memory layout. \`${m[1]}\` and \`${m[2]}\` differ in the slots they hold (or in having a \`__dict__\`), so an instance of one cannot become the other. Give both classes the same \`__slots__\`, or build a new object of the other class instead.`];
  }
  if (/a class that defines __slots__ without defining __getstate__ cannot be pickled/.test(msg)) {
    return ['Pickle protocols 0 and 1 save an object through its `__dict__`, which a slotted object does not have. Use protocol 2 or newer (the default is newer), or give the class its own `__getstate__` and `__setstate__`.'];
  }
  if (/__slots__ must be identifiers|__slots__ items must be strings/.test(msg)) {
    return ['`__slots__` must be a string or a sequence of strings, each a valid attribute name, such as `("x", "y")`.'];
  }
  return [];
}
