// teach/classpage.js: one class's page on the dashboard: its join details,
// the live grid of learners by steps (polled every second, no reload), the
// learner's code a cell opens, who is stuck, the common mistakes, the CSV
// export and deleting the class. It puts the parts together and owns the
// poll, which stops when the page is left (its grid leaves the document),
// the class is deleted, or the teacher's session ends (onSignedOut).
import { h } from '../dom.js';
import { announce } from '../announce.js';
import * as classapi from '../classapi.js';
import { plural } from '../format.js';
import { nameText } from '../names.js';
import { button } from '../steps/common.js';
import { codeView } from './codeview.js';
import { learnerGrid } from './grid.js';
import { joinInfo } from './joininfo.js';
import { poll } from './poller.js';
import { GLYPH, WORDS, stuckSteps } from './records.js';
import { courseSteps } from './steps.js';
import { stuckList } from './stuck.js';
import { mistakeSummary } from './summary.js';

const POLL_MS = 1000;

/** The legend of the grid's glyphs. */
function legend() {
  return h(
    'ul',
    { class: 'grid-legend', 'aria-label': 'Legend' },
    ['done', 'tried', 'stuck', 'not_started'].map((s) => h('li', { class: `legend-${s}` }, h('span', { class: `cell-mark legend-mark state-${s}`, 'aria-hidden': 'true' }, GLYPH[s]), ` ${WORDS[s]}`)),
  );
}

/** The lesson filter of the grid: every lesson, or one. */
function lessonFilter(course, onPick) {
  const select = h('select', { id: 'grid-lesson', class: 'select-input' }, h('option', { value: '' }, 'Every lesson'), course.map((l) => h('option', { value: l.id }, `${l.number}. ${l.title}`)));
  select.addEventListener('change', () => onPick(select.value || null));
  return h('div', { class: 'grid-filter' }, h('label', { for: 'grid-lesson' }, 'Steps of'), select);
}

/** The status line's counts ("3 learners · 1 stuck"), spoken when they change. */
function counts(view) {
  const learners = (view.learners || []).length;
  const stuck = new Set(stuckSteps(view).map((s) => s.learner.learner)).size;
  return `${plural(learners, 'learner')} · ${stuck} stuck`;
}

/**
 * Renders the class `code` into main. onSignedOut() when the server says
 * the teacher's session is gone (401 while polling). Rejects with the
 * ApiError of the first load (401: sign in; 404: no such class).
 * Returns the page title.
 */
export async function renderClassPage(main, code, { onSignedOut }) {
  const [course, first] = await Promise.all([courseSteps(), classapi.classView(code)]);
  const live = h('span', { class: 'live-counts', role: 'status' });
  const updated = h('span', { class: 'live-updated' });
  const trouble = h('p', { class: 'live-trouble', role: 'alert' });
  const panel = codeView({ course, classCode: first.code });
  const opener = (learner, lessonId, stepId, btn) => panel.show(learner, lessonId, stepId, btn, latest);
  const grid = learnerGrid({ course, onOpen: opener });
  const stuck = stuckList({ course, onOpen: opener });
  const summary = mistakeSummary({ course });
  let latest = first;
  let poller = null;
  let lastOk = '';

  /** Shows one class view everywhere on the page. */
  function show(view) {
    latest = view;
    grid.update(view);
    stuck.update(view);
    summary.update(view);
    panel.update(view);
    const words = counts(view);
    if (live.textContent !== words) live.textContent = words;
    lastOk = new Date().toLocaleTimeString();
    updated.textContent = ` · updated ${lastOk}`;
    trouble.textContent = '';
  }

  /** What a failed poll means: the session ended, the class is gone, or try again. */
  function failed(error) {
    if (error.status === 401) {
      poller.stop();
      onSignedOut('Your teacher session ended. Sign in again to go on.');
    } else if (error.status === 404) {
      poller.stop();
      trouble.textContent = 'This class no longer exists: it was deleted.';
    } else {
      trouble.textContent = `Not updated since ${lastOk}: ${error.message} Trying again every second.`;
    }
  }

  const remove = button('Delete the class', async () => {
    if (!window.confirm(`Delete the class “${first.name}” and everything recorded for it (its learners, their progress and code)? This cannot be undone.`)) return;
    try {
      await classapi.deleteClass(code);
      poller.stop();
      window.location.hash = '#/';
      announce(`The class ${first.name} is deleted.`);
    } catch (error) {
      trouble.textContent = error.detail || error.message;
    }
  }, { class: 'btn btn-danger btn-small' });

  main.replaceChildren(
    h(
      'div',
      { class: 'teach class-page' },
      h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/' }, 'Your classes'), ' / ', h('span', { 'aria-current': 'page' }, nameText(first.name))),
      h('h1', { tabindex: '-1' }, nameText(first.name, 'name-title')),
      joinInfo(first),
      h(
        'div',
        { class: 'toolbar class-tools' },
        h('a', { class: 'btn btn-secondary btn-small', href: `#/class/${encodeURIComponent(first.code)}/present` }, 'Show the code on the projector'),
        h('a', { class: 'btn btn-secondary btn-small', href: classapi.exportUrl(first.code), download: `class-${first.code}.csv` }, 'Download the records (CSV)'),
        remove,
      ),
      h('p', { class: 'live-line' }, live, updated),
      trouble,
      h('section', { class: 'grid-section', 'aria-labelledby': 'grid-title' }, h('div', { class: 'grid-head' }, h('h2', { id: 'grid-title' }, 'Progress'), lessonFilter(course, (id) => grid.showLesson(id))), legend(), grid.element),
      panel.element,
      h('section', { class: 'stuck-section', 'aria-labelledby': 'stuck-title' }, h('h2', { id: 'stuck-title' }, 'Who is stuck'), stuck.element),
      h('section', { class: 'summary-section', 'aria-labelledby': 'summary-title' }, h('h2', { id: 'summary-title' }, 'Common mistakes'), summary.element),
    ),
  );
  show(first);
  poller = poll({ load: () => classapi.classView(code), onData: show, onError: failed, alive: () => grid.element.isConnected, interval: POLL_MS, immediate: false });
  // The name isolated in the title too (FSI ... PDI), so an override in it stays inside.
  return `\u2068${first.name}\u2069`;
}
