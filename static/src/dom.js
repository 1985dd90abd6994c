// dom.js: small helpers to build DOM nodes without innerHTML (learner and
// server text always goes in as text, never as markup).

/**
 * Creates an element. props: attributes, with "class", "text" (textContent),
 * "on<event>" (listeners) and boolean values (present or absent).
 * Children: nodes, strings, numbers, arrays of those; null/false skipped.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'text') el.textContent = String(value);
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (nodes, strings, nested arrays) to a parent. */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Removes every child of an element. */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/**
 * Turns plain text with `backtick code` into nodes: code spans become
 * <code>, blank lines separate paragraphs. Used for hints and explanations,
 * which lesson authors write as plain text.
 */
export function richText(text) {
  const paragraphs = String(text || '').trim().split(/\n\s*\n/);
  return paragraphs.map((para) => h('p', {}, inlineCode(para.replace(/\s*\n\s*/g, ' '))));
}

/** Splits text on backticks into strings and <code> elements. */
export function inlineCode(text) {
  return String(text).split('`').map((part, i) => (i % 2 ? h('code', {}, part) : part));
}

/**
 * Plain text (a lesson title or summary) with Python's dunder names, such
 * as __slots__ or '__dict__', set as <code> so their underscores show.
 */
export function codeWords(text) {
  return String(text || '')
    .split(/('?__[A-Za-z0-9_]+__'?)/)
    .map((part, i) => (i % 2 ? h('code', {}, part) : part));
}

/**
 * Prose the server rendered from the lesson's Markdown, or null. The page
 * has one h1 (the title): a leading "# Title" is dropped, other h1s become h2.
 */
export function prose(html, cls, title) {
  if (!html) return null;
  const div = h('div', { class: `prose ${cls}` });
  div.innerHTML = html; // written by the course authors, rendered by md4c on the server
  const first = div.firstElementChild;
  if (first && first.tagName === 'H1' && first.textContent.trim() === String(title).trim()) first.remove();
  for (const h1 of div.querySelectorAll('h1')) {
    const h2 = h('h2', {}, ...h1.childNodes);
    h1.replaceWith(h2);
  }
  return div.childNodes.length ? div : null;
}

/** A stable id for an element from some parts ("step-3-editor"). */
export function domId(...parts) {
  return parts.map((p) => String(p).replace(/[^A-Za-z0-9_-]/g, '-')).join('-');
}
