// ui.test.mjs: the browser UI in real headless Chromium against a real
// lessond serving static/ and the fixture lessons in tests/e2e/lessons.
// Each scenario opens a fresh browser context (empty localStorage) and
// saves screenshots of its states in build/e2e/ (see harness.mjs).
// Run: make e2e (or npm run e2e after make).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, serverAndBrowser, shot, sleep } from './harness.mjs';
import { editorText, inkedPixels, openLesson, seriousViolations, setCode, stepOf } from './pages.mjs';

const env = serverAndBrowser();

/** Opens a page in a fresh context; `fn(page, context)` runs the scenario. */
async function scenario(options, fn) {
  const { context, page } = await openPage(env.browser, env.server.url, options);
  page.setDefaultTimeout(15000);
  try {
    await fn(page, context);
    assert.deepEqual(page.problems, [], 'no console errors, page errors or outside requests');
  } finally {
    await context.close();
  }
}

test('the course page lists the lessons in order with their summaries and progress', async () => {
  await scenario({}, async (page) => {
    await page.goto('/');
    const items = page.locator('.course-list > li');
    await items.first().waitFor();
    assert.equal(await items.count(), 2);
    assert.deepEqual(await page.locator('.course-list h2').allInnerTexts(), [
      'Points with and without slots',
      'Weak references and base classes',
    ]);
    assert.match(await items.nth(0).innerText(), /A fixture lesson for the integration tests\./);
    assert.match(await items.nth(0).locator('.course-status').innerText(), /Not started\s+0 of 5 steps done/);
    assert.equal(await page.title(), 'All lessons · lessond');
    await shot(page, '01-course');
  });
});

test('a lesson shows its prose and its steps in order', async () => {
  await scenario({}, async (page) => {
    await page.goto('/');
    await page.getByRole('link', { name: 'Points with and without slots', exact: true }).click();
    await page.locator('section.step').first().waitFor();
    assert.equal(await page.locator('h1').innerText(), 'Points with and without slots');
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1', 'focus moves to the new page');
    assert.match(await page.locator('.prose.intro').innerText(), /Intro prose with bold text\./);
    assert.deepEqual(
      await page.locator('section.step').evaluateAll((els) => els.map((e) => e.dataset.step)),
      ['define', 'has-dict', 'assign-z', 'slot-it', 'scale'],
    );
    assert.match(await stepOf(page, 'has-dict').locator('.prose').innerText(), /Some prose before the prediction\./);
    assert.match(await page.locator('.prose.outro').innerText(), /Outro prose\./);
    assert.match(await editorText(stepOf(page, 'define')), /__slots__ = \("x", "y"\)/);
    await shot(page, '02-lesson');
  });
});

