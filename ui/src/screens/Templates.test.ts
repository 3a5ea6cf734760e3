import { afterEach, describe, expect, it } from "vitest";
import { render, screen, cleanup, fireEvent, waitFor } from "@testing-library/svelte";
import { mockIPC, clearMocks } from "@tauri-apps/api/mocks";
import Templates from "./Templates.svelte";
import { editorText, editorView, typeInto } from "../lib/editorTesting";
import type {
  Preview,
  ProgramSummary,
  Recipients,
  Rule,
  RuleInput,
  Timing,
  Trigger,
  TriggerInfo,
} from "../api";

const programs: ProgramSummary[] = [
  { id: 1, short_name: "FA", full_name: "First Aid at Work", kind: "certification", members: 2 },
  { id: 2, short_name: "FS", full_name: "Fire Safety", kind: "program", members: 5 },
];
const known = ["userfullname", "useridnumber", "programfullname", "duedate"];

/**
 * What the backend's `trigger_catalog` answers (DOMAIN.md section 4), written out here: the
 * screen must offer what the backend allows, not what a copy in the UI says.
 */
const people: Recipients[] = ["learner", "managers", "both"];
const info = (
  trigger: Trigger,
  timings: Timing[],
  certification_only = false,
  recipients: Recipients[] = people,
): TriggerInfo => ({
  trigger,
  timings,
  recipients,
  certification_only,
  repeats: ["due_date", "course_set_due", "expiry"].includes(trigger),
  overdue: ["due_date", "course_set_due"].includes(trigger),
});
const catalog: TriggerInfo[] = [
  info("assigned", ["on"]),
  info("completed", ["on", "after"]),
  info("course_set_completed", ["on", "after"]),
  info("course_set_due", ["before", "on", "after"]),
  info("due_date", ["before", "on", "after"]),
  info("exception", ["on"], false, ["admins"]),
  info("unassigned", ["on"]),
  info("expiry", ["before"], true),
  info("failed_recertify", ["on"], true),
  info("window_open", ["before", "on", "after"], true),
];

const input = (over: Partial<RuleInput> = {}): RuleInput => ({
  trigger: "due_date",
  timing: "before",
  offset_amount: 7,
  offset_unit: "day",
  recipients: "learner",
  learner_subject: "%programfullname% is due on %duedate%",
  learner_body: "Hello %userfullname%",
  manager_subject: "",
  manager_body: "",
  enabled: true,
  digest: { frequency: "none", weekday: null },
  ...over,
});

afterEach(() => {
  cleanup();
  clearMocks();
});

type Call = { cmd: string; args: Record<string, unknown> };

