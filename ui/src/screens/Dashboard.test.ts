import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor, within } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Dashboard from "./Dashboard.svelte";
import type { Dashboard as Figures, Outlook, TimerStatus } from "../api";
import type { FigureFilter } from "../lib/figureFilter";

const figures: Figures = {
  learners: 1234,
  programs: 4,
  certifications: 3,
  assignments: 5000,
  by_status: [
    { status: "not_started", count: 10 },
    { status: "in_progress", count: 20 },
    { status: "complete", count: 30 },
    { status: "certified", count: 40 },
    { status: "window_open", count: 50 },
    { status: "expired", count: 60 },
  ],
  raised_exceptions: 7,
  expiring_30_days: 3,
  held: { count: 0, until: null },
  compliance: {
    as_of: 1_790_000_000,
    programs: [
      { id: 11, name: "First Aid", members: 200, compliant: 150, excluded: 4 },
      { id: 12, name: "Fire Safety", members: 0, compliant: 0, excluded: 2 },
    ],
    groups: [{ id: 21, name: "Warehouse", members: 40, compliant: 10, excluded: 0 }],
    expiring: [
      { days: 30, until: 1_790_000_000 + 30 * 86_400, count: 3 },
      { days: 60, until: 1_790_000_000 + 60 * 86_400, count: 8 },
      { days: 90, until: 1_790_000_000 + 90 * 86_400, count: 13 },
    ],
  },
};

const outlook: Outlook = {
  weeks: Array.from({ length: 12 }, (_, i) => ({
    week_start: `2026-12-${String(i + 1).padStart(2, "0")}`,
    due: i === 2 ? 40 : 4,
    expiring: i === 5 ? 10 : 0,
  })),
  outbox: {
    queued: 12,
    sending: 0,
    sent: 300,
    failed: 2,
    skipped: 1,
    paused_reason: "SMTP authentication failed (535)",
    paused_at: "2026-11-23T08:00:00Z",
    next_attempt_at: null,
  },
  last_run: "2026-11-23T08:55:00Z",
};

