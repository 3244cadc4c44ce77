import { formatInstant, formatYen } from '@incident-ledger/core';

/** A cell of a table: what CSV and JSON write, and text shows through its column's kind. */
export type Value = string | number | boolean | null;
export type Row = Record<string, Value>;

export const OKU = 100_000_000;
const MAN = 10_000;

/**
 * Yen as text tables show it: separators, and amounts at or above 1億 grouped by 億 and 万 as
 * Japanese readers count them (123,456,789 -> "1億2,345万6,789"). Exact: nothing is rounded.
 */
export function yenText(yen: number): string {
  if (Math.abs(yen) < OKU) return formatYen(yen);
  const sign = yen < 0 ? '-' : '';
  const abs = Math.abs(yen);
  const oku = Math.floor(abs / OKU);
  const man = Math.floor((abs % OKU) / MAN);
  const rest = abs % MAN;
  return `${sign}${formatYen(oku)}億${man > 0 ? `${formatYen(man)}万` : ''}${rest > 0 ? formatYen(rest) : ''}`;
}

/** An instant as JSON and CSV write it: ISO 8601 with the offset of the scenario's zone. */
export function isoInstant(ms: number, zone: string): string | null {
  return Number.isFinite(ms) ? formatInstant(ms, zone) : null;
}
