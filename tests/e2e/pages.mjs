// pages.mjs: what the browser scenarios do on the page, shared by
// ui.test.mjs, pythons.test.mjs and classes.test.mjs: find a step, read
// and type an editor's code as a person would, open a lesson, count what a
// chart drew, and ask axe-core for serious violations.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The step section with data-step = id. */
export const stepOf = (page, id) => page.locator(`section[data-step="${id}"]`);

/** The text of a CodeMirror editor (its lines joined). */
export async function editorText(editor) {
  return (await editor.locator('.cm-line').allInnerTexts()).join('\n');
}

/** Replaces an editor's code the way a person would: select all, type; asserts it took. */
export async function setCode(page, editor, code) {
  await editor.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(code);
  assert.equal((await editorText(editor)).trim(), code.trim());
}

/** How many strongly coloured, opaque pixels a canvas has: a chart that drew its lines has hundreds. */
export function inkedPixels(canvas) {
  return canvas.evaluate((c) => {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 80) n++;
    }
    return n;
  });
}

/** Opens lesson id and waits for its steps. */
export async function openLesson(page, id) {
  await page.goto(`/#/lesson/${id}`);
  await page.locator('section.step').first().waitFor();
}

/**
 * Runs axe-core on the page, or on the elements matching selector; returns
 * its serious and critical violations.
 */
export async function seriousViolations(page, selector = null) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate((within) =>
    // eslint-disable-next-line no-undef
    axe.run(within || document, { resultTypes: ['violations'] }),
  selector);
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
