import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Exceptions from "./Exceptions.svelte";
import type {
  ActionOutcome,
  ExceptionAction,
  ExceptionKind,
  ExceptionRow,
  Selection,
} from "../api";

/**
 * The actions the backend allows each type (DOMAIN.md section 5), written out here: the
 * screen must offer what the rows say, not what a copy in the UI says.
 */
const allowed: Record<ExceptionKind, ExceptionAction[]> = {
  duplicate_course: ["assign", "do_not_assign", "dismiss"],
  completion_time_unknown: ["set_realistic_due_date", "do_not_assign", "dismiss"],
  time_allowance: ["assign", "set_realistic_due_date", "do_not_assign", "dismiss"],
};

const row = (
  id: number,
  name: string,
  kind: ExceptionKind,
  actions: ExceptionAction[] = allowed[kind],
): ExceptionRow => ({
  id,
  assignment_id: id,
  learner_name: name,
  learner_id_number: `E${id}`,
  program_name: "First Aid at Work",
  kind,
  issue: "Due 2026-12-01 leaves 3 days; the path needs 40 hours",
  due_date: "2026-12-01",
  time_needed_hours: 40,
  raised_at: "2026-11-20T09:30:00Z",
  actions,
});

afterEach(() => {
  cleanup();
  clearMocks();
});

function backend(rows: ExceptionRow[]) {
  const calls: { cmd: string; selection?: Selection; action?: string }[] = [];
  let current = rows;
  mockIPC((cmd, args) => {
    const a = args as { selection: Selection; action: string };
    calls.push({ cmd, selection: a?.selection, action: a?.action });
    if (cmd === "raised_exceptions") return current;
    if (cmd === "exception_action_history") return [];
    const chosen = current.filter(
      (r) => a.selection.all || a.selection.kind === r.kind || a.selection.ids.includes(r.id),
    );
    const allowed = chosen.filter((r) => r.actions.includes(a.action as never));
    const outcome: ActionOutcome = {
      action: a.action as never,
      changed: allowed.length,
      skipped: chosen
        .filter((r) => !allowed.includes(r))
        .map((r) => ({
          exception_id: r.id,
          learner_name: r.learner_name,
          kind: r.kind,
          reason: `${a.action} is not allowed for a ${r.kind} exception`,
        })),
      batch: cmd === "apply_exception_action" ? 1 : null,
    };
    if (cmd === "preview_exception_action") return outcome;
    if (cmd === "apply_exception_action") {
      current = current.filter((r) => !allowed.includes(r));
      return outcome;
    }
    throw new Error(cmd);
  });
  return calls;
}

/** The actions offered, in order. */
const options = () =>
  [...document.querySelectorAll<HTMLInputElement>("input[name=exception-action]")].map(
    (o) => o.value,
  );
const chooseAction = (name: RegExp) => fireEvent.click(screen.getByRole("radio", { name }));