test('running an example shows its result, objects and memory; an error is explained on its line', async () => {
  await scenario({}, async (page) => {
    await openLesson(page, 'points');
    const step = stepOf(page, 'define');
    await step.getByRole('button', { name: 'Run', exact: true }).click();
    const report = step.locator('.run-report');
    await report.waitFor();
    assert.match(await report.locator('.run-headline').innerText(), /Ran without errors/);
    const card = report.locator('.object-card').first();
    assert.match(await card.locator('.object-title').innerText(), /origin\s*:\s*Point/);
    assert.equal(await card.locator('.fact-dict').innerText(), 'none');
    assert.equal(await card.locator('.fact-slots').innerText(), 'x, y');
    assert.equal(await card.locator('.fact-weakref').innerText(), 'not allowed');
    assert.match(await card.locator('.fact-size').innerText(), /^\d+ bytes$/);
    assert.match(await report.locator('.memory').innerText(), /Peak memory: [\d.]+ (bytes|KiB)/);
    await page.locator('#announcer', { hasText: /Ran without errors/ }).waitFor();
    await shot(step, '03-example-result');

    // A result value, printed output, then an AttributeError on line 8 (Ctrl+Enter runs).
    const code = [
      'class Point:',
      '    __slots__ = ("x", "y")',
      '    def __init__(self, x, y):',
      '        self.x = x',
      '        self.y = y',
      'origin = Point(0, 0)',
      'print("made", origin.x)',
      'origin.z = 1',
    ].join('\n');
    await setCode(page, step, code);
    await page.keyboard.press('Control+Enter');
    await step.locator('.run-report[data-status="error"]').waitFor();
    assert.equal(await report.locator('.run-headline').innerText(), 'AttributeError on line 8');
    assert.equal(await report.locator('.stdout pre').innerText(), 'made 0\n');
    const note = await report.locator('.explain.subject').innerText();
    assert.match(note, /Point declares __slots__ = \('x', 'y'\)/);
    assert.match(note, /room for x and y only/);
    assert.match(note, /add 'z' to __slots__/);
    const errorLines = step.locator('.cm-line.cm-error-line');
    assert.equal(await errorLines.count(), 1);
    assert.equal(await errorLines.innerText(), 'origin.z = 1');
    await shot(step, '04-example-error');

    await setCode(page, step, 'x = [1, 2]\nx * 2');
    await step.getByRole('button', { name: 'Run', exact: true }).click();
    await step.locator('.result-value').waitFor();
    assert.equal(await step.locator('.result-value pre').innerText(), '[1, 2, 1, 2]');
    assert.match(await step.locator('.result-type').innerText(), /list/);
    assert.equal(await step.locator('.cm-error-line').count(), 0, 'the error mark goes with the error');
  });
});

test('a prediction can be wrong, then right, with the real result', async () => {
  await scenario({}, async (page) => {
    await openLesson(page, 'points');
    const step = stepOf(page, 'has-dict');
    const input = step.getByLabel('Your prediction');
    await input.fill('True');
    await step.getByRole('button', { name: 'Check my prediction' }).click();
    await step.locator('.verdict').waitFor();
    assert.match(await step.locator('.verdict-headline').innerText(), /Not quite\./);
    assert.match(await step.locator('.verdict').innerText(), /It evaluates to False/);
    assert.match(await step.locator('.verdict').innerText(), /Slotted instances have no __dict__\./);
    assert.equal(await step.locator('.step-done').isVisible(), true);
    await shot(step, '05-predict-wrong');

    await input.fill('False');
    await input.press('Enter');
    await step.locator('.verdict-right').waitFor();
    assert.match(await step.locator('.verdict-headline').innerText(), /Right!/);
    await page.locator('#announcer', { hasText: /Right!/ }).waitFor();

    const raising = stepOf(page, 'assign-z');
    await raising.getByLabel('Your prediction').fill('AttributeError');
    await raising.getByRole('button', { name: 'Check my prediction' }).click();
    await raising.locator('.verdict-right').waitFor();
    assert.match(await raising.locator('.verdict').innerText(), /AttributeError/);
    await shot(raising, '06-predict-right');
  });
});

test('a goal fails and says which check failed, shows hints one at a time, the solution, then passes', async () => {
  await scenario({}, async (page) => {
    await openLesson(page, 'points');
    const step = stepOf(page, 'slot-it');
    await step.getByRole('button', { name: 'Check', exact: true }).click();
    await step.locator('.verdict-wrong').waitFor();
    assert.deepEqual(await step.locator('.checks li').allInnerTexts(), [
      '✗ Failed: Pixel instances have no __dict__',
      '✗ Failed: assigning p.z raises AttributeError',
    ]);
    assert.equal(await step.locator('.step-done').isVisible(), false);
    assert.equal(await step.locator('.hint').count(), 0);
    await step.getByRole('button', { name: 'Show a hint (2 left)' }).click();
    assert.deepEqual(await step.locator('.hint').allInnerTexts(), ['Declare __slots__ in the class body.']);
    assert.equal(await step.getByRole('button', { name: 'Show the solution' }).isVisible(), false);
    await shot(step, '07-goal-failed-hint');
    await step.getByRole('button', { name: 'Show a hint (1 left)' }).click();
    assert.equal(await step.locator('.hint').count(), 2);
    await step.getByRole('button', { name: 'Show the solution' }).click();
    await step.locator('.solution .cm-content').waitFor();
    assert.match(await editorText(step.locator('.solution')), /__slots__ = \("x", "y"\)/);

    // The learner writes it themselves.
    await setCode(page, step.locator('.editor-host').first(), [
      'class Pixel:',
      '    __slots__ = ("x", "y")',
      '    def __init__(self, x, y):',
      '        self.x = x',
      '        self.y = y',
    ].join('\n'));
    await step.getByRole('button', { name: 'Check', exact: true }).click();
    await step.locator('.verdict-right').waitFor();
    assert.deepEqual(await step.locator('.checks li').allInnerTexts(), [
      '✓ Passed: Pixel instances have no __dict__',
      '✓ Passed: assigning p.z raises AttributeError',
    ]);
    assert.equal(await step.locator('.step-done').isVisible(), true);
    await page.locator('#announcer', { hasText: /Goal reached! 2 of 2 checks passed/ }).waitFor();
    await shot(step, '08-goal-passed');
  });
});

