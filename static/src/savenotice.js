// savenotice.js: the calm notice that the learner's progress is not being
// saved for their class (an answer said "not_saved": the server could not
// record it, or a progress call failed). It stays until a later answer
// says "saved" or "queued" (or "off": not in a class, nothing to save).
// The element is a role=status region that is always in the page and
// empty when all is well, so screen readers hear it come and go.
import { watchProgress } from './api.js';

export const NOT_SAVED = 'Your progress is not being saved right now.';
const DETAIL = 'Your runs and checks still work; your teacher may not see the latest until it is saved again.';

/** Fills or empties the notice element for a progress state. */
function show(el, state) {
  if (state === 'not_saved') {
    if (el.dataset.state === 'not_saved') return;
    el.dataset.state = 'not_saved';
    const head = document.createElement('strong');
    head.textContent = NOT_SAVED;
    el.replaceChildren(head, ` ${DETAIL}`);
  } else if (state === 'saved' || state === 'queued' || state === 'off') {
    delete el.dataset.state;
    el.replaceChildren();
  }
}

/** Connects the notice element (#save-notice in index.html) to every API answer. */
export function installSaveNotice(el) {
  if (!el) return;
  watchProgress((state) => show(el, state));
}
