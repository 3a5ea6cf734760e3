import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Settings from "./Settings.svelte";
import type { SiteAdmin, SmtpSettings } from "../api";

const stored: SmtpSettings = {
  host: "smtp.example.org",
  port: 587,
  security: "starttls",
  username: "learning",
  from_address: "learning@example.org",
  from_name: "Learning team",
  timeout_secs: 30,
  ca_cert_file: "",
  allow_plain_auth: false,
};

afterEach(() => {
  cleanup();
  clearMocks();
});

function backend(opts: { testFails?: boolean } = {}) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  let admins: SiteAdmin[] = [{ id: 1, full_name: "Sam Admin", email: "sam@example.com" }];
  let interval = 1;
  let policy = {
    send_time: "08:00",
    window: {
      enabled: false,
      start: "08:00",
      end: "18:00",
      days: ["mon", "tue", "wed", "thu", "fri"],
    },
  };
  let holidays: { date: string; name: string }[] = [];
  let catchUp = 60;
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    switch (cmd) {
      case "smtp_settings":
        return { settings: stored, has_password: true };
      case "save_smtp_settings":
        return args.password
          ? { kind: "file", path: "/home/me/.config/certdesk/smtp-password" }
          : null;
      case "test_smtp_settings":
        if (opts.testFails)
          throw { kind: "smtp", message: "SMTP error: 535 authentication failed" };
        return null;
      case "site_admins":
        return admins;
      case "add_site_admin":
        admins = [
          ...admins,
          { id: 2, full_name: args.fullName as string, email: args.email as string },
        ];
        return admins;
      case "remove_site_admin":
        admins = admins.filter((a) => a.id !== args.id);
        return admins;
      case "run_interval":
        return interval;
      case "set_run_interval":
        if ((args.minutes as number) < 1)
          throw {
            kind: "invalid",
            message: "invalid run_interval_minutes: choose between 1 and 1440 minutes",
          };
        interval = args.minutes as number;
        return interval;
      case "send_policy":
        return policy;
      case "set_send_policy": {
        const p = args.policy as typeof policy;
        if (p.window.end <= p.window.start)
          throw {
            kind: "invalid",
            message: `invalid working hours: the end (${p.window.end}) must come after the start (${p.window.start})`,
          };
        policy = p;
        return policy;
      }
      case "holidays":
        return holidays;
      case "import_holidays":
        if (!(args.path as string).endsWith(".ics"))
          throw {
            kind: "rejected",
            message: "holidays not imported (nothing was written):\n  line 2: bad",
          };
        holidays = [{ date: "2027-12-25", name: "Christmas Day" }];
        return 1;
      case "clear_holidays": {
        const n = holidays.length;
        holidays = [];
        return n;
      }
      case "catch_up_days":
        return catchUp;
      case "set_catch_up_days":
        if ((args.days as number) < 1 || (args.days as number) > 365)
          throw {
            kind: "invalid",
            message: "invalid catch_up_days: choose between 1 and 365 days",
          };
        catchUp = args.days as number;
        return catchUp;
      case "app_info":
        return { version: "0.1.0", db_path: "/home/me/.local/share/certdesk/certdesk.sqlite" };
      case "drop_folder":
        return null;
      default:
        throw new Error(cmd);
    }
  });
  return calls;
}