test('an experiment draws a chart of peak memory against N, with the numbers as a table', async () => {
  await scenario({}, async (page) => {
    await openLesson(page, 'points');
    const step = stepOf(page, 'scale');
    await step.getByRole('button', { name: 'Measure', exact: true }).click();
    const canvas = step.locator('figure.chart canvas');
    await canvas.waitFor();
    // The chart really drew: count the coloured pixels of the two lines.
    const inked = await inkedPixels(canvas);
    assert.ok(inked > 500, `the chart has drawn lines (${inked} coloured pixels)`);
    assert.deepEqual(await step.locator('table.numbers thead th').allInnerTexts(), ['N', 'plain', 'slots']);
    const rows = await step.locator('table.numbers tbody tr').allInnerTexts();
    assert.equal(rows.length, 2);
    assert.match(rows[0], /^100\s+[\d.]+ KiB\s+[\d,]+ bytes\s+[\d.]+ KiB\s+[\d,]+ bytes\s+\d+% of plain$/);
    assert.match(rows[1], /^1,000\s/);
    assert.match(await step.locator('.experiment-message').innerText(), /Measured 2 variants at 2 sizes/);
    await shot(step, '09-experiment-chart');
  });
});

test('progress and edited code survive a reload, and a lesson can be reset', async () => {
  await scenario({}, async (page) => {
    await openLesson(page, 'points');
    const step = stepOf(page, 'define');
    await setCode(page, step, 'origin = 42\norigin');
    await step.getByRole('button', { name: 'Run', exact: true }).click();
    await step.locator('.run-report').waitFor();
    await stepOf(page, 'has-dict').getByLabel('Your prediction').fill('False');
    await stepOf(page, 'has-dict').getByRole('button', { name: 'Check my prediction' }).click();
    await stepOf(page, 'has-dict').locator('.verdict-right').waitFor();
    await page.waitForTimeout(400); // the editor saves 250 ms after the last key
    await page.reload();
    await page.locator('section.step').first().waitFor();
    assert.equal(await editorText(stepOf(page, 'define')), 'origin = 42\norigin');
    assert.equal(await stepOf(page, 'define').locator('.step-done').isVisible(), true);
    assert.equal(await stepOf(page, 'has-dict').getByLabel('Your prediction').inputValue(), 'False');
    assert.match(await stepOf(page, 'has-dict').locator('.verdict').innerText(), /Right!/);
    assert.match(await page.locator('.progress-text').innerText(), /2 of 5 steps done/);
    await shot(page, '10-reloaded');

    await page.goto('/');
    await page.locator('.course-list').waitFor();
    assert.match(await page.locator('[data-lesson="points"] .course-status').innerText(), /Started\s+2 of 5 steps done/);
    assert.match(await page.locator('[data-lesson="bases"] .course-status').innerText(), /Not started/);
    await shot(page, '11-course-progress');

    await openLesson(page, 'points');
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Reset this lesson' }).click();
    await page.locator('.progress-text', { hasText: '0 of 5 steps done' }).waitFor();
    assert.match(await editorText(stepOf(page, 'define')), /^class Point:/);
    await page.reload();
    await page.locator('section.step').first().waitFor();
    assert.match(await editorText(stepOf(page, 'define')), /^class Point:/);
    assert.equal(await stepOf(page, 'define').locator('.step-done').isVisible(), false);
  });
});

