import { formatInstant, formatMan, formatYen, type IncidentReport, type ReconciliationRow } from '@incident-ledger/core';
import { table } from './table';

export function renderReport(r: IncidentReport, zone: string): string {
  const byBank = r.byBank.map((b) => [b.bankCode, b.cases, formatYen(b.damageYen)]);
  byBank.push(['total', r.cases, formatYen(r.damageYen)]);
  return [
    'Summary',
    table(['figure', 'value'], [
      ['cases', String(r.cases)],
      ['  of which suspected', String(r.suspectedCases)],
      ['banks with damage', String(r.banksWithDamage)],
      ['total damage (yen)', `${formatYen(r.damageYen)} (${formatMan(r.damageYen)}円)`],
    ]),
    '',
    'Damage by bank',
    table(['bank', 'cases', 'damage (yen)'], byBank),
    '',
    `Damage by calendar day (${zone}, by when the charge occurred)`,
    table(['date', 'damage (yen)'], r.byDay.map((d) => [d.date, formatYen(d.damageYen)])),
  ].join('\n');
}

export function renderReconciliation(rows: readonly ReconciliationRow[], zone: string): string {
  return table(
    ['publication', 'figure', 'as of', 'published', 'replayed', 'stated as', 'ok'],
    rows.map((r) => [
      r.publicationId,
      r.figure,
      formatInstant(r.asOf, zone),
      formatYen(r.published),
      formatYen(r.replayed),
      r.rounding === 'exact' || r.precision === 1 ? 'exact' : `${r.rounding} to ${formatYen(r.precision)}`,
      r.ok ? 'ok' : 'MISMATCH',
    ]),
  );
}
