// The CodeMirror 6 extensions of the template editor (components/TemplateEditor.svelte):
// plain text, `%` completion from the placeholder list, unknown placeholders underlined as
// you type (read exactly as the core reads them: lib/placeholders.ts), one line for a
// subject. Loaded on demand: the editor is a separate chunk of the bundle.
import {
  autocompletion,
  completionKeymap,
  type Completion,
  type CompletionContext,
  type CompletionResult,
  type CompletionSource,
} from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { forceLinting, linter, type Diagnostic } from "@codemirror/lint";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { EditorView, keymap, placeholder as hint } from "@codemirror/view";
import { opensPlaceholder, placeholderTokens, unknownTokens } from "./placeholders";

export { Compartment, EditorState, EditorView, forceLinting };

/**
 * The completion source: after a `%` that opens a placeholder, the known names that start
 * with what was typed (then those that contain it), each inserted as `%name%`.
 */
export function placeholderCompletions(known: () => readonly string[]): CompletionSource {
  return (ctx: CompletionContext): CompletionResult | null => {
    const typed = ctx.matchBefore(/%[A-Za-z0-9_]*/);
    if (!typed) return null;
    const text = ctx.state.doc.toString();
    if (!opensPlaceholder(text, typed.from)) return null;
    // Completing inside `%dued%` replaces the whole placeholder, closing `%` included.
    const whole = placeholderTokens(text).find((t) => t.from === typed.from);
    const part = typed.text.slice(1).toLowerCase();
    const names = known();
    const options: Completion[] = [
      ...names.filter((n) => n.startsWith(part)),
      ...names.filter((n) => !n.startsWith(part) && part !== "" && n.includes(part)),
    ].map((n, i) => ({ label: `%${n}%`, type: "variable", boost: -i }));
    if (options.length === 0) return null;
    return { from: typed.from, to: whole?.to ?? ctx.pos, options, filter: false };
  };
}

/** The lint of a text: each `%name%` the list lacks, as an error the save would give. */
export function unknownPlaceholderDiagnostics(
  state: EditorState,
  known: readonly string[],
): Diagnostic[] {
  // Until the list has arrived nothing is known, and nothing is marked.
  if (known.length === 0) return [];
  return unknownTokens(state.doc.toString(), known).map((t) => ({
    from: t.from,
    to: t.to,
    severity: "error",
    source: "placeholders",
    message: `Unknown placeholder %${t.name}%: saving refuses it.`,
  }));
}

/** A subject is one line: a pasted or typed line break becomes a space, Enter does nothing. */
const oneLine: Extension = [
  EditorState.transactionFilter.of((tr) => {
    if (!tr.docChanged || !/[\r\n]/.test(tr.newDoc.toString())) return tr;
    const changes: { from: number; to: number; insert: string }[] = [];
    tr.changes.iterChanges((from, to, _f, _t, inserted) => {
      // Each break becomes one space, as the core does to a subject: the length is kept.
      changes.push({ from, to, insert: inserted.toString().replace(/[\r\n]/g, " ") });
    });
    return [{ changes, selection: tr.selection, scrollIntoView: tr.scrollIntoView }];
  }),
  keymap.of([{ key: "Enter", run: () => true }]),
];

const theme = EditorView.theme({
  "&": {
    border: "1px solid var(--line)",
    borderRadius: "6px",
    background: "var(--panel, #fff)",
  },
  "&.cm-focused": { outline: "2px solid var(--accent, #2563eb)", outlineOffset: "1px" },
  ".cm-content": { fontFamily: "inherit", padding: "0.35rem 0" },
  ".cm-line": { padding: "0 0.5rem" },
  ".cm-scroller": { fontFamily: "inherit", lineHeight: "1.4" },
  "&[data-multiline] .cm-content": { minHeight: "6rem" },
});

export type EditorOptions = {
  doc: string;
  multiline: boolean;
  /** Read when completing and linting, so a list that arrives later is used. */
  known: () => readonly string[];
  /** The editable element's attributes (id, aria-labelledby ...), in a compartment. */
  attributes: Extension;
  /** The nonce of the style element CodeMirror adds, under a CSP without 'unsafe-inline'. */
  nonce: string;
  onchange: (text: string) => void;
  onfocus: () => void;
  placeholder?: string;
};

/** Every extension of a template editor. */
export function templateExtensions(o: EditorOptions): Extension[] {
  return [
    EditorView.cspNonce.of(o.nonce),
    history(),
    keymap.of([...completionKeymap, ...defaultKeymap, ...historyKeymap]),
    autocompletion({ override: [placeholderCompletions(o.known)], icons: false }),
    linter((view) => unknownPlaceholderDiagnostics(view.state, o.known()), { delay: 250 }),
    o.attributes,
    EditorView.editorAttributes.of(o.multiline ? { "data-multiline": "true" } : {}),
    o.multiline ? EditorView.lineWrapping : oneLine,
    o.placeholder ? hint(o.placeholder) : [],
    theme,
    EditorView.updateListener.of((u) => {
      if (u.docChanged) o.onchange(u.state.doc.toString());
      if (u.focusChanged && u.view.hasFocus) o.onfocus();
    }),
  ];
}

/** A template editor in `parent`. */
export function createTemplateEditor(parent: HTMLElement, o: EditorOptions): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({ doc: o.doc, extensions: templateExtensions(o) }),
  });
}

/** Makes the editor's text `text` (an outside change: a form reset, a reload). */
export function setText(view: EditorView, text: string) {
  if (view.state.doc.toString() === text) return;
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

/** Replaces the selection with `text` and puts the cursor after it. */
export function insertAtCursor(view: EditorView, text: string) {
  view.dispatch(view.state.replaceSelection(text));
  view.focus();
}
