import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from './run-cli.testing';
import { copyScenario } from './scenario-copy.testing';

/**
 * scenarios/example-bank-figures: every figure its notices state (per bank, per status,
 * compensation, a change below 0) is reproduced, and one stated wrongly fails, named.
 */
const SCENARIO = resolve(__dirname, '../../../scenarios/example-bank-figures');
const PUBLICATIONS = 'events/publications.yaml';

let tmp: string;
beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'ledger-bank-figures-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('scenarios/example-bank-figures', () => {
  it('reproduces every figure, with status as a qualifier in JSON', async () => {
    const text = await runCli('verify', SCENARIO);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/36 of 36 published figures reproduced/);
    const json = await runCli('verify', SCENARIO, '--format', 'json');
    const rows = JSON.parse(json.stdout).figures as Record<string, unknown>[];
    expect(rows.find((r) => r.status === 'excluded-own-use')).toMatchObject({
      figure: 'cases',
      bankCode: null,
      published: 1,
      replayed: 1,
      ok: true,
    });
    expect(rows.find((r) => Number(r.published) < 0)).toMatchObject({
      figure: 'cases',
      since: '2024-04-06T00:00:00+09:00',
      replayed: -2,
      ok: true,
    });
  });

  it.each([
    [
      'a bank compensated case',
      '{ name: compensatedCases, bank: BANK-A, value: 1,',
      '{ name: compensatedCases, bank: BANK-A, value: 2,',
      /MISMATCH compensatedCases \(bank BANK-A\) \(cases compensated in full\) as of 2024-04-25T00:00:00\+09:00: published 2, replayed 1;/,
    ],
    [
      'a change that went down',
      'value: -2, note:',
      'value: -1, note:',
      /MISMATCH cases \(since 2024-04-06T00:00:00\+09:00\) \(unauthorized-use cases\) as of 2024-04-11T00:00:00\+09:00: published -1, replayed -2;/,
    ],
    [
      'a status',
      '{ name: cases, status: suspected, value: 1 }',
      '{ name: cases, status: suspected, value: 2 }',
      /MISMATCH cases \(status suspected\) \(unauthorized-use cases\) as of 2024-04-11T00:00:00\+09:00: published 2, replayed 1;/,
    ],
    [
      'the largest case',
      '{ name: largestCaseYen, value: 200000 }',
      '{ name: largestCaseYen, value: 150000 }',
      /MISMATCH largestCaseYen \(largest damage of one case\) as of 2024-04-30T00:00:00\+09:00: published 150,000, replayed 200,000;/,
    ],
    [
      'the outstanding yen',
      '{ name: outstandingYen, value: 200000 }',
      '{ name: outstandingYen, value: 225000 }',
      /MISMATCH outstandingYen \(damage less compensation\) as of 2024-04-30T00:00:00\+09:00: published 225,000, replayed 200,000;/,
    ],
  ])('fails on %s stated wrongly, naming it', async (_, before, after, mismatch) => {
    const dir = copyScenario(SCENARIO, join(tmp, 'copy'), { file: PUBLICATIONS, before, after });
    const { code, stdout } = await runCli('verify', dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(mismatch);
    expect(stdout).toMatch(/35 of 36 published figures reproduced/);
  });
});
