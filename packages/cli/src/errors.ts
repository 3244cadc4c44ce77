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

/**
 * An import that failed after whole batches of it were appended (importEvents): `cause` says why,
 * and the store holds those batches, in order, verifiable; running the import again skips them.
 */
export class ImportCutShort extends Error {
  constructor(
    override readonly cause: unknown,
    readonly appended: number,
  ) {
    super(`import cut short after ${appended} events were appended`);
    this.name = 'ImportCutShort';
  }
}
