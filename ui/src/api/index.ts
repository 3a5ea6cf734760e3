// The one module that talks to the backend. Components import from here, never from
// "@tauri-apps/api" directly; every type comes from the generated bindings.
import { commands, type CommandError, type Result } from "./bindings";

export type * from "./bindings";

/** A failed command: `kind` is the stable code to branch on, `message` is for people. */
export class ApiError extends Error {
  readonly kind: CommandError["kind"];
  constructor(error: CommandError) {
    super(error.message);
    this.name = "ApiError";
    this.kind = error.kind;
  }
}

async function unwrap<T>(pending: Promise<Result<T, CommandError>>): Promise<T> {
  const result = await pending;
  if (result.status === "error") throw new ApiError(result.error);
  return result.data;
}

type Commands = typeof commands;
type Unwrapped = {
  [K in keyof Commands]: Commands[K] extends (...args: infer A) => Promise<Result<infer T, CommandError>>
    ? (...args: A) => Promise<T>
    : never;
};

/** The backend's commands, resolving to their data or throwing an {@link ApiError}. */
export const api = new Proxy({} as Unwrapped, {
  get(_target, name: string) {
    const command = commands[name as keyof Commands] as (...args: unknown[]) => Promise<Result<unknown, CommandError>>;
    return (...args: unknown[]) => unwrap(command(...args));
  },
});
