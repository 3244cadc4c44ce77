import { DateTime, IANAZone } from 'luxon';
import { ValidationError, describe } from '../events/schema';

/** ISO 8601 with a date, a time and an explicit zone: `Z` or `±hh:mm`. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Parses an instant given as text at the boundary. Local times without a zone are refused:
 * "2020-09-14T00:00" means different instants in Tokyo and in London.
 */
export function parseInstant(value: unknown, path: (string | number)[] = []): number {
  if (typeof value !== 'string' || !ISO_WITH_ZONE.test(value)) {
    throw new ValidationError(
      path,
      `must be an ISO 8601 time with a zone offset, got ${describe(value)}`,
      'write e.g. 2020-09-14T00:00:00+09:00 or 2020-09-13T15:00:00Z',
    );
  }
  const dt = DateTime.fromISO(value, { setZone: true });
  if (!dt.isValid) {
    throw new ValidationError(
      path,
      `is not a valid time: ${dt.invalidExplanation ?? dt.invalidReason}`,
      `got ${value}`,
    );
  }
  return dt.toMillis();
}

/** Displays an instant in a zone, e.g. `2020-09-14 00:00 JST`-style ISO text with offset. */
export function formatInstant(ms: number, zone: string): string {
  return (
    DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true, includeOffset: true }) ??
    String(ms)
  );
}

/**
 * Whether `zone` names a zone of the IANA time-zone database, as luxon (and so the calendar) knows
 * it: the one test of a zone name everywhere. Area/Location names (Asia/Tokyo, Asia/Kolkata,
 * Etc/UTC) and UTC; abbreviations (JST, IST) and offsets (UTC+9) are refused even where the
 * platform resolves them, because they are ambiguous or misleading. Not Intl.supportedValuesOf:
 * it lists one canonical name per zone and leaves out valid links such as Asia/Kolkata.
 */
export function isValidZone(zone: string): boolean {
  return (zone === 'UTC' || zone.includes('/')) && IANAZone.isValidZone(zone);
}
