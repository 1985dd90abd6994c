// teach/keepfocus.js: redraws part of a live page without losing the
// keyboard's place: the element that had focus inside it is found again
// after the redraw by its data-focus-key, and focused.

/** Runs redraw(); if focus was inside container on an element with data-focus-key, puts it back. */
export function keepFocus(container, redraw) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.focusKey : undefined;
  redraw();
  if (key === undefined) return;
  const again = [...container.querySelectorAll('[data-focus-key]')].find((el) => el.dataset.focusKey === key);
  if (again) again.focus({ preventScroll: true });
}
