import { incidentReport, type IncidentState } from './incident/report';
import type { BankRow, IncidentReport } from './incident/types';
import type { ViewTable } from './registry';

/*
 * The incident's tables by operator (payment service): `replay --by operator` and
 * `--by bank-operator`, from the report's bank-operator rows (reference.ts: by operator). Cases
 * count by the operator of their report, damage by the operator of each charge.
 */

const FIGURE_COLUMNS: ViewTable['columns'] = [
  { key: 'cases', header: 'cases', kind: 'count' },
  { key: 'damageYen', header: 'damage', kind: 'yen' },
  { key: 'compensatedYen', header: 'compensated', kind: 'yen' },
  { key: 'outstandingYen', header: 'outstanding', kind: 'yen' },
  { key: 'compensatedCases', header: 'compensated cases', kind: 'count' },
  { key: 'partlyCompensatedCases', header: 'partly compensated', kind: 'count' },
  { key: 'largestCaseYen', header: 'largest case', kind: 'yen' },
];

type OperatorFigures = Omit<BankRow, 'bankCode'>;

const figures = (r: OperatorFigures): OperatorFigures => ({
  cases: r.cases,
  damageYen: r.damageYen,
  compensatedYen: r.compensatedYen,
  outstandingYen: r.outstandingYen,
  compensatedCases: r.compensatedCases,
  partlyCompensatedCases: r.partlyCompensatedCases,
  largestCaseYen: r.largestCaseYen,
});

/** Per operator, over every bank: sums, and the largest case of all (the report page shows it). */
export function operatorRows(
  report: IncidentReport,
): ({ operatorCode: string } & OperatorFigures)[] {
  const byOperator = new Map<string, OperatorFigures>();
  for (const r of report.byBankOperator) {
    const o = byOperator.get(r.operatorCode);
    if (o === undefined) byOperator.set(r.operatorCode, figures(r));
    else
      for (const key of Object.keys(o) as (keyof typeof o)[])
        o[key] = key === 'largestCaseYen' ? Math.max(o[key], r[key]) : o[key] + r[key];
  }
  return [...byOperator].map(([operatorCode, r]) => ({ operatorCode, ...r }));
}

export function operatorTable(s: IncidentState): ViewTable {
  return {
    name: 'operator',
    title:
      'Damage by operator (payment service): cases by the operator of their report, damage by the operator of each charge',
    columns: [{ key: 'operatorCode', header: 'operator', kind: 'text' }, ...FIGURE_COLUMNS],
    rows: operatorRows(incidentReport(s)),
  };
}

/** Per bank and operator. */
export function bankOperatorTable(s: IncidentState): ViewTable {
  return {
    name: 'bank-operator',
    title: 'Damage by bank and operator (payment service)',
    columns: [
      { key: 'bankCode', header: 'bank', kind: 'text' },
      { key: 'operatorCode', header: 'operator', kind: 'text' },
      ...FIGURE_COLUMNS,
    ],
    rows: incidentReport(s).byBankOperator.map((r) => ({
      bankCode: r.bankCode,
      operatorCode: r.operatorCode,
      ...figures(r),
    })),
  };
}
