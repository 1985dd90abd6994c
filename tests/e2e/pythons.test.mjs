// pythons.test.mjs: the learner's Python in real headless Chromium, against
// a real lessond serving every Python it has (3.11, and 3.13 when `make
// python313` prepared it): the choice in the header (the newest by
// default, sent with every run and check, remembered after a reload, and a
// remembered one that is gone replaced quietly), results that name their
// Python, "Run on both" side by side with the differences marked, an
// experiment plotted for both on one chart, version-specific prose that
// follows the choice, the one-Python page (a second server with --pythons
// 3.11), and lesson 03 of the real course walked end to end on each
// Python, its answers and solutions taken from the server, not from here.
// Scenarios that need two Pythons are skipped, saying why, without 3.13.
// Screenshots in build/e2e/ (see harness.mjs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, launchBrowser, openPage, shot, startServer } from './harness.mjs';
import { inkedPixels, openLesson, seriousViolations, setCode, stepOf } from './pages.mjs';
import { specMatches } from '../../static/src/versions.js';

// The fixture lessons' server, the real course's, one Chromium; the
// Pythons served, oldest first.
const env = { server: null, browser: null };
const course = { server: null };
let served = [];
let oldest = null;
let newest = null;

before(async () => {
  env.server = await startServer();
  course.server = await startServer(['--lessons-dir', join(ROOT, 'lessons')]);
  env.browser = await launchBrowser();
  served = await (await fetch(`${env.server.url}/api/pythons`)).json();
  oldest = served[0];
  newest = served.find((p) => p.default);
});

after(async () => {
  if (env.browser) await env.browser.close();
  for (const s of [env.server, course.server]) if (s) await s.stop();
});

/** Skips test t unless two Pythons are served; returns true when skipped. */
function needsTwo(t) {
  if (served.length >= 2) return false;
  t.skip(`the server serves ${served.map((p) => p.version).join(', ')} alone (make python313 prepares 3.13)`);
  return true;
}

/** Opens a page in a fresh context on `url` (the fixture server's by default); `fn(page, context)` runs the scenario. */
async function scenario(options, fn, url = env.server.url) {
  const { context, page } = await openPage(env.browser, url, options);
  page.setDefaultTimeout(20000);
  try {
    await fn(page, context);
    assert.deepEqual(page.problems, [], 'no console errors, page errors or outside requests');
  } finally {
    await context.close();
  }
}

/** Collects the JSON bodies of the page's POST /api/run and /api/check, with their path. */
function requestsOf(page) {
  const bodies = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (r.method() === 'POST' && (path === '/api/run' || path === '/api/check')) {
      bodies.push({ path, ...JSON.parse(r.postData() || '{}') });
    }
  });
  return bodies;
}

/** Makes the page's first load find `version` remembered as the learner's choice (as an earlier visit would leave it). */
function rememberPython(page, version) {
  return page.addInitScript((v) => {
    if (!localStorage.getItem('lessond.progress.v1')) {
      localStorage.setItem('lessond.progress.v1', JSON.stringify({ lessons: {}, prefs: { python: v } }));
    }
  }, version);
}

/** The text of the tag naming a result's Python inside `where`. */
const tagOf = (where) => where.locator('.python-tag').first().innerText();

// A plain instance with two attributes (sys.getsizeof: 56 bytes on 3.11,
// 48 on 3.13), then a slotted one refusing `z` (3.12+ adds to the message).
const TWO_PYTHONS_CODE = [
  'import sys',
  'class Plain:',
  '    def __init__(self):',
  '        self.x = 1',
  '        self.y = 2',
  'p = Plain()',
  'print("sizeof", sys.getsizeof(p))',
  'class Slotted:',
  '    __slots__ = ("x",)',
  's = Slotted()',
  's.z = 1',
].join('\n');

