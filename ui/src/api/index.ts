// The one module that talks to the backend. Components import from here, never from
// "@tauri-apps/api" directly; every backend type comes from the generated bindings.
import { Channel } from "@tauri-apps/api/core";
import { commands, type CommandError, type Progress } from "./bindings";

export type * from "./bindings";

type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError | string };

/** A failed command: `kind` is the stable code to branch on, `message` is for people. */
export class ApiError extends Error {
  /** The backend's error kind, or `ipc` when Tauri refused the call itself. */
  readonly kind: CommandError["kind"] | "ipc";
  /** For `invalid`: the input at fault (e.g. `short_name`), to show `reason` beside it. */
  readonly field: string | null;
  /** For `invalid`: what is wrong, without the field name. */
  readonly reason: string | null;
  constructor(error: CommandError | string) {
    super(typeof error === "string" ? error : error.message);
    this.name = "ApiError";
    this.kind = typeof error === "string" ? "ipc" : error.kind;
    this.field = typeof error === "string" ? null : (error.field ?? null);
    this.reason = typeof error === "string" ? null : (error.reason ?? null);
  }
}

type Commands = typeof commands;
type Unwrapped = {
  [K in keyof Commands]: Commands[K] extends (...args: infer A) => Promise<Outcome<infer T>>
    ? (...args: A) => Promise<T>
    : never;
};

/** The backend's commands, resolving to their data or throwing an {@link ApiError}. */
export const api = new Proxy({} as Unwrapped, {
  get(_target, name: string) {
    const command = commands[name as keyof Commands] as (
      ...args: unknown[]
    ) => Promise<Outcome<unknown>>;
    return async (...args: unknown[]) => {
      const outcome = await command(...args);
      if (outcome.status === "error") throw new ApiError(outcome.error);
      return outcome.data;
    };
  },
});

/** A channel a long command reports its {@link Progress} on; `report` gets each step. */
export function progressChannel(report: (p: Progress) => void): Channel<Progress> {
  return new Channel<Progress>(report);
}
