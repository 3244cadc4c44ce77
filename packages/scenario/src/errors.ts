import { formatPath } from '@incident-ledger/core';

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
