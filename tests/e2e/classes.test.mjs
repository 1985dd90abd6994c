// classes.test.mjs: a class in the browser (issue 12), in real headless
// Chromium against a real lessond with its own temporary --data-dir and
// --teacher-token-file (harness.mjs; the token is read from the file the
// server made). A teacher signs in and makes a class; two learners join
// in browser contexts of their own, one with a name that is HTML, one with
// a right-to-left override; they work, and the teacher's grid, the stuck
// list, the common mistakes, a learner's code and the CSV follow without a
// reload. Screenshots in build/e2e/ (3x-*.png).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openPage, serverAndBrowser, shot, sleep } from './harness.mjs';
import { openLesson, seriousViolations, setCode, stepOf } from './pages.mjs';

const HOSTILE = '<img src=x onerror=alert(1)>';
// An override that would turn everything after it right to left, then 10 KB.
const RTL_10K = `\u202E${'evil-rtl-'.repeat(1200)}`;
// The longest name the server accepts: 40 characters (code points).
const RTL = [...RTL_10K].slice(0, 40).join('');
const CSV_HEADER = 'learner,name,joined,last_seen,lesson,step,state,stuck,attempts,failures,last,wrong_answers,exceptions,failed_checks,latest_code';
// How soon the teacher's grid must show a learner's work (it polls each second).
const LIVE_MS = 2000;

const env = serverAndBrowser();

/**
 * A fresh context and page (harness.openPage) that also records every
 * answer of 400 or more as "STATUS METHOD /path", and fails on any dialog
 * (an alert from a hostile name would be one).
 */
