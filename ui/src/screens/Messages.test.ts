import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Messages from "./Messages.svelte";
import type { LogEntry, LogFilter, QueueStatus } from "../api";

const entry = (id: number, email: string, state: string): LogEntry => ({
  id,
  rule_id: 1,
  trigger: "due_date",
  program_id: 1,
  assignment_id: 1,
  cycle: 1,
  recipient_kind: "learner",
  recipient_email: email,
  subject: "First Aid at Work is due",
  state,
  skip_reason: state === "skipped" ? "the learner has no manager" : null,
  attempts: state === "failed" ? 3 : 1,
  last_error: state === "failed" ? "550 mailbox unavailable" : null,
  created_at: "2026-11-20T09:00:00Z",
  sent_at: state === "sent" ? "2026-11-20T09:01:00Z" : null,
  next_attempt_at: null,
  message_id_header: `<m${id}@example.org>`,
  resend_of: null,
});

afterEach(() => {
  cleanup();
  clearMocks();
});

function backend() {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  let status: QueueStatus = {
    queued: 2,
    sending: 0,
    sent: 40,
    failed: 1,
    skipped: 3,
    paused_reason: null,
    paused_at: null,
    next_attempt_at: null,
  };
  const all = [entry(3, "ada@example.org", "failed"), entry(2, "alan@example.org", "sent")];
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    switch (cmd) {
      case "queue_status":
        return status;
      case "list_messages": {
        const f = args.filter as LogFilter;
        return {
          entries: all.filter(
            (e) =>
              (!f.state || e.state === f.state) &&
              (!f.recipient || e.recipient_email.includes(f.recipient)),
          ),
          next_before_id: null,
        };
      }
      case "resend_message":
        return 9;
      case "pause_sending":
        status = {
          ...status,
          paused_reason: args.reason as string,
          paused_at: "2026-11-23T09:00:00Z",
        };
        return null;
      case "resume_sending":
        status = { ...status, paused_reason: null, paused_at: null };
        return null;
      default:
        throw new Error(cmd);
    }
  });
  return calls;
}

describe("Message log and outbox", () => {
  it("shows the queue and filters by state and recipient", async () => {
    const calls = backend();
    render(Messages);
    const counts = await screen.findByTestId("queue-counts");
    expect(counts.textContent?.replace(/\s+/g, " ")).toContain("2 queued");
    expect(await screen.findByText("ada@example.org")).toBeTruthy();

    await fireEvent.change(screen.getByLabelText("State"), { target: { value: "sent" } });
    await waitFor(() => expect(screen.queryByText("ada@example.org")).toBeNull());
    expect(screen.getByText("alan@example.org")).toBeTruthy();

    await fireEvent.input(screen.getByLabelText(/Recipient address/), {
      target: { value: "nobody" },
    });
    await fireEvent.submit(screen.getByRole("search"));
    await screen.findByTestId("no-messages");
    expect(calls.at(-1)?.args.filter).toMatchObject({ state: "sent", recipient: "nobody" });
  });

  it("shows a message's detail and resends it", async () => {
    const calls = backend();
    render(Messages);
    await fireEvent.click(await screen.findByRole("button", { name: "Details of message 3" }));
    const detail = screen.getByTestId("message-detail");
    expect(detail.textContent).toContain("550 mailbox unavailable");
    expect(detail.textContent).toContain("<m3@example.org>");
    await fireEvent.click(screen.getByRole("button", { name: "Resend" }));
    expect(await screen.findByText("Queued again as message 9.")).toBeTruthy();
    expect(calls.find((c) => c.cmd === "resend_message")?.args).toEqual({ id: 3 });
  });

  it("pauses with a reason, shows it, and resumes", async () => {
    backend();
    render(Messages);
    await fireEvent.input(await screen.findByLabelText("Reason for pausing"), {
      target: { value: "Server maintenance" },
    });
    await fireEvent.click(screen.getByRole("button", { name: "Pause sending" }));
    const paused = await screen.findByTestId("paused");
    expect(paused.textContent).toContain("Server maintenance");
    await fireEvent.click(screen.getByRole("button", { name: "Resume sending" }));
    await waitFor(() => expect(screen.queryByTestId("paused")).toBeNull());
  });
});