function backend(
  opts: {
    backfill?: number;
    preview?: Preview;
    smtpMissing?: boolean;
    catalog?: TriggerInfo[];
  } = {},
) {
  const calls: Call[] = [];
  let digestTemplate = {
    subject: "CertDesk: %itemcount% update(s) about your team",
    body: "Hello %managername%,\n\n%learnerlist%",
  };
  const rules: Rule[] = [
    { id: 10, program_id: 1, input: input(), effective_from: "2026-01-01T00:00:00Z" },
  ];
  mockIPC((cmd, raw) => {
    const args = (raw ?? {}) as Record<string, unknown>;
    calls.push({ cmd, args });
    switch (cmd) {
      case "program_list":
        return programs;
      case "placeholders":
        return known;
      case "trigger_catalog":
        return opts.catalog ?? catalog;
      case "program_rules":
        return rules.filter((r) => r.program_id === args.programId);
      case "save_rule": {
        const i = args.input as RuleInput;
        const bad = `${i.learner_subject} ${i.learner_body}`
          .match(/%([a-z]+)%/g)
          ?.find((p) => !known.includes(p.slice(1, -1)));
        if (bad)
          throw {
            kind: "unknown_placeholder",
            message: `unknown placeholder ${bad} in learner body`,
          };
        const rule: Rule = {
          id: 11,
          program_id: args.programId as number,
          input: i,
          effective_from: "2026-11-23T09:00:00Z",
        };
        const at = rules.findIndex((r) => r.id === rule.id);
        if (at >= 0) rules[at] = rule;
        else rules.push(rule);
        return { rule, backfill: opts.backfill ?? 0 };
      }
      case "backfill_rule":
        return null;
      case "preview_template": {
        const body = String(args.body).replace(/</g, "&lt;");
        return { subject: args.subject, text: args.body, html: `<p>${body}</p>` };
      }
      case "digest_template":
        return digestTemplate;
      case "preview_digest_template": {
        const t = args.template as typeof digestTemplate;
        const body = t.body.replace(/</g, "&lt;").replace("%learnerlist%", "<table></table>");
        return { subject: t.subject, text: t.body, html: `<p>${body}</p>` };
      }
      case "save_digest_template": {
        const t = args.template as typeof digestTemplate;
        const bad = `${t.subject} ${t.body}`
          .match(/%([a-z]+)%/g)
          ?.find((p) => !["managername", "learnerlist", "itemcount"].includes(p.slice(1, -1)));
        if (bad)
          throw {
            kind: "unknown_placeholder",
            message: `unknown placeholder ${bad} in digest body`,
          };
        digestTemplate = t;
        return t;
      }
      case "backfill_if_saved":
        // Past events only count for a rule that is new or retimed.
        return args.id === null || (args.input as RuleInput).offset_amount !== 0
          ? (opts.backfill ?? 0)
          : 0;
      case "find_learners":
        return [{ id: 5, id_number: "E5", full_name: "Ada Lovelace", email: "ada@example.org" }];
      case "preview_rule":
        return opts.preview;
      case "rule_next_sends":
        return [
          {
            at: "2027-02-11T08:00:00Z",
            learner: "Ada Lovelace",
            recipient_kind: "learner",
            email: "ada@example.org",
            reminder_no: 1,
          },
          {
            at: "2027-02-14T08:00:00Z",
            learner: "Ada Lovelace",
            recipient_kind: "manager",
            email: "boss@example.org",
            reminder_no: 2,
          },
        ];
      case "test_send_rule":
        if (opts.smtpMissing)
          throw {
            kind: "smtp_not_configured",
            message: "SMTP is not configured: save the SMTP settings first (Settings)",
          };
        return 2;
      default:
        throw new Error(cmd);
    }
  });
  return calls;
}

