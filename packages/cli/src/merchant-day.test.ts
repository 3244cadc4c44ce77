import { resolve } from 'node:path';
import { runCli } from './run-cli.testing';

/** `replay --by merchant-day`: a table of a registered projection, through the CLI. */
const DOCOMO = resolve(__dirname, '../../../scenarios/docomo-kouza-2020');
const replay = (by: string, ...options: string[]) =>
  runCli('replay', DOCOMO, '--store', 'memory:', '--by', by, ...options);

describe('incident-ledger replay --by merchant-day', () => {
  it('prints damage per merchant category per calendar day, within each category of --by merchant', async () => {
    const days = await replay('merchant-day', '--format', 'json');
    const merchants = await replay('merchant', '--format', 'json');
    expect([days.code, merchants.code]).toEqual([0, 0]);
    const rows = JSON.parse(days.stdout).merchantDay as {
      merchantCategory: string;
      date: string;
      spentYen: number;
    }[];
    const byCategory = JSON.parse(merchants.stdout).merchant as {
      merchantCategory: string;
      spentYen: number;
    }[];
    expect(new Set(rows.map((r) => r.merchantCategory))).toEqual(
      new Set(byCategory.map((m) => m.merchantCategory)),
    );
    expect(rows.length).toBeGreaterThan(byCategory.length);
    for (const m of byCategory) {
      const sum = rows
        .filter((r) => r.merchantCategory === m.merchantCategory)
        .reduce((n, r) => n + r.spentYen, 0);
      // Rounded down per (category, day) row: a few yen under the category's total at most.
      expect(sum).toBeLessThanOrEqual(m.spentYen);
      expect(sum).toBeGreaterThan(m.spentYen - rows.length);
    }
    expect(rows.every((r) => /^\d{4}-\d{2}-\d{2}$/.test(r.date))).toBe(true);
  });

  it('as text and CSV, and is listed by --help and named in a misspelling error', async () => {
    const text = await replay('merchant-day');
    expect(text.stdout).toMatch(/Where the damage went, by merchant category and calendar day/);
    expect(text.stdout).toMatch(/convenience-store:cigarettes {2}2019-10-22 +138,300/);
    const csv = await replay('merchant-day', '--format', 'csv');
    expect(csv.stdout.split('\n')[0]).toBe('merchantCategory,date,spentYen');
    expect(csv.stdout.split('\n')).toContain('convenience-store:cigarettes,2019-10-22,138300');
    expect((await runCli('replay', '--help')).stdout).toMatch(/--by <table> .*merchant-day/);
    const wrong = await replay('merchant-days');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--by must be one of .*merchant-day/);
  });
});
