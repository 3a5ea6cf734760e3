import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Membership from "./Membership.svelte";
import type { MembershipCursor, MembershipQuery, MembershipRow, ProgramSummary } from "../api";

const row = (id: number, name: string): MembershipRow => ({
  assignment_id: id,
  learner_id: id,
  learner_name: name,
  learner_id_number: `E${id}`,
  managers: "Grace Hopper",
  program_id: 1,
  program_name: "First Aid at Work",
  is_certification: true,
  status: "window_open",
  active: true,
  due_date: "2026-12-01",
  expiry_date: "2026-12-01",
  window_opens_date: "2026-10-01",
  exception_status: "resolved_realistic",
  last_message_date: null,
});

const programs: ProgramSummary[] = [
  { id: 1, short_name: "FA", full_name: "First Aid at Work", kind: "certification", members: 2 },
  { id: 2, short_name: "FS", full_name: "Fire Safety", kind: "program", members: 5 },
];

type SaveAsked = { defaultPath: string; filters: { extensions: string[] }[] };
/** What the save dialog was asked, in order. */
let saveAsked: SaveAsked[] = [];

type ExportArgs = {
  query: MembershipQuery;
  path: string | null;
  format: string;
  progress: { onmessage: (p: unknown) => void };
};

afterEach(() => {
  cleanup();
  clearMocks();
  saveAsked = [];
});

/** A backend whose report is `page(query)`; returns every query it was asked. */
/** The report's pages over `all`, read by learner id from each page's cursor. */
function pagesOf(all: MembershipRow[]) {
  return (q: MembershipQuery) => {
    const start = q.after ? q.after.learner_id : 0;
    const rows = all.slice(start, start + q.limit);
    const lastRow = rows.at(-1);
    return {
      rows,
      next:
        lastRow && start + q.limit < all.length
          ? { learner_name: lastRow.learner_name, learner_id: lastRow.learner_id, program_id: 1 }
          : null,
    };
  };
}

function backend(
  page: (q: MembershipQuery) => { rows: MembershipRow[]; next: MembershipCursor | null },
  onExport?: (args: ExportArgs) => unknown,
) {
  const queries: MembershipQuery[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "program_list") return programs;
    // The OS save dialog (tauri-plugin-dialog): the file chosen is the one suggested, in /home/me.
    if (cmd === "plugin:dialog|save") {
      saveAsked.push((args as { options: SaveAsked }).options);
      return `/home/me/${(args as { options: SaveAsked }).options.defaultPath}`;
    }
    if (cmd === "export_memberships" && onExport) return onExport(args as ExportArgs);
    if (cmd !== "membership_page") throw new Error(cmd);
    const query = (args as { query: MembershipQuery }).query;
    queries.push(query);
    return page(query);
  });
  return queries;
}

