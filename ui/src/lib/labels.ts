import type { AssignmentStatus, ExceptionStatus } from "../api";

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