describe("Exception report", () => {
  it("lists raised exceptions with their issue in words", async () => {
    backend([row(1, "Ada Lovelace", "time_allowance")]);
    render(Exceptions);
    expect(await screen.findByText("Ada Lovelace")).toBeTruthy();
    expect(screen.getByText(/leaves 3 days/)).toBeTruthy();
    expect(screen.getByText("2026-11-20 09:30 UTC")).toBeTruthy();
  });

  it("offers only the actions the selected types allow", async () => {
    backend([row(1, "Ada", "duplicate_course"), row(2, "Alan", "completion_time_unknown")]);
    render(Exceptions);
    await screen.findByText("Ada");
    expect(options()).toEqual([]);

    await fireEvent.change(screen.getByLabelText("Select"), {
      target: { value: "duplicate_course" },
    });
    expect(options()).toEqual(["assign", "do_not_assign", "dismiss"]);

    await fireEvent.change(screen.getByLabelText("Select"), {
      target: { value: "completion_time_unknown" },
    });
    expect(options()).toEqual(["set_realistic_due_date", "do_not_assign", "dismiss"]);

    await fireEvent.click(screen.getByLabelText(/Select Ada/));
    expect(options()).toEqual(["assign", "set_realistic_due_date", "do_not_assign", "dismiss"]);
  });

  it("takes the actions offered from the rows, not from the type", async () => {
    // A row whose backend allows fewer actions than its type usually does.
    backend([row(1, "Ada", "time_allowance", ["dismiss"]), row(2, "Alan", "time_allowance")]);
    render(Exceptions);
    await screen.findByText("Ada");
    await fireEvent.click(screen.getByLabelText(/Select Ada/));
    expect(options()).toEqual(["dismiss"]);
    await fireEvent.change(screen.getByLabelText("Select"), {
      target: { value: "time_allowance" },
    });
    expect(options()).toEqual(["assign", "set_realistic_due_date", "do_not_assign", "dismiss"]);
    // A type with no row loaded adds nothing: only Ada, picked by hand, is selected.
    await fireEvent.change(screen.getByLabelText("Select"), {
      target: { value: "duplicate_course" },
    });
    expect(options()).toEqual(["dismiss"]);
    expect(screen.getByTestId("selected-count").textContent).toBe("1 selected");
  });

  it("confirms with the rows that change and those skipped, then shows the result", async () => {
    const calls = backend([
      row(1, "Ada", "duplicate_course"),
      row(2, "Alan", "completion_time_unknown"),
    ]);
    render(Exceptions);
    await screen.findByText("Ada");
    await fireEvent.change(screen.getByLabelText("Select"), { target: { value: "all" } });
    await chooseAction(/^Assign$/);
    await fireEvent.click(screen.getByRole("button", { name: "Apply…" }));

    const dialog = await screen.findByRole("dialog");
    const said = dialog.textContent?.replace(/\s+/g, " ");
    expect(said).toContain("1 row will change");
    expect(said).toContain("1 selected row is skipped: Alan (Completion time unknown)");
    expect(said).toContain("not allowed for a completion_time_unknown");
    expect(said).toContain("You can undo it afterwards");
    expect(calls.some((c) => c.cmd === "apply_exception_action")).toBe(false);

    const confirm = screen.getByRole("button", { name: "Change 1 row" });
    await waitFor(() => expect(document.activeElement).toBe(confirm));
    // Tab stays inside the modal dialog.
    await fireEvent.keyDown(dialog, { key: "Tab" });
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Cancel" }));
    await fireEvent.keyDown(dialog, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(confirm);
    await fireEvent.click(confirm);
    const result = await screen.findByTestId("action-result");
    expect(result.textContent?.replace(/\s+/g, " ")).toContain("1 row changed, 1 skipped");
    const applied = calls.find((c) => c.cmd === "apply_exception_action");
    expect(applied?.selection).toEqual({ all: true, kind: null, ids: [] });
    await waitFor(() => expect(screen.queryByText("Ada")).toBeNull());
    expect(screen.getByText("Alan")).toBeTruthy();
    // The selection starts over: Select shows it.
    expect((screen.getByLabelText("Select") as HTMLSelectElement).value).toBe("none");
  });

  it("cancels with Escape and changes nothing", async () => {
    const calls = backend([row(1, "Ada", "time_allowance")]);
    render(Exceptions);
    await fireEvent.click(await screen.findByLabelText(/Select Ada/));
    await chooseAction(/Dismiss/);
    await fireEvent.click(screen.getByRole("button", { name: "Apply…" }));
    const dialog = await screen.findByRole("dialog");
    expect(calls.at(-1)?.selection).toEqual({ all: false, kind: null, ids: [1] });
    await fireEvent.keyDown(dialog, { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(calls.some((c) => c.cmd === "apply_exception_action")).toBe(false);
  });

  it("reads more rows a page at a time, after the last id shown", async () => {
    const all = Array.from({ length: 501 }, (_, i) =>
      row(i + 1, `Learner ${i + 1}`, "time_allowance"),
    );
    const asked: (number | null)[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "exception_action_history") return [];
      if (cmd !== "raised_exceptions") throw new Error(cmd);
      const { after, limit } = args as { after: number | null; limit: number };
      asked.push(after);
      return all.filter((r) => after === null || r.id > after).slice(0, limit);
    });
    render(Exceptions);
    await screen.findByText("Learner 500");
    expect(screen.queryByText("Learner 501")).toBeNull();
    await fireEvent.click(screen.getByRole("button", { name: "Show more" }));
    await screen.findByText("Learner 501");
    expect(asked).toEqual([null, 500]);
    expect(screen.getAllByTestId("exception-row")).toHaveLength(501);
    expect(screen.queryByRole("button", { name: "Show more" })).toBeNull();
  });

  it("escapes learner-supplied text", async () => {
    backend([row(1, "<img src=x onerror=alert(1)>", "time_allowance")]);
    const { container } = render(Exceptions);
    expect(await screen.findByText("<img src=x onerror=alert(1)>")).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();
  });

  it("shows how many rows of a large batch are done while it is applied", async () => {
    const rows = [row(1, "Ada", "time_allowance")];
    let release: (o: ActionOutcome) => void = () => {};
    mockIPC((cmd, args) => {
      if (cmd === "raised_exceptions") return rows;
      if (cmd === "exception_action_history") return [];
      const outcome: ActionOutcome = {
        action: "dismiss",
        changed: 20000,
        skipped: [],
        batch: 1,
      };
      if (cmd === "preview_exception_action") return outcome;
      if (cmd === "apply_exception_action") {
        const channel = (args as { progress: { onmessage: (p: unknown) => void } }).progress;
        channel.onmessage({ done: 0, total: 20000 });
        channel.onmessage({ done: 5000, total: 20000 });
        return new Promise((resolve) => (release = resolve)).then(() => outcome);
      }
      throw new Error(cmd);
    });
    render(Exceptions);
    await fireEvent.click(await screen.findByLabelText(/Select Ada/));
    await chooseAction(/Dismiss/);
    await fireEvent.click(screen.getByRole("button", { name: "Apply…" }));
    await fireEvent.click(await screen.findByRole("button", { name: /Change 20,000 rows/ }));
    const status = await screen.findByTestId("action-progress");
    await waitFor(() =>
      expect(status.textContent?.replace(/\s+/g, " ")).toContain("5,000 of 20,000 rows"),
    );
    const bar = screen.getByLabelText("Applying the action") as HTMLProgressElement;
    expect([bar.value, bar.max]).toEqual([5000, 20000]);
    release({ action: "dismiss", changed: 20000, skipped: [], batch: 1 });
    const result = await screen.findByTestId("action-result");
    expect(result.textContent?.replace(/\s+/g, " ")).toContain("20,000 rows changed");
    await waitFor(() => expect(screen.queryByTestId("action-progress")).toBeNull());
  });
});
