import {
  figureDef,
  formatFigure,
  formatInstant,
  formatMan,
  formatYen,
  type FigureName,
  type IncidentReport,
  type ReconciliationRow,
} from '@incident-ledger/core';
import type { BankInfo } from '@incident-ledger/scenario';
import { yenText, type Column, type Format, type Row, type Table } from './output';
import { damageByPeriod, inRange, topRows, type Period, type Selection } from './periods';

/** A bank's declared name by code (scenario.yaml); a bank without one has none. */
export type BankNames = ReadonlyMap<string, string>;
/** Names by code of the banks (or operators) scenario.yaml names; a code without one is absent. */
export const bankNames = (banks: readonly Pick<BankInfo, 'code' | 'name'>[]): BankNames =>
  new Map(banks.flatMap((b) => (b.name === undefined ? [] : [[b.code, b.name] as const])));
const nameOf = (names: BankNames, code: string) => names.get(code) ?? null;

/** The bank code and name columns every table about banks shows. */
const bankColumns = (key = 'bankCode'): Column[] => [
  { key, header: 'bank' },
  { key: key === 'bankCode' ? 'bankName' : `${key}Name`, header: 'name' },
];

export const REPORT_TABLES = [
  'summary',
  'bank',
  'day',
  'week',
  'month',
  'bank-day',
  'merchant',
  'controls',
] as const;
export type ReportTable = (typeof REPORT_TABLES)[number];
/** Tables with a row per occurred day or period: what --from / --to select from. */
export const DATED_TABLES: readonly ReportTable[] = ['day', 'week', 'month', 'bank-day'];
/** Tables ranked by an amount: what --top ranks. */
export const RANKED_TABLES: readonly ReportTable[] = [
  'bank',
  'day',
  'week',
  'month',
  'bank-day',
  'merchant',
];

const range = (s: Selection) =>
  s.from === undefined && s.to === undefined ? '' : `, ${s.from ?? 'start'} to ${s.to ?? 'end'}`;
const topped = (s: Selection) => (s.top === undefined ? '' : `, the ${s.top} largest`);

const PERIOD_TITLES: Record<Period, string> = {
  day: 'Damage by calendar day',
  week: 'Damage by week, Monday to Sunday',
  month: 'Damage by calendar month',
};

function periodTable(r: IncidentReport, zone: string, period: Period, s: Selection): Table {
  const rows = topRows(damageByPeriod(r.byDay, period, s), (p) => p.damageYen, s.top);
  const key = period === 'day' ? 'date' : period;
  return {
    name: period,
    title: `${PERIOD_TITLES[period]} (${zone}, by when the charge occurred${range(s)}${topped(s)}), with the running total`,
    columns: [
      { key, header: key },
      { key: 'damageYen', header: 'damage (yen)', kind: 'yen' },
      { key: 'cumulativeYen', header: 'running total', kind: 'yen' },
    ],
    rows: rows.map((p) => ({
      [key]: p.period,
      damageYen: p.damageYen,
      cumulativeYen: p.cumulativeYen,
    })),
  };
}

/** The tables a command prints: the one --by names, else every one for JSON, else three. */
export function chosenTables(
  tables: Record<ReportTable, Table>,
  by: ReportTable | undefined,
  format: Format,
): Table[] {
  if (by) return [tables[by]];
  return format === 'json' ? Object.values(tables) : [tables.summary, tables.bank, tables.day];
}