test('a snippet that runs too long shows that it is running, then explains the timeout; output and memory limits too', async () => {
  await scenario({}, async (page) => {
    await openLesson(page, 'points');
    const step = stepOf(page, 'define');
    await setCode(page, step, 'while True:\n    pass');
    const run = step.getByRole('button', { name: 'Run', exact: true });
    await run.click();
    const busy = step.locator('.busy-line');
    await busy.waitFor({ state: 'visible', timeout: 1000 });
    assert.equal(await busy.innerText(), 'Running…');
    assert.equal(await run.getAttribute('aria-disabled'), 'true');
    await shot(step, '12-running');
    const report = step.locator('.run-report[data-status="timeout"]');
    await report.waitFor({ timeout: 20000 });
    assert.match(await report.locator('.run-headline').innerText(), /Stopped: it ran too long/);
    assert.match(await report.innerText(), /CPU time/);
    assert.match(await report.innerText(), /loop that never ends/);
    assert.equal(await busy.isVisible(), false);
    assert.equal(await run.getAttribute('aria-disabled'), null);
    await shot(step, '13-timeout');

    await setCode(page, step, 'print("x" * 100000)');
    await run.click();
    await step.locator('.run-report[data-status="output_limit"]').waitFor();
    assert.match(await step.locator('.run-headline').innerText(), /Stopped: it printed too much/);
    assert.match(await step.locator('.run-report').innerText(), /The output was cut off/);

    await setCode(page, step, 'block = bytearray(10 ** 9)');
    await run.click();
    await step.locator('.run-report[data-status="memory_limit"]').waitFor();
    assert.match(await step.locator('.run-headline').innerText(), /Stopped: it needed too much memory/);
    assert.match(await step.locator('.tips').innerText(), /Keep fewer objects alive/);
    await shot(step, '13b-memory-limit');
  });
});

/**
 * Answers every run with `status` (and Retry-After: 0), presses Run, and
 * checks the two retries and the panel's words; returns the step for a shot.
 */
async function refusedRun(page, status, error, texts) {
  let calls = 0;
  await page.route('**/api/run', (route) => {
    calls += 1;
    return route.fulfill({
      status,
      headers: { 'Retry-After': '0', 'Content-Type': 'application/json' },
      body: JSON.stringify({ error }),
    });
  });
  await openLesson(page, 'points');
  const step = stepOf(page, 'define');
  await step.getByRole('button', { name: 'Run', exact: true }).click();
  const report = step.locator('.run-report[data-status="api-busy"]');
  await report.waitFor();
  assert.equal(calls, 3, `two retries after the first ${status}`);
  for (const text of texts) assert.match(await report.innerText(), text);
  page.problems = page.problems.filter((p) => !p.includes(String(status))); // the browser logs them
  return step;
}

test('a busy server (503) is retried, then explained in plain words', async () => {
  await scenario({}, async (page) => {
    const step = await refusedRun(page, 503, 'every runner is busy and the queue is full; try again in a moment', [
      /The server is busy/,
      /Wait a few seconds/,
    ]);
    await shot(step, '14-busy');
  });
});

test("a learner over their share of runs (429) is retried, then told to wait for their runs", async () => {
  await scenario({}, async (page) => {
    const step = await refusedRun(page, 429, 'you have too many runs waiting; try again when they have finished', [
      /Your earlier runs come first/,
      /You already have runs waiting/,
    ]);
    await shot(step, '14b-your-runs-first');
  });
});