test('the choice defaults to the newest Python, goes with every run, prediction, goal and experiment, and is remembered after a reload', async (t) => {
  if (needsTwo(t)) return;
  await scenario({}, async (page) => {
    const bodies = requestsOf(page);
    await openLesson(page, 'points');
    const select = page.getByLabel('Python', { exact: true });
    assert.equal(await select.inputValue(), newest.version, 'the newest is chosen at first');
    assert.deepEqual(await select.locator('option').allInnerTexts(), served.map((p) => `${p.full}${p.default ? ' (newest)' : ''}`));
    assert.match(await page.locator('#footer-python').innerText(), new RegExp(`CPython ${newest.full} on the lesson server`));

    const define = stepOf(page, 'define');
    await define.getByRole('button', { name: 'Run', exact: true }).click();
    await define.locator('.run-report').waitFor();
    assert.equal(await tagOf(define.locator('.run-meta')), `Python ${newest.full}`, 'the result names its Python beside its figures');
    const predict = stepOf(page, 'has-dict');
    await predict.getByLabel('Your prediction').fill('False');
    await predict.getByRole('button', { name: 'Check my prediction' }).click();
    await predict.locator('.verdict').waitFor();
    assert.equal(await tagOf(predict.locator('.verdict-headline')), `Python ${newest.full}`);
    const goal = stepOf(page, 'slot-it');
    await goal.getByRole('button', { name: 'Check', exact: true }).click();
    await goal.locator('.verdict').waitFor();
    assert.equal(await tagOf(goal.locator('.verdict-headline')), `Python ${newest.full}`);
    const experiment = stepOf(page, 'scale');
    await experiment.getByRole('button', { name: 'Measure', exact: true }).click();
    await experiment.locator('figure.chart canvas').waitFor();
    assert.equal(await tagOf(experiment.locator('.experiment-message')), `Python ${newest.full}`);
    assert.deepEqual(bodies.map((b) => [b.path, b.step, b.python]), [
      ['/api/run', 'define', newest.version],
      ['/api/check', 'has-dict', newest.version],
      ['/api/check', 'slot-it', newest.version],
      ['/api/check', 'scale', newest.version],
    ]);

    await select.selectOption(oldest.version);
    await page.locator('#announcer', { hasText: `Runs now use Python ${oldest.full}` }).waitFor();
    await define.getByRole('button', { name: 'Run', exact: true }).click();
    await define.locator('.run-meta', { hasText: `Python ${oldest.full}` }).waitFor();
    assert.equal(bodies[bodies.length - 1].python, oldest.version);
    assert.match(await page.locator('#footer-python').innerText(), new RegExp(`CPython ${oldest.full} on the lesson server`));

    await page.reload();
    await page.locator('section.step').first().waitFor();
    assert.equal(await page.getByLabel('Python', { exact: true }).inputValue(), oldest.version, 'remembered after a reload');
    await stepOf(page, 'define').getByRole('button', { name: 'Run', exact: true }).click();
    await stepOf(page, 'define').locator('.run-report').waitFor();
    assert.equal(bodies[bodies.length - 1].python, oldest.version);
    assert.equal(await tagOf(stepOf(page, 'define').locator('.run-meta')), `Python ${oldest.full}`);
    await shot(page.locator('.site-header'), 'py-01-choice');
  });
});

test('version-specific prose shows the block for the chosen Python and swaps without a reload', async (t) => {
  if (needsTwo(t)) return;
  await scenario({}, async (page) => {
    await openLesson(page, 'points');
    const eleven = page.locator('.prose.intro .python-prose[data-python="3.11"]');
    const twelveOn = page.locator('.prose.intro .python-prose[data-python="3.12+"]');
    assert.equal(await eleven.isVisible(), false);
    assert.equal(await twelveOn.isVisible(), true);
    assert.match(await twelveOn.innerText(), /^Python 3\.12 and later\n+From Python 3\.12 on the fixture says twelve and later\.$/);
    await page.evaluate(() => {
      window.sameDocument = true;
    });
    await page.getByLabel('Python', { exact: true }).selectOption('3.11');
    await eleven.waitFor({ state: 'visible' });
    assert.equal(await twelveOn.isVisible(), false);
    assert.match(await eleven.innerText(), /^Python 3\.11\n+On Python 3\.11 the fixture says eleven\.$/);
    assert.equal(await page.evaluate(() => window.sameDocument), true, 'swapped in place, no reload');
    assert.deepEqual(await seriousViolations(page), []);
    await shot(page.locator('.prose.intro'), 'py-02-prose-3.11');
  });
});

