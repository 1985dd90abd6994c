// teach/grid.js: the live grid of the class: one row per learner, one
// column per step (grouped by lesson), each cell the learner's state on
// that step as a glyph and in words (stuck highlighted by shape and
// border, not by colour alone). update(view) changes the cells in place, so
// keyboard focus and the scroll position survive the poll; a cell of a
// step the learner touched is a button that opens their code (onOpen).
// The grid is one stop for Tab: the arrow keys, Home and End move between
// its buttons (a roving tabindex), so a class of 30 by 60 steps is not
// 1,800 Tab presses.
import { h } from '../dom.js';
import { ago } from '../format.js';
import { nameText } from '../names.js';
import { glyphOf, isStuck, recordWords, stateOf, stepRecord } from './records.js';

/**
 * The grid for course (teach/steps.js). onOpen(learner, lessonId, stepId,
 * button) is called when a cell is pressed. Returns { element, update,
 * showLesson }.
 */
export function learnerGrid({ course, onOpen }) {
  const table = h('table', { class: 'progress-grid' });
  const wrap = h('div', { class: 'grid-wrap', role: 'region', 'aria-labelledby': 'grid-title', tabindex: '0' }, table);
  const empty = h('p', { class: 'grid-empty' }, 'No learner has joined yet. Show the join code or the QR code; learners appear here as they join.');
  const element = h('div', { class: 'grid-block' }, wrap, empty);
  const rows = new Map(); // learner number -> { tr, name, seen, cells: Map }
  let lessons = course;
  let lastView = null;
  let roving = null; // the button Tab reaches

  /** Makes btn the grid's one Tab stop. */
  function rove(btn) {
    if (roving && roving !== btn) roving.tabIndex = -1;
    roving = btn;
    btn.tabIndex = 0;
  }

  /** Keeps one Tab stop: the last one while it is in the grid, else the first button. */
  function keepRoving() {
    if (roving && table.contains(roving)) return;
    roving = null;
    const first = table.querySelector('.cell-button');
    if (first) rove(first);
  }

  /** The button the arrow key `key` leads to from btn, or null (cells without one are passed over). */
  function target(btn, key) {
    const td = btn.closest('td');
    const tr = td.parentElement;
    const body = [...tr.parentElement.rows];
    const r = body.indexOf(tr);
    const c = td.cellIndex;
    const at = (row, col) => (body[row] && body[row].cells[col] ? body[row].cells[col].querySelector('.cell-button') : null);
    const walk = (dr, dc, row = r, col = c) => {
      for (row += dr, col += dc; row >= 0 && row < body.length && col >= 1 && col < tr.cells.length; row += dr, col += dc) {
        const found = at(row, col);
        if (found) return found;
      }
      return null;
    };
    if (key === 'ArrowRight') return walk(0, 1);
    if (key === 'ArrowLeft') return walk(0, -1);
    if (key === 'ArrowDown') return walk(1, 0);
    if (key === 'ArrowUp') return walk(-1, 0);
    if (key === 'Home') return walk(0, 1, r, 0);
    if (key === 'End') return walk(0, -1, r, tr.cells.length);
    return null;
  }

  table.addEventListener('keydown', (event) => {
    const btn = event.target.closest && event.target.closest('.cell-button');
    if (!btn) return;
    const next = target(btn, event.key);
    if (!next) return;
    event.preventDefault();
    rove(next);
    next.focus();
  });
  table.addEventListener('focusin', (event) => {
    if (event.target.classList.contains('cell-button')) rove(event.target);
  });

  /** The columns shown: [{ lesson, step }] in course order. */
  const columns = () => lessons.flatMap((lesson) => lesson.steps.map((step) => ({ lesson, step })));

  /** The two header rows: lessons (spanning their steps), then step numbers. */
  function header() {
    const top = h('tr', {}, h('th', { scope: 'col', rowspan: '2', class: 'learner-col' }, 'Learner'));
    const bottom = h('tr');
    for (const lesson of lessons) {
      top.append(h('th', { scope: 'colgroup', colspan: String(lesson.steps.length || 1), class: 'lesson-col' }, h('span', { class: 'lesson-col-title', title: lesson.title }, `${lesson.number}. ${lesson.title}`)));
      for (const step of lesson.steps) {
        bottom.append(h('th', { scope: 'col', class: 'step-col', title: `Step ${step.number}: ${step.kind} (${step.id})` }, h('span', { 'aria-hidden': 'true' }, String(step.number)), h('span', { class: 'visually-hidden' }, `Step ${step.number}, ${step.kind}`)));
      }
    }
    return h('thead', {}, top, bottom);
  }

  /** Fills one cell for a record (null: not started); keeps its button when it has one. */
  function fillCell(td, learner, lesson, step, record) {
    const state = stateOf(record);
    const stuck = isStuck(record);
    const sig = `${state}|${stuck}|${record ? record.attempts : 0}|${record ? record.failures : 0}|${learner.name}`;
    if (td.dataset.sig === sig) return;
    td.dataset.sig = sig;
    td.dataset.state = state;
    td.dataset.stuck = String(stuck);
    td.className = `cell state-${state}${stuck ? ' is-stuck' : ''}`;
    const words = `${learner.name || '(no name)'}, lesson ${lesson.number} step ${step.number}: ${recordWords(record)}`;
    if (state === 'not_started') {
      td.replaceChildren(h('span', { class: 'cell-mark', 'aria-hidden': 'true' }, glyphOf(record)), h('span', { class: 'visually-hidden' }, recordWords(record)));
      return;
    }
    let btn = td.querySelector('button');
    if (!btn) {
      btn = h('button', { type: 'button', class: 'cell-button', tabindex: '-1', 'data-focus-key': `${learner.learner}/${lesson.id}/${step.id}` });
      btn.addEventListener('click', () => onOpen(learner.learner, lesson.id, step.id, btn));
      td.replaceChildren(btn);
    }
    btn.setAttribute('aria-label', `${words}. Show their code.`);
    btn.title = words;
    btn.replaceChildren(h('span', { class: 'cell-mark', 'aria-hidden': 'true' }, glyphOf(record)));
  }

  /** The row of one learner, made when first seen. */
  function rowOf(learner) {
    let row = rows.get(learner.learner);
    if (row) return row;
    const name = nameText(learner.name, 'name-cell');
    const seen = h('span', { class: 'seen' });
    const tr = h('tr', { 'data-learner': String(learner.learner) }, h('th', { scope: 'row', class: 'learner-name' }, name, seen));
    row = { tr, name, seen, cells: new Map() };
    for (const { lesson, step } of columns()) {
      const td = h('td', { 'data-lesson': lesson.id, 'data-step': step.id });
      row.cells.set(`${lesson.id}\n${step.id}`, td);
      tr.append(td);
    }
    rows.set(learner.learner, row);
    return row;
  }

  /** Changes the grid to the class view given (GET /api/classes/{code}). */
  function update(view) {
    lastView = view;
    const learners = view.learners || [];
    const body = table.tBodies[0] || table.appendChild(h('tbody'));
    const present = new Set(learners.map((l) => l.learner));
    for (const [number, row] of rows) {
      if (!present.has(number)) {
        row.tr.remove();
        rows.delete(number);
      }
    }
    learners.forEach((learner, i) => {
      const row = rowOf(learner);
      if (row.name.textContent !== (learner.name || '(no name)')) {
        row.name.textContent = learner.name || '(no name)';
        row.name.title = learner.name || '';
      }
      const seen = `seen ${ago(learner.last_seen, view.now)}`;
      if (row.seen.textContent !== seen) row.seen.textContent = seen;
      if (body.rows[i] !== row.tr) body.insertBefore(row.tr, body.rows[i] || null);
      for (const { lesson, step } of columns()) {
        fillCell(row.cells.get(`${lesson.id}\n${step.id}`), learner, lesson, step, stepRecord(learner, lesson.id, step.id));
      }
    });
    keepRoving();
    empty.hidden = learners.length > 0;
    wrap.hidden = learners.length === 0;
  }

  /** Shows the steps of one lesson (an id) or of every lesson (null); redraws. */
  function showLesson(lessonId) {
    lessons = lessonId ? course.filter((l) => l.id === lessonId) : course;
    rows.clear();
    roving = null;
    table.replaceChildren(
      h('caption', { class: 'visually-hidden' }, 'Each learner’s state on each step: ✓ done, ○ tried, ⚠ stuck, – not started. The arrow keys move between the cells a learner has touched; press one to see the learner’s code.'),
      header(),
      h('tbody'),
    );
    if (lastView) update(lastView);
  }

  showLesson(null);
  return { element, update, showLesson };
}
