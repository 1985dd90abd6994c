// joinpage.js: the join page, /join/{code} (the link and QR code a teacher
// shows) or /join (type the code): the learner gives a display name and
// joins; a refusal is shown in the server's own words. Already in a class,
// the page says which, and joining here moves them.
import { h } from './dom.js';
import { announce } from './announce.js';
import * as membership from './membership.js';
import { joinForm } from './joinform.js';
import { nameText } from './names.js';

/** The class code of a /join/{code} path, or null for /join. */
export function joinCode(pathname) {
  const m = /^\/join\/([^/]+)\/?$/.exec(pathname);
  return m ? decodeURIComponent(m[1]) : null;
}

/** A code from the address as a teacher shows it ("cdfhjk" -> "CDF-HJK"); others as typed, in capitals. */
export function shownCode(code) {
  const plain = code.toUpperCase().replace(/[\s-]/g, '');
  return /^[A-Z0-9]{6}$/.test(plain) ? `${plain.slice(0, 3)}-${plain.slice(3)}` : code.toUpperCase();
}

/** What the page says once the learner is in the class. */
function joinedView(m) {
  return h(
    'div',
    { class: 'join-done' },
    h('h2', { tabindex: '-1' }, 'You are in the class'),
    h('p', { class: 'class-line' }, 'In class ', nameText(m.class.name, 'name-strong'), ' as ', nameText(m.name, 'name-strong'), '. Your teacher now sees your progress in the lessons.'),
    h('p', {}, h('a', { class: 'btn btn-primary', href: '/#/' }, 'Go to the lessons')),
  );
}

/** Renders the join page for code (or null) into main; returns the page title. */
export async function renderJoin(main, code) {
  await membership.refresh().catch(() => null);
  const before = membership.current();
  const form = joinForm({
    idPrefix: 'join',
    code,
    onJoined(m) {
      form.replaceWith(joinedView(m));
      main.querySelector('.join-skip').remove();
      main.querySelector('.join-done h2').focus();
      announce(`You joined the class ${m.class.name} as ${m.name}.`);
    },
  });
  const inOther = membership.joined()
    ? h('p', { class: 'class-line note' }, 'You are in class ', nameText(before.class.name, 'name-strong'), ' as ', nameText(before.name, 'name-strong'), '. Joining here moves you to this class.')
    : null;
  main.replaceChildren(
    h(
      'div',
      { class: 'join-page' },
      h('h1', { tabindex: '-1' }, code ? ['Join the class ', h('span', { class: 'class-code' }, shownCode(code))] : 'Join a class'),
      h('p', { class: 'course-intro' }, 'Your teacher will see your progress in the lessons under the name you give here: which steps you tried and finished, your wrong guesses and errors, and your latest code.'),
      inOther,
      form,
      h('p', { class: 'join-skip' }, h('a', { href: '/#/' }, 'Go to the lessons without joining')),
    ),
  );
  return code ? `Join the class ${shownCode(code)}` : 'Join a class';
}
