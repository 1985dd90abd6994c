// objects.js: one card per object a run reports: its type, whether it has
// a __dict__, its slots, whether it takes weak references, its size and
// attributes, and a note when a slotted class still has a __dict__.
import { h, richText } from './dom.js';
import { bytes } from './format.js';
import { objectNote } from './explain.js';

/** A yes/no fact with its meaning in words (never colour alone). */
function yesNo(value, yes, no) {
  return h('span', { class: value ? 'fact-yes' : 'fact-no' }, value ? yes : no);
}

/**
 * The card of one object report. sources: code the run saw; withNote:
 * false leaves out the explanation (given once per type).
 */
export function objectCard(obj, sources, withNote = true) {
  const title = obj.is_result ? 'the result' : obj.name || 'an object';
  const slots = obj.slots || [];
  const attrs = Object.entries(obj.attrs || {});
  const note = withNote ? objectNote(obj, sources) : null;
  return h(
    'li',
    { class: 'object-card', 'data-type': obj.type },
    h('h4', { class: 'object-title' }, h('code', {}, title), h('span', { class: 'object-type' }, ' : ', h('code', {}, obj.type)), obj.also_result ? h('span', { class: 'object-aside' }, ' (also the result)') : null),
    h(
      'dl',
      { class: 'object-facts' },
      h('dt', {}, h('code', {}, '__dict__')),
      h('dd', { class: 'fact-dict' }, yesNo(obj.has_dict, 'yes, a dictionary per instance', 'none')),
      h('dt', {}, 'slots'),
      h('dd', { class: 'fact-slots' }, slots.length ? slots.map((s, i) => [i ? ', ' : '', h('code', {}, s)]) : 'none declared'),
      h('dt', {}, 'weak references'),
      h('dd', { class: 'fact-weakref' }, yesNo(obj.weakrefable, 'allowed', 'not allowed')),
      h('dt', {}, 'size'),
      h('dd', { class: 'fact-size', title: 'sys.getsizeof: the object itself, not its __dict__ or attribute values' },
        obj.size === null || obj.size === undefined ? 'unknown' : bytes(obj.size),
        obj.has_dict ? h('span', { class: 'fact-aside' }, ' (without its __dict__)') : null),
    ),
    attrs.length
      ? h(
          'div',
          { class: 'object-attrs' },
          h('p', { class: 'object-attrs-title' }, 'attributes'),
          h('ul', {}, attrs.map(([k, v]) => h('li', {}, h('code', {}, k), ' = ', h('code', {}, v)))),
        )
      : h('p', { class: 'object-attrs-none' }, 'no attributes set'),
    note ? h('div', { class: 'object-note' }, richText(note)) : null,
  );
}

/** Two reports that describe the same object, as far as the facts tell. */
function sameFacts(a, b) {
  const facts = (o) => JSON.stringify([o.type, o.has_dict, o.slots, o.weakrefable, o.size, o.attrs]);
  return facts(a) === facts(b);
}

/**
 * The list of cards, or null when a run reports no objects. A result that
 * is a named object (the last line is just its name, `p`) is shown once,
 * on the named card; a type's explanation is shown on its first card only.
 */
export function objectCards(objects, sources) {
  if (!objects || !objects.length) return null;
  const named = objects.filter((o) => !o.is_result);
  const result = objects.find((o) => o.is_result);
  const lines = String(sources[sources.length - 1] || '').trim().split('\n');
  const lastLine = lines[lines.length - 1].trim();
  const twin = result && named.find((o) => o.name === lastLine && sameFacts(o, result));
  const shown = twin ? named.map((o) => (o === twin ? { ...o, also_result: true } : o)) : objects;
  const explained = new Set();
  const cards = shown.map((o) => {
    const first = !explained.has(o.type);
    explained.add(o.type);
    return objectCard(o, sources, first);
  });
  return h('div', { class: 'objects' }, h('h3', {}, 'Objects'), h('ul', { class: 'object-cards' }, cards));
}
