// harness.mjs: test support for the browser tests: a real lessond on a
// free port (serving static/ and the fixture lessons in tests/e2e/lessons,
// its class records and teacher token in a temporary directory),
// Debian's Chromium driven by playwright-core (never a downloaded browser),
// and screenshots under build/e2e/.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

// Not import.meta.dirname: Debian 12's Node.js 18 does not have it.
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SHOTS = resolve(ROOT, process.env.E2E_OUT || 'build/e2e');
const BIN = resolve(ROOT, process.env.LESSOND_BIN || 'build/lessond');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Sleeps ms milliseconds. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts lessond on a free port; resolves { url, stop, log, token }. Its
 * class records and teacher token file are in a fresh temporary directory
 * (removed by stop); the server makes the token file, and token() reads
 * the token from it. Runs get a
 * 1 s CPU limit so the timeout scenario is quick, no demotion and a 10 s
 * wall limit, so that scenario meets the CPU limit first even on a loaded
 * machine (demoted to SCHED_IDLE, a CPU loop waited out the 4 s wall limit
 * there).
 */
export async function startServer(extraArgs = []) {
  const dir = mkdtempSync(join(tmpdir(), 'lessond-e2e-'));
  const portFile = join(dir, 'port');
  const logPath = join(dir, 'server.log');
  const tokenFile = join(dir, 'teacher-token');
  const log = createWriteStream(logPath);
  const args = [
    '--port', '0', '--port-file', portFile, '--data-dir', join(dir, 'data'),
    '--teacher-token-file', tokenFile,
    '--lessons-dir', join(ROOT, 'tests/e2e/lessons'),
    '--static-dir', join(ROOT, 'static'),
    '--cpu-seconds', '1', '--wall-ms', '10000', '--demote-cpu-ms', '0', '--idle-cpu-ms', '0',
    ...extraArgs,
  ];
  const proc = spawn(BIN, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  proc.stdout.pipe(log);
  proc.stderr.pipe(log);
  let exited = false;
  proc.on('exit', () => {
    exited = true;
  });
  const readLog = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');
  /** Stops the server (SIGTERM, then SIGKILL to its group). */
  const stop = async () => {
    if (!exited) {
      proc.kill('SIGTERM');
      for (let i = 0; i < 100 && !exited; i++) await sleep(50);
      if (!exited) process.kill(-proc.pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 400; i++) {
    if (existsSync(portFile)) {
      const port = readFileSync(portFile, 'utf8').trim();
      if (port) return { url: `http://127.0.0.1:${port}`, stop, log: readLog, token: () => readFileSync(tokenFile, 'utf8').trim() };
    }
    if (exited) break;
    await sleep(50);
  }
  const text = readLog();
  await stop();
  throw new Error(`lessond did not start (${BIN}):\n${text}`);
}

/**
 * For a test file: starts one lessond (startServer(extraArgs)) and one
 * Chromium before its tests and stops both after them (node:test hooks).
 * Returns { server, browser }, filled in once they have started.
 */
export function serverAndBrowser(extraArgs = []) {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer(extraArgs);
    env.browser = await launchBrowser();
  });
  after(async () => {
    if (env.browser) await env.browser.close();
    if (env.server) await env.server.stop();
  });
  return env;
}

/** Launches headless Debian Chromium with the flags a closed network needs. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run make deps (Debian's chromium package)`);
  }
  // playwright gives every launch a fresh, empty --user-data-dir of its own.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

// The Content-Security-Policy the page must live with: no inline script or
// style, nothing from elsewhere. Added to every page the tests load, so a
// violation shows up as a console error.
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * A fresh context (its own localStorage) and page under a strict CSP;
 * records console errors and any request that leaves the test server
 * (there must be none).
 */
export async function openPage(browser, baseURL, options = {}) {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 1100, height: 900 },
    reducedMotion: 'reduce',
    ...options,
  });
  await context.route('**/*', async (route) => {
    if (route.request().resourceType() !== 'document') return route.fallback();
    const response = await route.fetch();
    return route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': CSP } });
  });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(`console error: ${m.text()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(baseURL) && !r.url().startsWith('data:')) page.problems.push(`outside request: ${r.url()}`);
  });
  return { context, page };
}

/**
 * Saves a screenshot as build/e2e/<name>.png: of the whole page, or of one
 * element when target is a locator (a step, say).
 */
export async function shot(target, name, { fullPage = true } = {}) {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  if (typeof target.goto !== 'function') {
    await target.scrollIntoViewIfNeeded();
    await target.screenshot({ path });
    return path;
  }
  const page = target;
  const size = page.viewportSize();
  if (fullPage) {
    // CodeMirror lays out editors only when they are in view: grow the
    // viewport to the whole page so every editor is drawn for the picture.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: size.width, height: Math.min(height, 12000) });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  await page.screenshot({ path, fullPage });
  if (fullPage) await page.setViewportSize(size);
  return path;
}