describe("Membership report", () => {
  it("lists rows and sends the search text to the backend", async () => {
    const queries = backend((q) => ({
      rows: q.text ? [row(2, "Ada Lovelace")] : [row(1, "Alan Turing"), row(2, "Ada Lovelace")],
      next: null,
    }));
    render(Membership);
    expect(await screen.findByText("Alan Turing")).toBeTruthy();
    expect(screen.getAllByText("Resolved: realistic due date", { selector: "td" })).toHaveLength(2);

    await fireEvent.input(screen.getByLabelText(/Learner name/), { target: { value: "Ada" } });
    expect(queries).toHaveLength(1);
    await fireEvent.submit(screen.getByRole("search"));
    await screen.findByText("Ada Lovelace");
    await waitFor(() => expect(screen.queryByText("Alan Turing")).toBeNull());
    expect(queries.at(-1)?.text).toBe("Ada");
  });

  it("filters by program, status and exception status", async () => {
    const queries = backend(() => ({ rows: [row(1, "Alan Turing")], next: null }));
    render(Membership);
    await screen.findByText("Alan Turing");
    await screen.findByRole("option", { name: "Fire Safety" });
    await fireEvent.change(screen.getByLabelText("Program", { selector: "select" }), {
      target: { value: "2" },
    });
    await fireEvent.change(screen.getByLabelText("Status", { selector: "select" }), {
      target: { value: "expired" },
    });
    await fireEvent.change(screen.getByLabelText("Exception status", { selector: "select" }), {
      target: { value: "dismissed" },
    });
    await waitFor(() =>
      expect(queries.at(-1)).toMatchObject({
        program_id: 2,
        status: "expired",
        exception_status: "dismissed",
        after: null,
      }),
    );
  });

  it("sorts by a column, then the other way, and says so", async () => {
    const queries = backend(() => ({ rows: [row(1, "Alan Turing")], next: null }));
    render(Membership);
    await screen.findByText("Alan Turing");
    const due = screen.getByRole("button", { name: /Due date/ });
    await fireEvent.click(due);
    expect(queries.at(-1)?.sort).toEqual({ column: "due_date", descending: false });
    expect(due.closest("th")?.getAttribute("aria-sort")).toBe("ascending");
    await fireEvent.click(due);
    expect(queries.at(-1)?.sort).toEqual({ column: "due_date", descending: true });
    expect(due.closest("th")?.getAttribute("aria-sort")).toBe("descending");
    await fireEvent.click(screen.getByRole("button", { name: /Learner/ }));
    expect(queries.at(-1)?.sort).toEqual({ column: "learner_name", descending: false });
  });

  it("renders only the rows in view and reads the next page ahead", async () => {
    const all = Array.from({ length: 1000 }, (_, i) =>
      row(i + 1, `Learner ${String(i).padStart(4, "0")}`),
    );
    const queries = backend(pagesOf(all));
    render(Membership);
    await screen.findByText("Learner 0000");
    const rendered = screen.getAllByTestId("membership-row").length;
    expect(rendered).toBeLessThan(60);
    const viewport = screen.getByTestId("membership-viewport");
    viewport.scrollTop = 33 * 150;
    await fireEvent.scroll(viewport);
    await screen.findByText("Learner 0150");
    expect(screen.queryByText("Learner 0000")).toBeNull();
    await waitFor(() => expect(queries.some((q) => q.after?.learner_id === 200)).toBe(true));
  });

  it("shows the rows scrolled to in the row elements already drawn", async () => {
    const all = Array.from({ length: 1000 }, (_, i) =>
      row(i + 1, `Learner ${String(i).padStart(4, "0")}`),
    );
    const explained: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "program_list") return programs;
      if (cmd === "explain") {
        explained.push(args);
        throw new Error("not in this test");
      }
      if (cmd !== "membership_page") throw new Error(cmd);
      return pagesOf(all)((args as { query: MembershipQuery }).query);
    });
    render(Membership);
    await screen.findByText("Learner 0000");
    const before = new Set(screen.getAllByTestId("membership-row"));
    const viewport = screen.getByTestId("membership-viewport");
    // A jump of 45 rows, as one step of a fast scroll.
    viewport.scrollTop = 33 * 45;
    await fireEvent.scroll(viewport);
    await screen.findByText("Learner 0045");
    const after = screen.getAllByTestId("membership-row");
    expect(after.filter((r) => before.has(r)).length).toBeGreaterThanOrEqual(before.size - 1);
    // A row element now showing another row acts on the row it shows.
    const shown = after.find((r) => r.textContent?.includes("Learner 0045")) as HTMLElement;
    await fireEvent.click(shown.querySelector("[data-testid=membership-action]") as Element);
    await waitFor(() => expect(explained).toHaveLength(1));
    expect(JSON.stringify(explained[0])).toContain('"membership":46');
  });

  it("scrolls far through a long report and back to its first rows, read again", async () => {
    const all = Array.from({ length: 5000 }, (_, i) =>
      row(i + 1, `Learner ${String(i).padStart(4, "0")}`),
    );
    const queries = backend(pagesOf(all));
    render(Membership);
    await screen.findByText("Learner 0000");
    const viewport = screen.getByTestId("membership-viewport");
    // Down 4,500 rows, 300 at a time, as a reader dragging the scroll bar.
    for (let top = 300; top <= 4500; top += 300) {
      viewport.scrollTop = 33 * top;
      await fireEvent.scroll(viewport);
      await screen.findByText(`Learner ${String(top).padStart(4, "0")}`);
    }
    expect(screen.getByTestId("membership-count").textContent).toMatch(/4,[6-9]\d\d\+\s+rows/);
    const firstReads = queries.filter((q) => q.after === null).length;

    // Back to the top: the first page was dropped, so it is read again from the start, with
    // the query as it was shown (not the unsent search text).
    await fireEvent.input(screen.getByLabelText(/Learner name/), { target: { value: "Zed" } });
    viewport.scrollTop = 0;
    await fireEvent.scroll(viewport);
    expect(await screen.findByText("Learner 0000")).toBeTruthy();
    expect(screen.queryByTestId("membership-pending")).toBeNull();
    const again = queries.filter((q) => q.after === null);
    expect(again.length).toBe(firstReads + 1);
    expect(again.at(-1)?.text).toBeNull();
    expect(screen.getByTestId("membership-count").textContent).toMatch(/4,[6-9]\d\d\+\s+rows/);
  }, 20_000);

  it("hides a column chosen off", async () => {
    backend(() => ({ rows: [row(1, "Alan Turing")], next: null }));
    const { container } = render(Membership);
    await screen.findByText("Alan Turing");
    expect(container.querySelector("td[data-col=manager]")).not.toBeNull();
    await fireEvent.click(container.querySelector("input[data-column=manager]") as Element);
    expect(container.querySelector("td[data-col=manager]")).toBeNull();
    expect(screen.queryByRole("columnheader", { name: "Manager" })).toBeNull();
  });

  it("exports the filtered rows and says where", async () => {
    let asked: ExportArgs | null = null;
    backend(
      () => ({ rows: [row(1, "Alan Turing")], next: null }),
      (args) => {
        asked = args;
        return { path: args.path ?? "", rows: 1 };
      },
    );
    render(Membership);
    await screen.findByText("Alan Turing");
    await fireEvent.change(screen.getByLabelText("Status", { selector: "select" }), {
      target: { value: "expired" },
    });
    await fireEvent.click(screen.getByRole("button", { name: "Export CSV…" }));
    const done = await screen.findByTestId("export-result");
    // The save dialog suggested a dated name, CSV only; the export went where it said.
    expect(saveAsked).toHaveLength(1);
    expect(saveAsked[0]?.defaultPath).toMatch(/^certdesk-memberships-\d{4}-\d\d-\d\d\.csv$/);
    expect(saveAsked[0]?.filters[0]?.extensions).toEqual(["csv"]);
    const chosen = `/home/me/${saveAsked[0]?.defaultPath}`;
    expect(done.textContent).toContain(chosen);
    expect(screen.getByRole("button", { name: "Show in folder" })).toBeTruthy();
    expect(asked).toMatchObject({
      path: chosen,
      format: "csv",
      query: { status: "expired", after: null },
    });
  });

  it("exports XLSX with a progress bar of the rows written", async () => {
    let release: () => void = () => {};
    backend(
      () => ({ rows: [row(1, "Alan Turing")], next: null }),
      (args) => {
        expect(args.format).toBe("xlsx");
        args.progress.onmessage({ done: 500, total: 2000 });
        return new Promise<void>((r) => (release = r)).then(() => ({
          path: "/tmp/report.xlsx",
          rows: 2000,
        }));
      },
    );
    render(Membership);
    await screen.findByText("Alan Turing");
    window.__certdeskTestPaths = ["/tmp/report.xlsx"];
    await fireEvent.click(screen.getByRole("button", { name: "Export XLSX…" }));
    const status = await screen.findByTestId("export-progress");
    await waitFor(() => expect(status.textContent).toContain("500 of 2,000 rows"));
    const bar = screen.getByLabelText("Exporting the report") as HTMLProgressElement;
    expect([bar.value, bar.max]).toEqual([500, 2000]);
    release();
    expect((await screen.findByTestId("export-result")).textContent).toContain("/tmp/report.xlsx");
    await waitFor(() => expect(screen.queryByTestId("export-progress")).toBeNull());
  });

  it("escapes learner-supplied text", async () => {
    backend(() => ({ rows: [row(1, "<img src=x onerror=alert(1)>")], next: null }));
    const { container } = render(Membership);
    expect(await screen.findByText("<img src=x onerror=alert(1)>")).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();
  });

  it("opens on a dashboard figure's rows, and shows all again on request", async () => {
    const queries = backend(() => ({ rows: [row(1, "Ada")], next: null }));
    render(Membership, {
      filter: {
        program_id: null,
        group_id: 21,
        compliance: { compliant: false, as_of: 1_790_000_000 },
        expiring: null,
        label: "Non-compliant members of group Warehouse",
      },
    });
    expect((await screen.findByTestId("figure-filter")).textContent).toContain(
      "Non-compliant members of group Warehouse",
    );
    await waitFor(() => expect(queries.length).toBe(1));
    expect(queries[0]).toMatchObject({
      group_id: 21,
      compliance: { compliant: false, as_of: 1_790_000_000 },
      expiring: null,
      after: null,
    });
    await fireEvent.click(screen.getByRole("button", { name: "Show all" }));
    await waitFor(() => expect(queries.length).toBe(2));
    expect(queries[1]).toMatchObject({ group_id: null, compliance: null, expiring: null });
    expect(screen.queryByTestId("figure-filter")).toBeNull();
  });

  it("opens on a program's figure with the program chosen", async () => {
    const queries = backend(() => ({ rows: [], next: null }));
    render(Membership, {
      filter: {
        program_id: 2,
        group_id: null,
        compliance: { compliant: true, as_of: 5 },
        expiring: null,
        label: "Compliant members of program Fire Safety",
      },
    });
    await waitFor(() => expect(queries.length).toBe(1));
    expect(queries[0]).toMatchObject({ program_id: 2, compliance: { compliant: true, as_of: 5 } });
    await waitFor(() =>
      expect((document.getElementById("membership-program") as HTMLSelectElement).value).toBe("2"),
    );
  });
});
