import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Completion from "./Completion.svelte";
import type { CompletionQuery, CompletionRow, ProgramSummary } from "../api";

const row = (id: number, name: string, over: Partial<CompletionRow> = {}): CompletionRow => ({
  assignment_id: id,
  learner_id: id,
  learner_name: name,
  learner_id_number: `E${id}`,
  program_id: 1,
  program_name: "Safety Induction",
  is_certification: false,
  status: "in_progress",
  path: "certification",
  sets: [
    {
      label: "Basics",
      rule: "all",
      courses: 2,
      required: 2,
      completed: 1,
      complete: false,
      next_operator: "then",
    },
    {
      label: "Pick one",
      rule: "at_least",
      courses: 3,
      required: 1,
      completed: 1,
      complete: true,
      next_operator: null,
    },
  ],
  ...over,
});

const programs: ProgramSummary[] = [
  { id: 1, short_name: "SAFE", full_name: "Safety Induction", kind: "program", members: 2 },
  { id: 2, short_name: "FA", full_name: "First Aid at Work", kind: "certification", members: 1 },
];

afterEach(() => {
  cleanup();
  clearMocks();
});

function backend(page: (q: CompletionQuery) => { rows: CompletionRow[]; next: unknown }) {
  const queries: CompletionQuery[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "program_list") return programs;
    if (cmd === "completion_page") {
      const q = (args as { query: CompletionQuery }).query;
      queries.push(q);
      return page(q);
    }
    throw new Error(cmd);
  });
  return queries;
}

describe("Completion report", () => {
  it("shows each course set's figures, complete or not", async () => {
    backend(() => ({ rows: [row(1, "Ada Lovelace")], next: null }));
    render(Completion);
    const sets = await screen.findAllByTestId("set-progress");
    expect(sets.map((s) => s.textContent?.replace(/\s+/g, " ").trim())).toEqual([
      "Basics 1 of 2 THEN",
      "Pick one 1 of 1 (3 courses) complete",
    ]);
    const bar = screen.getByLabelText("Basics: 1 of 2") as HTMLProgressElement;
    expect([bar.value, bar.max]).toEqual([1, 2]);
    expect(screen.getByText("In progress")).toBeTruthy();
  });

  it("filters by program and text, and reads the next page after the last row", async () => {
    const queries = backend((q) =>
      q.after
        ? { rows: [row(3, "Zoe")], next: null }
        : {
            rows: [row(1, "Ada"), row(2, "Bob")],
            next: { learner_name: "Bob", learner_id: 2, program_id: 1 },
          },
    );
    render(Completion);
    await screen.findByText("Ada");
    await fireEvent.change(screen.getByLabelText("Program or certification"), {
      target: { value: "2" },
    });
    await waitFor(() => expect(queries.at(-1)?.program_id).toBe(2));
    await fireEvent.input(screen.getByLabelText(/Learner name/), { target: { value: "ad" } });
    await fireEvent.click(screen.getByRole("button", { name: "Search" }));
    await waitFor(() => expect(queries.at(-1)?.text).toBe("ad"));
    await fireEvent.click(await screen.findByRole("button", { name: "Show more" }));
    expect(await screen.findByText("Zoe")).toBeTruthy();
    expect(queries.at(-1)?.after).toEqual({ learner_name: "Bob", learner_id: 2, program_id: 1 });
    expect(screen.getAllByTestId("completion-row")).toHaveLength(3);
  });

  it("escapes learner-supplied text", async () => {
    backend(() => ({ rows: [row(1, "<img src=x onerror=alert(1)>")], next: null }));
    const { container } = render(Completion);
    expect(await screen.findByText("<img src=x onerror=alert(1)>")).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();
  });
});
