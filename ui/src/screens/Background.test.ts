import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Background from "./Background.svelte";
import type { SystemdStatus } from "../api";

const disabled: SystemdStatus = {
  timers: [
    { unit: "certdesk-run.timer", state: "not installed" },
    { unit: "certdesk-send.timer", state: "not installed" },
  ],
  enabled: false,
  enable_commands: ["systemctl --user enable --now certdesk-run.timer certdesk-send.timer"],
};

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("Background and backups", () => {
  it("shows the options, saves a change and tells how to enable the timers", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "background_options") return { close_to_tray: true, start_at_login: false };
      if (cmd === "systemd_status") return disabled;
      if (cmd === "set_close_to_tray") return null;
      throw new Error(`unexpected command ${cmd}`);
    });
    render(Background);
    const tray = (await screen.findByLabelText(/keeps CertDesk running/)) as HTMLInputElement;
    expect(tray.checked).toBe(true);
    expect((screen.getByLabelText(/when I log in/) as HTMLInputElement).checked).toBe(false);
    expect((await screen.findByTestId("systemd-state")).textContent).toContain("not enabled");
    expect(screen.getByText(/systemctl --user enable --now/)).toBeTruthy();

    await fireEvent.click(tray);
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toContainEqual(["set_close_to_tray", { on: false }]);
  });

  it("explains a refused restore", async () => {
    mockIPC((cmd) => {
      if (cmd === "background_options") return { close_to_tray: false, start_at_login: false };
      if (cmd === "systemd_status") return disabled;
      if (cmd === "restore_store")
        throw { kind: "not_a_store", message: "/tmp/x.txt is not a CertDesk store" };
      throw new Error(`unexpected command ${cmd}`);
    });
    render(Background);
    window.__certdeskTestPaths = ["/tmp/x.txt"];
    await fireEvent.click(screen.getByRole("button", { name: "Restore…" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("is not a CertDesk store");
    expect(alert.textContent).toContain("Choose a backup CertDesk wrote");
  });

  it("reports a backup", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "show_made_file") return null;
      if (cmd === "background_options") return { close_to_tray: false, start_at_login: false };
      if (cmd === "systemd_status") return disabled;
      if (cmd === "backup_store")
        return {
          path: (args as { path: string }).path,
          schema_version: 2,
          learners: 300,
          messages_sent: 12,
        };
      throw new Error(`unexpected command ${cmd}`);
    });
    render(Background);
    window.__certdeskTestPaths = ["/tmp/b.sqlite"];
    await fireEvent.click(screen.getByRole("button", { name: "Back up…" }));
    expect((await screen.findByRole("status")).textContent).toContain(
      "Backed up to /tmp/b.sqlite: 300 learners",
    );
    // What was made can be opened or shown in its folder.
    await fireEvent.click(screen.getByRole("button", { name: "Show in folder" }));
    await waitFor(() =>
      expect(calls).toContainEqual(["show_made_file", { path: "/tmp/b.sqlite" }]),
    );
  });
});
