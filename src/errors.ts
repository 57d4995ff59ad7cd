/**
 * An operator's or caller's mistake: printed as one sentence (what, where, how to fix),
 * never with a stack trace. Anything else reaching the top is a bug in mcks.
 */
export class UserError extends Error {
  override readonly name = "UserError";
  /** Extra lines (one per problem) when several were found at once. */
  readonly details: readonly string[];
  constructor(message: string, details: readonly string[] = [], options?: ErrorOptions) {
    super(message, options);
    this.details = details;
  }
}

/** Prefix an error with the stage it happened in, keeping the cause (like kustomize's wrapping). */
export function wrapError(prefix: string, err: unknown): UserError {
  if (err instanceof UserError) return new UserError(`${prefix}: ${err.message}`, err.details, { cause: err });
  const msg = err instanceof Error ? err.message : String(err);
  return new UserError(`${prefix}: ${msg}`, [], { cause: err });
}

export function formatError(err: unknown): string {
  if (err instanceof UserError) {
    return [`mcks: ${err.message}`, ...err.details.map((d) => `  - ${d}`)].join("\n");
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return `mcks: internal error (please report it): ${process.env.MCKS_DEBUG ? e.stack : e.message}`;
}
