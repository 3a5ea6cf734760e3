import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import HrFiles from "./HrFiles.svelte";
import DropFolder from "./DropFolder.svelte";
import type { HrFileRecord, HrSync } from "../api";

afterEach(() => {
  cleanup();
  clearMocks();
});

const rejected: HrFileRecord = {
  id: 2,
  name: "assignments-monday.csv",
  kind: "assignments",
  outcome: "rejected",
  taken_at: "2026-12-01T09:00:00Z",
  rows: 2,
  problems: 3,
  moved_to: "rejected/assignments-monday.csv",
};
const imported: HrFileRecord = {
  id: 1,
  name: "learners.csv",
  kind: "learners",
  outcome: "imported",
  taken_at: "2026-12-01T09:00:00Z",
  rows: 1,
  problems: 0,
  moved_to: "processed/learners.csv",
};
const report =
  "Rejected: nothing was imported. 3 problem(s)\nline 2: program 'NOPE' not found\nline 3: learner 'H9' not found\n";

/** The backend; `open` answers the OS folder dialog (tauri-plugin-dialog), `null` a cancel. */
function backend(
  opts: { folder?: string | null; files?: HrFileRecord[] } = {},
  open: (options: unknown) => string | null = () => null,
) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  let folder = opts.folder === undefined ? "/srv/hr-drop" : opts.folder;
  let files = opts.files ?? [];
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    switch (cmd) {
      case "drop_folder":
        return folder;
      case "plugin:dialog|open":
        return open((args as { options: unknown }).options);
      case "set_drop_folder":
        if (args.path === "/nope")
          throw {
            kind: "invalid",
            message: "invalid drop_folder: /nope is not a folder (or cannot be reached)",
          };
        folder = (args.path as string | null) ?? null;
        return folder;
      case "hr_files":
        return files;
      case "sync_hr_folder": {
        files = [rejected, imported];
        const s: HrSync = {
          folder,
          files: [
            { ...imported, summary: null, move_error: null },
            { ...rejected, summary: null, move_error: null },
          ],
          waiting: ["completions.csv"],
        };
        return s;
      }
      case "hr_file_report":
        return args.id === 2 ? report : "Imported 1 rows";
      default:
        throw new Error(cmd);
    }
  });
  return calls;
}

describe("HR files", () => {
  it("syncs now, lists the files with their outcome and shows a rejected file's report", async () => {
    const calls = backend();
    render(HrFiles);
    expect((await screen.findByTestId("hr-folder")).textContent).toContain("/srv/hr-drop");
    expect(screen.getByText("No HR file taken yet.")).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Sync now" }));
    expect((await screen.findByTestId("hr-notice")).textContent).toContain(
      "2 files taken, 1 rejected; still being written: completions.csv.",
    );
    const rows = await screen.findAllByTestId("hr-file");
    expect(
      rows.map((r) =>
        Array.from(r.querySelectorAll("td"), (td) => td.textContent)
          .slice(1, 6)
          .join(" | "),
      ),
    ).toEqual([
      "assignments-monday.csv | assignments | rejected | 2 | 3",
      "learners.csv | learners | imported | 1 | 0",
    ]);
    await fireEvent.click(screen.getByRole("button", { name: "Report of assignments-monday.csv" }));
    const shown = await screen.findByTestId("hr-report");
    expect(shown.textContent).toBe(report);
    expect(calls.filter((c) => c.cmd === "hr_file_report").map((c) => c.args)).toEqual([{ id: 2 }]);
  });

  it("says where to set the folder when none is set", async () => {
    backend({ folder: null });
    render(HrFiles);
    expect(
      await screen.findByText("No HR drop folder is set; choose one in Settings."),
    ).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Sync now" })).toBeNull();
  });
});

describe("HR drop folder setting", () => {
  it("saves the folder chosen in the folder dialog, shows a refusal, and turns it off", async () => {
    const chosen: (string | null)[] = ["/nope", "/srv/hr-drop", null];
    const asked: unknown[] = [];
    const calls = backend({ folder: null }, (options) => {
      asked.push(options);
      return chosen.shift() ?? null;
    });
    render(DropFolder);
    expect((await screen.findByText("none")).id).toBe("drop-folder");
    const choose = screen.getByRole("button", { name: "Choose a folder…" });
    await fireEvent.click(choose);
    expect(await screen.findByText(/Not saved: invalid drop_folder/)).toBeTruthy();
    expect(asked[0]).toMatchObject({ directory: true, title: "Choose the HR drop folder" });
    await fireEvent.click(choose);
    expect((await screen.findByRole("status")).textContent).toContain(
      "Saved: every run takes the HR files dropped in /srv/hr-drop.",
    );
    expect(document.getElementById("drop-folder")?.textContent).toBe("/srv/hr-drop");
    // A cancelled dialog changes nothing.
    await fireEvent.click(choose);
    await waitFor(() => expect(asked).toHaveLength(3));
    await new Promise((r) => setTimeout(r, 0));
    expect(document.getElementById("drop-folder")?.textContent).toBe("/srv/hr-drop");
    await fireEvent.click(screen.getByRole("button", { name: "No drop folder" }));
    expect((await screen.findByRole("status")).textContent).toContain("Saved: no HR drop folder");
    expect(calls.filter((c) => c.cmd === "set_drop_folder").map((c) => c.args.path)).toEqual([
      "/nope",
      "/srv/hr-drop",
      null,
    ]);
  });
});