/** Every table a report can show, by the name --by takes. */
export function reportTables(
  r: IncidentReport,
  zone: string,
  names: BankNames,
  s: Selection = {},
): Record<ReportTable, Table> {
  const summary = (figure: string, value: string | number | null): Row => ({ figure, value });
  return {
    summary: {
      name: 'summary',
      title: 'Summary',
      keyed: { key: 'figure', value: 'value' },
      columns: [
        { key: 'figure', header: 'figure' },
        {
          key: 'value',
          header: 'value',
          show: (row) =>
            row.figure === 'damageYen'
              ? `${yenText(r.damageYen)} (${formatMan(r.damageYen)}円)`
              : typeof row.value === 'number'
                ? yenText(row.value)
                : String(row.value ?? ''),
        },
      ],
      rows: [
        summary('cases', r.cases),
        summary('suspectedCases', r.suspectedCases),
        summary('banksWithDamage', r.banksWithDamage),
        summary('damageYen', r.damageYen),
        summary('compensatedYen', r.compensatedYen),
        summary('casesChargedAfterLinkingSuspended', r.casesChargedAfterLinkingSuspended),
        summary('oldestDamageDate', r.oldestDamageDate ?? null),
        summary('banksStoppedCharges', r.banksStoppedCharges.length),
        summary('walletsLocked', r.walletsLocked),
        summary('inquiries', r.inquiries),
      ],
    },
    bank: {
      name: 'bank',
      title: `Damage by bank (compensation is tracked beside damage, never against it${topped(s)})`,
      columns: [
        ...bankColumns(),
        { key: 'cases', header: 'cases', kind: 'count' },
        { key: 'damageYen', header: 'damage (yen)', kind: 'yen' },
        { key: 'compensatedYen', header: 'compensated (yen)', kind: 'yen' },
        { key: 'outstandingYen', header: 'outstanding (yen)', kind: 'yen' },
      ],
      rows: topRows(r.byBank, (b) => b.damageYen, s.top).map((b) => ({
        bankCode: b.bankCode,
        bankName: nameOf(names, b.bankCode),
        cases: b.cases,
        damageYen: b.damageYen,
        compensatedYen: b.compensatedYen,
        outstandingYen: b.outstandingYen,
      })),
      total: {
        cases: r.cases,
        damageYen: r.damageYen,
        compensatedYen: r.compensatedYen,
        outstandingYen: r.damageYen - r.compensatedYen,
      },
    },
    day: periodTable(r, zone, 'day', s),
    week: periodTable(r, zone, 'week', s),
    month: periodTable(r, zone, 'month', s),
    'bank-day': {
      name: 'bank-day',
      title: `Damage by bank and calendar day (${zone}${range(s)}${topped(s)})`,
      columns: [
        ...bankColumns(),
        { key: 'date', header: 'date' },
        { key: 'damageYen', header: 'damage (yen)', kind: 'yen' },
      ],
      rows: topRows(
        r.byBankDay.filter((d) => inRange(d.date, s)),
        (d) => d.damageYen,
        s.top,
      ).map((d) => ({
        bankCode: d.bankCode,
        bankName: nameOf(names, d.bankCode),
        date: d.date,
        damageYen: d.damageYen,
      })),
    },
    merchant: {
      name: 'merchant',
      title: `Where the damage went, by merchant category: a wallet's spending, paid first from the damage charged into it and up to that damage${topped(s)}`,
      columns: [
        { key: 'merchantCategory', header: 'merchant category' },
        { key: 'spentYen', header: 'spent (yen)', kind: 'yen' },
      ],
      rows: topRows(r.byMerchant, (m) => m.spentYen, s.top).map((m) => ({ ...m })),
    },
    controls: {
      name: 'controls',
      title: `Controls, by when they took effect (${zone})`,
      columns: [
        { key: 'at', header: 'at', kind: 'instant' },
        { key: 'control', header: 'control' },
        ...bankColumns('subject'),
      ],
      rows: r.controls.map((c) => ({
        at: c.at,
        control: c.control,
        subject: c.subject,
        subjectName: nameOf(names, c.subject),
      })),
    },
  };
}

/** A figure's value as text: months as YYYY-MM, yen with 億 from 1億 up, counts with separators. */
export function figureText(name: FigureName, value: number): string {
  return figureDef(name).unit === 'yen' ? yenText(value) : formatFigure(name, value);
}

/** A code with its name from scenario.yaml, when it has one: `paypay (PayPay)`. */
const named = (code: string, names: BankNames) =>
  `${code}${names.has(code) ? ` (${names.get(code)})` : ''}`;

const qualifier = (r: ReconciliationRow, zone: string, names: BankNames, operators: BankNames) =>
  [
    r.bank !== undefined ? `bank ${named(r.bank, names)}` : '',
    r.operator !== undefined ? `operator ${named(r.operator, operators)}` : '',
    r.status !== undefined ? `status ${r.status}` : '',
    r.since !== undefined ? `since ${formatInstant(r.since, zone)}` : '',
  ]
    .filter(Boolean)
    .join(', ');

