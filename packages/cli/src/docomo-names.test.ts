import { loadScenario } from '@incident-ledger/scenario';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli } from './run-cli.testing';

/**
 * scenarios/docomo-kouza-2020 names the banks its source (the 2020-09-14 briefing) names in the
 * incident: 十六銀行 and 池田泉州銀行, which stopped charges after 09-10. The banks with damage
 * are not named by the source and keep neutral codes; every output shows code and name.
 */
const DOCOMO = resolve(__dirname, '../../../scenarios/docomo-kouza-2020');
const NAMED = [
  ['JUROKU', '十六銀行'],
  ['IKEDA-SENSHU', '池田泉州銀行'],
];

describe('docomo-kouza-2020: bank names', () => {
  it('names only the banks the source names; the others have neutral codes', () => {
    const s = loadScenario(DOCOMO);
    const named = s.banks.filter((b) => b.name !== undefined).map((b) => [b.code, b.name]);
    expect(named).toEqual(NAMED);
    for (const b of s.banks.filter((x) => x.name === undefined))
      expect(b.code).toMatch(/^BANK-[A-Z]$/);
    // The README says which, and why: the same two.
    const readme = readFileSync(join(DOCOMO, 'README.md'), 'utf8');
    expect(readme).toMatch(
      /Banks named here are only those the source names: 十六銀行 \(`JUROKU`\) and 池田泉州銀行\s+\(`IKEDA-SENSHU`\)/,
    );
  });

  it('shows the name beside the code: controls, and verify rows with bank:', async () => {
    const controls = await runCli(
      'replay',
      DOCOMO,
      '--store',
      'memory:',
      '-q',
      '--by',
      'controls',
      '--format',
      'json',
    );
    const rows = JSON.parse(controls.stdout).controls as {
      subject: string;
      subjectName: string | null;
    }[];
    for (const [code, name] of NAMED)
      expect(rows.find((r) => r.subject === code)?.subjectName).toBe(name);
    expect(rows.find((r) => r.subject === 'BANK-A')?.subjectName).toBeNull();

    const verify = await runCli('verify', DOCOMO, '-q', '--skip-invariants', '--format', 'json');
    expect(verify.code).toBe(0);
    const figures = JSON.parse(verify.stdout).figures as {
      bankCode: string | null;
      bankName: string | null;
    }[];
    const juroku = figures.filter((f) => f.bankCode === 'JUROKU');
    expect(juroku.length).toBeGreaterThan(0);
    expect(juroku.every((f) => f.bankName === '十六銀行')).toBe(true);
    const text = await runCli('verify', DOCOMO, '-q', '--skip-invariants');
    expect(text.stdout).toMatch(/bankStoppedCharges +bank JUROKU \(十六銀行\)/);
  });
});