test('a remembered Python the server does not serve gives way to the newest, said quietly, and stays remembered', async () => {
  await scenario({}, async (page) => {
    await rememberPython(page, '3.12');
    const bodies = requestsOf(page);
    await openLesson(page, 'points');
    const note = page.locator('.python-choice .python-note');
    assert.equal(await note.innerText(), `Python 3.12, your earlier choice, is not on this server now: runs use ${newest.version}.`);
    assert.equal(await note.getAttribute('role'), 'status');
    await stepOf(page, 'define').getByRole('button', { name: 'Run', exact: true }).click();
    await stepOf(page, 'define').locator('.run-report').waitFor();
    assert.equal(bodies[0].python, newest.version);
    const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('lessond.progress.v1')).prefs.python);
    assert.equal(kept, '3.12', 'the choice comes back when the server serves it again');
  });
});

test('"Run on both" shows a column per Python, marks what differs in words and leaves equal fields plain', async (t) => {
  if (needsTwo(t)) return;
  for (const [width, name] of [[1100, 'wide'], [380, 'narrow']]) {
    await scenario({ viewport: { width, height: 900 } }, async (page) => {
      const bodies = requestsOf(page);
      await openLesson(page, 'points');
      const step = stepOf(page, 'define');
      await setCode(page, step, TWO_PYTHONS_CODE);
      await step.getByRole('button', { name: 'Run on both' }).click();
      const compare = step.locator('.compare');
      await compare.waitFor();
      assert.deepEqual(bodies.map((b) => b.python).sort(), served.map((p) => p.version).sort(), 'one run per Python');
      const columns = compare.locator('.compare-column');
      assert.equal(await columns.count(), 2);
      assert.deepEqual(await compare.locator('.compare-python').allInnerTexts(), served.map((p) => `Python ${p.full}`));
      const field = (i, key) => columns.nth(i).locator(`.compare-field[data-field="${key}"]`);
      // The known differences: the plain instance's size, the message, what it printed.
      assert.equal(await field(0, 'size:p').locator('.compare-value').innerText(), '56 bytes');
      assert.equal(await field(1, 'size:p').locator('.compare-value').innerText(), '48 bytes');
      assert.equal(await field(0, 'message').locator('.compare-value').innerText(), "'Slotted' object has no attribute 'z'");
      assert.equal(await field(1, 'message').locator('.compare-value').innerText(), "'Slotted' object has no attribute 'z' and no __dict__ for setting new attributes");
      for (const key of ['size:p', 'message', 'stdout']) {
        for (const i of [0, 1]) {
          assert.match(await field(i, key).getAttribute('class'), /\bdiffers\b/, `${key} is marked`);
          assert.equal(await field(i, key).locator('.compare-marker').innerText(), '≠ differs', `${key} says it differs in words`);
        }
      }
      // Equal fields stay plain: no mark, no words.
      for (const key of ['outcome', 'exception', 'dict:p', 'dict:s', 'size:s']) {
        for (const i of [0, 1]) {
          assert.doesNotMatch(await field(i, key).getAttribute('class'), /\bdiffers\b/, `${key} is plain`);
          assert.equal(await field(i, key).locator('.compare-marker').count(), 0);
        }
      }
      const summary = await compare.locator('.compare-summary').innerText();
      assert.match(summary, /^\d+ differences: /);
      for (const label of ['output', 'message', 'p: size']) assert.ok(summary.includes(label), `the summary names ${label}: ${summary}`);
      assert.ok(!summary.includes('outcome'), summary);
      await page.locator('#announcer', { hasText: summary }).waitFor();
      const [a, b] = [await columns.nth(0).boundingBox(), await columns.nth(1).boundingBox()];
      if (name === 'wide') {
        assert.equal(Math.round(a.y), Math.round(b.y), 'side by side');
        const rows = [await field(0, 'peak').boundingBox(), await field(1, 'peak').boundingBox()];
        assert.equal(Math.round(rows[0].y), Math.round(rows[1].y), 'each field beside its twin');
      } else {
        assert.ok(b.y >= a.y + a.height, 'stacked on a narrow screen');
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 380, `no sideways scrolling (${width} px)`);
      }
      // The whole report of each run is there, folded.
      await columns.nth(1).locator('.compare-report > summary').click();
      assert.match(await columns.nth(1).locator('.compare-report .run-headline').innerText(), /AttributeError on line 11/);
      assert.deepEqual(await seriousViolations(page, '.compare'), []);
      await shot(step, `py-03-run-on-both-${name}`);
    });
  }
});

