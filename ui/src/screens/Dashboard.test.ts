import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Dashboard from "./Dashboard.svelte";
import type { Dashboard as Figures } from "../api";

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
};

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("Dashboard", () => {
  it("shows the store's figures", async () => {
    mockIPC((cmd) => {
      if (cmd === "dashboard") return figures;
      throw new Error(`unexpected command ${cmd}`);
    });
    render(Dashboard);
    expect(await screen.findByText("1,234")).toBeTruthy();
    expect(screen.getByText("5,000")).toBeTruthy();
    expect(screen.getByTestId("raised-exceptions").textContent).toContain("7");
    expect(screen.getByText("Window open").closest("tr")?.textContent).toContain("50");
  });

  it("says why when the store cannot be read", async () => {
    mockIPC(() => {
      throw { kind: "database", message: "database disk image is malformed" };
    });
    render(Dashboard);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("database disk image is malformed");
  });
});
