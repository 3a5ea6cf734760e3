import type { Compliance, ComplianceRow, ExpiringFigure, MembershipQuery } from "../api";

/** The membership report filters a dashboard figure opens, with a sentence saying so. */
export type FigureFilter = Pick<
  MembershipQuery,
  "program_id" | "group_id" | "compliance" | "expiring"
> & { label: string };

/** The compliant (or non-compliant) members of a program or a group, as of the figures. */
export function complianceFilter(
  c: Compliance,
  kind: "program" | "group",
  row: ComplianceRow,
  compliant: boolean,
): FigureFilter {
  return {
    program_id: kind === "program" ? row.id : null,
    group_id: kind === "group" ? row.id : null,
    compliance: { compliant, as_of: c.as_of },
    expiring: null,
    label: `${compliant ? "Compliant" : "Non-compliant"} members of ${kind} ${row.name}`,
  };
}

/** The certifications expiring within a figure's days. */
export function expiringFilter(c: Compliance, e: ExpiringFigure): FigureFilter {
  return {
    program_id: null,
    group_id: null,
    compliance: null,
    expiring: { after: c.as_of, until: e.until },
    label: `Certifications expiring in the next ${e.days} days`,
  };
}

/** A share as a whole percentage; none of none is shown as a dash. */
export function share(row: ComplianceRow): string {
  return row.members === 0 ? "–" : `${Math.floor((row.compliant * 100) / row.members)}%`;
}
