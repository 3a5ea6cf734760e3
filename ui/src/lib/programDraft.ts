// Empty drafts for the program editor.
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
