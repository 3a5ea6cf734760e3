// Empty drafts for the program editor, and a draft as it goes to the backend.
import type { ProgramDraft, ProgramKind, SetDraft } from "../api";

/** An empty course set. */
export function blankSet(): SetDraft {
  return { label: "", rule: { rule: "all" }, min_time_hours: 0, operator: null, courses: [] };
}

/** A new program or certification with one empty course set. */
export function blankDraft(kind: ProgramKind): ProgramDraft {
  return {
    id: null,
    short_name: "",
    full_name: "",
    kind,
    due: {
      kind: "none",
      date: "",
      after: { amount: 1, unit: "month" },
      from: "assignment",
      program_id: null,
      field: "",
    },
    cert: kind === "certification" ? defaultCert() : null,
    certification_path: [blankSet()],
    recertification_path: [],
  };
}

export function defaultCert(): NonNullable<ProgramDraft["cert"]> {
  return {
    active: { amount: 1, unit: "year" },
    window: { amount: 1, unit: "month" },
    method: "completion_date",
    min_active: null,
  };
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/**
 * The draft as saving sends it: what its kind does not use left out (a program has no
 * certification periods or recertification path), numbers cleared out of the inputs'
 * blanks and fractions. The backend's checks decide the rest.
 */
export function toSave(draft: ProgramDraft): ProgramDraft {
  const out = structuredClone(draft);
  if (out.kind === "program") {
    out.cert = null;
    out.recertification_path = [];
  }
  for (const s of [...out.certification_path, ...out.recertification_path]) {
    s.min_time_hours = num(s.min_time_hours);
    if (s.rule.rule === "at_least") s.rule.min = Math.max(0, Math.trunc(num(s.rule.min)));
  }
  out.due.after.amount = Math.trunc(num(out.due.after.amount));
  if (out.cert) {
    out.cert.active.amount = Math.trunc(num(out.cert.active.amount));
    out.cert.window.amount = Math.trunc(num(out.cert.window.amount));
    if (out.cert.method !== "fixed_expiry_date") out.cert.min_active = null;
  }
  return out;
}
