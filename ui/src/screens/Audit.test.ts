import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Audit from "./Audit.svelte";
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

function backend(opts: { broken?: boolean } = {}) {
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
      case "export_audit":
      case "export_messages":
        return { path: args.path as string, rows: 2 };
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
    backend({ broken: true });
    render(Audit);
    await fireEvent.click(screen.getByRole("button", { name: "Verify the chain" }));
    const status = await screen.findByTestId("audit-verification");
    expect(status.textContent).toContain("Entry 2 does not verify");
  });

  it("exports the trail and the message log to the typed path in the chosen format", async () => {
    const calls = backend();
    render(Audit);
    await screen.findByRole("cell", { name: "settings.run_interval" });
    await fireEvent.input(screen.getByLabelText("Export to (full path)"), {
      target: { value: "/tmp/audit.jsonl" },
    });
    const format = document.getElementById("audit-format") as HTMLSelectElement;
    await fireEvent.change(format, { target: { value: "jsonl" } });
    await fireEvent.click(screen.getByRole("button", { name: "Export the trail" }));
    const result = await screen.findByTestId("audit-export-result");
    expect(result.textContent).toContain("2 rows to /tmp/audit.jsonl");
    const exp = calls.find((c) => c.cmd === "export_audit");
    expect(exp?.args).toMatchObject({ format: "jsonl" as TrailFormat, path: "/tmp/audit.jsonl" });
    await fireEvent.click(screen.getByRole("button", { name: "Export the message log" }));
    await waitFor(() => expect(calls.some((c) => c.cmd === "export_messages")).toBe(true));
  });
});
