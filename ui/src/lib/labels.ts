import type { AssignmentStatus, ExceptionAction, ExceptionKind, ExceptionStatus } from "../api";

export const statusLabel: Record<AssignmentStatus, string> = {
  not_started: "Not started",
  in_progress: "In progress",
  complete: "Complete",
  certified: "Certified",
  window_open: "Window open",
  expired: "Expired",
};

export const exceptionStatusLabel: Record<ExceptionStatus, string> = {
  none: "—",
  raised: "Raised",
  resolved_assigned: "Resolved: assigned",
  resolved_realistic: "Resolved: realistic due date",
  not_assigned: "Not assigned",
  dismissed: "Dismissed",
};

export const formatCount = (n: number): string => n.toLocaleString("en-GB");

export const exceptionKindLabel: Record<ExceptionKind, string> = {
  duplicate_course: "Duplicate course",
  completion_time_unknown: "Completion time unknown",
  time_allowance: "Time allowance",
};

export const exceptionActionLabel: Record<ExceptionAction, string> = {
  assign: "Assign",
  set_realistic_due_date: "Set realistic due date and assign",
  do_not_assign: "Do not assign",
  dismiss: "Dismiss the exception",
};

/** Every action, in the order the Action menu lists them. */
export const exceptionActions: ExceptionAction[] = [
  "assign",
  "set_realistic_due_date",
  "do_not_assign",
  "dismiss",
];

/** Every exception type, in the order they are checked. */
export const exceptionKinds: ExceptionKind[] = [
  "duplicate_course",
  "completion_time_unknown",
  "time_allowance",
];

/** The actions DOMAIN.md section 5 allows for each type. */
export const actionsAllowed: Record<ExceptionKind, ExceptionAction[]> = {
  duplicate_course: ["assign", "do_not_assign", "dismiss"],
  completion_time_unknown: ["set_realistic_due_date", "do_not_assign", "dismiss"],
  time_allowance: ["assign", "set_realistic_due_date", "do_not_assign", "dismiss"],
};

/** An RFC 3339 instant as `YYYY-MM-DD HH:MM UTC`. */
export const formatInstant = (rfc3339: string): string =>
  rfc3339.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC");
