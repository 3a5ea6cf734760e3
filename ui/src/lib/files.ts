// Every file or folder a person picks or saves goes through here: the OS open and save
// dialogs (tauri-plugin-dialog; the window holds `dialog:allow-open` and `dialog:allow-save`,
// nothing more). A cancelled dialog gives `null`.
//
// Test hook: WebDriver cannot drive a native dialog, so the end-to-end tests queue the
// answers in `window.__certdeskTestPaths` (an array, set with execute-script) before the
// click that opens a dialog; each pick (of a file or a folder) or save then takes the first
// answer instead of showing a dialog (a `null` answer is a cancel). The hook is inert unless
// that array is set and not empty: the product never sets it.
import { open, save, type DialogFilter } from "@tauri-apps/plugin-dialog";

declare global {
  interface Window {
    /** Answers queued by the end-to-end tests for the next dialogs; see the module note. */
    __certdeskTestPaths?: (string | null)[];
  }
}

/** What is being picked: decides the dialog's title and file filters. */
export type PickKind = "csv" | "holidays" | "store" | "backup";
/** What is being saved. */
export type SaveKind = "csv" | "xlsx" | "jsonl" | "backup";
/** Which folder is being picked: decides the dialog's title. */
export type FolderKind = "drop";

const pickFilters: Record<PickKind, DialogFilter[]> = {
  csv: [{ name: "CSV files", extensions: ["csv"] }],
  holidays: [{ name: "Calendars and CSV files", extensions: ["ics", "csv"] }],
  store: [{ name: "CertDesk stores", extensions: ["sqlite", "sqlite3", "db"] }],
  backup: [{ name: "CertDesk backups", extensions: ["sqlite", "sqlite3", "db"] }],
};

const pickTitles: Record<PickKind, string> = {
  csv: "Choose a CSV file",
  holidays: "Choose a holiday calendar",
  store: "Open a CertDesk store",
  backup: "Choose the backup to restore",
};

const saveFilters: Record<SaveKind, DialogFilter[]> = {
  csv: [{ name: "CSV files", extensions: ["csv"] }],
  xlsx: [{ name: "Excel workbooks", extensions: ["xlsx"] }],
  jsonl: [{ name: "JSON Lines", extensions: ["jsonl"] }],
  backup: [{ name: "CertDesk backups", extensions: ["sqlite"] }],
};

const saveTitles: Record<SaveKind, string> = {
  csv: "Export as CSV",
  xlsx: "Export as an Excel workbook",
  jsonl: "Export as JSON Lines",
  backup: "Back up the store to",
};

const folderTitles: Record<FolderKind, string> = {
  drop: "Choose the HR drop folder",
};

/** The next answer the end-to-end tests queued, or `undefined` when none is (the product). */
function testAnswer(): string | null | undefined {
  const queue = typeof window === "undefined" ? undefined : window.__certdeskTestPaths;
  if (!Array.isArray(queue) || queue.length === 0) return undefined;
  return queue.shift() ?? null;
}

/** Asks for one existing file of `kind`; its full path, or `null` when cancelled. */
export async function pickFile(kind: PickKind): Promise<string | null> {
  const queued = testAnswer();
  if (queued !== undefined) return queued;
  const chosen = await open({
    title: pickTitles[kind],
    multiple: false,
    directory: false,
    filters: pickFilters[kind],
  });
  return typeof chosen === "string" ? chosen : null;
}

/** Asks for one existing folder; its full path, or `null` when cancelled. */
export async function pickFolder(kind: FolderKind): Promise<string | null> {
  const queued = testAnswer();
  if (queued !== undefined) return queued;
  const chosen = await open({ title: folderTitles[kind], multiple: false, directory: true });
  return typeof chosen === "string" ? chosen : null;
}

/** Asks where to save a file of `kind`, suggesting `suggestedName`; `null` when cancelled. */
export async function saveFile(kind: SaveKind, suggestedName: string): Promise<string | null> {
  const queued = testAnswer();
  if (queued !== undefined) return queued;
  const chosen = await save({
    title: saveTitles[kind],
    defaultPath: suggestedName,
    filters: saveFilters[kind],
  });
  return chosen ?? null;
}

/** `2026-11-30` style stamp for suggested names, in local time. */
export function dayStamp(at: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

/** The last part of a path, for showing which file was chosen. */
export function fileName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}