const idleTimer: TimerStatus = {
  last_run: null,
  next_run: null,
  last_error: null,
  last_tick: null,
  catching_up: false,
  running: false,
};

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("Dashboard", () => {
  it("shows the store's figures", async () => {
    mockIPC((cmd) => {
      if (cmd === "dashboard") return figures;
      if (cmd === "outlook") return outlook;
      if (cmd === "timer_status") return idleTimer;
      throw new Error(`unexpected command ${cmd}`);
    });
    render(Dashboard);
    expect(await screen.findByText("1,234")).toBeTruthy();
    expect(screen.getByText("5,000")).toBeTruthy();
    expect(screen.getByTestId("raised-exceptions").textContent).toContain("7");
    expect(screen.getByText("Window open").closest("tr")?.textContent).toContain("50");
    expect(screen.queryByTestId("held")).toBeNull();
  });

  it("says how many messages the send window holds and until when", async () => {
    mockIPC((cmd) => {
      if (cmd === "dashboard")
        return { ...figures, held: { count: 3, until: Date.UTC(2027, 0, 4, 8) / 1000 } };
      if (cmd === "outlook") return outlook;
      if (cmd === "timer_status") return idleTimer;
      throw new Error(`unexpected command ${cmd}`);
    });
    render(Dashboard);
    const held = await screen.findByTestId("held");
    expect(held.textContent).toContain("3");
    expect(held.textContent).toContain(
      "held by the send window, the first until 2027-01-04 08:00 UTC",
    );
  });

  it("shows the outbox's health and a 12-week chart scaled to the busiest week", async () => {
    mockIPC((cmd) =>
      cmd === "dashboard" ? figures : cmd === "timer_status" ? idleTimer : outlook,
    );
    render(Dashboard);
    expect((await screen.findByTestId("outbox-queued")).textContent).toBe("12");
    expect(screen.getByTestId("outbox-failed").textContent).toBe("2");
    expect(screen.getByTestId("outbox-paused").textContent).toContain(
      "SMTP authentication failed (535)",
    );
    expect(screen.getByText(/Last run: 2026-11-23 08:55 UTC/)).toBeTruthy();
    const chart = screen.getByTestId("outlook-chart");
    expect(chart.querySelectorAll("g[data-week]")).toHaveLength(12);
    const due = [...chart.querySelectorAll("rect.due")].map((r) =>
      Number(r.getAttribute("height")),
    );
    expect(Math.max(...due)).toBe(160);
    expect(due[0]).toBe(16);
    expect(chart.querySelector("desc")?.textContent).toContain("10 expiring");
  });

  it("runs the scheduler on request and says what it queued and sent", async () => {
    let runs = 0;
    mockIPC((cmd) => {
      if (cmd === "dashboard") return figures;
      if (cmd === "outlook") return outlook;
      if (cmd === "timer_status")
        return runs ? { ...idleTimer, next_run: "2026-11-23T09:01:00Z" } : idleTimer;
      if (cmd === "run_now") {
        runs += 1;
        return {
          run: {
            engine: { windows_opened: 0, expired: 0, certified: 0, completed: 0, changed: 0 },
            notifications: { queued: 4, skipped: 1, failed: 0, alerts: 0 },
          },
          send: { sent: 3, retried: 1, failed: 0, paused_reason: null },
        };
      }
      throw new Error(`unexpected command ${cmd}`);
    });
    render(Dashboard);
    await fireEvent.click(await screen.findByTestId("run-now"));
    expect((await screen.findByTestId("run-result")).textContent).toBe(
      "4 messages queued, 3 sent.",
    );
    expect(runs).toBe(1);
    expect(await screen.findByText(/next run 2026-11-23 09:01 UTC/)).toBeTruthy();
  });

  it("says it is catching up at start-up, then shows the figures the catch-up left", async () => {
    let catchingUp = true;
    let dashboardReads = 0;
    mockIPC((cmd) => {
      if (cmd === "dashboard") {
        dashboardReads += 1;
        return catchingUp ? figures : { ...figures, raised_exceptions: 9 };
      }
      if (cmd === "outlook") return outlook;
      if (cmd === "timer_status")
        return { ...idleTimer, catching_up: catchingUp, running: catchingUp };
      throw new Error(`unexpected command ${cmd}`);
    });
    render(Dashboard);
    // The figures come first, while the start-up run has not finished.
    expect(await screen.findByText("1,234")).toBeTruthy();
    expect((await screen.findByTestId("catching-up")).textContent).toContain("Catching up");
    catchingUp = false;
    await waitFor(() => expect(screen.queryByTestId("catching-up")).toBeNull(), {
      timeout: 3000,
    });
    await waitFor(() => expect(screen.getByTestId("raised-exceptions").textContent).toContain("9"));
    expect(dashboardReads).toBe(2);
  });

  it("says why when the store cannot be read", async () => {
    mockIPC(() => {
      throw { kind: "database", message: "database disk image is malformed" };
    });
    render(Dashboard);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("database disk image is malformed");
  });

  it("shows compliance per program and group, each figure opening exactly its rows", async () => {
    mockIPC((cmd) => {
      if (cmd === "dashboard") return figures;
      if (cmd === "outlook") return outlook;
      if (cmd === "timer_status") return idleTimer;
      throw new Error(`unexpected command ${cmd}`);
    });
    const opened: FigureFilter[] = [];
    render(Dashboard, { openMembership: (f: FigureFilter) => opened.push(f) });
    const program = await screen.findByTestId("compliance-program-11");
    expect(program.textContent).toContain("150 of 200 (75%)");
    expect(program.querySelector("[role=img]")?.getAttribute("aria-label")).toBe("75% compliant");
    expect(screen.getByTestId("compliance-program-12").textContent).toContain("0 of 0 (–)");
    const group = screen.getByTestId("compliance-group-21");
    expect(group.textContent).toContain("10 of 40 (25%)");

    await fireEvent.click(within(program).getByTestId("open-compliant"));
    await fireEvent.click(within(group).getByTestId("open-non-compliant"));
    expect(screen.getByTestId("expiring-60").textContent).toContain("8");
    await fireEvent.click(screen.getByTestId("expiring-60"));
    expect(opened).toEqual([
      {
        program_id: 11,
        group_id: null,
        compliance: { compliant: true, as_of: 1_790_000_000 },
        expiring: null,
        label: "Compliant members of program First Aid",
      },
      {
        program_id: null,
        group_id: 21,
        compliance: { compliant: false, as_of: 1_790_000_000 },
        expiring: null,
        label: "Non-compliant members of group Warehouse",
      },
      {
        program_id: null,
        group_id: null,
        compliance: null,
        expiring: { after: 1_790_000_000, until: 1_790_000_000 + 60 * 86_400 },
        label: "Certifications expiring in the next 60 days",
      },
    ]);
    expect(within(group).getByTestId("open-non-compliant").textContent).toBe("30");
  });
});
