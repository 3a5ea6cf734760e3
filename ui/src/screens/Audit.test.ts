import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Audit from "./Audit.svelte";
import { dayStamp } from "../lib/files";
import type { AuditFilter, AuditPage, AuditRow, TrailFormat } from "../api";

afterEach(() => {
  cleanup();
  clearMocks();
});

const row = (id: number, action: string, user: string): AuditRow => ({
  id,
  at: "2027-03-01T09:00:00Z",
  os_user: user,
  action,
  subject: "store",
  before: id === 2 ? "15" : null,
  after: id === 2 ? "20" : '{"email":"ada@x.org"}',
  hash: "ab".repeat(32),
});

type Call = { cmd: string; args: Record<string, unknown> };

type SaveOptions = { defaultPath: string; filters: { name: string }[] };

/** The backend; `save` answers the OS save dialog (tauri-plugin-dialog), `null` a cancel. */
function backend(
  save: (options: SaveOptions) => string | null = () => null,
  opts: { broken?: boolean } = {},
) {
  const calls: Call[] = [];
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    switch (cmd) {
      case "audit_list": {
        const f = args.filter as AuditFilter;
        const all = [row(2, "settings.run_interval", "carol"), row(1, "admins.add", "bob")];
        const page: AuditPage = {
          entries: all.filter(
            (r) => (!f.user || r.os_user === f.user) && (!f.action || r.action === f.action),
          ),
          next_before_id: null,
          actions: ["admins.add", "settings.run_interval"],
          users: ["bob", "carol"],
        };
        return page;
      }
      case "verify_audit":
        return opts.broken
          ? {
              ok: false,
              count: 1,
              problem: { entry_id: 2, kind: "altered", detail: "entry 2 was changed" },
            }
          : { ok: true, count: 2, problem: null };
      case "plugin:dialog|save":
        return save((args as { options: SaveOptions }).options);
      case "export_audit":
      case "export_messages":
        if (args.path === "/gone/audit.csv")
          throw { kind: "invalid", message: "invalid path: the folder /gone does not exist" };
        return { path: args.path as string, rows: 2 };
      case "open_made_file":
      case "show_made_file":
        return null;
    }
    return null;
  });
  return calls;
}

describe("Audit", () => {
  it("lists the entries newest first with the values before and after", async () => {
    backend();
    render(Audit);
    expect(await screen.findByRole("cell", { name: "settings.run_interval" })).toBeTruthy();
    const cells = screen.getAllByRole("row").map((r) => r.textContent ?? "");
    expect(cells[1]).toContain("carol");
    expect(cells[1]).toContain("15");
    expect(cells[1]).toContain("20");
    expect(cells[2]).toContain("admins.add");
  });

  it("filters by user and period", async () => {
    const calls = backend();
    render(Audit);
    await screen.findByRole("cell", { name: "settings.run_interval" });
    const user = document.getElementById("audit-user") as HTMLSelectElement;
    await fireEvent.change(user, { target: { value: "bob" } });
    await waitFor(() =>
      expect(screen.queryByRole("cell", { name: "settings.run_interval" })).toBeNull(),
    );
    expect(screen.getByRole("cell", { name: "admins.add" })).toBeTruthy();
    await fireEvent.input(document.getElementById("audit-from") as HTMLInputElement, {
      target: { value: "2027-03-01" },
    });
    await fireEvent.click(screen.getByRole("button", { name: "Show" }));
    await waitFor(() => {
      const last = calls.filter((c) => c.cmd === "audit_list").at(-1);
      expect(last?.args.filter).toMatchObject({ user: "bob", from: "2027-03-01", to: null });
    });
  });

  it("says when the chain verifies and names the entry when it does not", async () => {
    backend(undefined, { broken: true });
    render(Audit);
    await fireEvent.click(screen.getByRole("button", { name: "Verify the chain" }));
    const status = await screen.findByTestId("audit-verification");
    expect(status.textContent).toContain("Entry 2 does not verify");
  });

  it("exports the trail and the message log where the save dialog says, then offers to open them", async () => {
    const saved: { defaultPath: string; filters: { name: string }[] }[] = [];
    const calls = backend((options) => {
      saved.push(options);
      return `/home/me/${options.defaultPath}`;
    });
    render(Audit);
    await screen.findByRole("cell", { name: "settings.run_interval" });
    const format = document.getElementById("audit-format") as HTMLSelectElement;
    await fireEvent.change(format, { target: { value: "jsonl" } });
    await fireEvent.click(screen.getByRole("button", { name: "Export the trail…" }));
    const path = `/home/me/certdesk-audit-${dayStamp()}.jsonl`;
    const result = await screen.findByTestId("audit-export-result");
    expect(result.textContent).toContain(`2 rows to ${path}`);
    expect(saved[0]?.filters[0]?.name).toBe("JSON Lines");
    const exp = calls.find((c) => c.cmd === "export_audit");
    expect(exp?.args).toMatchObject({ format: "jsonl" as TrailFormat, path });
    await fireEvent.click(screen.getByRole("button", { name: "Show in folder" }));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "show_made_file")?.args).toEqual({ path }),
    );
    await fireEvent.click(screen.getByRole("button", { name: "Open" }));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "open_made_file")?.args).toEqual({ path }),
    );

    await fireEvent.change(format, { target: { value: "csv" } });
    await fireEvent.click(screen.getByRole("button", { name: "Export the message log…" }));
    const messages = `/home/me/certdesk-messages-${dayStamp()}.csv`;
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "export_messages")?.args).toMatchObject({
        format: "csv",
        path: messages,
      }),
    );
    expect((await screen.findByTestId("audit-export-result")).textContent).toContain(messages);
    expect(saved[1]?.filters[0]?.name).toBe("CSV files");
  });

  it("exports nothing when the save dialog is cancelled", async () => {
    const calls = backend(() => null);
    render(Audit);
    await screen.findByRole("cell", { name: "settings.run_interval" });
    await fireEvent.click(screen.getByRole("button", { name: "Export the trail…" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "plugin:dialog|save")).toBe(true));
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.some((c) => c.cmd === "export_audit")).toBe(false);
    expect(screen.queryByTestId("audit-export-result")).toBeNull();
  });

  it("says beside the export why an export failed", async () => {
    backend(() => "/gone/audit.csv");
    render(Audit);
    await screen.findByRole("cell", { name: "settings.run_interval" });
    await fireEvent.click(screen.getByRole("button", { name: "Export the trail…" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Export failed: ");
    expect(alert.textContent).toContain("/gone does not exist");
    expect(screen.queryByRole("button", { name: "Show in folder" })).toBeNull();
  });
});
