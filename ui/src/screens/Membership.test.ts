import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Membership from "./Membership.svelte";
import type { MembershipQuery, MembershipRow } from "../api";

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

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("Membership report", () => {
  it("lists rows and sends the search text to the backend", async () => {
    const queries: MembershipQuery[] = [];
    mockIPC((cmd, args) => {
      if (cmd !== "membership_page") throw new Error(cmd);
      const query = (args as { query: MembershipQuery }).query;
      queries.push(query);
      const rows = query.text
        ? [row(2, "Ada Lovelace")]
        : [row(1, "Alan Turing"), row(2, "Ada Lovelace")];
      return { rows, next: null };
    });
    render(Membership);
    expect(await screen.findByText("Alan Turing")).toBeTruthy();
    expect(screen.getAllByText("Resolved: realistic due date")).toHaveLength(2);

    await fireEvent.input(screen.getByLabelText(/Learner name/), { target: { value: "Ada" } });
    await fireEvent.submit(screen.getByRole("search"));
    await screen.findByText("Ada Lovelace");
    expect(screen.queryByText("Alan Turing")).toBeNull();
    expect(queries.at(-1)?.text).toBe("Ada");
  });

  it("escapes learner-supplied text", async () => {
    mockIPC(() => ({ rows: [row(1, "<img src=x onerror=alert(1)>")], next: null }));
    const { container } = render(Membership);
    expect(await screen.findByText("<img src=x onerror=alert(1)>")).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();
  });
});
