import { describe, expect, it } from "vitest";
import { isTyping, keyLabel, shortcutAction, shortcuts } from "./shortcuts";

const none = { ctrlKey: false, metaKey: false, altKey: false, shiftKey: false };

describe("keyboard shortcuts", () => {
  it("opens the main screens with Ctrl and a digit or a comma", () => {
    expect(shortcutAction({ ...none, key: "1", ctrlKey: true })).toEqual({ screen: "dashboard" });
    expect(shortcutAction({ ...none, key: "2", ctrlKey: true })).toEqual({
      screen: "exceptions",
    });
    expect(shortcutAction({ ...none, key: "8", ctrlKey: true })).toEqual({ screen: "messages" });
    expect(shortcutAction({ ...none, key: ",", ctrlKey: true })).toEqual({ screen: "settings" });
    expect(shortcutAction({ ...none, key: "0", ctrlKey: true })).toEqual({
      screen: "background",
    });
    // ⌘ on macOS.
    expect(shortcutAction({ ...none, key: "3", metaKey: true })).toEqual({
      screen: "membership",
    });
  });

  it("leaves text editing alone", () => {
    // Plain digits, Ctrl+letters (copy, paste, undo, select all), Alt and Shift combinations.
    for (const key of ["1", "a", "c", "v", "z"]) {
      expect(shortcutAction({ ...none, key })).toBeNull();
    }
    for (const key of ["a", "c", "v", "x", "z", "y"]) {
      expect(shortcutAction({ ...none, key, ctrlKey: true })).toBeNull();
    }
    expect(shortcutAction({ ...none, key: "1", ctrlKey: true, altKey: true })).toBeNull();
    expect(shortcutAction({ ...none, key: "1", ctrlKey: true, shiftKey: true })).toBeNull();
  });

  it("opens the help with F1 anywhere and with ? outside a text field", () => {
    expect(shortcutAction({ ...none, key: "F1" })).toEqual({ help: true });
    expect(shortcutAction({ ...none, key: "F1", typing: true })).toEqual({ help: true });
    expect(shortcutAction({ ...none, key: "?", shiftKey: true })).toEqual({ help: true });
    expect(shortcutAction({ ...none, key: "?", shiftKey: true, typing: true })).toBeNull();
  });

  it("gives every screen one distinct key", () => {
    const keys = shortcuts.map((s) => s.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(shortcuts).toHaveLength(11);
    expect(keyLabel({ key: "1", screen: "dashboard" })).toBe("Ctrl+1");
    expect(keyLabel({ key: ",", screen: "settings" }, true)).toBe("⌘+,");
  });

  it("knows which fields take text", () => {
    const text = document.createElement("input");
    const box = document.createElement("input");
    box.type = "checkbox";
    expect(isTyping(text)).toBe(true);
    expect(isTyping(box)).toBe(false);
    expect(isTyping(document.createElement("textarea"))).toBe(true);
    expect(isTyping(document.createElement("button"))).toBe(false);
    expect(isTyping(null)).toBe(false);
  });
});
