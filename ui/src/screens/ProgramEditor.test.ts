import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor, within } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Programs from "./Programs.svelte";
import type { CourseRef, CourseSetView, ProgramDraft, ProgramSummary } from "../api";

afterEach(() => {
  cleanup();
  clearMocks();
});

const courses: CourseRef[] = [
  { id: 7, short_name: "FA-T", full_name: "First aid theory" },
  { id: 8, short_name: "FA-P", full_name: "First aid practice" },
  { id: 9, short_name: "FA-R", full_name: "First aid refresher" },
];

const stored: ProgramDraft = {
  id: 1,
  short_name: "FA",
  full_name: "First Aid at Work",
  kind: "certification",
  due: {
    kind: "relative",
    date: "",
    after: { amount: 3, unit: "month" },
    from: "assignment",
    program_id: null,
    field: "",
  },
  cert: {
    active: { amount: 1, unit: "year" },
    window: { amount: 2, unit: "month" },
    method: "expiry_date",
    min_active: null,
  },
  certification_path: [
    { label: "Theory", rule: { rule: "all" }, min_time_hours: 3, operator: "then", courses: [7] },
    { label: "Practice", rule: { rule: "any" }, min_time_hours: 0, operator: null, courses: [8] },
  ],
  recertification_path: [],
};

function backend(opts: { refuse?: { field: string; reason: string } } = {}) {
  const programs: ProgramSummary[] = [
    { id: 1, short_name: "FA", full_name: "First Aid at Work", kind: "certification", members: 3 },
  ];
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    switch (cmd) {
      case "program_list":
        return programs;
      case "course_sets":
        return [] as CourseSetView[];
      case "list_groups":
        return [];
      case "list_courses":
        return courses;
      case "program_draft":
        return structuredClone(stored);
      case "add_course": {
        const c = { id: 10, short_name: args.shortName, full_name: args.fullName };
        courses.push(c as CourseRef);
        return c;
      }
      case "save_program": {
        if (opts.refuse) {
          const { field, reason } = opts.refuse;
          throw { kind: "invalid", message: `invalid ${field}: ${reason}`, field, reason };
        }
        const d = args.draft as ProgramDraft;
        const id = d.id ?? 2;
        if (d.id === null) {
          programs.push({
            id,
            short_name: d.short_name,
            full_name: d.full_name,
            kind: d.kind,
            members: 0,
          });
        }
        return id;
      }
      default:
        throw new Error(cmd);
    }
  });
  return calls;
}

const saved = (calls: { cmd: string; args: Record<string, unknown> }[]) =>
  calls.find((c) => c.cmd === "save_program")?.args.draft as ProgramDraft | undefined;

