import { describe, expect, it } from "vitest";
import { CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { EditorState } from "@codemirror/state";
import { placeholderCompletions, unknownPlaceholderDiagnostics } from "./template_editor";
import { placeholderTokens, unknownPlaceholders } from "./placeholders";

const known = ["learnerfirstname", "learnerlist", "userfullname", "duedate", "itemcount"];

/** What completing offers with the cursor at `|` in `text`. */
function complete(text: string): CompletionResult | null {
  const pos = text.indexOf("|");
  const state = EditorState.create({ doc: text.replace("|", "") });
  const source = placeholderCompletions(() => known);
  return source(new CompletionContext(state, pos, false)) as CompletionResult | null;
}

const labels = (r: CompletionResult | null) => r?.options.map((o) => o.label) ?? [];

/** The text each diagnostic underlines. */
function underlined(text: string, names: readonly string[] = known): string[] {
  const state = EditorState.create({ doc: text });
  return unknownPlaceholderDiagnostics(state, names).map((d) => text.slice(d.from, d.to));
}

describe("placeholder completion", () => {
  it("offers the known placeholders that start with what follows a typed %", () => {
    const r = complete("Hello %le|");
    expect(labels(r)).toEqual(["%learnerfirstname%", "%learnerlist%"]);
    expect(r?.from).toBe(6);
    expect(r?.to).toBe(9);
  });

  it("offers them all after a lone %, and matches inside a name after the prefixes", () => {
    expect(labels(complete("Dear %|"))).toEqual(known.map((n) => `%${n}%`));
    expect(labels(complete("%LIST|"))).toEqual(["%learnerlist%"]);
    expect(labels(complete("%date|"))).toEqual(["%duedate%"]);
    expect(complete("%zzz|")).toBeNull();
  });

  it("offers nothing after the closing % of a placeholder or in a %% pair", () => {
    expect(complete("Due %duedate%|")).toBeNull();
    expect(complete("100%%|")).toBeNull();
    expect(complete("Due %duedate% and 5|")).toBeNull();
  });

  it("replaces the whole placeholder, closing % included, when completing inside one", () => {
    const r = complete("Due %dued|% soon");
    expect(labels(r)).toEqual(["%duedate%"]);
    expect([r?.from, r?.to]).toEqual([4, 10]);
  });
});

describe("unknown placeholder lint", () => {
  it("marks an unknown placeholder, not the known ones in any case", () => {
    expect(underlined("Hi %userfullname%, %nosuch% by %DueDate%")).toEqual(["%nosuch%"]);
  });

  it("does not mark a lone %, a %% pair or text the core does not read as a name", () => {
    expect(underlined("100% sure")).toEqual([]);
    expect(underlined("50%% off %a b% and %é%")).toEqual([]);
    // `%%` is a literal %: what follows is text, so `nosuch%` is no placeholder.
    expect(underlined("%%nosuch%")).toEqual([]);
    // A lone % is text and the next % may open one.
    expect(underlined("5 % of %nosuch%")).toEqual(["%nosuch%"]);
  });

  it("marks nothing until the list has arrived", () => {
    expect(underlined("%nosuch%", [])).toEqual([]);
  });

  it("reads placeholders as the core's `pieces` does", () => {
    // The cases of crates/core/src/notify/template.rs, with the names it finds.
    const names = (t: string) => placeholderTokens(t).map((p) => p.name);
    expect(names("%a%%b%")).toEqual(["a", "b"]);
    expect(names("%%a%")).toEqual([]);
    expect(names("%a-b%c%")).toEqual(["c"]);
    expect(names("%a_1%")).toEqual(["a_1"]);
    expect(unknownPlaceholders("%x% %x% %Y%", ["y"])).toEqual(["x"]);
  });
});
