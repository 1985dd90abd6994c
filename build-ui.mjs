// build-ui.mjs: builds the browser UI with esbuild (runs on Node.js >= 18).
//
//   node build-ui.mjs                  static/src -> static/dist
//   node build-ui.mjs --no-sourcemap   the same without source maps (the image)
//   node build-ui.mjs --watch          rebuilds on every change
//
// static/src/main.js (and the CSS it imports) becomes static/dist/app.js and
// static/dist/app.css, fixed names that static/index.html loads. lessond
// serves static/ as it is; there is no dev server.
import * as esbuild from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(fileURLToPath(import.meta.url));
const DIST = join(ROOT, 'static', 'dist');

// CodeMirror's styles come from style-mod, which puts them in a <style>
// element when the editor lives in the document: a strict
// Content-Security-Policy (style-src 'self', no 'unsafe-inline') blocks
// that. Constructed style sheets (adoptedStyleSheets) are not inline
// styles, and style-mod already uses them inside shadow roots; this tells
// it to use them for the document as well. The build fails if style-mod
// changes so that the patch no longer applies (tests/e2e checks the CSP).
const STYLE_MOD_FROM = 'if (!root.head && root.adoptedStyleSheets && win.CSSStyleSheet) {';
const STYLE_MOD_TO = 'if (root.adoptedStyleSheets && win.CSSStyleSheet) {';
const STYLE_MOD_FILE = /[\\/]style-mod[\\/]src[\\/]style-mod\.js$/;

/** The esbuild plugin that applies the style-mod patch; fails the build
 * when the patch does not apply or style-mod was not bundled from its source. */
function styleModAdoptedSheets() {
  return {
    name: 'style-mod-adopted-sheets',
    setup(build) {
      let patched = false;
      build.onStart(() => {
        patched = false;
      });
      build.onLoad({ filter: STYLE_MOD_FILE }, (args) => {
        const code = readFileSync(args.path, 'utf8');
        if (!code.includes(STYLE_MOD_FROM)) {
          return { errors: [{ text: 'style-mod changed: update styleModAdoptedSheets in build-ui.mjs' }] };
        }
        patched = true;
        return { contents: code.replace(STYLE_MOD_FROM, STYLE_MOD_TO), loader: 'js' };
      });
      build.onEnd((result) => {
        if (result.errors.length === 0 && !patched) {
          return { errors: [{ text: 'style-mod was not bundled from src/style-mod.js: update styleModAdoptedSheets in build-ui.mjs' }] };
        }
        return null;
      });
    },
  };
}

/** Prints esbuild's errors and warnings (of a result or a failure). */
function report({ errors = [], warnings = [] }) {
  for (const [kind, list] of [['error', errors], ['warning', warnings]]) {
    if (list.length) console.error(esbuild.formatMessagesSync(list, { kind, color: false }).join(''));
  }
}

/** The build options for esbuild. */
function options(sourcemap) {
  return {
    absWorkingDir: ROOT,
    entryPoints: { app: 'static/src/main.js' },
    outdir: DIST,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: sourcemap ? 'linked' : false,
    sourcesContent: true,
    charset: 'utf8',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent', // report() prints errors and warnings, those of plugins too
    plugins: [styleModAdoptedSheets()],
  };
}

async function main() {
  const args = process.argv.slice(2);
  const known = ['--watch', '--no-sourcemap'];
  const bad = args.filter((a) => !known.includes(a));
  if (bad.length) throw new Error(`build-ui.mjs: unknown argument ${bad[0]} (known: ${known.join(' ')})`);
  const sourcemap = !args.includes('--no-sourcemap');
  rmSync(DIST, { recursive: true, force: true });
  if (!args.includes('--watch')) {
    report(await esbuild.build(options(sourcemap)));
    return;
  }
  const opts = options(sourcemap);
  opts.plugins.push({
    name: 'report',
    setup(build) {
      build.onEnd((result) => {
        report(result);
        if (result.errors.length === 0) console.log('built static/dist');
      });
    },
  });
  const ctx = await esbuild.context(opts);
  await ctx.watch();
  console.log('watching static/src (Ctrl-C stops)');
}

main().catch((e) => {
  if (e.errors) report(e);
  else console.error(e.message || e);
  process.exit(1);
});