test('errors about slots are explained from the run: weak references, a base without __slots__, lay-out and class-variable clashes', async () => {
  await scenario({}, async (page) => {
    await openLesson(page, 'bases');
    const weak = stepOf(page, 'weakref');
    await weak.getByRole('button', { name: 'Run', exact: true }).click();
    await weak.locator('.run-report').waitFor();
    assert.match(await weak.locator('.run-headline').innerText(), /Raised TypeError on line 2, as expected/);
    assert.match(await weak.locator('.explain.subject').innerText(), /Add '__weakref__' to __slots__/);

    const base = stepOf(page, 'base');
    await base.getByRole('button', { name: 'Run', exact: true }).click();
    await base.locator('.run-report').waitFor();
    const card = base.locator('.object-card[data-type="Child"]').first();
    assert.match(await card.locator('.fact-dict').innerText(), /yes/);
    assert.match(await card.locator('.object-note').innerText(), /the base class Base declares no __slots__/);
    await shot(base, '15-explained-base');

    const slim = stepOf(page, 'slim');
    await setCode(page, slim, 'class A:\n    __slots__ = ("x",)\nclass B:\n    __slots__ = ("y",)\nclass C(A, B):\n    pass');
    await slim.getByRole('button', { name: 'Run', exact: true }).click();
    await slim.locator('.run-report[data-status="error"]').waitFor();
    assert.match(await slim.locator('.explain.subject').innerText(), /Lay-out conflict: two of the base classes each declare non-empty __slots__/);
    assert.equal(await slim.locator('.cm-error-line').innerText(), 'class C(A, B):');

    await setCode(page, slim, 'class P:\n    __slots__ = ("x",)\n    x = 0');
    await slim.getByRole('button', { name: 'Run', exact: true }).click();
    await slim.locator('.explain.subject', { hasText: 'class variable' }).waitFor();
    assert.match(await slim.locator('.explain.subject').innerText(), /x is both in __slots__ and assigned in the class body/);
    await shot(slim, '16-explained-clash');
  });
});

test('the keyboard alone opens a lesson, runs an example and reaches the result', async () => {
  await scenario({}, async (page) => {
    await page.goto('/');
    await page.locator('.course-list').waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to the content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Points with and without slots');
    await page.keyboard.press('Enter');
    await page.locator('section.step').first().waitFor();
    // Tab to the first editor, then Ctrl+Enter runs it.
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement.classList.contains('cm-content'))) break;
    }
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Code of step 1, an example');
    await page.keyboard.press('Control+Enter');
    await stepOf(page, 'define').locator('.run-report').waitFor();
    // Escape, then Tab leaves the editor for the Run button.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Run');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'focus is visible');
    await page.keyboard.press('Enter');
    await page.locator('#announcer', { hasText: 'Ran without errors' }).waitFor();
    await shot(stepOf(page, 'define'), '17-keyboard');
  });
});

test('accessibility: axe-core finds no serious or critical violation on the course and lesson pages', async () => {
  for (const colorScheme of ['light', 'dark']) {
    await scenario({ colorScheme }, async (page) => {
      await page.goto('/');
      await page.locator('.course-list').waitFor();
      assert.deepEqual(await seriousViolations(page), [], `course page, ${colorScheme}`);

      await openLesson(page, 'points');
      // Fill the page with what a learner sees: results, verdicts, a hint, a chart.
      await stepOf(page, 'define').getByRole('button', { name: 'Run', exact: true }).click();
      await stepOf(page, 'define').locator('.run-report').waitFor();
      await stepOf(page, 'has-dict').getByLabel('Your prediction').fill('True');
      await stepOf(page, 'has-dict').getByRole('button', { name: 'Check my prediction' }).click();
      await stepOf(page, 'has-dict').locator('.verdict').waitFor();
      await stepOf(page, 'slot-it').getByRole('button', { name: 'Check', exact: true }).click();
      await stepOf(page, 'slot-it').locator('.verdict').waitFor();
      await stepOf(page, 'slot-it').getByRole('button', { name: /Show a hint/ }).click();
      await stepOf(page, 'scale').getByRole('button', { name: 'Measure', exact: true }).click();
      await stepOf(page, 'scale').locator('canvas').waitFor();
      assert.deepEqual(await seriousViolations(page), [], `lesson page, ${colorScheme}`);
    });
  }
});

