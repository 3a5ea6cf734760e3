import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Forecast from "./Forecast.svelte";
import type { Forecast as ForecastData, ForecastArgs, ForecastMessage } from "../api";

afterEach(() => {
  cleanup();
  clearMocks();
});

const message = (at: string, learner: string): ForecastMessage => ({
  at,
  local_at: `${at.slice(0, 10)} 08:00 UTC`,
  rule_id: 1,
  trigger: "due_date",
  program: "SAFE",
  learner,
  learner_id_number: "E1",
  recipient_kind: "learner",
  email: "e1@example.org",
  reminder_no: 1,
  digest: false,
  dedup_key: `${at}.${learner}`,
});

function backend() {
  const calls: ForecastArgs[] = [];
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    switch (cmd) {
      case "program_list":
        return [{ id: 1, short_name: "SAFE", full_name: "Safety", kind: "program", members: 3 }];
      case "trigger_catalog":
        return [
          {
            trigger: "due_date",
            timings: [],
            recipients: [],
            certification_only: false,
            repeats: true,
            overdue: true,
          },
        ];
      case "forecast": {
        const a = args.args as ForecastArgs;
        calls.push(a);
        const f: ForecastData = {
          from: "2027-03-01T00:00:00Z",
          to: "2027-03-02T23:59:59Z",
          days: [
            { date: "2027-03-01", count: a.program === "SAFE" ? 1 : 2 },
            { date: "2027-03-02", count: 0 },
          ],
          total: a.program === "SAFE" ? 1 : 2,
          messages:
            a.day === "2027-03-01"
              ? [
                  message("2027-03-01T08:00:00Z", "Ann Lee"),
                  message("2027-03-01T09:00:00Z", "Bob Ray"),
                ]
              : [],
          truncated: false,
        };
        return f;
      }
    }
    return null;
  });
  return calls;
}

describe("Forecast", () => {
  it("shows a bar per day with its count and lists a day's messages when clicked", async () => {
    const calls = backend();
    render(Forecast);
    expect(await screen.findByText("2 messages in the next 2 days")).toBeTruthy();
    expect(calls[0]).toMatchObject({ days: 30, program: null, trigger: null, day: null });
    const bar = screen.getByRole("button", { name: "2027-03-01: 2 messages" });
    expect(screen.getByRole("button", { name: "2027-03-02: 0 messages" })).toBeTruthy();
    await fireEvent.click(bar);
    expect(await screen.findByText("Messages on 2027-03-01")).toBeTruthy();
    expect(screen.getByText("Ann Lee (E1)")).toBeTruthy();
    expect(screen.getByText("Bob Ray (E1)")).toBeTruthy();
    expect(calls.at(-1)?.day).toBe("2027-03-01");
  });

  it("filters by program and trigger", async () => {
    const calls = backend();
    render(Forecast);
    await screen.findByText("2 messages in the next 2 days");
    await screen.findByRole("option", { name: "Safety" });
    await fireEvent.change(screen.getByLabelText("Program"), { target: { value: "SAFE" } });
    await waitFor(() => expect(screen.getByText("1 messages in the next 2 days")).toBeTruthy());
    expect(calls.at(-1)?.program).toBe("SAFE");
    await fireEvent.change(screen.getByLabelText("Trigger"), { target: { value: "due_date" } });
    await waitFor(() => expect(calls.at(-1)?.trigger).toBe("due_date"));
  });
});
