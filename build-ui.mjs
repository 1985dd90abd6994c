// build-ui.mjs: builds the browser UI with esbuild (runs on Node.js >= 18).
//
//   node build-ui.mjs                  static/src -> static/dist, static/index.html
//   node build-ui.mjs --no-sourcemap   the same without source maps (the image)
//   node build-ui.mjs --watch          rebuilds on every change
//
// static/src/main.js (and the CSS it imports) becomes static/dist/app-<hash>.js
// and app-<hash>.css, named after their content (8 hex digits of SHA-256):
// lessond serves /dist/ names of that form as immutable. The page,
// static/index.html, is static/src/index.html with its /dist/app.js and
// /dist/app.css replaced by those names; it keeps its name and is revalidated.
// Every file written above COMPRESS_MIN bytes also gets .gz and .br siblings
// (when they are smaller), written after the file itself, so lessond, which
// never sends a compressed file older than its plain one, never sends a
// stale one. Files left from earlier builds are removed last.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

const ROOT = dirname(fileURLToPath(import.meta.url));
const STATIC = join(ROOT, 'static');
const DIST = join(STATIC, 'dist');
const TEMPLATE = join(STATIC, 'src', 'index.html');
const PAGE = join(STATIC, 'index.html');
const COMPRESS_MIN = 1024;
const COMPRESSIBLE = /\.(js|css|svg|html|json|map)$/;

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

/** 8 hex digits of the SHA-256 of data. */
const hashOf = (data) => createHash('sha256').update(data).digest('hex').slice(0, 8);

/** Writes data to path through a temporary file and a rename, so a reader
 * (lessond serving the old build) sees the old file or the new one, whole. */
function writeAtomic(path, data) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Whether path holds exactly data. */
function sameContent(path, data) {
  try {
    return readFileSync(path).equals(data);
  } catch {
    return false;
  }
}

/** Writes path (unless it already holds data, which keeps its ETag) and its
 * .gz and .br siblings, each after the plain file and only when smaller.
 * A sibling that is missing or older than the plain file is made again; a
 * sibling that would not be smaller is removed. Returns the names written
 * or kept (the plain one first). */
function emit(path, data) {
  const kept = [path];
  const fresh = !sameContent(path, data);
  if (fresh) writeAtomic(path, data);
  if (data.length < COMPRESS_MIN || !COMPRESSIBLE.test(path)) return kept;
  const plainTime = statSync(path).mtimeMs;
  const variants = [
    ['.gz', () => gzipSync(data, { level: 9 })],
    ['.br', () => brotliCompressSync(data, {
      params: {
        [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
        [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
        [zlib.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    })],
  ];
  for (const [ext, compress] of variants) {
    const vpath = path + ext;
    if (!fresh && existsSync(vpath) && statSync(vpath).mtimeMs >= plainTime) {
      kept.push(vpath);
      continue;
    }
    const packed = compress();
    if (packed.length < data.length) {
      writeAtomic(vpath, packed);
      kept.push(vpath);
    } else if (existsSync(vpath)) {
      unlinkSync(vpath);
    }
  }
  return kept;
}

/** Renames one esbuild output after its content: returns { name, data }
 * with name "<stem>-<hash>.<ext>" and, when it has a source map, the
 * comment pointing to "<name>.map". The hash is of the code and whether a
 * map is linked (the comment itself follows from the name). */
function hashed(stem, ext, code, hasMap) {
  const body = Buffer.from(code);
  const name = `${stem}-${hashOf(hasMap ? Buffer.concat([body, Buffer.from('\0map')]) : body)}.${ext}`;
  if (!hasMap) return { name, data: body };
  const comment = ext === 'css' ? `/*# sourceMappingURL=${name}.map */\n` : `//# sourceMappingURL=${name}.map\n`;
  return { name, data: Buffer.concat([body, Buffer.from(comment)]) };
}

/** Writes what one esbuild result made: the hashed assets in static/dist/,
 * then the page, then removes what earlier builds left. Returns the names. */
function writeOutputs(result, sourcemap) {
  const byName = new Map(result.outputFiles.map((f) => [f.path.slice(DIST.length + 1), f]));
  const expected = ['app.js', 'app.css', ...(sourcemap ? ['app.js.map', 'app.css.map'] : [])];
  const unexpected = [...byName.keys()].filter((n) => !expected.includes(n));
  const missing = expected.filter((n) => !byName.has(n));
  if (unexpected.length || missing.length) {
    throw new Error(`esbuild made ${[...byName.keys()].join(', ')}; build-ui.mjs expects ${expected.join(', ')}`);
  }
  mkdirSync(DIST, { recursive: true });
  const kept = new Set();
  const names = {};
  for (const ext of ['js', 'css']) {
    const out = hashed('app', ext, byName.get(`app.${ext}`).text, sourcemap);
    names[`app.${ext}`] = out.name;
    if (sourcemap) {
      const map = JSON.parse(byName.get(`app.${ext}.map`).text);
      map.file = out.name;
      for (const p of emit(join(DIST, `${out.name}.map`), Buffer.from(JSON.stringify(map)))) kept.add(p);
    }
    for (const p of emit(join(DIST, out.name), out.data)) kept.add(p);
  }
  let page = readFileSync(TEMPLATE, 'utf8');
  for (const [logical, name] of Object.entries(names)) {
    const ref = `"/dist/${logical}"`;
    if (page.split(ref).length !== 2) throw new Error(`static/src/index.html must name ${ref} exactly once`);
    page = page.replace(ref, `"/dist/${name}"`);
  }
  for (const p of emit(PAGE, Buffer.from(page))) kept.add(p);
  for (const ext of ['.gz', '.br']) {
    if (!kept.has(PAGE + ext) && existsSync(PAGE + ext)) unlinkSync(PAGE + ext);
  }
  for (const name of readdirSync(DIST)) {
    if (!kept.has(join(DIST, name))) unlinkSync(join(DIST, name));
  }
  return [...kept].map((p) => p.slice(STATIC.length + 1));
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
    sourcemap: sourcemap ? 'external' : false,
    sourcesContent: true,
    charset: 'utf8',
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
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
  if (!args.includes('--watch')) {
    const result = await esbuild.build(options(sourcemap));
    report(result);
    writeOutputs(result, sourcemap);
    return;
  }
  const opts = options(sourcemap);
  opts.plugins.push({
    name: 'write-outputs',
    setup(build) {
      build.onEnd((result) => {
        report(result);
        if (result.errors.length) return;
        try {
          const names = writeOutputs(result, sourcemap).filter((n) => !/\.(gz|br)$/.test(n));
          console.log(`built ${names.join(' ')}`);
        } catch (e) {
          console.error(e.message);
        }
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
