import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, within } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Import from "./Import.svelte";
import type { ImportPreview } from "../api";

afterEach(() => {
  cleanup();
  clearMocks();
});

const bad: ImportPreview = {
  rows: 4,
  good: 2,
  new: 1,
  updated: 1,
  problems: [
    { line: 3, message: "'nope' is not an email address" },
    { line: 5, message: "manager 'NOBODY' is neither in the file nor in the store" },
  ],
};
const clean: ImportPreview = { rows: 2, good: 2, new: 1, updated: 1, problems: [] };

function backend(preview: ImportPreview) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    switch (cmd) {
      case "preview_learner_import":
        if (args.path === "/missing.csv")
          throw { kind: "invalid", message: "invalid file: cannot read /missing.csv" };
        return preview;
      case "import_learners":
        return { rows: 2, created: 1, updated: 1, exceptions: 0 };
      case "drop_folder":
        return null;
      case "hr_files":
        return [];
      default:
        throw new Error(cmd);
    }
  });
  return calls;
}

/** Chooses `path` in the open dialog (through the test hook of lib/files.ts). */
async function previewFile(path: string) {
  window.__certdeskTestPaths = [path];
  await fireEvent.click(screen.getByRole("button", { name: "Choose a CSV file…" }));
}

describe("Import learners", () => {
  it("lists each bad row with its line and reason and refuses to import", async () => {
    const calls = backend(bad);
    render(Import);
    await previewFile("/tmp/learners.csv");
    const rows = await screen.findAllByTestId("import-problem");
    expect(
      rows.map((r) => Array.from(r.querySelectorAll("td"), (td) => td.textContent).join(" | ")),
    ).toEqual([
      "3 | 'nope' is not an email address",
      "5 | manager 'NOBODY' is neither in the file nor in the store",
    ]);
    const summary = within(screen.getByTestId("import-preview")).getByRole("status");
    expect(summary.textContent?.replace(/\s+/g, " ")).toContain(
      "Rows read: 4. Good: 2 (1 new, 1 updated). With problems: 2.",
    );
    expect(screen.getByText(/nothing has been imported/)).toBeTruthy();
    expect((screen.getByRole("button", { name: /^Import/ }) as HTMLButtonElement).disabled).toBe(
      true,
    );
    expect(calls.find((c) => c.cmd === "preview_learner_import")?.args).toEqual({
      path: "/tmp/learners.csv",
    });
    expect(calls.some((c) => c.cmd === "import_learners")).toBe(false);
  });

  it("imports a clean file after its preview", async () => {
    const calls = backend(clean);
    render(Import);
    await previewFile("/tmp/learners.csv");
    await fireEvent.click(await screen.findByRole("button", { name: "Import 2 learners" }));
    const notice = await screen.findByTestId("import-notice");
    expect(notice.textContent).toContain("1 learner created, 1 updated");
    expect(calls.find((c) => c.cmd === "import_learners")?.args).toEqual({
      path: "/tmp/learners.csv",
    });
  });

  it("counts the learners on the import button in words", async () => {
    backend({ rows: 1, good: 1, new: 1, updated: 0, problems: [] });
    render(Import);
    await previewFile("/tmp/one.csv");
    expect(await screen.findByRole("button", { name: "Import 1 learner" })).toBeTruthy();
    expect(screen.getByTestId("import-file").textContent).toBe("one.csv");
    cleanup();
    backend({ rows: 2000, good: 2000, new: 2000, updated: 0, problems: [] });
    render(Import);
    await previewFile("/tmp/many.csv");
    expect(await screen.findByRole("button", { name: "Import 2,000 learners" })).toBeTruthy();
  });

  it("says when the file cannot be read", async () => {
    backend(clean);
    render(Import);
    await previewFile("/missing.csv");
    expect((await screen.findByRole("alert")).textContent).toContain("cannot read /missing.csv");
  });
});
