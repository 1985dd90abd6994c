// course.js: the course page: every lesson in order with its summary and
// the learner's progress (done / started), a way back in, a reset, and the
// class box (joinbox.js: join a class, or the class the learner is in).
import { codeWords, h } from './dom.js';
import { announce } from './announce.js';
import * as api from './api.js';
import * as store from './store.js';
import { button } from './steps/common.js';
import { classBox } from './joinbox.js';

const STATE_TEXT = { done: 'Done', started: 'Started', new: 'Not started' };

/** One lesson's entry in the list. */
function lessonItem(lesson, position) {
  const p = store.lessonProgress(lesson.id, lesson.steps);
  const statusId = `lesson-${lesson.id}-status`;
  return h(
    'li',
    { class: `course-item state-${p.state}`, 'data-lesson': lesson.id },
    h('span', { class: 'course-number', 'aria-hidden': 'true' }, String(position + 1)),
    h(
      'div',
      { class: 'course-text' },
      h('h2', {}, h('a', { href: `#/lesson/${encodeURIComponent(lesson.id)}`, 'aria-describedby': statusId }, codeWords(lesson.title))),
      h('p', { class: 'course-summary' }, codeWords(lesson.summary)),
      h(
        'p',
        { class: 'course-status', id: statusId },
        h('span', { class: `badge badge-${p.state}` }, STATE_TEXT[p.state]),
        ` ${p.done} of ${lesson.steps} steps done`,
      ),
    ),
  );
}

/** Renders the course into main; returns the page title. */
export async function renderCourse(main) {
  const lessons = await api.lessons();
  const next = lessons.find((l) => store.lessonProgress(l.id, l.steps).state !== 'done');
  const anyProgress = lessons.some((l) => store.lessonProgress(l.id, l.steps).state !== 'new');
  const reset = button('Reset all progress', async () => {
    if (!window.confirm('Forget your progress and edited code in every lesson?')) return;
    store.resetAll();
    await renderCourse(main);
    announce('All progress is reset.');
    main.querySelector('h1').focus();
  }, { class: 'btn btn-secondary btn-small' });
  main.replaceChildren(
    h(
      'div',
      { class: 'course' },
      h('h1', { tabindex: '-1' }, 'Python’s ', h('code', {}, '__slots__'), ', from the inside'),
      h('p', { class: 'course-intro' }, 'Short lessons in order. Each one has examples to run, results to predict, goals to reach and memory to measure, all on a real CPython.'),
      lessons.length
        ? h('ol', { class: 'course-list' }, lessons.map(lessonItem))
        : h('p', { class: 'page-error' }, 'This course has no lessons yet.'),
      h(
        'div',
        { class: 'course-tools' },
        next
          ? h('a', { class: 'btn btn-primary', href: `#/lesson/${encodeURIComponent(next.id)}` }, anyProgress ? 'Continue: ' : 'Start: ', codeWords(next.title))
          : lessons.length ? h('p', { class: 'course-done' }, '✓ Every lesson is done. Well measured!') : null,
        anyProgress ? reset : null,
      ),
      classBox(),
    ),
  );
  return 'All lessons';
}
