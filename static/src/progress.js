// progress.js: what only the page knows about a learner's work, sent to
// their class (POST /api/progress) while they are in one: a step marked
// done (once per step and page visit), and the code they edited, sent when
// they leave the step or the page goes away: never per key. Runs and
// checks the server records by itself, with their code, so code that a
// recorded run or check carried is not sent again (carriedBy). Not in a
// class: nothing is sent. A send that fails counts as "not saved"
// (api.noteProgress), and is tried again at the next chance (code) or the
// next visit (done).
import { noteProgress } from './api.js';
import * as classapi from './classapi.js';
import * as membership from './membership.js';

const doneSent = new Set(); // "<class>\n<lesson>\n<step>"
const edited = new Map(); // "<lesson>\n<step>" -> { lesson, step, code }
const codeSent = new Map(); // "<class>\n<lesson>\n<step>" -> code

const stepKey = (lesson, step) => `${lesson}\n${step}`;

/** Tells the notice about a send that failed; a refusal (4xx) is not a storage problem. */
function failed(error) {
  if (!error || !error.status || error.status >= 500) noteProgress('not_saved', null);
}

/** Sends kind "done" for a step, once per class and page visit (after the membership is known). */
export function stepDone(lesson, step) {
  membership.ready().then(() => {
    if (!membership.joined()) return;
    const key = `${membership.current().class.code}\n${stepKey(lesson, step)}`;
    if (doneSent.has(key)) return;
    doneSent.add(key);
    classapi.progress(lesson, step, 'done').catch((error) => {
      doneSent.delete(key);
      failed(error);
    });
  });
}

/** Notes the step's edited code (no request: see sendCode). */
export function codeEdited(lesson, step, code) {
  edited.set(stepKey(lesson, step), { lesson, step, code });
}

/**
 * Sends the step's edited code when it changed since it was last sent to
 * this class. keepalive: the page is going away. Returns nothing.
 */
export function sendCode(lesson, step, { keepalive = false } = {}) {
  const entry = edited.get(stepKey(lesson, step));
  if (!entry || !membership.joined()) return;
  const key = `${membership.current().class.code}\n${stepKey(lesson, step)}`;
  if (codeSent.get(key) === entry.code) return;
  codeSent.set(key, entry.code);
  classapi.progress(lesson, step, 'code', entry.code, { keepalive }).catch((error) => {
    if (codeSent.get(key) === entry.code) codeSent.delete(key);
    failed(error);
  });
}

/**
 * For a run or check of a step about to be sent (it carries the editor's
 * code): returns answered(answer), which counts that code as sent when the
 * answer says it was recorded ("queued" or "saved").
 */
export function carriedBy(lesson, step) {
  const entry = edited.get(stepKey(lesson, step));
  const code = entry && entry.code;
  return (answer) => {
    if (code === undefined || !membership.joined() || !answer) return;
    if (answer.progress !== 'queued' && answer.progress !== 'saved') return;
    codeSent.set(`${membership.current().class.code}\n${stepKey(lesson, step)}`, code);
  };
}

/** Sends every step's edited code that was not sent yet. */
export function sendAllCode(options) {
  for (const { lesson, step } of edited.values()) sendCode(lesson, step, options);
}

/** Sends what is left when the learner leaves the page or hides it. */
export function sendOnLeave() {
  window.addEventListener('pagehide', () => sendAllCode({ keepalive: true }));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') sendAllCode({ keepalive: true });
  });
  window.addEventListener('hashchange', () => sendAllCode());
}
