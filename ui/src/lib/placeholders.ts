// How a template names its placeholders, exactly as the core reads it
// (`pieces` in crates/core/src/notify/template.rs): `%%` is a literal `%`; `%name%` is a
// placeholder when `name` is one or more ASCII letters, digits or `_`; any other `%` is
// plain text, and reading goes on just after it. Names are matched without regard to case.
// Kept apart from CodeMirror so the forms can use it without loading the editor.

/** A placeholder as written: `%name%` spans `from` (its first `%`) to `to` (after its last). */
export type PlaceholderToken = { from: number; to: number; name: string };

const nameChars = /^[A-Za-z0-9_]+$/;

/** Each `%` of a text as the core reads it: a placeholder, a `%%` pair, or a lone `%`. */
type Percent = { kind: "name" | "pair" | "lone"; from: number; to: number };

function percents(text: string): Percent[] {
  const out: Percent[] = [];
  let at = text.indexOf("%");
  while (at >= 0) {
    const close = text.indexOf("%", at + 1);
    if (close === at + 1) {
      out.push({ kind: "pair", from: at, to: close + 1 });
      at = text.indexOf("%", close + 1);
    } else if (close > at && nameChars.test(text.slice(at + 1, close))) {
      out.push({ kind: "name", from: at, to: close + 1 });
      at = text.indexOf("%", close + 1);
    } else {
      // Plain text; the next `%` may open a placeholder.
      out.push({ kind: "lone", from: at, to: at + 1 });
      at = close;
    }
  }
  return out;
}

/** Every `%name%` in `text`, in order, read as the core reads it. */
export function placeholderTokens(text: string): PlaceholderToken[] {
  return percents(text)
    .filter((p) => p.kind === "name")
    .map((p) => ({ from: p.from, to: p.to, name: text.slice(p.from + 1, p.to - 1) }));
}

/** The placeholders `text` names that `known` lacks (as `%name%` spans). */
export function unknownTokens(text: string, known: readonly string[]): PlaceholderToken[] {
  return placeholderTokens(text).filter((t) => !known.includes(t.name.toLowerCase()));
}

/** The names (without `%`) of the placeholders `template` uses that `known` lacks, once each. */
export function unknownPlaceholders(template: string, known: readonly string[]): string[] {
  return [...new Set(unknownTokens(template, known).map((t) => t.name))];
}

/**
 * Whether the `%` at `at` opens a placeholder being typed: a lone `%` or the first of a
 * `%name%`, not the closing `%` of one nor half of a `%%`.
 */
export function opensPlaceholder(text: string, at: number): boolean {
  return percents(text).some((p) => p.from === at && p.kind !== "pair");
}
