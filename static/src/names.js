// names.js: text that learners chose (display names, class names, their
// answers) as page elements: always as text (textContent, never markup),
// in a <bdi> so right-to-left text or a U+202E override inside it cannot
// reorder what is around it, and cut short by CSS (an ellipsis, the whole
// text in the tooltip) so a long name cannot push the page apart.
import { h } from './dom.js';

/**
 * A learner-chosen text as an inline element: <bdi class="name ..."> with
 * the text (an empty text shows as "(no name)"). cls: more classes, e.g.
 * "name-wide". Untrusted text goes in through textContent only.
 */
export function nameText(text, cls = '') {
  const value = String(text ?? '');
  const el = h('bdi', { class: cls ? `name ${cls}` : 'name' });
  el.textContent = value || '(no name)';
  if (value) el.title = value;
  return el;
}

/** A learner's answer or code fragment as <code> around a <bdi>, cut short like a name. */
export function answerText(text) {
  return h('code', { class: 'answer-text' }, nameText(text, 'name-answer'));
}
