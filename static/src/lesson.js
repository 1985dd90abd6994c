// lesson.js: a lesson page: its header and progress, the intro, every step
// in order, the closing prose (its version-specific blocks for the chosen
// Python: pythonprose.js), and links to the lessons around it.
import { codeWords, h, prose } from './dom.js';
import { announce } from './announce.js';
import * as api from './api.js';
import * as pythons from './pythons.js';
import { applyPythonProse } from './pythonprose.js';
import * as store from './store.js';
import { exampleStep } from './steps/example.js';
import { predictStep } from './steps/predict.js';
import { goalStep } from './steps/goal.js';
import { experimentStep } from './steps/experiment.js';
import { button } from './steps/common.js';

const BUILDERS = { example: exampleStep, predict: predictStep, goal: goalStep, experiment: experimentStep };

/** Drops the trailing newline of each code block, so editors end on code. */
function tidy(lesson) {
  const trim = (code) => String(code || '').replace(/\s+$/, '');
  for (const step of lesson.steps) {
    step.code = trim(step.code);
    for (const variant of step.variants || []) variant.code = trim(variant.code);
  }
}

/** "2 of 5 steps done" with a <progress> bar. */
function progressView(lessonId, steps) {
  const p = store.lessonProgress(lessonId, steps.length, steps.map((s) => s.id));
  const label = p.state === 'done' ? 'Lesson done: every step finished.' : `${p.done} of ${steps.length} steps done`;
  return h(
    'div',
    { class: `lesson-progress state-${p.state}` },
    h('progress', { max: String(steps.length), value: String(p.done), 'aria-label': 'Steps done in this lesson' }),
    h('span', { class: 'progress-text' }, label),
  );
}

/** The links to the previous and next lessons in the course. */
function neighbours(index, position) {
  const prev = index[position - 1];
  const next = index[position + 1];
  return h(
    'nav',
    { class: 'lesson-nav', 'aria-label': 'Lessons before and after' },
    prev ? h('a', { class: 'prev', href: `#/lesson/${encodeURIComponent(prev.id)}` }, '← ', codeWords(prev.title)) : h('span'),
    next ? h('a', { class: 'next', href: `#/lesson/${encodeURIComponent(next.id)}` }, codeWords(next.title), ' →') : h('a', { class: 'next', href: '#/' }, 'Back to all lessons'),
  );
}

/**
 * Renders lesson `id` into main. Returns the page title. Steps that the
 * lesson declares but the UI does not know are shown as plain code.
 */
export async function renderLesson(main, id) {
  const [lesson, index] = await Promise.all([api.lesson(id), api.lessons().catch(() => []), pythons.ready()]);
  tidy(lesson);
  store.markVisited(lesson.id);
  const position = index.findIndex((l) => l.id === lesson.id);
  const title = (other) => (index.find((l) => l.id === other) || { title: other }).title;
  let progress = progressView(lesson.id, lesson.steps);
  const ctx = {
    lesson,
    /** Code the run of step i sees: the earlier steps' code, then current. */
    sourcesBefore: (i, current) => [...lesson.steps.slice(0, i).map((s) => s.code), current],
    /** Refreshes the progress bar after a step is done. */
    onProgress() {
      const fresh = progressView(lesson.id, lesson.steps);
      progress.replaceWith(fresh);
      progress = fresh;
      if (fresh.classList.contains('state-done')) announce('Lesson done: every step finished.');
    },
  };
  const reset = button('Reset this lesson', async () => {
    if (!window.confirm(`Reset “${lesson.title}”? Your answers, progress and edited code in this lesson will be forgotten.`)) return;
    store.resetLesson(lesson.id);
    await renderLesson(main, id);
    announce('The lesson is reset.');
    main.querySelector('h1').focus();
  }, { class: 'btn btn-secondary btn-small' });
  const steps = lesson.steps.map((step, i) => {
    const build = BUILDERS[step.kind];
    return build ? build(ctx, step, i) : h('pre', {}, h('code', {}, step.code));
  });
  main.replaceChildren(
    h(
      'article',
      { class: 'lesson' },
      h(
        'header',
        { class: 'lesson-header' },
        h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/' }, 'All lessons'), ' / ', h('span', { 'aria-current': 'page' }, position >= 0 ? `Lesson ${position + 1}` : 'Lesson')),
        h('h1', { tabindex: '-1' }, codeWords(lesson.title)),
        h('p', { class: 'lesson-summary' }, codeWords(lesson.summary)),
        lesson.builds_on && lesson.builds_on.length
          ? h('p', { class: 'builds-on' }, 'Builds on: ', lesson.builds_on.map((b, i) => [i ? ', ' : '', h('a', { href: `#/lesson/${encodeURIComponent(b)}` }, codeWords(title(b)))]))
          : null,
        h('div', { class: 'lesson-tools' }, progress, reset),
      ),
      prose(lesson.html, 'intro', lesson.title),
      steps,
      prose(lesson.outro_html, 'outro', lesson.title),
      neighbours(index, position),
    ),
  );
  applyPythonProse(main);
  return lesson.title;
}
