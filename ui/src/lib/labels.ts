import type {
  AssignSummary,
  AssignmentStatus,
  ExceptionAction,
  ExceptionKind,
  ExceptionStatus,
  OffsetUnit,
  Recipients,
  Timing,
  Trigger,
  Unit,
} from "../api";

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

/** "1,234,567": a count's digits in groups of three, as en-GB writes them. Not through `Intl`,
 * whose locale data would cost the window's web process about 2 MB for this alone. */
export const formatCount = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** "1 learner", "2,000 learners": a count and its noun, singular or plural. */
export const counted = (n: number, one: string, many = `${one}s`): string =>
  `${formatCount(n)} ${n === 1 ? one : many}`;

/** What assigning many learners did: "38 new members, 2 already members, 1 exception to review…". */
export const assignedText = (s: AssignSummary): string =>
  `${counted(s.added, "new member")}, ${formatCount(s.already)} already ${s.already === 1 ? "a member" : "members"}${s.exceptions > 0 ? `, ${counted(s.exceptions, "exception")} to review in the exception report` : ""}`;

// Words only: which actions a row allows and which timings a trigger allows are the
// backend's to say (each exception row's `actions`, the `trigger_catalog` command).
// The order of the keys below is the order in which the screens list them.

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

/** An RFC 3339 instant as `YYYY-MM-DD HH:MM UTC`. */
export const formatInstant = (rfc3339: string): string =>
  rfc3339.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC");

export const triggerLabel: Record<Trigger, string> = {
  assigned: "Learner assigned",
  completed: "Completed",
  course_set_completed: "Course set completed",
  course_set_due: "Course set due date",
  due_date: "Program / certification due date",
  exception: "New exception reported",
  unassigned: "Learner unassigned",
  expiry: "Certification expiry date",
  failed_recertify: "Failure to recertify",
  window_open: "Recertification window open date",
};

export const recipientsLabel: Record<Recipients, string> = {
  learner: "The learner",
  managers: "Their managers",
  both: "The learner and their managers",
  admins: "Site administrators",
};

/** A period's unit, as the program editor's unit choices say it ("3 months"). */
export const unitLabel: Record<Unit, string> = {
  day: "days",
  week: "weeks",
  month: "months",
  year: "years",
};

/** A rule's timing in words: "on", "7 days before". */
export function timingText(timing: Timing, amount: number, unit: OffsetUnit): string {
  if (timing === "on") return "On the day";
  return `${amount} ${unit}${amount === 1 ? "" : "s"} ${timing}`;
}
