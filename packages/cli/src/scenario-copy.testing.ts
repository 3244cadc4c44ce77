import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A copy of a scenario folder at `dir` (without any store file), with one text replaced in one
 * file, checked to occur there exactly once.
 */
export function copyScenario(
  from: string,
  dir: string,
  edit?: { file: string; before: string; after: string },
): string {
  cpSync(from, dir, { recursive: true, filter: (src) => !/ledger\.sqlite/.test(src) });
  if (edit !== undefined) {
    const path = join(dir, edit.file);
    const text = readFileSync(path, 'utf8');
    expect(text.split(edit.before)).toHaveLength(2);
    writeFileSync(path, text.replace(edit.before, edit.after));
  }
  return dir;
}

/** The worked example with its first charge 10,000 yen larger: three damage figures fail. */
export const FAILING_EXAMPLE_EDIT = {
  file: 'events/cases.yaml',
  before: 'accountId: B-001, amountYen: 120000',
  after: 'accountId: B-001, amountYen: 130000',
};