/** The replayed values a published figure accepts, as its publisher rounded: [from, to]. */
export function accepted(r: ReconciliationRow): [number, number] {
  const p = r.published;
  const q = r.precision;
  if (r.rounding === 'exact' || q === 1) return [p, p];
  if (r.rounding === 'floor') return [p, p + q - 1];
  if (r.rounding === 'ceil') return [p - q + 1, p];
  return [Math.ceil(p - q / 2), Math.ceil(p + q / 2) - 1];
}

const statedAs = (r: ReconciliationRow) =>
  r.rounding === 'exact' || r.precision === 1
    ? 'exact'
    : `${r.rounding} to ${formatYen(r.precision)}`;

export function reconciliationTable(
  rows: readonly ReconciliationRow[],
  zone: string,
  names: BankNames,
  operators: BankNames,
): Table {
  const fig = (key: 'published' | 'replayed') => (row: Row) =>
    figureText(row.figure as FigureName, Number(row[key]));
  return {
    name: 'figures',
    title: "Published figures against the replay at each figure's as-of time",
    columns: [
      { key: 'publicationId', header: 'publication' },
      { key: 'figure', header: 'figure' },
      { key: 'qualifier', header: 'of', only: 'text' },
      { key: 'bankCode', header: 'bank', only: 'data' },
      { key: 'bankName', header: 'bank name', only: 'data' },
      { key: 'operatorCode', header: 'operator', only: 'data' },
      { key: 'operatorName', header: 'operator name', only: 'data' },
      { key: 'status', header: 'status', only: 'data' },
      { key: 'since', header: 'since', kind: 'instant', only: 'data' },
      { key: 'asOf', header: 'as of', kind: 'instant' },
      { key: 'published', header: 'published', show: fig('published') },
      { key: 'replayed', header: 'replayed', show: fig('replayed') },
      { key: 'replayedStated', header: 'replayed as stated', only: 'data' },
      { key: 'statedAs', header: 'stated as', only: 'text' },
      { key: 'rounding', header: 'rounding', only: 'data' },
      { key: 'precision', header: 'precision', only: 'data' },
      { key: 'acceptedFrom', header: 'accepted from', only: 'data' },
      { key: 'acceptedTo', header: 'accepted to', only: 'data' },
      { key: 'ok', header: 'ok', kind: 'ok' },
    ],
    rows: rows.map((r) => {
      const [acceptedFrom, acceptedTo] = accepted(r);
      return {
        publicationId: r.publicationId,
        figure: r.figure,
        qualifier: qualifier(r, zone, names, operators),
        bankCode: r.bank ?? null,
        bankName: r.bank === undefined ? null : nameOf(names, r.bank),
        operatorCode: r.operator ?? null,
        operatorName: r.operator === undefined ? null : nameOf(operators, r.operator),
        status: r.status ?? null,
        since: r.since ?? null,
        asOf: r.asOf,
        published: r.published,
        replayed: r.replayed,
        replayedStated: r.replayedStated,
        statedAs: statedAs(r),
        rounding: r.rounding,
        precision: r.precision,
        acceptedFrom,
        acceptedTo,
        ok: r.ok,
      };
    }),
  };
}

/** A failed figure in one line: which, as of when, published, replayed, and what was accepted. */
export function mismatchLine(
  r: ReconciliationRow,
  zone: string,
  names: BankNames,
  operators: BankNames,
): string {
  const q = qualifier(r, zone, names, operators);
  const [from, to] = accepted(r);
  const text = (v: number) => figureText(r.figure, v);
  return (
    `MISMATCH ${r.figure}${q ? ` (${q})` : ''} (${r.label}) as of ${formatInstant(r.asOf, zone)}: published ${text(r.published)}, ` +
    `replayed ${text(r.replayed)}${r.replayedStated !== r.replayed ? ` (stated: ${text(r.replayedStated)})` : ''}; ` +
    `tolerance: ${statedAs(r)}, accepts ${from === to ? text(from) : `${text(from)} to ${text(to)}`}`
  );
}
