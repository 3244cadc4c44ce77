import { DateTime, IANAZone } from 'luxon';
import { ValidationError, describe } from '../events/schema';

/** ISO 8601 with a date, a time and an explicit zone: `Z` or `±hh:mm` (or `±hhmm`). */
const ISO_WITH_ZONE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;
/** The offsets zones have: from UTC-12:00 to UTC+14:00, in whole minutes. */
const MIN_OFFSET_MINUTES = -12 * 60;
const MAX_OFFSET_MINUTES = 14 * 60;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * Parses an instant given as text at the boundary. Local times without a zone are refused:
 * "2020-09-14T00:00" means different instants in Tokyo and in London. So are offsets no zone has
 * (+24:00, +09:75) and dates or times that do not exist (02-30, 24:00, 23:59:60). Integer arithmetic
 * on the parts, no luxon: loading a large scenario parses two instants per event.
 */
export function parseInstant(value: unknown, path: (string | number)[] = []): number {
  const m = typeof value === 'string' ? ISO_WITH_ZONE.exec(value) : null;
  if (m === null) {
    throw new ValidationError(
      path,
      `must be an ISO 8601 time with a zone offset, got ${describe(value)}`,
      'write e.g. 2020-09-14T00:00:00+09:00 or 2020-09-13T15:00:00Z',
    );
  }
  const [, y, mo, d, h, mi, s = '0', frac = '', sign, oh, om] = m;
  const offsetMinutes =
    sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (Number(om) > 59 || offsetMinutes < MIN_OFFSET_MINUTES || offsetMinutes > MAX_OFFSET_MINUTES)
    throw new ValidationError(
      path,
      `has the offset ${sign}${oh}:${om}, which no time zone has`,
      'offsets run from -12:00 to +14:00 with minutes 0-59, e.g. +09:00 for Tokyo',
    );
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const parts = [Number(h), Number(mi), Number(s)];
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    parts[0]! > 23 ||
    parts[1]! > 59 ||
    parts[2]! > 59
  ) {
    throw new ValidationError(
      path,
      `is not a valid time: no such date or time of day, got ${describe(value)}`,
      'months run 01-12, days to the end of their month, hours 00-23, minutes and seconds 00-59',
    );
  }
  return (
    daysFromCivil(year, month, day) * DAY_MS +
    ((parts[0]! * 60 + parts[1]!) * 60 + parts[2]!) * 1000 +
    Number(frac.padEnd(3, '0')) -
    offsetMinutes * MINUTE_MS
  );
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
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
