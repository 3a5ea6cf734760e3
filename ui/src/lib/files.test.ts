import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// The product path: the OS dialogs of tauri-plugin-dialog, mocked here to see what they are
// asked.
const dialog = vi.hoisted(() => ({
  open: vi.fn<(o: unknown) => Promise<string | string[] | null>>(),
  save: vi.fn<(o: unknown) => Promise<string | null>>(),
}));
vi.mock("@tauri-apps/plugin-dialog", () => dialog);

import { dayStamp, fileName, pickFile, pickFolder, saveFile } from "./files";

beforeEach(() => {
  dialog.open.mockReset();
  dialog.save.mockReset();
  delete window.__certdeskTestPaths;
});
afterEach(() => {
  delete window.__certdeskTestPaths;
});

describe("files", () => {
  it("picks a CSV file in the open dialog, one file, CSV only", async () => {
    dialog.open.mockResolvedValue("/home/ana/learners.csv");
    expect(await pickFile("csv")).toBe("/home/ana/learners.csv");
    expect(dialog.open).toHaveBeenCalledWith({
      title: "Choose a CSV file",
      multiple: false,
      directory: false,
      filters: [{ name: "CSV files", extensions: ["csv"] }],
    });
  });

  it("offers calendars for holidays and stores for a store or a restore", async () => {
    dialog.open.mockResolvedValue(null);
    expect(await pickFile("holidays")).toBeNull();
    await pickFile("store");
    await pickFile("backup");
    const filters = dialog.open.mock.calls.map(
      ([o]) => (o as { filters: { extensions: string[] }[] }).filters[0]?.extensions,
    );
    expect(filters).toEqual([
      ["ics", "csv"],
      ["sqlite", "sqlite3", "db"],
      ["sqlite", "sqlite3", "db"],
    ]);
  });

  it("saves an export with the suggested name and its format's filter", async () => {
    dialog.save.mockResolvedValue("/home/ana/Downloads/certdesk-memberships-2026-11-30.xlsx");
    const path = await saveFile("xlsx", "certdesk-memberships-2026-11-30.xlsx");
    expect(path).toBe("/home/ana/Downloads/certdesk-memberships-2026-11-30.xlsx");
    expect(dialog.save).toHaveBeenCalledWith({
      title: "Export as an Excel workbook",
      defaultPath: "certdesk-memberships-2026-11-30.xlsx",
      filters: [{ name: "Excel workbooks", extensions: ["xlsx"] }],
    });
  });

  it("saves a JSON Lines export with its own filter", async () => {
    dialog.save.mockResolvedValue("/home/ana/certdesk-audit-2026-11-30.jsonl");
    await saveFile("jsonl", "certdesk-audit-2026-11-30.jsonl");
    expect(dialog.save).toHaveBeenCalledWith({
      title: "Export as JSON Lines",
      defaultPath: "certdesk-audit-2026-11-30.jsonl",
      filters: [{ name: "JSON Lines", extensions: ["jsonl"] }],
    });
  });

  it("picks one folder in the folder dialog, null when cancelled", async () => {
    dialog.open.mockResolvedValueOnce("/srv/hr-drop").mockResolvedValueOnce(null);
    expect(await pickFolder("drop")).toBe("/srv/hr-drop");
    expect(await pickFolder("drop")).toBeNull();
    expect(dialog.open).toHaveBeenCalledWith({
      title: "Choose the HR drop folder",
      multiple: false,
      directory: true,
    });
  });

  it("gives null when the save dialog is cancelled", async () => {
    dialog.save.mockResolvedValue(null);
    expect(await saveFile("backup", "certdesk-backup-2026-11-30.sqlite")).toBeNull();
  });

  it("takes the end-to-end tests' queued answers instead of a dialog, in order", async () => {
    window.__certdeskTestPaths = ["/tmp/a.csv", null, "/tmp/b.sqlite", "/tmp/drop"];
    expect(await pickFile("csv")).toBe("/tmp/a.csv");
    expect(await pickFile("csv")).toBeNull();
    expect(await saveFile("backup", "x.sqlite")).toBe("/tmp/b.sqlite");
    expect(await pickFolder("drop")).toBe("/tmp/drop");
    expect(window.__certdeskTestPaths).toEqual([]);
    expect(dialog.open).not.toHaveBeenCalled();
    expect(dialog.save).not.toHaveBeenCalled();
    // An empty queue is inert: the dialog shows again.
    dialog.open.mockResolvedValue("/tmp/c.csv");
    expect(await pickFile("csv")).toBe("/tmp/c.csv");
    expect(dialog.open).toHaveBeenCalledTimes(1);
  });

  it("names a dated file and shows a chosen file by its name", () => {
    expect(dayStamp(new Date(2026, 10, 3))).toBe("2026-11-03");
    expect(fileName("/home/ana/learners.csv")).toBe("learners.csv");
    expect(fileName("C:\\Users\\ana\\roster.csv")).toBe("roster.csv");
  });
});