test('an experiment measured on both Pythons is one chart: a line per variant per Python, named in the legend and the table', async (t) => {
  if (needsTwo(t)) return;
  await scenario({}, async (page) => {
    const bodies = requestsOf(page);
    await openLesson(page, 'points');
    const step = stepOf(page, 'scale');
    await step.getByRole('button', { name: 'Measure on both' }).click();
    const canvas = step.locator('figure.chart canvas');
    await canvas.waitFor();
    assert.deepEqual(bodies.map((b) => [b.step, b.python]), served.map((p) => ['scale', p.version]));
    const lines = ['plain', 'slots'].flatMap((v) => served.map((p) => `${v} · ${p.version}`));
    assert.deepEqual(await step.locator('table.numbers thead th').allInnerTexts(), ['N', ...lines]);
    assert.equal(await canvas.getAttribute('aria-label'), `Line chart of peak memory against N for ${lines.join(', ')}. The table below has the same numbers.`);
    assert.match(await step.locator('figcaption').innerText(), /the newest Python is the solid line with filled markers/);
    assert.deepEqual(await step.locator('.experiment-message .python-tag').allInnerTexts(), served.map((p) => `Python ${p.full}`));
    // Each Python's slotted share is of its own plain variant.
    const row = await step.locator('table.numbers tbody tr').first().locator('td').allInnerTexts();
    assert.equal(row.length, 4);
    for (const cell of row.slice(2)) assert.match(cell, /\d+% of plain$/);
    const inked = await inkedPixels(canvas);
    assert.ok(inked > 500, `the chart has drawn lines (${inked} coloured pixels)`);
    await page.waitForTimeout(200);
    await shot(step, 'py-04-chart-on-both');
    // The two-Python chart comes back after a reload, as a one-Python one does.
    await page.reload();
    await stepOf(page, 'scale').locator('table.numbers').waitFor();
    assert.deepEqual(await stepOf(page, 'scale').locator('table.numbers thead th').allInnerTexts(), ['N', ...lines]);
  });
});

test('with one Python served, the choice is plain words, runs name it, and nothing offers both', async () => {
  const single = await startServer(['--pythons', '3.11']);
  try {
    await scenario({}, async (page) => {
      await rememberPython(page, '3.13');
      const bodies = requestsOf(page);
      await openLesson(page, 'points');
      const only = page.locator('.python-choice .python-only');
      assert.match(await only.innerText(), /^Python 3\.11\.\d+$/);
      assert.equal(await page.locator('#python-select').count(), 0, 'no control for one Python');
      assert.equal(await page.locator('.python-note').innerText(), 'Python 3.13, your earlier choice, is not on this server now: runs use 3.11.');
      assert.equal(await page.getByRole('button', { name: /on both|on all/ }).count(), 0);
      assert.equal(await page.locator('.prose.intro .python-prose[data-python="3.11"]').isVisible(), true);
      assert.equal(await page.locator('.prose.intro .python-prose[data-python="3.12+"]').isVisible(), false);
      const define = stepOf(page, 'define');
      await define.getByRole('button', { name: 'Run', exact: true }).click();
      await define.locator('.run-report').waitFor();
      assert.equal(bodies[0].python, '3.11');
      assert.match(await tagOf(define.locator('.run-meta')), /^Python 3\.11\.\d+$/);
      await shot(page.locator('.site-header'), 'py-05-one-python');
    }, single.url);
  } finally {
    await single.stop();
  }
});