describe("Settings", () => {
  it("shows the stored SMTP settings, never a password, and the data file", async () => {
    backend();
    render(Settings);
    await waitFor(() =>
      expect((screen.getByLabelText("Server") as HTMLInputElement).value).toBe("smtp.example.org"),
    );
    expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe("");
    expect(screen.getByText(/A password is stored/)).toBeTruthy();
    expect((await screen.findByTestId("db-path")).textContent).toBe(
      "/home/me/.local/share/certdesk/certdesk.sqlite",
    );
  });

  it("saves with a new password and says where it went", async () => {
    const calls = backend();
    render(Settings);
    await waitFor(() =>
      expect((screen.getByLabelText("Server") as HTMLInputElement).value).toBe("smtp.example.org"),
    );
    await fireEvent.input(screen.getByLabelText("Port"), { target: { value: "2525" } });
    await fireEvent.input(screen.getByLabelText("Password"), { target: { value: "s3cret" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    const said = await screen.findByTestId("smtp-message");
    expect(said.textContent).toContain("/home/me/.config/certdesk/smtp-password");
    expect(calls.find((c) => c.cmd === "save_smtp_settings")?.args).toMatchObject({
      settings: { ...stored, port: 2525 },
      password: "s3cret",
    });
    expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe("");
  });

  it("tests the connection and shows the server's refusal", async () => {
    const calls = backend({ testFails: true });
    render(Settings);
    await waitFor(() =>
      expect((screen.getByLabelText("Server") as HTMLInputElement).value).toBe("smtp.example.org"),
    );
    await fireEvent.input(screen.getByLabelText("Send a test message to"), {
      target: { value: "me@example.org" },
    });
    await fireEvent.click(screen.getByRole("button", { name: "Test the connection" }));
    expect((await screen.findByTestId("smtp-error")).textContent).toContain("535");
    expect(calls.find((c) => c.cmd === "test_smtp_settings")?.args).toMatchObject({
      to: "me@example.org",
      password: null,
    });
  });

  it("adds and removes site administrators", async () => {
    backend();
    render(Settings);
    expect(await screen.findByText("Sam Admin <sam@example.com>")).toBeTruthy();
    await fireEvent.input(screen.getByLabelText("Name"), { target: { value: "Zoe Quality" } });
    await fireEvent.input(screen.getByLabelText("Email"), { target: { value: "zoe@example.com" } });
    await fireEvent.click(screen.getByRole("button", { name: "Add" }));
    expect(await screen.findByText("Zoe Quality <zoe@example.com>")).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Remove Sam Admin" }));
    await waitFor(() => expect(screen.queryByText("Sam Admin <sam@example.com>")).toBeNull());
  });

  it("refuses a run interval of zero and saves a valid one", async () => {
    const calls = backend();
    render(Settings);
    const input = (await screen.findByLabelText("Every (minutes)")) as HTMLInputElement;
    await waitFor(() => expect(input.value).toBe("1"));
    await fireEvent.input(input, { target: { value: "0" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save the interval" }));
    expect((await screen.findByText(/Not saved: .*between 1 and 1440/)).textContent).toBeTruthy();
    await fireEvent.input(input, { target: { value: "15" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save the interval" }));
    expect(await screen.findByText(/every 15 minutes while it is open/)).toBeTruthy();
    expect(calls.filter((c) => c.cmd === "set_run_interval").map((c) => c.args)).toEqual([
      { minutes: 0 },
      { minutes: 15 },
    ]);
  });

  it("saves the sending times and imports holidays from the file the open dialog names", async () => {
    const calls = backend();
    render(Settings);
    const time = (await screen.findByLabelText("Send time")) as HTMLInputElement;
    await waitFor(() => expect(time.value).toBe("08:00"));
    await fireEvent.click(screen.getByLabelText("Send only in working hours"));
    await fireEvent.input(screen.getByLabelText("to"), { target: { value: "07:00" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save the sending times" }));
    expect((await screen.findByText(/Not saved: .*must come after/)).textContent).toBeTruthy();
    await fireEvent.input(screen.getByLabelText("to"), { target: { value: "17:30" } });
    await fireEvent.input(time, { target: { value: "09:00" } });
    await fireEvent.click(screen.getByLabelText("Fri"));
    await fireEvent.click(screen.getByRole("button", { name: "Save the sending times" }));
    expect(
      await screen.findByText(/reminders at 09:00, sent 08:00-17:30 on mon, tue, wed, thu/),
    ).toBeTruthy();
    expect(calls.filter((c) => c.cmd === "set_send_policy").at(-1)?.args).toEqual({
      policy: {
        send_time: "09:00",
        window: { enabled: true, start: "08:00", end: "17:30", days: ["mon", "tue", "wed", "thu"] },
      },
    });
    const importButton = screen.getByRole("button", { name: "Import holidays (.ics or .csv)…" });
    window.__certdeskTestPaths = ["/tmp/bad.csv"];
    await fireEvent.click(importButton);
    expect((await screen.findByText(/Nothing imported: .*line 2/)).textContent).toBeTruthy();
    window.__certdeskTestPaths = ["/tmp/holidays.ics"];
    await fireEvent.click(importButton);
    expect(await screen.findByText("2027-12-25 Christmas Day")).toBeTruthy();
    await fireEvent.click(screen.getByRole("button", { name: "Clear the holidays" }));
    expect(await screen.findByText("1 holiday removed.")).toBeTruthy();
  });

  it("shows the catch-up horizon, refuses 400 days and saves 30", async () => {
    const calls = backend();
    render(Settings);
    const input = (await screen.findByLabelText("Up to (days, 1 to 365)")) as HTMLInputElement;
    await waitFor(() => expect(input.value).toBe("60"));
    await fireEvent.input(input, { target: { value: "400" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save the horizon" }));
    expect(await screen.findByText(/Not saved: .*between 1 and 365 days/)).toBeTruthy();
    await fireEvent.input(input, { target: { value: "30" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save the horizon" }));
    expect(await screen.findByText(/more than 30 days late are logged as skipped/)).toBeTruthy();
    expect(calls.filter((c) => c.cmd === "set_catch_up_days").map((c) => c.args)).toEqual([
      { days: 400 },
      { days: 30 },
    ]);
  });
});
