import type { Rounding } from '../events/types';

/** Rounds a whole-yen amount (or count) to a stated precision the way its publisher did. */
export function roundTo(value: number, precision: number, rounding: Rounding): number {
  if (rounding === 'exact' || precision === 1) return value;
  const q = value / precision;
  const n =
    rounding === 'floor' ? Math.floor(q) : rounding === 'ceil' ? Math.ceil(q) : Math.floor(q + 0.5);
  return n * precision;
}

const yenFormat = new Intl.NumberFormat('en-US');

/** 25420000 -> "25,420,000". */
export function formatYen(yen: number): string {
  return yenFormat.format(yen);
}

/** 25420000 -> "2,542万" (whole 万 only when exact, else with decimals). */
export function formatMan(yen: number): string {
  const man = yen / 10_000;
  return `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 }).format(man)}万`;
}

/** floor(yen * part / whole) in whole yen, exact however large the product. */
export function shareOf(yen: number, part: number, whole: number): number {
  const product = yen * part;
  return product <= Number.MAX_SAFE_INTEGER
    ? Math.floor(product / whole)
    : Number((BigInt(yen) * BigInt(part)) / BigInt(whole));
}
