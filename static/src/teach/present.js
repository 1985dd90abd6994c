// teach/present.js: the projector view of a class: its name, the join code
// as large as the screen allows, the join link and its QR code, and how
// many learners have joined so far (polled each second). Nothing private
// is shown: no learner names, no progress.
import { h } from '../dom.js';
import * as classapi from '../classapi.js';
import { plural } from '../format.js';
import { nameText } from '../names.js';
import { joinInfo } from './joininfo.js';
import { poll } from './poller.js';

/** Renders the projector view of class code into main; returns the page title. */
export async function renderPresent(main, code) {
  const view = await classapi.classView(code);
  const joined = h('p', { class: 'present-count', role: 'status' });
  const count = (v) => {
    const words = `${plural((v.learners || []).length, 'learner')} joined`;
    if (joined.textContent !== words) joined.textContent = words;
  };
  const page = h(
    'div',
    { class: 'teach present' },
    h('div', { class: 'present-head' }, h('h1', { tabindex: '-1' }, 'Join ', nameText(view.name, 'name-title')), h('a', { class: 'btn btn-secondary btn-small', href: `#/class/${encodeURIComponent(view.code)}` }, 'Back to the class')),
    joinInfo(view, { big: true }),
    joined,
  );
  main.replaceChildren(page);
  count(view);
  poll({ load: () => classapi.classView(code), onData: count, onError: () => {}, alive: () => page.isConnected, immediate: false });
  return `Join \u2068${view.name}\u2069`;
}
