import { resolve } from 'node:path';
import { runCli } from './run-cli.testing';

/** `replay --by case`: the case table, a registered projection's table, through the CLI. */
const SCENARIOS = resolve(__dirname, '../../../scenarios');
const replay = (scenario: string, ...options: string[]) =>
  runCli('replay', resolve(SCENARIOS, scenario), '--store', 'memory:', '-q', ...options);

interface CaseJson {
  caseId: string;
  bankCode: string;
  bankName: string | null;
  status: string;
  firstChargeAt: string | null;
  reportedAt: string;
  reclassifiedAt: string | null;
  damageYen: number;
  compensatedYen: number;
  outstandingYen: number;
}

describe('incident-ledger replay --by case', () => {
  it('lists every reported case; the counted ones add up to the summary', async () => {
    const cases = await replay('example-bank-figures', '--by', 'case', '--format', 'json');
    const summary = await replay('example-bank-figures', '--by', 'summary', '--format', 'json');
    expect([cases.code, summary.code]).toEqual([0, 0]);
    const rows = JSON.parse(cases.stdout).case as CaseJson[];
    const s = JSON.parse(summary.stdout).summary as { cases: number; compensatedYen: number };
    const counted = rows.filter((r) => r.status === 'suspected' || r.status === 'confirmed');
    expect(counted).toHaveLength(s.cases);
    expect(counted.reduce((n, r) => n + r.compensatedYen, 0)).toBe(s.compensatedYen);
    expect(rows.length).toBeGreaterThan(counted.length); // excluded cases are listed too
    expect(rows.map((r) => r.caseId)).toEqual(rows.map((r) => r.caseId).sort());
    for (const r of rows) expect(r.outstandingYen).toBe(r.damageYen - r.compensatedYen);
    expect(rows.every((r) => /^2024-04-\d\dT\d\d:\d\d:\d\d\+09:00$/.test(r.reportedAt))).toBe(true);
    const reclassified = rows.filter((r) => r.reclassifiedAt !== null);
    expect(reclassified.length).toBeGreaterThan(0);
    expect(reclassified.length).toBeLessThan(rows.length);
  });

  it('names the bank in text and CSV, and is named by a misspelling', async () => {
    const text = await replay('resona-2019', '--by', 'case');
    expect(text.stdout).toMatch(
      /R02 +RESONA +りそな銀行 +confirmed +2019-07-09T08:15:00\+09:00 .* 2019-07-22T15:00:00\+09:00 +2019-07-29T10:00:00\+09:00 +50,000 +0 +50,000/,
    );
    const csv = await replay('resona-2019', '--by', 'case', '--format', 'csv');
    expect(csv.stdout.split('\n')[0]).toBe(
      'caseId,bankCode,bankName,status,firstChargeAt,lastChargeAt,reportedAt,reclassifiedAt,damageYen,compensatedYen,outstandingYen',
    );
    expect(csv.stdout).toMatch(/^R01,RESONA,りそな銀行,confirmed,2019-06-11T09:30:00\+09:00,/m);
    const wrong = await replay('resona-2019', '--by', 'merchant-day', '--top', '2');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--top ranks rows by amount: use it with --by .*, case$/m);
    const misspelt = await replay('resona-2019', '--by', 'cases');
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toMatch(/did you mean "case"\?/);
  });

  it('--top N: the N cases with the most damage, largest first, ties in case order', async () => {
    const all = await replay('example-bank-figures', '--by', 'case', '--format', 'json');
    const top = await replay(
      'example-bank-figures',
      '--by',
      'case',
      '--top',
      '3',
      '--format',
      'json',
    );
    expect([all.code, top.code]).toEqual([0, 0]);
    const rows = JSON.parse(all.stdout).case as CaseJson[];
    const ranked = [...rows].sort((a, b) => b.damageYen - a.damageYen).slice(0, 3);
    expect(JSON.parse(top.stdout).case).toEqual(ranked);
    expect(JSON.parse(top.stdout).select.top).toBe(3);
    const text = await replay('example-bank-figures', '--by', 'case', '--top', '3');
    expect(text.stdout).toMatch(/, the 3 largest by damage \(yen\)$/m);
  });
});
