// pythonchoice.js: the Python choice in the page's header: a select of the
// Pythons the server serves (the newest marked), or, when it serves one,
// plain words naming it; a quiet line when the remembered choice is not
// served now; and the footer's sentence, which follows the choice.
import { h } from './dom.js';
import { announce } from './announce.js';
import * as pythons from './pythons.js';

/** "3.13.5 (newest)" for a served Python's entry. */
function optionText(p) {
  return `${p.full || p.version}${p.default ? ' (newest)' : ''}`;
}

/** The footer's sentence for the chosen Python (and the others served). */
function footerText() {
  const chosen = pythons.chosen();
  if (!chosen) return 'Every snippet runs in a fresh, sandboxed CPython on the lesson server.';
  const others = pythons.list().filter((p) => p !== chosen).map((p) => p.full || p.version);
  const also = others.length ? ` (the server also runs ${others.join(' and ')})` : '';
  return `Every snippet runs in a fresh, sandboxed CPython ${chosen.full || chosen.version} on the lesson server${also}.`;
}

/** The quiet line for a remembered Python that is not served now, or null. */
function unavailableNote() {
  const gone = pythons.unavailable();
  const chosen = pythons.chosen();
  if (!gone || !chosen) return null;
  return h(
    'p',
    { class: 'python-note', role: 'status' },
    `Python ${gone}, your earlier choice, is not on this server now: runs use ${chosen.version}.`,
  );
}

/** The control itself: a labelled select, or plain words for one Python. */
function control() {
  const list = pythons.list();
  const chosen = pythons.chosen();
  if (list.length < 2) {
    return h('p', { class: 'python-only' }, 'Python ', h('strong', { class: 'python-current' }, chosen.full || chosen.version));
  }
  const select = h(
    'select',
    { id: 'python-select', class: 'python-select' },
    list.map((p) => h('option', { value: p.version, selected: p === chosen }, optionText(p))),
  );
  select.addEventListener('change', () => {
    pythons.choose(select.value);
    const now = pythons.chosen();
    announce(`Runs now use Python ${now.full || now.version}. The lesson's text follows.`);
  });
  return h('div', { class: 'python-field' }, h('label', { for: 'python-select' }, 'Python'), select);
}

/**
 * Fills the header's box (#python-choice) and the footer (#footer-python)
 * once the Pythons are known, and keeps them in step with the choice. A
 * server that says nothing leaves both as they are.
 */
export async function installPythonChoice() {
  await pythons.ready();
  const box = document.getElementById('python-choice');
  const footer = document.getElementById('footer-python');
  if (!pythons.chosen()) return;
  const draw = () => {
    if (box) box.replaceChildren(control(), unavailableNote() || '');
    if (footer) footer.textContent = footerText();
  };
  draw();
  pythons.onChange(() => {
    if (footer) footer.textContent = footerText();
    const note = box && box.querySelector('.python-note');
    if (note) note.remove(); // a choice made now replaces the one remembered
  });
}
