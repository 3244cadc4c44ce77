import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from './run-cli.testing';
import { copyScenario } from './scenario-copy.testing';

/**
 * What an analyst reads when figures fail: verify and timeline name every failed figure (with its
 * qualifiers, the bank's name, as-of, published, replayed and tolerance) in text, and mark each
 * row with a boolean ok in JSON and CSV; timeline's CSV carries the replayed values.
 */
const SCENARIO = resolve(__dirname, '../../../scenarios/example-bank-figures');

let tmp: string;
let dir: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ledger-failed-figures-'));
  // Two figures stated wrongly, one of them about a bank that has a name.
  dir = copyScenario(SCENARIO, join(tmp, 'copy'), {
    file: 'events/publications.yaml',
    before: '{ name: compensatedCases, bank: BANK-A, value: 1,',
    after: '{ name: compensatedCases, bank: BANK-A, value: 2,',
  });
  const edit = (file: string, before: string, after: string) => {
    const text = readFileSync(join(dir, file), 'utf8');
    expect(text.split(before)).toHaveLength(2);
    writeFileSync(join(dir, file), text.replace(before, after));
  };
  edit(
    'events/publications.yaml',
    '{ name: largestCaseYen, value: 200000 }',
    '{ name: largestCaseYen, value: 150000 }',
  );
  edit(
    'scenario.yaml',
    '{ code: BANK-A, auth: weak }',
    '{ code: BANK-A, name: Example Bank A, auth: weak }',
  );
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BANK_LINE =
  /^MISMATCH compensatedCases \(bank BANK-A \(Example Bank A\)\) \(cases compensated in full\) as of 2024-04-25T00:00:00\+09:00: published 2, replayed 1; tolerance: exact, accepts 2$/m;
const LARGEST_LINE =
  /^MISMATCH largestCaseYen \(largest damage of one case\) as of 2024-04-30T00:00:00\+09:00: published 150,000, replayed 200,000; tolerance: exact, accepts 150,000$/m;

describe('failed figures', () => {
  it('verify names each in text, and marks each row ok or not in JSON and CSV', async () => {
    const text = await runCli('verify', dir, '-q');
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(BANK_LINE);
    expect(text.stdout).toMatch(LARGEST_LINE);
    expect(text.stdout).toMatch(/34 of 36 published figures reproduced/);

    const json = await runCli('verify', dir, '-q', '--format', 'json');
    expect(json.code).toBe(1);
    const rows = JSON.parse(json.stdout).figures as Record<string, unknown>[];
    expect(rows.every((r) => typeof r.ok === 'boolean')).toBe(true);
    expect(rows.filter((r) => r.ok === false)).toMatchObject([
      {
        figure: 'compensatedCases',
        bankCode: 'BANK-A',
        bankName: 'Example Bank A',
        published: 2,
        replayed: 1,
      },
      { figure: 'largestCaseYen', bankCode: null, published: 150000, replayed: 200000 },
    ]);
    expect(json.stderr).toMatch(BANK_LINE);

    const csv = await runCli('verify', dir, '-q', '--format', 'csv');
    const [header, ...lines] = csv.stdout.trim().split('\n');
    expect(header!.split(',').at(-1)).toBe('ok');
    expect(lines.map((l) => l.split(',').at(-1))).toEqual(rows.map((r) => String(r.ok)));
    expect(lines.filter((l) => l.endsWith(',false'))).toEqual([
      expect.stringMatching(/^bank-a-2024-04-25,compensatedCases,BANK-A,Example Bank A,/),
      expect.stringMatching(/^operator-2024-04-30,largestCaseYen,,,.*,150000,200000,/),
    ]);
  });

  it('timeline names each in text, even a figure about one bank, and carries replayed values', async () => {
    const text = await runCli('timeline', dir, '-q');
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(BANK_LINE);
    expect(text.stdout).toMatch(LARGEST_LINE);

    const json = await runCli('timeline', dir, '-q', '--format', 'json');
    const publications = JSON.parse(json.stdout).timeline as {
      publicationId: string;
      ok: boolean;
      figures: Record<string, { published: number | null; replayed: number; ok: boolean | null }>;
    }[];
    expect(publications.filter((p) => !p.ok).map((p) => p.publicationId)).toEqual([
      'bank-a-2024-04-25',
      'operator-2024-04-30',
    ]);
    const last = publications.find((p) => p.publicationId === 'operator-2024-04-30')!;
    expect(last.figures.largestCaseYen).toEqual({ published: 150000, replayed: 200000, ok: false });

    const csv = await runCli('timeline', dir, '-q', '--format', 'csv');
    const [header, ...lines] = csv.stdout.trim().split('\n');
    const columns = header!.split(',');
    const row = lines.map((l) => l.split(',')).find((cells) => cells[0] === 'operator-2024-04-30')!;
    const cell = (key: string) => row[columns.indexOf(key)];
    expect([
      cell('largestCaseYen.published'),
      cell('largestCaseYen.replayed'),
      cell('largestCaseYen.ok'),
    ]).toEqual(['150000', '200000', 'false']);
    expect([cell('damageYen.replayed'), cell('ok')]).toEqual(['580000', 'false']);
  });
});
