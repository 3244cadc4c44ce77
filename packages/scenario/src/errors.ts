import { formatPath, ValidationError } from '@incident-ledger/core';

/** A problem in a scenario, located by file and line, with the field path and how to fix it. */
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    readonly path: (string | number)[],
    readonly problem: string,
    readonly hint?: string,
  ) {
    const where = line === undefined ? file : `${file}:${line}:${column ?? 1}`;
    const field = path.length > 0 ? ` ${formatPath(path)}:` : '';
    super(`${where}:${field} ${problem}${hint ? `\n  fix: ${hint}` : ''}`);
    this.name = 'ScenarioError';
  }
}

/** Anything that can locate a path of what it read: a YAML file, an event of any format. */
export interface Locator {
  error(path: (string | number)[], problem: string, hint?: string): ScenarioError;
}

/** `f()`, with core's ValidationError (a path, a problem, a hint) located by `at`. */
export function validated<T>(at: Locator, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ValidationError) throw at.error(e.path, e.problem, e.hint);
    throw e;
  }
}