describe("Notification templates", () => {
  it("lists the first program's rules and offers only the timings a trigger allows", async () => {
    backend();
    render(Templates);
    const row = await screen.findByText("Program / certification due date");
    expect(row.closest("tr")?.textContent).toContain("7 days before");
    await fireEvent.click(screen.getByRole("button", { name: "New rule" }));
    const timing = screen.getByLabelText("Timing") as HTMLSelectElement;
    expect([...timing.options].map((o) => o.value)).toEqual(["on"]);
    await fireEvent.change(screen.getByLabelText("Trigger"), { target: { value: "expiry" } });
    expect([...timing.options].map((o) => o.value)).toEqual(["before"]);
    expect(screen.getByLabelText("How many")).toBeTruthy();
  });

  it("offers the triggers and timings the backend's catalog says, in its order", async () => {
    backend({
      catalog: [
        info("due_date", ["before", "after"]),
        info("assigned", ["on", "after"]),
        info("expiry", ["before"], true),
      ],
    });
    render(Templates);
    await screen.findByText("Program / certification due date");
    await fireEvent.click(screen.getByRole("button", { name: "New rule" }));
    const trigger = screen.getByLabelText("Trigger") as HTMLSelectElement;
    const timing = screen.getByLabelText("Timing") as HTMLSelectElement;
    expect([...trigger.options].map((o) => o.value)).toEqual(["due_date", "assigned", "expiry"]);
    expect([...timing.options].map((o) => o.value)).toEqual(["on", "after"]);
    await fireEvent.change(trigger, { target: { value: "due_date" } });
    // "on" is not allowed there: the first timing allowed is chosen.
    expect([...timing.options].map((o) => o.value)).toEqual(["before", "after"]);
    expect(timing.value).toBe("before");
  });

  it("offers the recipients the backend's catalog allows for each trigger", async () => {
    // Deliberately unlike the real catalog: a copy of the rule kept in the UI fails here.
    const calls = backend({
      catalog: [
        info("assigned", ["on"], false, ["managers"]),
        info("due_date", ["before"], false, ["learner", "both"]),
        info("exception", ["on"], false, ["both", "admins"]),
      ],
    });
    render(Templates);
    await screen.findByText("Program / certification due date");
    await fireEvent.click(screen.getByRole("button", { name: "New rule" }));
    const trigger = screen.getByLabelText("Trigger") as HTMLSelectElement;
    const to = screen.getByLabelText("Recipients") as HTMLSelectElement;
    const offered = () => [...to.options].map((o) => o.value);
    // A new rule starts on "learner", which this trigger does not allow: the first it allows.
    expect(offered()).toEqual(["managers"]);
    expect(to.value).toBe("managers");
    await fireEvent.change(trigger, { target: { value: "due_date" } });
    expect(offered()).toEqual(["learner", "both"]);
    expect(to.value).toBe("learner");
    await fireEvent.change(to, { target: { value: "both" } });
    // Still allowed after the trigger changes: kept.
    await fireEvent.change(trigger, { target: { value: "exception" } });
    expect(offered()).toEqual(["both", "admins"]);
    expect(to.value).toBe("both");
    await fireEvent.click(screen.getByRole("button", { name: "Save rule" }));
    await screen.findByTestId("rule-saved");
    expect(calls.find((c) => c.cmd === "save_rule")?.args).toMatchObject({
      input: { trigger: "exception", recipients: "both" },
    });
  });

  it("hides certification-only triggers for a program", async () => {
    backend();
    render(Templates);
    await screen.findByText("Program / certification due date");
    await fireEvent.change(screen.getByLabelText("Program or certification"), {
      target: { value: "2" },
    });
    await fireEvent.click(screen.getByRole("button", { name: "New rule" }));
    const trigger = screen.getByLabelText("Trigger") as HTMLSelectElement;
    const offered = [...trigger.options].map((o) => o.value);
    expect(offered).toContain("due_date");
    expect(offered).not.toContain("expiry");
    expect(offered).not.toContain("failed_recertify");
    expect(offered).not.toContain("window_open");
  });

  it("names an unknown placeholder as it is typed, and the backend refuses it", async () => {
    const calls = backend();
    render(Templates);
    await screen.findByText("Program / certification due date");
    await fireEvent.click(screen.getByRole("button", { name: "New rule" }));
    await typeInto("Learner subject", "Welcome");
    await typeInto("Learner body", "Hello %userfulname%");
    expect(screen.getByText("Unknown placeholder: %userfulname%")).toBeTruthy();
    const body = screen.getByLabelText("Learner body");
    await waitFor(() => expect(body.getAttribute("aria-invalid")).toBe("true"));
    // Underlined in the text itself, a moment after the typing stops.
    await waitFor(() =>
      expect(body.querySelector(".cm-lintRange-error")?.textContent).toBe("%userfulname%"),
    );

    await fireEvent.click(screen.getByRole("button", { name: "Save rule" }));
    const alert = await screen.findByTestId("rule-error");
    expect(alert.textContent).toContain("%userfulname%");
    expect(calls.filter((c) => c.cmd === "save_rule")).toHaveLength(1);
    expect(screen.queryByTestId("rule-saved")).toBeNull();
  });

  it("shows the body's HTML beside it, rendered again a moment after typing stops", async () => {
    const calls = backend();
    const { container } = render(Templates);
    await fireEvent.click((await screen.findAllByRole("button", { name: "Edit" }))[0]!);
    const frame = (await screen.findByTitle(
      "Learner body as HTML, for an example learner",
    )) as HTMLIFrameElement;
    expect(frame.getAttribute("sandbox")).toBe("");
    expect(frame.getAttribute("srcdoc")).toBe("<p>Hello %userfullname%</p>");
    const rendered = () =>
      calls.filter((c) => c.cmd === "preview_template" && String(c.args.body).startsWith("Hi"));

    // Three changes in a row, faster than anyone types.
    const view = await editorView("Learner body");
    const type = (from: number, to: number, insert: string) =>
      view.dispatch({ changes: { from, to, insert }, userEvent: "input.type" });
    type(0, view.state.doc.length, "Hi");
    type(2, 2, " <img src=x onerror=alert(1)>");
    type(31, 31, " there");
    await waitFor(() =>
      expect(frame.getAttribute("srcdoc")).toBe("<p>Hi &lt;img src=x onerror=alert(1)> there</p>"),
    );
    // Three quick changes, one render: the last text, with the subject beside it.
    expect(rendered()).toHaveLength(1);
    expect(rendered()[0]?.args).toEqual({
      subject: "%programfullname% is due on %duedate%",
      body: "Hi <img src=x onerror=alert(1)> there",
    });
    expect(container.querySelector("img")).toBeNull();
  });

  it("inserts a placeholder where the cursor is", async () => {
    backend();
    render(Templates);
    await screen.findByText("Program / certification due date");
    await fireEvent.click(screen.getByRole("button", { name: "New rule" }));
    await typeInto("Learner body", "Dear , welcome");
    await typeInto("Learner body", "", 5);
    await fireEvent.change(screen.getByLabelText("Placeholder"), {
      target: { value: "userfullname" },
    });
    await fireEvent.click(screen.getByRole("button", { name: /Insert into learner body/ }));
    await waitFor(async () =>
      expect(await editorText("Learner body")).toBe("Dear %userfullname%, welcome"),
    );
  });

  it("saves a new rule, says how many past messages it could send, and backfills on request", async () => {
    const calls = backend({ backfill: 12 });
    render(Templates);
    await screen.findByText("Program / certification due date");
    await fireEvent.click(screen.getByRole("button", { name: "New rule" }));
    await typeInto("Learner subject", "Welcome to %programfullname%");
    await fireEvent.click(screen.getByRole("button", { name: "Save rule" }));
    const saved = await screen.findByTestId("rule-saved");
    expect(saved.textContent).toContain("12");
    expect(calls.find((c) => c.cmd === "save_rule")?.args).toMatchObject({
      programId: 1,
      id: null,
      input: { trigger: "assigned", timing: "on", learner_subject: "Welcome to %programfullname%" },
    });
    expect(calls.some((c) => c.cmd === "backfill_rule")).toBe(false);
    await fireEvent.click(screen.getByRole("button", { name: "Send those 12 messages" }));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "backfill_rule")?.args).toEqual({ id: 11 }),
    );
  });

  it("previews a saved rule for a learner, HTML only in a sandboxed frame", async () => {
    const hostile = "<img src=x onerror=alert(1)>";
    const calls = backend({
      preview: {
        rule_id: 10,
        learner: {
          subject: `${hostile} is due`,
          html: `<p>Hello &lt;img&gt;</p><script>parent.pwned = 1</script>`,
          text: `Hello ${hostile}`,
        },
        manager: null,
      },
    });
    const { container } = render(Templates);
    await fireEvent.click((await screen.findAllByRole("button", { name: "Edit" }))[0]!);
    await fireEvent.input(screen.getByLabelText("Find a learner"), { target: { value: "Ada" } });
    await fireEvent.click(screen.getByRole("button", { name: "Find" }));
    await screen.findByRole("option", { name: "Ada Lovelace (E5)" });
    await fireEvent.click(screen.getByRole("button", { name: "Preview" }));
    const message = await screen.findByTestId("preview-learner");
    expect(message.querySelector(".subject")?.textContent).toBe(`${hostile} is due`);
    expect(message.querySelector("pre")?.textContent).toBe(`Hello ${hostile}`);
    const frame = message.querySelector("iframe");
    expect(frame?.getAttribute("sandbox")).toBe("");
    expect(frame?.getAttribute("srcdoc")).toContain("<p>Hello &lt;img&gt;</p>");
    expect(container.querySelector("img")).toBeNull();
    expect(calls.find((c) => c.cmd === "preview_rule")?.args).toEqual({ ruleId: 10, learnerId: 5 });
  });

  it("test-sends a saved rule for a learner to the address given, and says why it cannot", async () => {
    const calls = backend({ smtpMissing: true });
    render(Templates);
    await fireEvent.click((await screen.findAllByRole("button", { name: "Edit" }))[0]!);
    await fireEvent.input(screen.getByLabelText("Find a learner"), { target: { value: "Ada" } });
    await fireEvent.click(screen.getByRole("button", { name: "Find" }));
    await screen.findByRole("option", { name: "Ada Lovelace (E5)" });
    const send = screen.getByRole("button", { name: "Send test" }) as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    await fireEvent.input(screen.getByLabelText(/as a test to/), {
      target: { value: "me@example.org" },
    });
    await fireEvent.click(send);
    expect((await screen.findByTestId("test-send-error")).textContent).toContain(
      "save the SMTP settings first",
    );
    expect(calls.find((c) => c.cmd === "test_send_rule")?.args).toEqual({
      ruleId: 10,
      learnerId: 5,
      to: "me@example.org",
    });
  });

  it("reports how many test messages went out", async () => {
    backend();
    render(Templates);
    await fireEvent.click((await screen.findAllByRole("button", { name: "Edit" }))[0]!);
    await fireEvent.input(screen.getByLabelText("Find a learner"), { target: { value: "Ada" } });
    await fireEvent.click(screen.getByRole("button", { name: "Find" }));
    await screen.findByRole("option", { name: "Ada Lovelace (E5)" });
    await fireEvent.input(screen.getByLabelText(/as a test to/), {
      target: { value: "me@example.org" },
    });
    await fireEvent.click(screen.getByRole("button", { name: "Send test" }));
    expect((await screen.findByTestId("test-send-result")).textContent).toBe(
      "Sent 2 test messages to me@example.org.",
    );
  });

  it("says before saving how many past messages a new rule could send", async () => {
    const calls = backend({ backfill: 3 });
    render(Templates);
    await fireEvent.click(await screen.findByRole("button", { name: "New rule" }));
    const estimate = await screen.findByTestId("rule-backfill-estimate", {}, { timeout: 2000 });
    expect(estimate.textContent).toContain("3 messages for events that have already passed");
    expect(estimate.textContent).toContain("only if you ask after saving");
    expect(calls.some((c) => c.cmd === "save_rule")).toBe(false);
  });

  it("sends a rule's manager copies as a weekly digest on the chosen weekday", async () => {
    const calls = backend();
    render(Templates);
    await screen.findByText("Program / certification due date");
    await fireEvent.click(screen.getByRole("button", { name: "New rule" }));
    // A rule to the learner only has no manager copies to gather.
    expect(screen.queryByLabelText("Manager copies")).toBeNull();
    await fireEvent.change(screen.getByLabelText("Recipients"), { target: { value: "both" } });
    await typeInto("Learner subject", "Welcome");
    await typeInto("Manager subject", "New report");
    await fireEvent.change(screen.getByLabelText("Manager copies"), {
      target: { value: "weekly" },
    });
    await fireEvent.change(screen.getByLabelText("on"), { target: { value: "3" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save rule" }));
    await screen.findByTestId("rule-saved");
    expect(calls.find((c) => c.cmd === "save_rule")?.args).toMatchObject({
      input: { recipients: "both", digest: { frequency: "weekly", weekday: 3 } },
    });
    // Back to the learner only: the digest goes back to "each".
    await fireEvent.change(screen.getByLabelText("Recipients"), { target: { value: "learner" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save rule" }));
    await waitFor(() =>
      expect(calls.filter((c) => c.cmd === "save_rule").at(-1)?.args).toMatchObject({
        input: { recipients: "learner", digest: { frequency: "none", weekday: null } },
      }),
    );
  });

  it("edits the manager digest template and names a placeholder it does not know", async () => {
    const calls = backend();
    render(Templates);
    expect(await editorText("Digest subject")).toBe(
      "CertDesk: %itemcount% update(s) about your team",
    );
    await typeInto("Digest body", "Hi %userfullname%: %learnerlist%");
    await fireEvent.click(screen.getByRole("button", { name: "Save digest template" }));
    const err = await screen.findByTestId("digest-error");
    expect(err.textContent).toContain("%userfullname%");
    await typeInto("Digest body", "Hi %managername%: %learnerlist%");
    await fireEvent.click(screen.getByRole("button", { name: "Save digest template" }));
    await screen.findByText("Digest template saved.");
    expect(calls.filter((c) => c.cmd === "save_digest_template").at(-1)?.args).toEqual({
      template: {
        subject: "CertDesk: %itemcount% update(s) about your team",
        body: "Hi %managername%: %learnerlist%",
      },
    });
    // Beside the body, its HTML for an example manager, from the digest's own renderer.
    const frame = await screen.findByTitle("Digest body as HTML, for an example manager");
    await waitFor(() =>
      expect(frame.getAttribute("srcdoc")).toBe("<p>Hi %managername%: <table></table></p>"),
    );
    expect(calls.some((c) => c.cmd === "preview_digest_template")).toBe(true);
  });

  it("saves repeats and escalation, offered only where the trigger and recipients allow", async () => {
    const calls = backend();
    render(Templates);
    await fireEvent.click(await screen.findByRole("button", { name: "New rule" }));
    // An "assigned" rule to the learner neither repeats nor escalates.
    expect(screen.queryByLabelText("Repeat until done")).toBeNull();
    expect(screen.queryByLabelText("Escalate to managers' managers")).toBeNull();
    await fireEvent.change(screen.getByLabelText("Trigger"), { target: { value: "due_date" } });
    await fireEvent.change(screen.getByLabelText("Timing"), { target: { value: "after" } });
    await fireEvent.click(screen.getByLabelText("Repeat until done"));
    await fireEvent.input(screen.getByLabelText("every"), { target: { value: "3" } });
    await fireEvent.input(screen.getByLabelText("days, at most"), { target: { value: "2" } });
    await fireEvent.change(screen.getByLabelText("Recipients"), { target: { value: "both" } });
    const esc = screen.getByLabelText("Escalate to managers' managers") as HTMLSelectElement;
    expect([...esc.options].map((o) => o.value)).toEqual([
      "none",
      "always",
      "after_overdue",
      "after_repeat",
    ]);
    await fireEvent.change(esc, { target: { value: "after_repeat" } });
    await fireEvent.input(screen.getByLabelText("repeat number"), { target: { value: "2" } });
    await fireEvent.click(screen.getByLabelText(/Send at once/));
    await fireEvent.click(screen.getByRole("button", { name: "Save rule" }));
    await screen.findByTestId("rule-saved");
    expect(calls.find((c) => c.cmd === "save_rule")?.args).toMatchObject({
      input: {
        trigger: "due_date",
        timing: "after",
        recipients: "both",
        repeat_every_days: 3,
        repeat_max: 2,
        escalation: "after_repeat",
        escalate_after: 2,
        send_at_once: true,
      },
    });
    // Back to the learner alone: no managers, so no escalation is kept.
    await fireEvent.change(screen.getByLabelText("Recipients"), { target: { value: "learner" } });
    expect(screen.queryByLabelText("Escalate to managers' managers")).toBeNull();
  });

  it("shows when a saved rule's next messages would go", async () => {
    const calls = backend();
    render(Templates);
    await fireEvent.click((await screen.findAllByRole("button", { name: "Edit" }))[0]!);
    const list = await screen.findByTestId("next-sends");
    const items = [...list.querySelectorAll("li")].map((li) => li.textContent ?? "");
    expect(items).toHaveLength(2);
    expect(items[0]).toContain("to ada@example.org about Ada Lovelace");
    expect(items[1]).toContain("manager copy to boss@example.org about Ada Lovelace, reminder 2");
    expect(calls.find((c) => c.cmd === "rule_next_sends")?.args).toEqual({ ruleId: 10 });
    // Saving the rule (e.g. with repeats) reads its next messages again.
    await fireEvent.click(screen.getByRole("button", { name: "Save rule" }));
    await screen.findByTestId("rule-saved");
    await waitFor(() => expect(calls.filter((c) => c.cmd === "rule_next_sends")).toHaveLength(2));
  });
});
