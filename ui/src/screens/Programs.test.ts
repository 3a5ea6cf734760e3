import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Programs from "./Programs.svelte";
import type { CourseSetView, ProgramSummary } from "../api";

const programs: ProgramSummary[] = [
  { id: 1, short_name: "FA", full_name: "First Aid at Work", kind: "certification", members: 1200 },
];
const sets: CourseSetView[] = [
  {
    id: 1,
    path: "certification",
    label: "Theory",
    rule: "all courses",
    min_time_hours: 3,
    next_operator: "then",
    courses: [{ id: 7, short_name: "FA-T", full_name: "First aid theory" }],
  },
  {
    id: 2,
    path: "certification",
    label: "Practice",
    rule: "any one course",
    min_time_hours: 0,
    next_operator: null,
    courses: [{ id: 8, short_name: "FA-P", full_name: "First aid practice" }],
  },
  {
    id: 3,
    path: "recertification",
    label: "Refresher",
    rule: "all courses",
    min_time_hours: 1,
    next_operator: null,
    courses: [{ id: 9, short_name: "FA-R", full_name: "First aid refresher" }],
  },
];

afterEach(() => {
  cleanup();
  clearMocks();
});

function backend() {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  let own: unknown = null;
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    switch (cmd) {
      case "program_list":
        return programs;
      case "course_sets":
        return sets;
      case "find_learners":
        return [{ id: 5, id_number: "E5", full_name: "Ada Lovelace", email: "ada@example.org" }];
      case "assign_learner":
        return { added: 1, already: 0, exceptions: 1 };
      case "list_groups":
        return [{ id: 3, name: "Warehouse", members: 40 }];
      case "assign_group":
        return { added: 38, already: 2, exceptions: 0 };
      case "preview_assign_csv":
        return {
          rows: 3,
          good: 2,
          new: 2,
          updated: 0,
          problems: [{ line: 4, message: "no learner has id number 'X9'" }],
        };
      case "assign_from_csv":
        return { added: 2, already: 0, exceptions: 0 };
      case "record_completion":
        return {
          recorded: 1,
          engine: { completed: 0, certified: 1, windows_opened: 0, expired: 0, changed: 1 },
        };
      case "program_send_window":
        return own;
      case "send_policy":
        return {
          send_time: "08:00",
          window: { enabled: false, start: "08:00", end: "18:00", days: ["mon", "fri"] },
        };
      case "set_program_send_window":
        own = args.window;
        return own;
      default:
        throw new Error(cmd);
    }
  });
  return calls;
}

describe("Programs and certifications", () => {
  it("lists programs and shows a program's course sets by path", async () => {
    backend();
    render(Programs);
    expect(await screen.findByText("1,200")).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Open First Aid at Work" }));
    const detail = await screen.findByTestId("program-detail");
    await screen.findByText("First aid theory (FA-T)");
    expect(detail.textContent).toContain("Certification path");
    expect(detail.textContent).toContain("Recertification path");
    expect(detail.textContent).toContain("THEN");
    expect(detail.textContent?.replace(/\s+/g, " ")).toContain(
      "Theory: all courses, at least 3 hours",
    );
  });

  it("assigns a learner and records a completion", async () => {
    const calls = backend();
    render(Programs);
    await fireEvent.click(await screen.findByRole("button", { name: "Open First Aid at Work" }));
    await screen.findByText("First aid theory (FA-T)");
    await fireEvent.input(screen.getByLabelText("Find a learner"), { target: { value: "Ada" } });
    await fireEvent.click(screen.getByRole("button", { name: "Find" }));
    await screen.findByRole("option", { name: "Ada Lovelace (E5)" });
    await fireEvent.click(screen.getByRole("button", { name: "Assign to FA" }));
    const notice = await screen.findByTestId("program-notice");
    expect(notice.textContent).toContain("Ada Lovelace is now a member of First Aid at Work");
    expect(notice.textContent).toContain("exception");
    expect(calls.find((c) => c.cmd === "assign_learner")?.args).toEqual({
      programId: 1,
      learnerId: 5,
    });

    await fireEvent.change(screen.getByLabelText("Course"), { target: { value: "8" } });
    await fireEvent.click(screen.getByRole("button", { name: "Record completion today" }));
    await screen.findByText(/completed First aid practice today \(1 certification gained\)/);
    expect(calls.find((c) => c.cmd === "record_completion")?.args).toEqual({
      learnerId: 5,
      courseId: 8,
    });
  });

  it("assigns a group with a due date", async () => {
    const calls = backend();
    render(Programs);
    await fireEvent.click(await screen.findByRole("button", { name: "Open First Aid at Work" }));
    await screen.findByRole("option", { name: "Warehouse (40 members)" });
    await fireEvent.change(screen.getByLabelText("Group"), { target: { value: "3" } });
    await fireEvent.input(screen.getByLabelText("Group due date (optional)"), {
      target: { value: "2026-06-30" },
    });
    await fireEvent.click(screen.getByRole("button", { name: "Assign group to FA" }));
    const notice = await screen.findByTestId("program-notice");
    expect(notice.textContent).toContain(
      "Warehouse is assigned to First Aid at Work: 38 new members, 2 already members",
    );
    expect(calls.find((c) => c.cmd === "assign_group")?.args).toEqual({
      programId: 1,
      groupId: 3,
      due: "2026-06-30",
    });
  });

  it("previews a CSV of id numbers, shows its bad rows and does not assign it", async () => {
    const calls = backend();
    render(Programs);
    await fireEvent.click(await screen.findByRole("button", { name: "Open First Aid at Work" }));
    window.__certdeskTestPaths = ["/tmp/ids.csv"];
    await fireEvent.click(await screen.findByRole("button", { name: "Choose a CSV file…" }));
    const row = await screen.findByTestId("import-problem");
    expect(Array.from(row.querySelectorAll("td"), (td) => td.textContent).join(" | ")).toBe(
      "4 | no learner has id number 'X9'",
    );
    const assign = screen.getByRole("button", { name: "Assign 2 learners to FA" });
    expect((assign as HTMLButtonElement).disabled).toBe(true);
    expect(calls.find((c) => c.cmd === "preview_assign_csv")?.args).toEqual({
      programId: 1,
      path: "/tmp/ids.csv",
    });
    expect(calls.some((c) => c.cmd === "assign_from_csv")).toBe(false);
  });

  it("gives a program its own sending window and takes it back", async () => {
    const calls = backend();
    render(Programs);
    await fireEvent.click(await screen.findByRole("button", { name: "Open First Aid at Work" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Give it its own window" }));
    await fireEvent.input(await screen.findByLabelText("on"), {
      target: { value: "sat, sun" },
    });
    await fireEvent.input(screen.getByLabelText("reminders at"), { target: { value: "10:30" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save the window" }));
    expect(await screen.findByText(/has its own sending window/)).toBeTruthy();
    expect(calls.find((c) => c.cmd === "set_program_send_window")?.args).toEqual({
      program: "FA",
      window: {
        window: { enabled: true, start: "08:00", end: "18:00", days: ["sat", "sun"] },
        own_holidays: false,
        send_time: "10:30",
      },
    });
    await fireEvent.click(screen.getByRole("button", { name: "Use the store's" }));
    expect(await screen.findByText(/uses the store's sending times again/)).toBeTruthy();
  });
});
