// joinbox.js: the class box on the course page: "In class X as NAME" with a
// Leave button while the learner is in a class, otherwise a folded form to
// join one by its code. It asks the server (GET /api/membership) each time
// the course page is drawn; when the server cannot say, the box stays out
// of the way (hidden) and self-paced learning goes on.
import { h } from './dom.js';
import { announce } from './announce.js';
import * as membership from './membership.js';
import { joinForm } from './joinform.js';
import { nameText } from './names.js';
import { button } from './steps/common.js';

const TITLE_ID = 'class-box-title';

/** The box's content for a learner in a class. */
function joinedView(box, m) {
  const leave = button('Leave the class', async () => {
    if (!window.confirm(`Leave the class “${m.class.name}”? Your teacher will no longer see your progress, and what was recorded for you in this class is deleted.`)) return;
    try {
      await membership.leave();
      draw(box);
      announce('You left the class. Nothing more is recorded for a teacher.');
      box.querySelector('summary').focus();
    } catch (error) {
      box.querySelector('.field-error').textContent = error.message || String(error);
    }
  }, { class: 'btn btn-secondary btn-small' });
  return [
    h('h2', { id: TITLE_ID, tabindex: '-1' }, 'Your class'),
    h('p', { class: 'class-line' }, 'In class ', nameText(m.class.name, 'name-strong'), ' ', h('span', { class: 'class-code' }, `(${m.class.display || m.class.code})`), ' as ', nameText(m.name, 'name-strong'), '.'),
    h('p', { class: 'field-hint' }, 'Your teacher sees your runs, checks, finished steps and edited code in the lessons.'),
    h('div', { class: 'toolbar' }, leave),
    h('p', { class: 'field-error', role: 'alert' }),
  ];
}

/** The box's content for a learner in no class: a folded join form. */
function joinView(box) {
  const form = joinForm({
    idPrefix: 'class-box',
    onJoined(m) {
      draw(box);
      announce(`You joined the class ${m.class.name} as ${m.name}.`);
      box.querySelector('h2').focus();
    },
  });
  return [
    h(
      'details',
      { class: 'class-join' },
      h('summary', { id: TITLE_ID }, 'Join a class'),
      h('p', {}, 'If your teacher gave you a class code, join with it so they can follow your progress. Without a class nothing is recorded; your progress stays in this browser.'),
      form,
    ),
  ];
}

/** Redraws the box from the membership last seen. */
function draw(box) {
  const m = membership.current();
  box.classList.toggle('is-joined', membership.joined());
  box.replaceChildren(...(membership.joined() ? joinedView(box, m) : joinView(box)));
}

/** The class box for the course page; fills itself once the server answers. */
export function classBox() {
  const box = h('section', { class: 'class-box', 'aria-labelledby': TITLE_ID, hidden: true });
  membership.refresh().then(
    () => {
      draw(box);
      box.hidden = false;
    },
    () => {
      box.hidden = true;
    },
  );
  return box;
}
