import { formatInstant, formatYen } from '@incident-ledger/core';

/** A cell of a table: what CSV and JSON write, and text shows through its column's kind. */
export type Value = string | number | boolean | null;
export type Row = Record<string, Value>;

export const OKU = 100_000_000;

/**
 * Yen grouped by 億 and 万 as Japanese readers count them, exactly: 25,427,000 -> "2,542万7,000",
 * 123,456,789 -> "1億2,345万6,789". Self-contained (no imports): the report page runs this same
 * function, inlined as source.
 */
export function japaneseYen(yen: number): string {
  const group = (n: number) => n.toLocaleString('en-US');
  const abs = Math.abs(yen);
  const oku = Math.floor(abs / 100_000_000);
  const man = Math.floor((abs % 100_000_000) / 10_000);
  const rest = abs % 10_000;
  const text =
    (oku > 0 ? `${group(oku)}億` : '') +
    (man > 0 ? `${group(man)}万` : '') +
    (rest > 0 ? group(rest) : '');
  return `${yen < 0 ? '-' : ''}${text === '' ? '0' : text}`;
}

/** Yen as text tables show it: separators, and from 1億 up grouped by 億 and 万. */
export function yenText(yen: number): string {
  return Math.abs(yen) < OKU ? formatYen(yen) : japaneseYen(yen);
}

/** An instant as JSON and CSV write it: ISO 8601 with the offset of the scenario's zone. */
export function isoInstant(ms: number, zone: string): string | null {
  return Number.isFinite(ms) ? formatInstant(ms, zone) : null;
}