async function open(options = {}) {
  const { context, page } = await openPage(env.browser, env.server.url, { viewport: { width: 1280, height: 900 }, ...options });
  page.setDefaultTimeout(15000);
  page.failed = [];
  page.on('response', (r) => {
    if (r.status() >= 400) page.failed.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  page.on('dialog', (d) => {
    if (d.type() === 'confirm') return; // the scenario answers its own confirmations
    page.problems.push(`unexpected dialog: ${d.type()} ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  return { context, page };
}

/**
 * Asserts that the page had no problem but the refusals it expected
 * (`failed`, in order): the browser logs each refusal as a console error,
 * which is left out here and checked as a response instead.
 */
function assertClean(page, failed = []) {
  const problems = page.problems.filter((p) => !/Failed to load resource: the server responded with a status of [45]\d\d/.test(p));
  assert.deepEqual(problems, [], 'no console errors, page errors, dialogs or outside requests');
  assert.deepEqual(page.failed, failed, 'the refusals that were expected, no others');
}

/** Presses a step's button (by its name) and waits for the answer's panel to change. */
async function press(step, name, done) {
  await step.getByRole('button', { name, exact: true }).click();
  await step.locator(done).waitFor();
}

/** The grid row number (data-learner) of the learner shown with exactly this name. */
async function learnerNumber(page, name) {
  const rows = page.locator('.progress-grid tbody tr');
  await rows.first().waitFor();
  return page.evaluate((want) => {
    const row = [...document.querySelectorAll('.progress-grid tbody tr')].find((tr) => tr.querySelector('th bdi').textContent === want);
    return row ? row.dataset.learner : null;
  }, name);
}

/** The grid cell of learner (number) on lesson/step. */
const cellOf = (page, learner, lesson, step) =>
  page.locator(`.progress-grid tr[data-learner="${learner}"] td[data-lesson="${lesson}"][data-step="${step}"]`);

/**
 * Waits (up to 15 s) for the teacher's page to show what `selector`
 * names, and asserts it came within LIVE_MS of `since` (Date.now()).
 * Returns the milliseconds it took.
 */
async function shownLive(page, selector, since, what) {
  await page.locator(selector).first().waitFor({ timeout: 15000 });
  const took = Date.now() - since;
  assert.ok(took <= LIVE_MS, `${what} showed on the teacher's grid ${took} ms after the learner's answer (at most ${LIVE_MS} ms)`);
  return took;
}

test('a teacher makes a class; two learners with hostile names join and work; the dashboard follows live, shows their code and exports the CSV', async (t) => {
  const teacher = await open();
  const learnerA = await open();
  const learnerB = await open();
  const T = teacher.page;
  const A = learnerA.page;
  const B = learnerB.page;
  try {
    // Sign in: a wrong token is refused in words, the token from the file is taken.
    await T.goto('/teach');
    await T.getByLabel('Teacher token').waitFor();
    assert.equal(await T.title(), 'Teacher sign-in · lessond');
    assert.deepEqual(await seriousViolations(T), [], '/teach sign-in');
    await T.getByLabel('Teacher token').fill('not-the-teacher-token');
    await T.getByRole('button', { name: 'Sign in' }).click();
    await T.locator('#teacher-token-error', { hasText: 'That token is not the teacher token' }).waitFor();
    assert.equal(await T.getByLabel('Teacher token').getAttribute('aria-invalid'), 'true');
    await shot(T, '30-teach-login');
    await T.getByLabel('Teacher token').fill(env.server.token());
    await T.getByRole('button', { name: 'Sign in' }).click();
    await T.getByRole('heading', { name: 'Your classes' }).waitFor();
    assert.match(await T.locator('.classes-none').innerText(), /No classes yet/);

    // A new class opens on its join details: code, link, QR code.
    await T.getByLabel('Name of the new class').fill('Python, Tuesday 3B');
    await T.getByRole('button', { name: 'Make the class' }).click();
    await T.locator('.join-code').waitFor();
    const code = /#\/class\/([A-Z0-9]+)$/.exec(T.url())[1];
    const display = `${code.slice(0, 3)}-${code.slice(3)}`;
    assert.match(code, /^[23456789CDFHJKMNPRTWXY]{6}$/);
    assert.equal(await T.locator('.join-code [aria-hidden="true"]').innerText(), display);
    const joinUrl = `${env.server.url}/join/${code}`;
    assert.equal(await T.locator('.join-url a').innerText(), joinUrl);
    const qr = T.locator('img.qr');
    await qr.waitFor();
    assert.match(await qr.getAttribute('src'), /^data:image\/svg\+xml/);
    assert.equal(await qr.getAttribute('alt'), `QR code of the join link ${joinUrl}`);
    assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code loads under the CSP');
    assert.match(await T.locator('.grid-empty').innerText(), /No learner has joined yet/);
    await T.evaluate(() => {
      window.sameDocument = true; // gone if the page reloads
    });

    // Learner A joins on the join page with a name that is HTML.
    await A.goto(`/join/${code}`);
    await A.getByLabel('Your name').waitFor();
    assert.equal(await A.locator('h1').innerText(), `Join the class ${display}`);
    assert.deepEqual(await seriousViolations(A), [], '/join page');
    await shot(A, '35-join-page');
    await A.getByLabel('Your name').fill(HOSTILE);
    await A.getByRole('button', { name: 'Join the class' }).click();
    await A.locator('.join-done').waitFor();
    assert.deepEqual(await A.locator('.join-done bdi').allTextContents(), ['Python, Tuesday 3B', HOSTILE]);
    assert.equal(await A.locator('.join-done img').count(), 0, 'the name made no element');
    await shot(A, '35b-joined');

    // Learner B: a 10 KB name with an RTL override is refused; the longest accepted joins from the course page.
    const refused = await learnerB.context.request.post(`${env.server.url}/api/classes/${code}/join`, { data: { name: RTL_10K } });
    assert.equal(refused.status(), 400);
    assert.match((await refused.json()).error, /longer than 40 characters/);
    await B.goto('/');
    await B.locator('.class-box summary').click();
    await B.getByLabel('Class code').fill(display.toLowerCase());
    await B.getByLabel('Your name').fill(RTL);
    await B.getByRole('button', { name: 'Join the class' }).click();
    await B.getByRole('heading', { name: 'Your class' }).waitFor();
    assert.deepEqual(await B.locator('.class-box bdi').allTextContents(), ['Python, Tuesday 3B', RTL]);
    await shot(B, '36-course-class-box');

    // Both appear on the teacher's grid, as text.
    await T.locator('.progress-grid tbody tr').nth(1).waitFor();
    const a = await learnerNumber(T, HOSTILE);
    const b = await learnerNumber(T, RTL);
    assert.ok(a && b && a !== b, `both learners have a row (${a}, ${b})`);

    // A: an example that raises, then one that prints, and a wrong prediction.
    await openLesson(A, 'points');
    const defineA = stepOf(A, 'define');
    await setCode(A, defineA, 'origin = 1\norigin.z = 1');
    await press(defineA, 'Run', '.run-report[data-status="error"]');
    await setCode(A, defineA, 'print("A was here")');
    await press(defineA, 'Run', '.run-report[data-status="ok"]');
    let since = Date.now();
    const doneMs = await shownLive(T, `.progress-grid tr[data-learner="${a}"] td[data-step="define"][data-state="done"]`, since, 'A’s finished example');
    await A.locator('section[data-step="has-dict"]').getByLabel('Your prediction').fill('True');
    await press(stepOf(A, 'has-dict'), 'Check my prediction', '.verdict-wrong');

    // B: the same wrong prediction, then three failed checks on the goal: stuck.
    await openLesson(B, 'points');
    await press(stepOf(B, 'define'), 'Run', '.run-report');
    await stepOf(B, 'has-dict').getByLabel('Your prediction').fill('True');
    await press(stepOf(B, 'has-dict'), 'Check my prediction', '.verdict-wrong');
    const goalB = stepOf(B, 'slot-it');
    for (let i = 0; i < 3; i++) {
      await goalB.locator('.step-output').evaluate((el) => el.replaceChildren());
      await press(goalB, 'Check', '.verdict-wrong');
    }
    since = Date.now();
    const stuckMs = await shownLive(T, `.progress-grid tr[data-learner="${b}"] td[data-step="slot-it"][data-stuck="true"]`, since, 'B stuck on the goal');
    t.diagnostic(`the grid showed a finished step ${doneMs} ms and a stuck learner ${stuckMs} ms after the learner's answer`);
    assert.equal(await T.evaluate(() => window.sameDocument), true, 'the dashboard never reloaded');

    // The grid: states in glyphs and words, stuck by shape as well as colour.
    const stuckCell = cellOf(T, b, 'points', 'slot-it');
    assert.equal(await stuckCell.locator('.cell-mark').innerText(), '⚠');
    assert.match(await stuckCell.locator('button').getAttribute('aria-label'), /lesson 1 step 4: tried, stuck, 3 attempts, 3 failed/);
    assert.equal(await cellOf(T, a, 'points', 'define').locator('.cell-mark').innerText(), '✓');
    assert.equal(await cellOf(T, a, 'points', 'slot-it').getAttribute('data-state'), 'not_started');
    assert.equal(await cellOf(T, a, 'points', 'slot-it').locator('.cell-mark').innerText(), '–');
    assert.equal(await cellOf(T, a, 'points', 'slot-it').locator('.visually-hidden').textContent(), 'not started');
    assert.equal(await T.locator('.live-counts').innerText(), '2 learners · 1 stuck');
    // A wrong prediction is done on the learner's page but tried for the teacher: the server's verdict decides.
    assert.equal(await A.locator('section[data-step="has-dict"] .step-done').isHidden(), false, 'done on the page');
    assert.equal(await cellOf(T, a, 'points', 'has-dict').getAttribute('data-state'), 'tried');

    // Who is stuck, and the common mistakes with their counts.
    const stuckItems = T.locator('.stuck-list li');
    assert.equal(await stuckItems.count(), 1);
    assert.equal(await stuckItems.locator('bdi').textContent(), RTL);
    assert.match(await stuckItems.innerText(), /on Lesson 1 \(Points with and without slots\), step 4: goal \(3 attempts, 3 failed\)$/);
    const predict = T.locator('.mistake-step[data-step="has-dict"]');
    await predict.locator('.mistake-kind', { hasText: 'Wrong answers' }).waitFor();
    assert.match(await predict.innerText(), /Wrong answers\s+True ×2 \(2 learners\)/);
    const define = T.locator('.mistake-step[data-step="define"]');
    assert.match(await define.innerText(), /Exceptions\s+AttributeError ×1 \(1 learner\)/);
    assert.match(await T.locator('.mistake-step[data-step="slot-it"]').innerText(), /Failed checks[\s\S]*×3 \(1 learner\)/);

    // Hostile names are text: no element, no script, nothing reordered.
    assert.equal(await T.locator('.progress-grid img').count(), 0, 'no <img> in the grid');
    assert.deepEqual(await T.locator('img').evaluateAll((imgs) => imgs.map((i) => i.className)), ['qr'], 'the only image is the QR code');
    const names = await T.locator('.progress-grid tbody th bdi').allTextContents();
    assert.deepEqual(names.sort(), [HOSTILE, RTL].sort());
    const layout = await T.evaluate((num) => {
      const row = document.querySelector(`.progress-grid tr[data-learner="${num}"]`);
      const name = row.querySelector('th bdi');
      const th = row.querySelector('th').getBoundingClientRect();
      const first = row.querySelector('td').getBoundingClientRect();
      const li = document.querySelector('.stuck-list li');
      const after = [...li.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent.startsWith(' on Lesson'));
      const range = document.createRange();
      range.selectNodeContents(after);
      return {
        tag: name.tagName,
        bidi: getComputedStyle(name).unicodeBidi,
        cut: name.scrollWidth > name.clientWidth,
        thWidth: th.width,
        nameRight: th.right,
        firstCellLeft: first.left,
        buttonRight: li.querySelector('button').getBoundingClientRect().right,
        afterLeft: range.getBoundingClientRect().left,
      };
    }, b);
    assert.equal(layout.tag, 'BDI');
    assert.equal(layout.bidi, 'isolate');
    assert.ok(layout.cut, 'the long name is cut short');
    assert.ok(layout.thWidth <= 260, `the name column stays narrow (${layout.thWidth} px)`);
    assert.ok(layout.firstCellLeft >= layout.nameRight - 1, 'the cells stay to the right of the name');
    assert.ok(layout.afterLeft >= layout.buttonRight - 1, 'the text after the name in the stuck list stays after it');
    await shot(T, '32-teach-class-live');

    // One click shows A's latest code, read-only; Close gives focus back.
    await cellOf(T, a, 'points', 'define').locator('button').click();
    const view = T.locator('.learner-code');
    await view.locator('.cm-content').waitFor();
    assert.equal(await view.locator('h2 bdi').textContent(), HOSTILE);
    assert.match(await view.locator('.cm-content').innerText(), /print\("A was here"\)/);
    assert.equal(await view.locator('.cm-content').getAttribute('contenteditable'), 'false');
    assert.match(await view.locator('.code-lists').innerText(), /Latest exceptions\s+AttributeError/);
    assert.equal(await T.evaluate(() => document.activeElement.id), 'learner-code-title');
    await shot(T, '33-teach-code');
    await view.getByRole('button', { name: 'Close' }).click();
    assert.equal(await view.isVisible(), false);
    assert.equal(await T.evaluate(() => document.activeElement.closest('td').dataset.step), 'define');
    // The grid is one Tab stop; the arrow keys move between touched cells.
    const focused = () => T.evaluate(() => document.activeElement.dataset.focusKey);
    assert.equal(await T.locator('.progress-grid .cell-button[tabindex="0"]').count(), 1);
    await T.keyboard.press('ArrowRight');
    assert.equal(await focused(), `${a}/points/has-dict`);
    await T.keyboard.press('ArrowDown');
    assert.equal(await focused(), `${b}/points/has-dict`);
    await T.keyboard.press('ArrowRight');
    assert.equal(await focused(), `${b}/points/slot-it`, 'a cell without a button is passed over');
    await T.keyboard.press('Home');
    assert.equal(await focused(), `${b}/points/define`);
    assert.equal(await T.locator('.progress-grid .cell-button[tabindex="0"]').count(), 1);

    // Code edited and left without a run reaches the teacher too (kind "code").
    await setCode(B, goalB, 'class Pixel:\n    # B is thinking\n    pass');
    await B.locator('h1').click(); // focus leaves the step
    await cellOf(T, b, 'points', 'slot-it').locator('button').click();
    await view.locator('.cm-content', { hasText: '# B is thinking' }).waitFor();
    // The open panel keeps up: B edits again, the poll says code_at moved,
    // the panel fetches the new code by itself.
    await setCode(B, goalB, 'class Pixel:\n    # B thought again\n    pass');
    await B.locator('h1').click();
    await view.locator('.cm-content', { hasText: '# B thought again' }).waitFor();
    // The poll itself carries no learner's code, only that there is some.
    const isPoll = (r) => new URL(r.url()).pathname === `/api/classes/${code}` && r.request().method() === 'GET';
    const pollBody = await (await T.waitForResponse(isPoll)).text();
    for (const text of ['A was here', 'B thought again', 'B is thinking']) assert.ok(!pollBody.includes(text), `the polled view has no code (${text})`);
    assert.match(pollBody, /"has_code":\s*true/);
    await view.getByRole('button', { name: 'Close' }).click();

    // Opening a cell fetches its code: "Loading" until the answer; a failed
    // fetch says the server's sentence, and the next poll tries again.
    let release;
    const held = new Promise((resolve) => {
      release = resolve;
    });
    let fetches = 0;
    const codeRoute = `**/api/classes/${code}/code?*`;
    await T.route(codeRoute, async (route) => {
      fetches += 1;
      if (fetches > 1) return route.continue();
      await held;
      return route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: 'The class records cannot be read now.' }) });
    });
    await cellOf(T, a, 'points', 'define').locator('button').click();
    await view.locator('.code-loading', { hasText: 'Loading the code…' }).waitFor();
    assert.equal(await view.locator('.cm-content').count(), 0, 'no editor before the code came');
    release();
    await view.locator('.code-loading.is-error', { hasText: 'The code could not be loaded: The class records cannot be read now. Trying again with the next update.' }).waitFor();
    await shot(T, '33b-teach-code-failed');
    await view.locator('.cm-content', { hasText: 'A was here' }).waitFor();
    assert.equal(await view.locator('.code-loading').isVisible(), false, 'the error goes once the code came');
    await T.unroute(codeRoute);
    await view.getByRole('button', { name: 'Close' }).click();

    // The CSV: its header and a row of each learner.
    const [download] = await Promise.all([T.waitForEvent('download'), T.getByRole('link', { name: 'Download the records (CSV)' }).click()]);
    assert.equal(download.suggestedFilename(), `class-${code}.csv`);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.split('\r\n');
    assert.equal(lines[0], CSV_HEADER);
    assert.ok(lines.some((l) => l.startsWith(`${a},${HOSTILE},`) && l.includes(',points,define,done,no,')), `a row of A on define:\n${csv}`);
    assert.ok(lines.some((l) => l.startsWith(`${b},${RTL},`) && l.includes(',points,slot-it,tried,yes,')), `a row of B on the goal:\n${csv}`);

    // No serious accessibility violation on the dashboard, light and dark.
    assert.deepEqual(await seriousViolations(T), [], '/teach class page, light');
    await T.emulateMedia({ colorScheme: 'dark' });
    assert.deepEqual(await seriousViolations(T), [], '/teach class page, dark');
    await shot(T, '32b-teach-class-dark');
    await T.emulateMedia({ colorScheme: 'light' });

    // The projector view: the code as large as the screen allows.
    await T.setViewportSize({ width: 1920, height: 1080 });
    await T.getByRole('link', { name: 'Show the code on the projector' }).click();
    await T.locator('.present img.qr').waitFor();
    const sizes = await T.evaluate(() => ({
      code: parseFloat(getComputedStyle(document.querySelector('.join-code')).fontSize),
      qr: document.querySelector('.present img.qr').getBoundingClientRect().width,
      wide: document.documentElement.scrollWidth,
    }));
    assert.ok(sizes.code >= 120, `the code is projector-sized (${sizes.code} px)`);
    assert.ok(sizes.qr >= 400, `the QR code is projector-sized (${sizes.qr} px)`);
    assert.ok(sizes.wide <= 1920, 'no sideways scrolling');
    assert.equal(await T.locator('.present-count').innerText(), '2 learners joined');
    assert.deepEqual(await seriousViolations(T), [], '/teach projector view');
    await shot(T, '34-teach-projector', { fullPage: false });
    await T.setViewportSize({ width: 1280, height: 900 });
    await T.getByRole('link', { name: 'Back to the class' }).click();
    await T.locator('.progress-grid tbody tr').nth(1).waitFor();

    // A leaves from the course page: their row goes from the grid.
    await A.goto('/');
    await A.getByRole('heading', { name: 'Your class' }).waitFor();
    A.once('dialog', (d) => d.accept());
    await A.getByRole('button', { name: 'Leave the class' }).click();
    await A.locator('.class-box summary', { hasText: 'Join a class' }).waitFor();
    await T.locator(`.progress-grid tr[data-learner="${a}"]`).waitFor({ state: 'detached' });
    assert.equal(await T.locator('.progress-grid tbody tr').count(), 1);

    // Deleting the class (after a confirmation) takes B out of it too.
    T.once('dialog', (d) => d.accept());
    await T.getByRole('button', { name: 'Delete the class' }).click();
    await T.getByRole('heading', { name: 'Your classes' }).waitFor();
    assert.match(await T.locator('.classes-none').innerText(), /No classes yet/);
    assert.deepEqual(await seriousViolations(T), [], '/teach class list');
    const membership = await (await learnerB.context.request.get(`${env.server.url}/api/membership`)).json();
    assert.equal(membership.class, null);

    assertClean(T, ['401 GET /api/teach/session', '401 POST /api/teach/session', `503 GET /api/classes/${code}/code`]);
    assertClean(A);
    assertClean(B);
  } finally {
    await teacher.context.close();
    await learnerA.context.close();
    await learnerB.context.close();
  }
});

