import type { DayRow } from '@incident-ledger/core';
import { UsageError } from './errors';

/** Rows of a long table an analyst asked for: a range of occurred days, the N largest. */
export interface Selection {
  /** First and last occurred day kept, YYYY-MM-DD (calendar days in the scenario's zone). */
  from?: string;
  to?: string;
  top?: number;
}

export interface PeriodRow {
  /** The day, the Monday starting the week, or the month (YYYY-MM). */
  period: string;
  damageYen: number;
  /** Damage from the first day of the incident to the end of this period (the range aside). */
  cumulativeYen: number;
}

export const PERIODS = ['day', 'week', 'month'] as const;
export type Period = (typeof PERIODS)[number];

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** --from / --to: a calendar date, checked to be one. */
export function dateOption(option: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!DATE.test(text) || new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) !== text)
    throw new UsageError(`${option} takes a calendar date such as 2020-09-01, got "${text}"`);
  return text;
}

export const inRange = (date: string, s: Selection) =>
  (s.from === undefined || date >= s.from) && (s.to === undefined || date <= s.to);

/** The Monday of a date's ISO week (weeks start on Monday), by date arithmetic alone. */
export function weekOf(date: string): string {
  const t = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8)));
  const monday = t - ((new Date(t).getUTCDay() + 6) % 7) * 86_400_000;
  return new Date(monday).toISOString().slice(0, 10);
}

const periodOf: Record<Period, (date: string) => string> = {
  day: (date) => date,
  week: weekOf,
  month: (date) => date.slice(0, 7),
};

/**
 * Damage per day, week or month with running totals. The running total counts every day of the
 * incident; --from / --to then keep the days in range, so a period at the edge of the range sums
 * only its days in range and still shows the total to its end.
 */
export function damageByPeriod(
  byDay: readonly DayRow[],
  period: Period,
  s: Selection,
): PeriodRow[] {
  const rows = new Map<string, PeriodRow>();
  let cumulativeYen = 0;
  for (const d of byDay) {
    cumulativeYen += d.damageYen;
    if (!inRange(d.date, s)) continue;
    const key = periodOf[period](d.date);
    const row = rows.get(key) ?? { period: key, damageYen: 0, cumulativeYen };
    row.damageYen += d.damageYen;
    row.cumulativeYen = cumulativeYen;
    rows.set(key, row);
  }
  return [...rows.values()];
}

/** The `top` rows by an amount, largest first (ties in their order); all rows without --top. */
export function topRows<T>(rows: readonly T[], amount: (row: T) => number, top?: number): T[] {
  if (top === undefined) return [...rows];
  return rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => amount(b.row) - amount(a.row) || a.i - b.i)
    .slice(0, top)
    .map(({ row }) => row);
}
