// announce.js: one polite aria-live region (#announcer in index.html) that
// tells screen-reader users what a run, check or measurement came to.

let timer = 0;

/** Announces a short sentence; a repeat of the same text is still read. */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  clearTimeout(timer);
  // A fresh text node after a tick makes screen readers read it even when
  // the words are the same as last time.
  timer = setTimeout(() => {
    region.textContent = text;
  }, 50);
}
