import { resolve } from 'node:path';
import { runCli } from './run-cli.testing';

/**
 * scenarios/yucho-2020: one bank drained through several payment services. Its published figures
 * (per service as of 09-16, totals as of 09-18 and 09-22, compensation as of 10-05) are checked by
 * verify; the tables and what-if read it per service.
 */
const YUCHO = resolve(__dirname, '../../../scenarios/yucho-2020');
const SIX = ['docomo-koza', 'kyash', 'line-pay', 'merpay', 'paypal', 'paypay'];

describe('yucho-2020: several operators, one bank', () => {
  it('reproduces every published figure, per service too', async () => {
    const r = await runCli('verify', YUCHO, '--format', 'json');
    expect(r.code).toBe(0);
    const figures = JSON.parse(r.stdout).figures as {
      operatorCode: string | null;
      operatorName: string | null;
      ok: boolean;
    }[];
    expect(figures.every((f) => f.ok)).toBe(true);
    expect([...new Set(figures.flatMap((f) => f.operatorCode ?? []))].sort()).toEqual(SIX);
    // Each service's name from scenario.yaml beside its code; null where a figure names none.
    const names = new Map(figures.map((f) => [f.operatorCode, f.operatorName]));
    expect(names.get(null)).toBeNull();
    expect(names.get('docomo-koza')).toBe('ドコモ口座');
    expect(names.get('line-pay')).toBe('LINE Pay');
    expect(figures.filter((f) => (f.operatorCode === null) !== (f.operatorName === null))).toEqual(
      [],
    );
    // The text names each service beside its code, as it names banks.
    const text = await runCli('verify', YUCHO);
    expect(text.stdout).toMatch(/cases\s+operator docomo-koza \(ドコモ口座\)\s/);
  });

  it('replay --by operator lists the six named services with their names, and the seventh', async () => {
    const r = await runCli(
      'replay',
      YUCHO,
      '--store',
      'memory:',
      '-q',
      '--by',
      'operator',
      '--as-of',
      '2020-09-16T12:00:00+09:00',
      '--format',
      'json',
    );
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout).operator as {
      operatorCode: string;
      operatorName: string | null;
      cases: number;
      damageYen: number;
    }[];
    expect(rows.map((x) => [x.operatorCode, x.operatorName, x.cases, x.damageYen])).toEqual([
      ['docomo-koza', 'ドコモ口座', 82, 15_460_000],
      ['kyash', 'Kyash', 3, 230_000],
      ['line-pay', 'LINE Pay', 2, 498_000],
      ['merpay', 'メルペイ', 3, 498_000],
      ['paypal', 'PayPal', 2, 10_000],
      ['paypay', 'PayPay', 17, 1_415_000],
    ]);
    const later = await runCli(
      'replay',
      YUCHO,
      '--store',
      'memory:',
      '-q',
      '--by',
      'bank-operator',
    );
    expect(later.stdout).toMatch(/YUCHO\s+ゆうちょ銀行\s+SERVICE-G\s/);
  });

  it("what-if: one service's earlier linking stop avoids damage through it alone", async () => {
    const r = await runCli(
      'what-if',
      YUCHO,
      '--suspend-linking',
      'paypay@2020-08-01T00:00:00+09:00',
      '--format',
      'json',
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const avoided = Object.fromEntries(
      (out.operator as { operatorCode: string; avoidedYen: number }[]).map((x) => [
        x.operatorCode,
        x.avoidedYen,
      ]),
    );
    expect(avoided.paypay).toBeGreaterThan(0);
    for (const code of Object.keys(avoided).filter((c) => c !== 'paypay'))
      expect(avoided[code]).toBe(0);
    expect(out.damage[0].avoidedYen).toBe(avoided.paypay);
    expect(out.changes).toEqual([
      {
        change:
          'new linking through paypay suspended at 2020-08-01T00:00:00+09:00 (instead of never)',
      },
    ]);
    const unknown = await runCli(
      'what-if',
      YUCHO,
      '--suspend-linking',
      'paypai@2020-08-01T00:00:00+09:00',
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--suspend-linking: unknown operator "paypai"/);
  });
});
