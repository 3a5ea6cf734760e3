import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import SmtpSettings from "./SmtpSettings.svelte";
import type { AuthView, OAuthSettings, SmtpSettings as Smtp } from "../api";

const stored: Smtp = {
  host: "smtp.office365.com",
  port: 587,
  security: "starttls",
  username: "",
  from_address: "learning@contoso.example",
  from_name: "Learning team",
  timeout_secs: 30,
  ca_cert_file: "",
  allow_plain_auth: false,
};

afterEach(() => {
  cleanup();
  clearMocks();
});

function backend(start: { auth: AuthView; oauth: OAuthSettings | null }) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  let view = { settings: stored, has_password: false, ...start };
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    switch (cmd) {
      case "smtp_settings":
        return view;
      case "smtp_sign_in": {
        const r = args.registration as OAuthSettings;
        view = {
          ...view,
          settings: { ...stored, username: r.account ?? "" },
          auth: {
            method: "oauth",
            provider: r.provider,
            account: r.account ?? "",
            signed_in: true,
          },
          oauth: r,
        };
        return {
          provider: r.provider,
          account: r.account,
          host: stored.host,
          token_stored_in: "the OS keyring",
        };
      }
      case "smtp_sign_out":
        view = { ...view, auth: { method: "password" } };
        return "learning@contoso.example";
      default:
        throw new Error(cmd);
    }
  });
  return calls;
}

describe("Sign in with Microsoft or Google", () => {
  it("signs in with the registration typed, then says who is signed in", async () => {
    const calls = backend({ auth: { method: "password" }, oauth: null });
    render(SmtpSettings);
    await waitFor(() =>
      expect((screen.getByLabelText("Server") as HTMLInputElement).value).toBe(
        "smtp.office365.com",
      ),
    );
    await fireEvent.input(screen.getByLabelText("Tenant (directory) id"), {
      target: { value: "contoso.example" },
    });
    await fireEvent.input(screen.getByLabelText("Client id"), { target: { value: "app-123" } });
    await fireEvent.click(screen.getByRole("button", { name: "Sign in with Microsoft" }));
    const status = await screen.findByTestId("oauth-status");
    expect(status.textContent).toContain("Signed in with Microsoft as learning@contoso.example");
    expect(calls.find((c) => c.cmd === "smtp_sign_in")?.args).toMatchObject({
      registration: {
        provider: "microsoft",
        tenant: "contoso.example",
        client_id: "app-123",
        account: "learning@contoso.example",
      },
    });
    await fireEvent.click(screen.getByRole("button", { name: "Sign out" }));
    await waitFor(() =>
      expect(screen.getByTestId("oauth-message").textContent).toContain("is signed out"),
    );
  });

  it("offers Sign in again when the consent was revoked", async () => {
    const registration: OAuthSettings = {
      provider: "google",
      client_id: "g-1",
      client_secret: "gs",
      account: "learning@contoso.example",
    };
    const calls = backend({
      auth: {
        method: "oauth",
        provider: "google",
        account: "learning@contoso.example",
        signed_in: false,
      },
      oauth: registration,
    });
    render(SmtpSettings);
    expect((await screen.findByTestId("oauth-status")).textContent).toContain("no longer valid");
    await fireEvent.click(screen.getByRole("button", { name: "Sign in again" }));
    await waitFor(() =>
      expect(screen.getByTestId("oauth-status").textContent).toContain("Signed in with Google"),
    );
    expect(calls.find((c) => c.cmd === "smtp_sign_in")?.args).toMatchObject({
      registration: { provider: "google", client_id: "g-1", client_secret: "gs" },
    });
  });
});
