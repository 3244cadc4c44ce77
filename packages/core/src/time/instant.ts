import { DateTime } from 'luxon';
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

export function isValidZone(zone: string): boolean {
  return DateTime.local().setZone(zone).isValid;
}