/**
 * What the learner should answer to predict step st: what the interpreter
 * gives, asked of the server like any run (the exception's name when it
 * raises, else the value's repr), so the lesson's own text never appears here.
 */
async function answerOf(url, lessonId, st, python) {
  const response = await fetch(`${url}/api/run`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: st.code, lesson: lessonId, step: st.id, python }),
  });
  const run = await response.json();
  assert.equal(response.status, 200, JSON.stringify(run));
  return run.exception ? run.exception.type : run.result.repr;
}

/** Walks the lesson at `order` in the real course on Python p: every step run, predicted, solved or measured. */
async function walkLesson(page, order, p) {
  const url = course.server.url;
  const { lessons } = await (await fetch(`${url}/api/lessons`)).json();
  const lessonId = lessons.find((l) => l.order === order).id;
  const lesson = await (await fetch(`${url}/api/lessons/${lessonId}`)).json();
  await openLesson(page, lessonId);
  const select = page.locator('#python-select');
  if (await select.count()) await select.selectOption(p.version);
  const tag = `Python ${p.full}`;
  // The version blocks shown are exactly those for this Python.
  const blocks = await page.locator('.python-prose[data-python]').evaluateAll((els) => els.map((e) => [e.dataset.python, !e.hidden]));
  for (const [spec, shown] of blocks) assert.equal(shown, specMatches(spec, p.version), `the python=${spec} block on ${p.version}`);
  for (const st of lesson.steps) {
    const section = stepOf(page, st.id);
    await section.scrollIntoViewIfNeeded();
    if (st.kind === 'example') {
      await section.getByRole('button', { name: 'Run', exact: true }).click();
      const report = section.locator('.run-report');
      await report.waitFor();
      assert.match(await report.getAttribute('class'), /tone-(ok|expected)/, `${st.id}: ${await report.locator('.run-headline').innerText()}`);
      assert.equal(await tagOf(report.locator('.run-meta')), tag);
    } else if (st.kind === 'predict') {
      await section.getByLabel('Your prediction').fill(await answerOf(url, lessonId, st, p.version));
      await section.getByRole('button', { name: 'Check my prediction' }).click();
      await section.locator('.verdict').waitFor();
      assert.match(await section.locator('.verdict').getAttribute('class'), /verdict-right/, `${st.id}: ${await section.locator('.verdict').innerText()}`);
      assert.equal(await tagOf(section.locator('.verdict-headline')), tag);
    } else if (st.kind === 'goal') {
      const hint = section.getByRole('button', { name: /^Show a hint/ });
      while (await hint.isVisible()) await hint.click();
      await section.getByRole('button', { name: 'Show the solution' }).click();
      await section.getByRole('button', { name: 'Put the solution in the editor' }).click();
      await section.getByRole('button', { name: 'Check', exact: true }).click();
      await section.locator('.verdict').waitFor();
      assert.match(await section.locator('.verdict').getAttribute('class'), /verdict-right/, `${st.id}: ${await section.locator('.verdict').innerText()}`);
      assert.equal(await tagOf(section.locator('.verdict-headline')), tag);
    } else if (st.kind === 'experiment') {
      await section.getByRole('button', { name: 'Measure', exact: true }).click();
      await section.locator('figure.chart canvas').waitFor();
      assert.equal(await tagOf(section.locator('.experiment-message')), tag);
    }
    assert.equal(await section.locator('.step-done').isVisible(), true, `${st.id} is done`);
  }
  await page.locator('.progress-text', { hasText: 'Lesson done: every step finished.' }).waitFor();
}

for (const which of ['oldest', 'newest']) {
  test(`lesson 03 of the course, walked end to end on the ${which} Python: every step run, predicted or solved`, async (t) => {
    if (which === 'newest' && needsTwo(t)) return;
    const p = which === 'oldest' ? oldest : newest;
    await scenario({}, async (page) => {
      await walkLesson(page, 3, p);
      await shot(page, `py-06-lesson-03-${p.version}`);
    }, course.server.url);
  });
}