test('dark mode follows the system, a 360 px phone shows the lesson without sideways scrolling and with keyboard access to scrolled code, a projector gets bigger text', async () => {
  await scenario({ colorScheme: 'dark' }, async (page) => {
    await page.goto('/');
    await page.locator('.course-list').waitFor();
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g).map(Number);
    assert.ok(r + g + b < 120, `dark background (${bg})`);
    await shot(page, '18-dark-course');
    await openLesson(page, 'points');
    await stepOf(page, 'define').getByRole('button', { name: 'Run', exact: true }).click();
    await stepOf(page, 'define').locator('.run-report').waitFor();
    await stepOf(page, 'scale').getByRole('button', { name: 'Measure', exact: true }).click();
    await stepOf(page, 'scale').locator('canvas').waitFor();
    await shot(page, '19-dark-lesson');
  });
  await scenario({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true }, async (page) => {
    await page.goto('/');
    await page.locator('.course-list').waitFor();
    await shot(page, '20-phone-course');
    await openLesson(page, 'points');
    await stepOf(page, 'define').getByRole('button', { name: 'Run', exact: true }).click();
    await stepOf(page, 'define').locator('.run-report').waitFor();
    await stepOf(page, 'has-dict').getByLabel('Your prediction').fill('True');
    await stepOf(page, 'has-dict').getByRole('button', { name: 'Check my prediction' }).click();
    await stepOf(page, 'has-dict').locator('.verdict').waitFor();
    await stepOf(page, 'scale').getByRole('button', { name: 'Measure', exact: true }).click();
    await stepOf(page, 'scale').locator('canvas').waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `no sideways scrolling (page is ${width} px wide)`);
    // Code wider than the phone scrolls inside its editor: each such region
    // must be reachable from the keyboard, read-only code views included.
    assert.deepEqual(await seriousViolations(page), [], 'lesson page on a 360 px phone');
    await shot(page, '21-phone-lesson');
  });
  await scenario({ viewport: { width: 1920, height: 1080 } }, async (page) => {
    await openLesson(page, 'points');
    const size = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    assert.ok(size >= 18, `text grows on a projector (${size} px)`);
    await shot(page, '22-projector-lesson', { fullPage: false });
  });
});

test('the bundle arrives compressed under content-hashed names; a reload asks only for the page, the bundle comes from the cache', async () => {
  // A context of its own without routes: Playwright turns the HTTP cache
  // off in a context with routes (openPage's). The server's own CSP applies.
  const context = await env.browser.newContext({ baseURL: env.server.url });
  try {
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
    const bundle = [];
    page.on('response', (r) => new URL(r.url()).pathname.startsWith('/dist/') && bundle.push(r));
    await page.goto('/');
    await page.locator('.course-list > li').first().waitFor();
    assert.deepEqual(bundle.map((r) => new URL(r.url()).pathname.replace(/.*\./, '')).sort(), ['css', 'js']);
    for (const r of bundle) {
      assert.match(new URL(r.url()).pathname, /^\/dist\/app-[0-9a-f]{8}\.(js|css)$/);
      assert.equal(r.headers()['content-encoding'], 'br', `${r.url()} arrives as brotli`);
      assert.equal(r.headers()['cache-control'], 'public, max-age=31536000, immutable');
    }
    const logged = env.server.log().length;
    await page.reload();
    await page.locator('.course-list > li').first().waitFor();
    // The access log line of a request is written once it is answered.
    let asked = [];
    for (let i = 0; i < 50 && !asked.includes('GET / 304'); i++) {
      await sleep(100);
      asked = [...env.server.log().slice(logged).matchAll(/ (GET \S+ \d{3}) /g)].map((m) => m[1]);
    }
    assert.ok(asked.includes('GET / 304'), `the page is revalidated on reload: ${asked.join(', ')}`);
    assert.deepEqual(asked.filter((a) => a.includes(' /dist/')), [], 'the bundle is not asked for again');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
