import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Explain from "./Explain.svelte";
import Membership from "./Membership.svelte";
import Messages from "./Messages.svelte";
import type { ExplainArgs, Explanation, LogEntry, MembershipRow } from "../api";

afterEach(() => {
  cleanup();
  clearMocks();
});

const explanation: Explanation = {
  learner: "Ann <b>Lee</b>",
  learner_id_number: "E1",
  program: "SAFE",
  program_name: "Safety & Health",
  assignment_id: 7,
  status: "in_progress",
  now: "2027-03-01T00:00:00Z",
  timeline: [
    {
      at: "2027-01-02T10:00:00Z",
      kind: "assigned",
      text: "Assigned to the program",
      future: false,
    },
    {
      at: "2027-01-02T10:01:00Z",
      kind: "message_failed",
      text: 'Failed: assigned message "<i>Welcome</i>" to the learner: 550 mailbox unavailable',
      future: false,
    },
    { at: "2027-03-10T23:59:59Z", kind: "due", text: "Due date of the program", future: true },
  ],
  rules: [
    {
      rule_id: 1,
      trigger: "assigned",
      rule: "assigned, on the day, to the learner",
      enabled: true,
      reason: "delivery_failed",
      at: "2027-01-02T10:01:00Z",
      sentence:
        'Delivery failed on 2027-01-02 10:01 UTC: the server replied "550 mailbox unavailable".',
    },
    {
      rule_id: 2,
      trigger: "due_date",
      rule: "due date, 7 days before, to the learner",
      enabled: true,
      reason: "suspended",
      at: null,
      sentence: "Not sent: the learner is suspended.",
    },
  ],
};

function backend() {
  const asked: ExplainArgs[] = [];
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    if (cmd === "explain") {
      asked.push(args.args as ExplainArgs);
      return explanation;
    }
    if (cmd === "program_list") return [];
    if (cmd === "membership_page") return { rows: [row], next: null };
    if (cmd === "list_messages") return { entries: [logged], next_before_id: null };
    if (cmd === "queue_status") {
      return {
        queued: 0,
        sending: 0,
        sent: 0,
        failed: 1,
        skipped: 0,
        paused_reason: null,
        paused_at: null,
        next_attempt_at: null,
      };
    }
    throw new Error(cmd);
  });
  return asked;
}

const logged: LogEntry = {
  id: 3,
  rule_id: 1,
  trigger: "assigned",
  program_id: 1,
  assignment_id: 7,
  cycle: 1,
  recipient_kind: "learner",
  recipient_email: "e1@example.org",
  subject: "Welcome",
  state: "failed",
  skip_reason: null,
  attempts: 1,
  last_error: "550 mailbox unavailable",
  created_at: "2027-01-02T10:00:00Z",
  sent_at: null,
  next_attempt_at: null,
  message_id_header: null,
  resend_of: null,
};

const row: MembershipRow = {
  assignment_id: 7,
  learner_id: 1,
  learner_name: "Ann Lee",
  learner_id_number: "E1",
  managers: "",
  program_id: 1,
  program_name: "Safety & Health",
  is_certification: false,
  status: "in_progress",
  active: true,
  due_date: "2027-03-10",
  expiry_date: null,
  window_opens_date: null,
  exception_status: "none",
  last_message_date: null,
};

describe("Explain", () => {
  it("shows one sentence per rule and the timeline, names as text", async () => {
    const asked = backend();
    let closed = false;
    render(Explain, {
      args: { learner: "E1", program: "SAFE", membership: null },
      close: () => (closed = true),
    });
    expect(await screen.findByText("Not sent: the learner is suspended.")).toBeTruthy();
    expect(asked).toEqual([{ learner: "E1", program: "SAFE", membership: null }]);
    const rules = screen.getAllByTestId("explain-rule");
    expect(rules.map((r) => r.dataset.reason)).toEqual(["delivery_failed", "suspended"]);
    expect(rules[0]?.textContent).toContain("550 mailbox unavailable");
    const events = screen.getAllByTestId("explain-event");
    expect(events.map((e) => e.dataset.kind)).toEqual(["assigned", "message_failed", "due"]);
    // Stored names are text: no element is made of them.
    expect(screen.getByRole("heading", { level: 2 }).textContent).toContain("Ann <b>Lee</b>");
    expect(document.querySelector("[data-testid=explain] b, [data-testid=explain] i")).toBeNull();
    await fireEvent.click(screen.getByTestId("explain-close"));
    expect(closed).toBe(true);
  });

  it("opens from a membership report row", async () => {
    const asked = backend();
    render(Membership);
    await screen.findByText("Ann Lee");
    await fireEvent.click(screen.getByTestId("membership-action"));
    expect(await screen.findByText("Not sent: the learner is suspended.")).toBeTruthy();
    expect(asked).toEqual([{ learner: "", program: "", membership: 7 }]);
    await fireEvent.click(screen.getByTestId("explain-close"));
    expect(screen.queryByTestId("explain")).toBeNull();
  });

  it("opens from a message log entry", async () => {
    const asked = backend();
    render(Messages);
    await fireEvent.click(await screen.findByRole("button", { name: "Details of message 3" }));
    await fireEvent.click(screen.getByTestId("message-explain"));
    expect(await screen.findByText("Not sent: the learner is suspended.")).toBeTruthy();
    expect(asked).toEqual([{ learner: "", program: "", membership: 7 }]);
  });
});
