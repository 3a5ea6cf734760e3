// For the vitest tests of screens with template editors: find one by its label once it has
// loaded, read its text, and type into it as a person would (an input transaction, so the
// bound form field, the lint and the completion all see it).
import { screen } from "@testing-library/svelte";
import { EditorView } from "@codemirror/view";
import { tick } from "svelte";

// happy-dom fires `selectionchange` at once, inside the call that moved the selection; a
// browser fires it later. CodeMirror moves the selection while it updates and reads that
// event as a new update, which it refuses: fire it later here too, as a browser does.
const dispatch = document.dispatchEvent.bind(document);
const later = new WeakSet<Event>();
document.dispatchEvent = (e: Event) => {
  if (e.type !== "selectionchange" || later.has(e)) return dispatch(e);
  later.add(e);
  setTimeout(() => dispatch(e));
  return true;
};

/** The template editor labelled `label`, once its chunk has loaded. */
export async function editorView(label: string | RegExp): Promise<EditorView> {
  const content = await screen.findByLabelText(label);
  const view = EditorView.findFromDOM(content);
  if (!view) throw new Error(`${String(label)} is not a template editor`);
  return view;
}

/** The editor's text. */
export async function editorText(label: string | RegExp): Promise<string> {
  return (await editorView(label)).state.doc.toString();
}

/**
 * Types `text` into the editor labelled `label`: replacing all of it, or at `at` (the cursor
 * ends after it).
 */
export async function typeInto(label: string | RegExp, text: string, at?: number) {
  const view = await editorView(label);
  const from = at ?? 0;
  const to = at ?? view.state.doc.length;
  view.focus();
  view.dispatch({
    changes: { from, to, insert: text },
    selection: { anchor: from + text.length },
    userEvent: "input.type",
  });
  await tick();
}
