import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Exceptions from "./Exceptions.svelte";
import type { ActionBatch, ActionOutcome, ExceptionRow, UndoOutcome } from "../api";

const ada: ExceptionRow = {
  id: 1,
  assignment_id: 1,
  learner_name: "Ada",
  learner_id_number: "E1",
  program_name: "First Aid at Work",
  kind: "time_allowance",
  issue: "Due 2026-12-01 leaves 3 days; the path needs 40 hours",
  due_date: "2026-12-01",
  time_needed_hours: 40,
  raised_at: "2026-11-20T09:30:00Z",
  actions: ["assign", "set_realistic_due_date", "do_not_assign", "dismiss"],
};

afterEach(() => {
  cleanup();
  clearMocks();
});

/**
 * A backend with Ada raised and one earlier batch (3) in the history. Applying makes batch
 * 7; undoing puts Ada back. `sent` messages of batch 7 were already sent: its undo is
 * refused (needs_confirmation) unless confirmed.
 */
function backend(sent: number) {
  const calls: { cmd: string; batch?: number; confirmSent?: boolean }[] = [];
  let raised = [ada];
  const history: ActionBatch[] = [
    {
      id: 3,
      action: "dismiss",
      applied_at: "2026-11-21T10:00:00Z",
      os_user: "sam",
      rows: 12,
      undone_at: null,
    },
  ];
  mockIPC((cmd, args) => {
    const a = args as { batch: number; confirmSent: boolean };
    calls.push({ cmd, batch: a?.batch, confirmSent: a?.confirmSent });
    if (cmd === "raised_exceptions") return raised;
    if (cmd === "exception_action_history") return [...history].reverse();
    const outcome: ActionOutcome = { action: "dismiss", changed: 1, skipped: [], batch: null };
    if (cmd === "preview_exception_action") return outcome;
    if (cmd === "apply_exception_action") {
      raised = [];
      history.push({
        id: 7,
        action: "dismiss",
        applied_at: "2026-11-22T10:00:00Z",
        os_user: "sam",
        rows: 1,
        undone_at: null,
      });
      return { ...outcome, batch: 7 };
    }
    if (cmd === "undo_exception_action") {
      if (a.batch === 7 && sent > 0 && !a.confirmSent) {
        throw {
          kind: "needs_confirmation",
          message: `${sent} message(s) caused by batch 7 were already sent; confirm to undo the rest (the sent ones stay sent)`,
        };
      }
      const b = history.find((x) => x.id === a.batch)!;
      b.undone_at = "2026-11-22T11:00:00Z";
      if (a.batch === 7) raised = [ada];
      const done: UndoOutcome = {
        batch: a.batch,
        action: b.action,
        restored: b.rows,
        changed_since: 0,
        withdrawn: 2,
        sent_kept: a.confirmSent ? sent : 0,
      };
      return done;
    }
    throw new Error(cmd);
  });
  return calls;
}

async function dismissAda() {
  await fireEvent.click(await screen.findByLabelText(/Select Ada/));
  await fireEvent.click(screen.getByRole("radio", { name: /Dismiss/ }));
  await fireEvent.click(screen.getByRole("button", { name: "Apply…" }));
  await fireEvent.click(await screen.findByRole("button", { name: "Change 1 row" }));
  await screen.findByTestId("action-result");
  await waitFor(() => expect(screen.queryByText("Ada")).toBeNull());
}

const text = (el: HTMLElement | undefined) => el?.textContent?.replace(/\s+/g, " ") ?? "";

describe("Undo of an exception action", () => {
  it("lists the applied actions with who, when, what and how many rows", async () => {
    backend(0);
    render(Exceptions);
    const rows = await screen.findAllByTestId("history-row");
    expect(text(rows[0])).toContain("3");
    expect(text(rows[0])).toContain("sam");
    expect(text(rows[0])).toContain("2026-11-21 10:00 UTC");
    expect(text(rows[0])).toContain("12");
    expect(screen.getByRole("button", { name: "Undo batch 3" })).toBeTruthy();
  });

  it("undoes the action from its result: the row comes back, the history says undone", async () => {
    const calls = backend(0);
    render(Exceptions);
    await dismissAda();
    await fireEvent.click(screen.getByTestId("undo-result"));
    const summary = await screen.findByTestId("undo-result-summary");
    expect(text(summary)).toContain("Batch 7 undone: 1 row restored, 2 unsent messages withdrawn");
    expect(await screen.findByText("Ada")).toBeTruthy();
    expect(calls.filter((c) => c.cmd === "undo_exception_action")).toEqual([
      { cmd: "undo_exception_action", batch: 7, confirmSent: false },
    ]);
    expect(screen.queryByTestId("undo-result")).toBeNull();
    await waitFor(() => expect(text(screen.getAllByTestId("history-row")[0])).toContain("Undone"));
    expect(screen.queryByRole("button", { name: "Undo batch 7" })).toBeNull();
  });

  it("asks in the page before undoing when messages were already sent", async () => {
    const calls = backend(2);
    render(Exceptions);
    await dismissAda();
    await fireEvent.click(await screen.findByRole("button", { name: "Undo batch 7" }));
    const ask = await screen.findByTestId("undo-confirm");
    expect(text(ask)).toContain("2 message(s) caused by batch 7 were already sent");
    expect(screen.queryByText("Ada")).toBeNull();
    // Cancel: nothing more asked of the backend.
    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByTestId("undo-confirm")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Undo batch 7" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Undo the rest" }));
    const summary = await screen.findByTestId("undo-result-summary");
    expect(text(summary)).toContain("2 already sent");
    expect(await screen.findByText("Ada")).toBeTruthy();
    expect(
      calls.filter((c) => c.cmd === "undo_exception_action").map((c) => c.confirmSent),
    ).toEqual([false, false, true]);
  });
});
