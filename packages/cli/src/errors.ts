/** Exit codes scripts can trust. */
export const EXIT = {
  ok: 0,
  /** A check ran and failed: a figure not reproduced, an altered event. */
  failed: 1,
  /** Bad input: usage, scenario, store URL, unreachable store, conflicting history. */
  badInput: 2,
  /** A bug in incident-ledger: please report it. */
  internal: 3,
} as const;

/** A mistake in how the command was called; printed with a pointer to --help. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
