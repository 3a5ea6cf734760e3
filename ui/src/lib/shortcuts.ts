// The keyboard shortcuts of the main screens, and the help overlay's key. Ctrl (⌘ on macOS)
// with a digit or a comma: none of them edits text, so they work from inside a field too.
// `?` opens the help only outside a text field (where it is a character); F1 anywhere.

/** The keys pressed, as a KeyboardEvent has them. */
export type Keys = Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey"> & {
  /** Whether the focus is in a field that takes text (then `?` is typed, not a shortcut). */
  typing?: boolean;
};

/** A shortcut: its key with Ctrl, and the screen it opens. */
export type Shortcut = { key: string; screen: string };

/** Ctrl+1 … Ctrl+9 for the first nine screens in the order of the navigation, Ctrl+, for
 * the settings (the usual key), Ctrl+0 for background and backups. */
export const shortcuts: Shortcut[] = [
  { key: "1", screen: "dashboard" },
  { key: "2", screen: "exceptions" },
  { key: "3", screen: "membership" },
  { key: "4", screen: "completion" },
  { key: "5", screen: "programs" },
  { key: "6", screen: "import" },
  { key: "7", screen: "templates" },
  { key: "8", screen: "messages" },
  { key: "9", screen: "forecast" },
  { key: ",", screen: "settings" },
  { key: "0", screen: "background" },
];

export type ShortcutAction = { screen: string } | { help: true } | null;

/** What the keys do: open a screen, open the help, or nothing. */
export function shortcutAction(k: Keys): ShortcutAction {
  if (k.key === "F1" && !k.ctrlKey && !k.metaKey && !k.altKey) return { help: true };
  if (k.key === "?" && !k.ctrlKey && !k.metaKey && !k.altKey && !k.typing) return { help: true };
  if ((k.ctrlKey || k.metaKey) && !k.altKey && !k.shiftKey) {
    const s = shortcuts.find((x) => x.key === k.key);
    if (s) return { screen: s.screen };
  }
  return null;
}

/** How the help overlay writes a shortcut's keys. */
export function keyLabel(s: Shortcut, mac = false): string {
  return `${mac ? "⌘" : "Ctrl"}+${s.key}`;
}

/** Whether `el` takes typed text (an input other than a checkbox/radio/button, a textarea,
 * a select, or editable content). */
export function isTyping(el: Element | null): boolean {
  if (!el) return false;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement)
    return !["checkbox", "radio", "button", "submit", "reset", "file"].includes(el.type);
  return (el as HTMLElement).isContentEditable === true;
}
