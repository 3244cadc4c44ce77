/// <reference lib="dom" />
import type { IncidentPage } from './model';
import type { PageKit } from './page-kit';

/**
 * The incident report's operator section (payment services the accounts were drained through):
 * damage by operator stacked by bank, the operator table and the bank x operator table, as
 * `replay --by operator` and `--by bank-operator` give them (runs in the browser).
 */
export function drawOperators(
  kit: PageKit,
  d: NonNullable<IncidentPage['operators']>,
  timeZone: string,
): void {
  const { yen, tick, section, chart, table, bankLabel } = kit;
  const bars = d.byBankOperator.map((x) => ({
    ...x,
    bank: bankLabel(x.bankCode, x.bankName),
    operator: bankLabel(x.operatorCode, x.operatorName),
  }));
  const order = [...d.byOperator]
    .sort((x, y) => y.damageYen - x.damageYen)
    .map((x) => bankLabel(x.operatorCode, x.operatorName));
  const total = (k: 'cases' | 'damageYen' | 'compensatedYen' | 'outstandingYen') =>
    d.byOperator.reduce((n, x) => n + x[k], 0);
  const figures = (x: (typeof d.byOperator)[number]) => [
    x.cases,
    x.damageYen,
    x.compensatedYen,
    x.outstandingYen,
  ];
  const headers = ['cases', 'damage (yen)', 'compensated (yen)', 'outstanding (yen)'];
  section(
    'operators',
    'Damage by operator (payment service)',
    `Damage by the operator each charge went through (${timeZone}), stacked by bank; cases by the operator their report names. Charges naming no operator are not in these tables.`,
    chart(
      'operators',
      Plot.plot({
        width: 960,
        height: 50 + 28 * order.length,
        marginLeft: 160,
        x: { label: 'damage (yen)', tickFormat: tick, grid: true },
        y: { label: null, domain: order },
        color: {
          legend: true,
          type: 'ordinal',
          scheme: new Set(bars.map((b) => b.bank)).size <= 10 ? 'tableau10' : 'turbo',
        },
        marks: [
          Plot.barX(bars, {
            y: 'operator',
            x: 'damageYen',
            fill: 'bank',
            title: (b: (typeof bars)[number]) => `${b.operator}\n${b.bank}\n${yen(b.damageYen)}`,
          }),
          Plot.ruleX([0]),
        ],
      }),
    ),
    table(
      'operator-table',
      ['operator', 'name', ...headers],
      d.byOperator.map((x) => [x.operatorCode, x.operatorName, ...figures(x)]),
      [
        'total',
        '',
        total('cases'),
        total('damageYen'),
        total('compensatedYen'),
        total('outstandingYen'),
      ],
    ),
    table(
      'bank-operator-table',
      ['bank', 'name', 'operator', 'name', ...headers],
      d.byBankOperator.map((x) => [
        x.bankCode,
        x.bankName,
        x.operatorCode,
        x.operatorName,
        ...figures(x),
      ]),
    ),
  );
}
