// editor.js: a CodeMirror 6 editor for one step. Python highlighting (as
// CSS classes, so the colours follow light and dark mode), line numbers,
// auto-indentation, undo, Ctrl/Cmd+Enter to run, and the line of an
// exception highlighted until the code changes. Tab indents; Escape then
// Tab leaves the editor (CodeMirror's own rule), so the keyboard is never
// trapped. Read-only code wraps its long lines instead of scrolling.
import { EditorState, Prec, StateEffect, StateField } from '@codemirror/state';
import {
  Decoration,
  EditorView,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { bracketMatching, indentOnInput, indentUnit, syntaxHighlighting } from '@codemirror/language';
import { classHighlighter } from '@lezer/highlight';
import { python } from '@codemirror/lang-python';

const setError = StateEffect.define();

/** Decorations marking the failing line (and column, for syntax errors). */
const errorField = StateField.define({
  create: () => Decoration.none,
  update(decorations, tr) {
    if (tr.docChanged) return Decoration.none;
    for (const effect of tr.effects) {
      if (effect.is(setError)) decorations = effect.value;
    }
    return decorations;
  },
  provide: (field) => EditorView.decorations.from(field),
});

/** The decorations for an error on line (1-based), at column offset. */
function errorDecorations(state, line, offset) {
  if (!line || line < 1 || line > state.doc.lines) return Decoration.none;
  const info = state.doc.line(line);
  const ranges = [Decoration.line({ class: 'cm-error-line' }).range(info.from)];
  if (offset && offset >= 1 && info.length > 0) {
    const from = info.from + Math.min(offset - 1, info.length - 1);
    ranges.push(Decoration.mark({ class: 'cm-error-mark' }).range(from, from + 1));
  }
  return Decoration.set(ranges, true);
}

/**
 * Creates an editor inside parent. Options: doc (the code), label (its
 * accessible name), describedBy (id of a hint), readOnly, onRun (for
 * Ctrl/Cmd+Enter), onChange(code). Returns a small handle.
 */
export function createEditor(parent, { doc, label, describedBy, readOnly = false, onRun, onChange }) {
  const extensions = [
    lineNumbers(),
    syntaxHighlighting(classHighlighter),
    python(),
    indentUnit.of('    '),
    EditorState.tabSize.of(4),
    errorField,
    EditorView.contentAttributes.of({
      'aria-label': label,
      ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      autocapitalize: 'off',
      autocorrect: 'off',
      spellcheck: 'false',
    }),
  ];
  if (readOnly) {
    // Read-only code wraps: nothing in it scrolls out of reach, since no
    // caret can move there (and a narrow phone shows all of it).
    extensions.push(EditorState.readOnly.of(true), EditorView.editable.of(false), EditorView.lineWrapping);
  } else {
    // The explicit tabindex tells checkers what the browser already does:
    // the editable content is in the tab order, and moving its caret
    // scrolls code wider than the box.
    extensions.push(EditorView.contentAttributes.of({ tabindex: '0' }));
    if (onRun) extensions.push(EditorView.contentAttributes.of({ 'aria-keyshortcuts': 'Control+Enter Meta+Enter' }));
    extensions.push(
      highlightActiveLineGutter(),
      highlightActiveLine(),
      history(),
      drawSelection(),
      indentOnInput(),
      bracketMatching(),
      Prec.highest(
        keymap.of([
          {
            key: 'Mod-Enter',
            preventDefault: true,
            run: () => {
              if (onRun) onRun();
              return true;
            },
          },
        ]),
      ),
      keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
      EditorView.updateListener.of((update) => {
        if (update.docChanged && onChange) onChange(update.state.doc.toString());
      }),
    );
  }
  const view = new EditorView({ doc, extensions, parent });
  view.dom.classList.add(readOnly ? 'code-view' : 'code-editor');
  return {
    view,
    /** The current code. */
    getCode: () => view.state.doc.toString(),
    /** Replaces the whole code (one undoable change). */
    setCode(code) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: code } });
    },
    /** Highlights line (1-based) and, if given, the column offset. */
    showError(line, offset) {
      view.dispatch({ effects: setError.of(errorDecorations(view.state, line, offset)) });
      if (line >= 1 && line <= view.state.doc.lines) {
        view.dispatch({ effects: EditorView.scrollIntoView(view.state.doc.line(line).from, { y: 'nearest' }) });
      }
    },
    /** Removes the error highlight. */
    clearError() {
      view.dispatch({ effects: setError.of(Decoration.none) });
    },
    /** Moves keyboard focus into the editor. */
    focus: () => view.focus(),
  };
}
