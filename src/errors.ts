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

/**
 * A failure whose message is for the operator only: an exec plugin's stderr (account and key
 * ids), an API server's internal URL, the name of mcks's cluster identity. Over the socket the
 * hub user gets `publicMessage` and a reference; the message goes to the daemon's log under
 * that reference (rpc/dispatch.ts).
 */
export class ConfidentialError extends UserError {
  readonly publicMessage: string;
  constructor(message: string, publicMessage: string, options?: ErrorOptions) {
    super(message, [], options);
    this.publicMessage = publicMessage;
  }
}

/**
 * An operator's function in the config (`allowed`, `overrides`, a setting's, a resource's) threw.
 * Its message may hold whatever the function saw, the user's auth state included: the hub user
 * reads which function failed (`where`: its config path), the daemon's log the message.
 */
export function functionFailed(where: string, err: unknown): ConfidentialError {
  const message = err instanceof Error ? err.message : String(err);
  return new ConfidentialError(`${where} threw: ${message}`, `${where} failed; ask an administrator to look up the reference in the daemon's log`, { cause: err });
}

/** The public message of the first confidential error in `err`'s cause chain, if any. */
export function publicMessageOf(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let e = err; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const pub = (e as { publicMessage?: unknown }).publicMessage;
    if (typeof pub === "string") return pub;
  }
  return undefined;
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