test('the join page, on the phone that read the QR code, says plainly when a code is unknown or malformed', async () => {
  const { context, page } = await open({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  try {
    await page.goto('/join/CDFHJK');
    await page.getByLabel('Your name').fill('Ada');
    await page.getByRole('button', { name: 'Join the class' }).click();
    const refusal = page.locator('.form-error');
    await refusal.filter({ hasText: /\S/ }).waitFor();
    assert.equal(await refusal.innerText(), 'There is no class with the code CDF-HJK; check it with your teacher.', 'the server’s sentence, as it is');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 360, 'no sideways scrolling on a phone');
    await shot(page, '38-join-unknown-phone');
    await page.goto('/join/CDF0I1');
    await page.getByLabel('Your name').fill('Ada');
    await page.getByRole('button', { name: 'Join the class' }).click();
    const malformed = page.locator('.form-error');
    await malformed.filter({ hasText: /\S/ }).waitFor();
    assert.match(await malformed.innerText(), /0|O|1|I|L/);
    // /join asks for the code too; a refusal about it is shown on its field.
    await page.goto('/join');
    await page.getByLabel('Class code').fill('mnp rtw');
    await page.getByLabel('Your name').fill('Ada');
    await page.getByRole('button', { name: 'Join the class' }).click();
    const codeError = page.locator('#join-code-error');
    await codeError.filter({ hasText: /\S/ }).waitFor();
    assert.equal(await codeError.innerText(), 'There is no class with the code MNP-RTW; check it with your teacher.');
    assert.equal(await page.getByLabel('Class code').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'join-code');
    assertClean(page, ['404 POST /api/classes/CDFHJK/join', '400 POST /api/classes/CDF0I1/join', '404 POST /api/classes/mnp%20rtw/join']);
  } finally {
    await context.close();
  }
});

test('a learner sees "not being saved" calmly when the server cannot record, until it records again', async () => {
  // The class is made with the Bearer token, as a script would.
  const auth = { Authorization: `Bearer ${env.server.token()}` };
  const { context, page } = await open();
  try {
    const made = await context.request.post(`${env.server.url}/api/classes`, { headers: auth, data: { name: 'Offline drill' } });
    assert.equal(made.status(), 201);
    const { code } = await made.json();
    await page.goto(`/join/${code}`);
    await page.getByLabel('Your name').fill('Grace');
    await page.getByRole('button', { name: 'Join the class' }).click();
    await page.locator('.join-done').waitFor();
    await openLesson(page, 'points');
    const notice = page.locator('#save-notice');
    assert.equal(await notice.getAttribute('role'), 'status');
    assert.equal(await notice.isVisible(), false);

    // The real answers (the run's, and the page's "done" that follows it),
    // as a server with a full disk gives them.
    const real = [];
    const recorded = (url) => /^\/api\/(run|progress)$/.test(url.pathname);
    await page.route(recorded, async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      real.push(body.progress);
      body.progress = 'not_saved';
      body.progress_reason = 'the class records cannot be written (disk full)';
      await route.fulfill({ response, body: JSON.stringify(body) });
    });
    const step = stepOf(page, 'define');
    await press(step, 'Run', '.run-report');
    await notice.filter({ hasText: 'Your progress is not being saved right now.' }).waitFor();
    // The done mark is sent once the run has answered: its answer may come after the notice.
    for (let waited = 0; real.length < 2 && waited < 10000; waited += 50) await sleep(50);
    assert.deepEqual(real, ['queued', 'saved'], 'the real answers: the run queued, the done mark saved');
    assert.equal(await step.locator('.run-headline').innerText(), 'Ran without errors', 'the run itself still answers');
    await shot(page, '37-not-saved', { fullPage: false });

    await page.unroute(recorded);
    await step.locator('.step-output').evaluate((el) => el.replaceChildren());
    await press(step, 'Run', '.run-report');
    await page.waitForFunction(() => document.getElementById('save-notice').textContent === '');
    assert.equal(await notice.isVisible(), false, 'a queued answer takes the notice away');
    await context.request.delete(`${env.server.url}/api/classes/${code}`, { headers: auth });
    assertClean(page);
  } finally {
    await context.close();
  }
});

test('teacher sign-in: too many wrong tokens are told with how long to wait', async () => {
  const { context, page } = await open();
  try {
    // The server's own throttle counts by address, and every context here is 127.0.0.1: answer for it.
    await page.route('**/api/teach/session', (route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      return route.fulfill({ status: 429, headers: { 'Retry-After': '42', 'Content-Type': 'application/json' }, body: '{"error": "too many wrong teacher tokens from here; wait a minute"}' });
    });
    await page.goto('/teach');
    await page.getByLabel('Teacher token').fill('guess');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#teacher-token-error', { hasText: 'Too many wrong tokens from this computer. Wait 42 s, then try again' }).waitFor();
    assertClean(page, ['401 GET /api/teach/session', '429 POST /api/teach/session']);
  } finally {
    await context.close();
  }
});
