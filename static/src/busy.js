// busy.js: shows that something is running when it takes longer than
// about 200 ms, and keeps a control from being pressed twice meanwhile.

const SHOW_AFTER_MS = 200;

/**
 * Runs task() while control (a button) is marked busy. After 200 ms the
 * status element shows `label` with a spinner. The button keeps focus: it
 * is marked aria-disabled rather than disabled. Returns task's promise.
 */
export async function whileBusy(control, status, label, task) {
  if (control.getAttribute('aria-disabled') === 'true') return undefined;
  control.setAttribute('aria-disabled', 'true');
  const timer = setTimeout(() => {
    status.hidden = false;
    status.textContent = label;
    status.classList.add('is-running');
  }, SHOW_AFTER_MS);
  try {
    return await task((text) => {
      status.hidden = false;
      status.textContent = text;
      status.classList.add('is-running');
    });
  } finally {
    clearTimeout(timer);
    status.hidden = true;
    status.textContent = '';
    status.classList.remove('is-running');
    control.removeAttribute('aria-disabled');
  }
}

/** A status line for whileBusy, hidden until needed. */
export function busyLine() {
  const el = document.createElement('p');
  el.className = 'busy-line';
  el.setAttribute('role', 'status');
  el.hidden = true;
  return el;
}
