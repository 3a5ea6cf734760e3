import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import FirstRun from "./FirstRun.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("First run", () => {
  it("sends the demo choice and then lets the app start", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "choose_first_run") return null;
      throw new Error(`unexpected command ${cmd}`);
    });
    let done = false;
    render(FirstRun, { done: () => (done = true) });
    await fireEvent.click(screen.getByRole("button", { name: "Explore the demo store" }));
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toContainEqual(["choose_first_run", { choice: "demo", path: null }]);
    expect(done).toBe(true);
  });

  it("stays and says why when the chosen file is not a store", async () => {
    mockIPC((cmd) => {
      if (cmd === "choose_first_run")
        throw { kind: "not_a_store", message: "/tmp/notes.txt is not a CertDesk store" };
      throw new Error(`unexpected command ${cmd}`);
    });
    let done = false;
    render(FirstRun, { done: () => (done = true) });
    await fireEvent.input(screen.getByLabelText(/Store or backup file/), {
      target: { value: "/tmp/notes.txt" },
    });
    await fireEvent.click(screen.getByRole("button", { name: "Open" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("is not a CertDesk store");
    expect(done).toBe(false);
  });
});
