// Builds the browser UI: static/src/main.js (and the CSS it imports) into
// static/dist/app.js and static/dist/app.css, fixed names that
// static/index.html loads. lessond serves static/ as it is; there is no
// dev server. `npm run watch` rebuilds on every change.
import { defineConfig } from 'vite';

// CodeMirror's styles come from style-mod, which puts them in a <style>
// element when the editor lives in the document: a strict
// Content-Security-Policy (style-src 'self', no 'unsafe-inline') blocks
// that. Constructed style sheets (adoptedStyleSheets) are not inline
// styles, and style-mod already uses them inside shadow roots; this tells
// it to use them for the document as well. The build fails if style-mod
// changes so that the patch no longer applies (tests/e2e checks the CSP).
const STYLE_MOD_FROM = 'if (!root.head && root.adoptedStyleSheets && win.CSSStyleSheet) {';
const STYLE_MOD_TO = 'if (root.adoptedStyleSheets && win.CSSStyleSheet) {';

function styleModAdoptedSheets() {
  let patched = false;
  return {
    name: 'style-mod-adopted-sheets',
    transform(code, id) {
      if (!/[\\/]style-mod[\\/]src[\\/]style-mod\.js$/.test(id)) return null;
      if (!code.includes(STYLE_MOD_FROM)) this.error('style-mod changed: update styleModAdoptedSheets in vite.config.js');
      patched = true;
      return { code: code.replace(STYLE_MOD_FROM, STYLE_MOD_TO), map: null };
    },
    buildEnd(error) {
      if (!error && !patched) this.error('style-mod was not bundled from src/style-mod.js: update styleModAdoptedSheets in vite.config.js');
    },
  };
}

export default defineConfig({
  plugins: [styleModAdoptedSheets()],
  root: 'static',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    cssCodeSplit: false,
    modulePreload: false,
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      input: 'static/src/main.js',
      output: {
        entryFileNames: 'app.js',
        chunkFileNames: 'chunk-[name].js',
        assetFileNames: 'app[extname]',
      },
    },
  },
});