describe("Program editor", () => {
  it("creates a program with two course sets joined by AND, with at least N and a minimum time", async () => {
    const calls = backend();
    render(Programs);
    await fireEvent.click(await screen.findByRole("button", { name: "New program" }));
    expect(await screen.findByRole("heading", { name: "New program" })).toBeTruthy();
    await fireEvent.input(screen.getByLabelText("Name"), { target: { value: "Fire Safety" } });
    await fireEvent.input(screen.getByLabelText("Short name"), { target: { value: "FS" } });

    await fireEvent.input(screen.getByLabelText("Set 1 label"), { target: { value: "Basics" } });
    const first = screen.getByRole("group", { name: "Course sets, set 1" });
    await fireEvent.click(await within(first).findByLabelText("First aid theory (FA-T)"));
    await fireEvent.click(screen.getByRole("button", { name: "Add a course set" }));

    await fireEvent.input(screen.getByLabelText("Set 2 label"), { target: { value: "Practice" } });
    const second = screen.getByRole("group", { name: "Course sets, set 2" });
    await fireEvent.click(within(second).getByLabelText("First aid practice (FA-P)"));
    await fireEvent.click(within(second).getByLabelText("First aid refresher (FA-R)"));
    await fireEvent.change(within(second).getByLabelText("Complete"), {
      target: { value: "at_least" },
    });
    await fireEvent.input(within(second).getByLabelText("N"), { target: { value: "2" } });
    await fireEvent.input(within(second).getByLabelText("Minimum time (hours)"), {
      target: { value: "1.5" },
    });
    await fireEvent.change(screen.getByLabelText("Then the next set, joined by"), {
      target: { value: "and" },
    });
    await fireEvent.change(screen.getByLabelText("Rule"), { target: { value: "fixed" } });
    await fireEvent.input(screen.getByLabelText("Due on"), { target: { value: "2026-12-31" } });

    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Created Fire Safety.")).toBeTruthy();
    expect(saved(calls)).toEqual({
      id: null,
      short_name: "FS",
      full_name: "Fire Safety",
      kind: "program",
      due: {
        kind: "fixed",
        date: "2026-12-31",
        after: { amount: 1, unit: "month" },
        from: "assignment",
        program_id: null,
        field: "",
      },
      cert: null,
      certification_path: [
        {
          label: "Basics",
          rule: { rule: "all" },
          min_time_hours: 0,
          operator: "and",
          courses: [7],
        },
        {
          label: "Practice",
          rule: { rule: "at_least", min: 2 },
          min_time_hours: 1.5,
          operator: null,
          courses: [8, 9],
        },
      ],
      recertification_path: [],
    });
    // The new program is in the list and the editor is closed.
    expect(screen.getAllByTestId("program-row").map((r) => r.textContent)).toContainEqual(
      expect.stringContaining("Fire Safety"),
    );
    expect(screen.queryByTestId("program-editor")).toBeNull();
  });

  it("edits a certification: periods, method, reordered sets and a new course", async () => {
    const calls = backend();
    render(Programs);
    await fireEvent.click(await screen.findByRole("button", { name: "Open First Aid at Work" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Edit First Aid at Work" }));
    expect(await screen.findByRole("heading", { name: "Edit First Aid at Work" })).toBeTruthy();
    expect((screen.getByLabelText("Name") as HTMLInputElement).value).toBe("First Aid at Work");
    expect((screen.getByLabelText("Active for") as HTMLInputElement).value).toBe("1");

    await fireEvent.input(screen.getByLabelText("Window opens"), { target: { value: "3" } });
    await fireEvent.change(screen.getByLabelText("Expiry is computed from"), {
      target: { value: "completion_date" },
    });
    await fireEvent.click(
      screen.getByRole("button", { name: "Move set 2 of the certification path up" }),
    );
    await fireEvent.input(screen.getByLabelText("Course short name"), {
      target: { value: "FA-X" },
    });
    await fireEvent.input(screen.getByLabelText("Course name"), {
      target: { value: "First aid exam" },
    });
    await fireEvent.click(screen.getByRole("button", { name: "Add course" }));
    expect(await screen.findByText("Added the course First aid exam (FA-X).")).toBeTruthy();
    const recert = screen.getByTestId("pe-recertification_path");
    await fireEvent.click(within(recert).getByRole("button", { name: "Add a course set" }));
    await fireEvent.input(within(recert).getByLabelText("Set 1 label"), {
      target: { value: "Exam" },
    });
    await fireEvent.click(within(recert).getByLabelText("First aid exam (FA-X)"));

    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Saved First Aid at Work.")).toBeTruthy();
    const d = saved(calls);
    expect(d?.id).toBe(1);
    expect(d?.cert).toEqual({
      active: { amount: 1, unit: "year" },
      window: { amount: 3, unit: "month" },
      method: "completion_date",
      min_active: null,
    });
    expect(d?.certification_path.map((s) => s.label)).toEqual(["Practice", "Theory"]);
    expect(d?.recertification_path).toEqual([
      { label: "Exam", rule: { rule: "all" }, min_time_hours: 0, operator: null, courses: [10] },
    ]);
    expect(calls.find((c) => c.cmd === "add_course")?.args).toEqual({
      shortName: "FA-X",
      fullName: "First aid exam",
    });
  });

  it("saves a due date counted from a profile field and fixed anniversaries", async () => {
    const calls = backend();
    render(Programs);
    await fireEvent.click(await screen.findByRole("button", { name: "Open First Aid at Work" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Edit First Aid at Work" }));
    await screen.findByRole("heading", { name: "Edit First Aid at Work" });
    await fireEvent.change(screen.getByLabelText("after"), { target: { value: "profile_field" } });
    await fireEvent.input(screen.getByLabelText("Profile field"), {
      target: { value: "hire_date" },
    });
    expect(screen.queryByLabelText("At least")).toBeNull();
    await fireEvent.change(screen.getByLabelText("Expiry is computed from"), {
      target: { value: "fixed_expiry_date" },
    });
    await fireEvent.input(screen.getByLabelText("At least"), { target: { value: "3" } });
    await fireEvent.change(screen.getByLabelText("of the period must remain"), {
      target: { value: "week" },
    });

    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Saved First Aid at Work.")).toBeTruthy();
    const d = saved(calls);
    expect(d?.due).toEqual({
      kind: "relative",
      date: "",
      after: { amount: 3, unit: "month" },
      from: "profile_field",
      program_id: null,
      field: "hire_date",
    });
    expect(d?.cert).toEqual({
      active: { amount: 1, unit: "year" },
      window: { amount: 2, unit: "month" },
      method: "fixed_expiry_date",
      min_active: { amount: 3, unit: "week" },
    });
  });

  it("shows a refused save beside the input at fault and keeps the form", async () => {
    backend({
      refuse: {
        field: "certification_path.1.courses",
        reason: "course set 2 ('Practice'): no courses",
      },
    });
    render(Programs);
    await fireEvent.click(await screen.findByRole("button", { name: "Open First Aid at Work" }));
    await fireEvent.click(await screen.findByRole("button", { name: "Edit First Aid at Work" }));
    await screen.findByRole("heading", { name: "Edit First Aid at Work" });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Not saved: course set 2 ('Practice'): no courses");
    const courses = screen.getByRole("group", { name: "Courses of set 2" });
    const errorId = courses.getAttribute("aria-describedby");
    expect(errorId).toBeTruthy();
    expect(document.getElementById(errorId ?? "")?.textContent).toContain("no courses");
    // The keyboard is taken to the input at fault.
    await waitFor(() =>
      expect(document.activeElement).toBe(within(courses).getAllByRole("checkbox")[0]),
    );
    // Still editing, nothing lost.
    expect((screen.getByLabelText("Name") as HTMLInputElement).value).toBe("First Aid at Work");

    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByTestId("program-editor")).toBeNull();
  });
});
