import {
  formatFigure,
  formatInstant,
  formatMan,
  formatYen,
  type FigureName,
  type IncidentReport,
  type ReconciliationRow,
} from '@incident-ledger/core';
import type { Table } from './output';

/** A column shown as yen with separators. */
export const yen = (key: string) => (r: Record<string, string | number | null>) =>
  formatYen(Number(r[key]));

export const REPORT_TABLES = [
  'summary',
  'bank',
  'day',
  'bank-day',
  'merchant',
  'controls',
] as const;
export type ReportTable = (typeof REPORT_TABLES)[number];

/** Every table a report can show, by the name --by takes. */
export function reportTables(r: IncidentReport, zone: string): Record<ReportTable, Table> {
  return {
    summary: {
      name: 'summary',
      title: 'Summary',
      columns: [
        { key: 'figure', header: 'figure' },
        {
          key: 'value',
          header: 'value',
          show: (row) =>
            row.figure === 'damageYen'
              ? `${formatYen(r.damageYen)} (${formatMan(r.damageYen)}円)`
              : typeof row.value === 'number'
                ? formatYen(row.value)
                : String(row.value ?? ''),
        },
      ],
      rows: [
        { figure: 'cases', value: r.cases },
        { figure: 'suspectedCases', value: r.suspectedCases },
        { figure: 'banksWithDamage', value: r.banksWithDamage },
        { figure: 'damageYen', value: r.damageYen },
        { figure: 'compensatedYen', value: r.compensatedYen },
        { figure: 'casesChargedAfterLinkingSuspended', value: r.casesChargedAfterLinkingSuspended },
        { figure: 'oldestDamageDate', value: r.oldestDamageDate ?? null },
        { figure: 'banksStoppedCharges', value: r.banksStoppedCharges.length },
        { figure: 'walletsLocked', value: r.walletsLocked },
        { figure: 'inquiries', value: r.inquiries },
      ],
    },
    bank: {
      name: 'bank',
      title: 'Damage by bank (compensation is tracked beside damage, never against it)',
      columns: [
        { key: 'bankCode', header: 'bank' },
        { key: 'cases', header: 'cases' },
        { key: 'damageYen', header: 'damage (yen)', show: yen('damageYen') },
        { key: 'compensatedYen', header: 'compensated (yen)', show: yen('compensatedYen') },
        { key: 'outstandingYen', header: 'outstanding (yen)', show: yen('outstandingYen') },
      ],
      rows: [
        ...r.byBank.map((b) => ({ ...b })),
        {
          bankCode: 'total',
          cases: r.cases,
          damageYen: r.damageYen,
          compensatedYen: r.compensatedYen,
          outstandingYen: r.damageYen - r.compensatedYen,
        },
      ],
    },
    day: {
      name: 'day',
      title: `Damage by calendar day (${zone}, by when the charge occurred)`,
      columns: [
        { key: 'date', header: 'date' },
        { key: 'damageYen', header: 'damage (yen)', show: yen('damageYen') },
      ],
      rows: r.byDay.map((d) => ({ ...d })),
    },
    'bank-day': {
      name: 'bank-day',
      title: `Damage by bank and calendar day (${zone})`,
      columns: [
        { key: 'bankCode', header: 'bank' },
        { key: 'date', header: 'date' },
        { key: 'damageYen', header: 'damage (yen)', show: yen('damageYen') },
      ],
      rows: r.byBankDay.map((d) => ({ ...d })),
    },
    merchant: {
      name: 'merchant',
      title:
        "Where the damage went, by merchant category: a wallet's spending, paid first from the damage charged into it and up to that damage",
      columns: [
        { key: 'merchantCategory', header: 'merchant category' },
        { key: 'spentYen', header: 'spent (yen)', show: yen('spentYen') },
      ],
      rows: r.byMerchant.map((m) => ({ ...m })),
    },
    controls: {
      name: 'controls',
      title: `Controls, by when they took effect (${zone})`,
      columns: [
        { key: 'at', header: 'at', show: (row) => formatInstant(Number(row.at), zone) },
        { key: 'control', header: 'control' },
        { key: 'subject', header: 'subject' },
      ],
      rows: r.controls.map((c) => ({ ...c })),
    },
  };
}

const qualifier = (r: ReconciliationRow, zone: string) =>
  [
    r.bank !== undefined ? `bank ${r.bank}` : '',
    r.since !== undefined ? `since ${formatInstant(r.since, zone)}` : '',
  ]
    .filter(Boolean)
    .join(', ');

export function reconciliationTable(rows: readonly ReconciliationRow[], zone: string): Table {
  const fig = (key: 'published' | 'replayed') => (row: Record<string, string | number | null>) =>
    formatFigure(row.figure as FigureName, Number(row[key]));
  return {
    name: 'figures',
    title: "Published figures against the replay at each figure's as-of time",
    columns: [
      { key: 'publicationId', header: 'publication' },
      { key: 'figure', header: 'figure' },
      { key: 'qualifier', header: 'of' },
      { key: 'asOf', header: 'as of', show: (row) => formatInstant(Number(row.asOf), zone) },
      { key: 'published', header: 'published', show: fig('published') },
      { key: 'replayed', header: 'replayed', show: fig('replayed') },
      { key: 'statedAs', header: 'stated as' },
      { key: 'ok', header: 'ok', show: (row) => (row.ok === 'true' ? 'ok' : 'MISMATCH') },
    ],
    rows: rows.map((r) => ({
      publicationId: r.publicationId,
      figure: r.figure,
      qualifier: qualifier(r, zone),
      asOf: r.asOf,
      published: r.published,
      replayed: r.replayed,
      statedAs:
        r.rounding === 'exact' || r.precision === 1
          ? 'exact'
          : `${r.rounding} to ${formatYen(r.precision)}`,
      ok: String(r.ok),
    })),
  };
}

export function mismatchLine(r: ReconciliationRow, zone: string): string {
  const q = qualifier(r, zone);
  return (
    `MISMATCH ${r.figure}${q ? ` (${q})` : ''} (${r.label}) as of ${formatInstant(r.asOf, zone)}: published ${formatFigure(r.figure, r.published)}, ` +
    `replayed ${formatFigure(r.figure, r.replayed)}${r.replayedStated !== r.replayed ? ` (stated: ${formatFigure(r.figure, r.replayedStated)})` : ''}`
  );
}
