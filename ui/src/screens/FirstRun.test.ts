import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import FirstRun from "./FirstRun.svelte";
import type { SiteAdmin } from "../api";

afterEach(() => {
  cleanup();
  clearMocks();
});

/** A backend with an unconfigured store; records every call. */
function backend(
  choose: (args: Record<string, unknown>) => unknown = () => "/data/certdesk.sqlite",
) {
  const calls: [string, unknown][] = [];
  let admins: SiteAdmin[] = [];
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push([cmd, args]);
    switch (cmd) {
      case "choose_first_run":
        return choose(args);
      case "smtp_settings":
        return { settings: null, has_password: false };
      case "save_smtp_settings":
        return { kind: "keyring" };
      case "test_smtp_settings":
        return null;
      case "site_admins":
        return admins;
      case "add_site_admin":
        admins = [{ id: 1, full_name: args.fullName as string, email: args.email as string }];
        return admins;
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  });
  return calls;
}

describe("First run", () => {
  it("walks from the demo choice through mail settings and administrators", async () => {
    const calls = backend();
    let done = false;
    render(FirstRun, { done: () => (done = true) });
    await fireEvent.click(screen.getByRole("button", { name: "Explore the demo store" }));
    expect(calls).toContainEqual(["choose_first_run", { choice: "demo", path: null }]);

    // Step 2: the SMTP settings, with a connection test.
    const host = (await screen.findByLabelText("Server")) as HTMLInputElement;
    expect(screen.getByRole("button", { name: "Skip for now" })).toBeTruthy();
    await fireEvent.input(host, { target: { value: "smtp.example.org" } });
    await fireEvent.input(screen.getByLabelText("From address"), {
      target: { value: "learning@example.org" },
    });
    await fireEvent.input(screen.getByLabelText("Send a test message to"), {
      target: { value: "me@example.org" },
    });
    await fireEvent.click(screen.getByRole("button", { name: "Test the connection" }));
    expect(await screen.findByText(/accepted a test message to me@example.org/)).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Next" }));
    expect(
      calls.find(([c]) => c === "save_smtp_settings")?.[1] as { settings: { host: string } },
    ).toMatchObject({ settings: { host: "smtp.example.org" } });

    // Step 3: the site administrators.
    await fireEvent.input(await screen.findByLabelText("Name"), { target: { value: "Sam Admin" } });
    await fireEvent.input(screen.getByLabelText("Email"), { target: { value: "sam@example.com" } });
    await fireEvent.click(screen.getByRole("button", { name: "Add" }));
    expect(await screen.findByText("Sam Admin <sam@example.com>")).toBeTruthy();
    expect(done).toBe(false);
    await fireEvent.click(screen.getByRole("button", { name: "Finish and open CertDesk" }));
    expect(done).toBe(true);
  });

  it("lets the administrator skip the mail settings", async () => {
    backend();
    let done = false;
    render(FirstRun, { done: () => (done = true) });
    await fireEvent.click(screen.getByRole("button", { name: "Start with an empty store" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Skip for now" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Finish and open CertDesk" }));
    expect(done).toBe(true);
  });

  it("stays and says why when the chosen file is not a store", async () => {
    backend(() => {
      throw { kind: "not_a_store", message: "/tmp/notes.txt is not a CertDesk store" };
    });
    render(FirstRun, { done: () => {} });
    window.__certdeskTestPaths = ["/tmp/notes.txt"];
    await fireEvent.click(screen.getByRole("button", { name: "Choose a store file…" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("is not a CertDesk store");
    await waitFor(() => expect(screen.queryByLabelText("Server")).toBeNull());
  });
});
