import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import App from "./App.svelte";
import type { Notices } from "./api";

afterEach(() => {
  cleanup();
  clearMocks();
});

/** A backend past its first run; every screen's own command fails (not what is tested). */
function backend(notices: Notices) {
  mockIPC((cmd) => {
    if (cmd === "first_run_pending") return false;
    if (cmd === "notices") return notices;
    throw { kind: "not_found", message: `not in this test: ${cmd}` };
  });
}

const current = () => document.querySelector("nav [aria-current=page]")?.textContent;

describe("the app shell", () => {
  it("opens the main screens with Ctrl and a digit, and lists the keys on F1", async () => {
    backend({ record: [], open_screen: null });
    render(App);
    await screen.findByRole("button", { name: "Exception report" });
    await fireEvent.keyDown(window, { key: "2", ctrlKey: true });
    expect(current()).toBe("Exception report");
    await fireEvent.keyDown(window, { key: ",", ctrlKey: true });
    expect(current()).toBe("Settings");
    expect(screen.getByRole("button", { name: "Dashboard" }).title).toBe("Ctrl+1");

    await fireEvent.keyDown(window, { key: "F1" });
    const help = await screen.findByTestId("help-overlay");
    expect(help.textContent).toContain("Ctrl+8Message log and outbox");
    expect(help.textContent).toContain("Ctrl+0Background and backups");
    await fireEvent.keyDown(help, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("help-overlay")).toBeNull());
  });

  it("opens the screen of a notification raised while hidden, and lists it", async () => {
    backend({
      record: [
        {
          kind: "sending_paused",
          title: "CertDesk paused sending",
          text: "The server refused the login. Check the mail settings, then resume sending.",
          screen: "messages",
          at: "2026-11-30T10:00:00Z",
        },
      ],
      open_screen: "messages",
    });
    render(App);
    const notice = await screen.findByTestId("notice");
    expect(notice.textContent).toContain("CertDesk paused sending");
    expect(current()).toBe("Message log and outbox");
    expect(screen.getByRole("button", { name: "Notifications (1)" })).toBeTruthy();
  });
});
