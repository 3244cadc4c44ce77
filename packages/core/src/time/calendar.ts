import { DateTime } from 'luxon';
import { isValidZone } from './instant';

export const DAY_MS = 86_400_000;

interface UtcDayOffsets {
  /** Offset (ms) in force from the start of this UTC day. */
  before: number;
  /** Offset after the one transition inside this UTC day (same as `before` when none). */
  after: number;
  /** First instant at which `after` applies. */
  transitionAt: number;
}

/**
 * Offsets per UTC day, per zone: facts of the time-zone database, shared by every calendar of the
 * zone, so that a fold started afresh (an as-of cutoff, a resumed checkpoint, a fuzzed sequence)
 * never asks luxon again about a day already seen.
 */
const ZONE_OFFSETS = new Map<string, Map<number, UtcDayOffsets>>();

/**
 * Calendar days in a time zone, for the replay hot path.
 *
 * A local day number is floor((t + offset(t)) / DAY_MS): days since 1970-01-01 in the zone.
 * The zone's offset is looked up with luxon once per UTC day ever seen in the process (and the
 * transition instant found once on a DST day), then cached: per event it is a Map lookup and
 * integer arithmetic, never a luxon call.
 */
export class DayCalendar {
  private readonly offsets: Map<number, UtcDayOffsets>;
  private lastUtcDay = Number.NaN;
  private last: UtcDayOffsets = { before: 0, after: 0, transitionAt: 0 };

  constructor(readonly zone: string) {
    let offsets = ZONE_OFFSETS.get(zone);
    if (offsets === undefined) {
      if (!isValidZone(zone)) throw new Error(`unknown time zone "${zone}"`);
      ZONE_OFFSETS.set(zone, (offsets = new Map()));
    }
    this.offsets = offsets;
  }

  /** Local day number of instant `t` (epoch ms). */
  dayOf(t: number): number {
    const utcDay = Math.floor(t / DAY_MS);
    if (utcDay !== this.lastUtcDay) {
      let o = this.offsets.get(utcDay);
      if (o === undefined) {
        o = this.offsetsFor(utcDay);
        this.offsets.set(utcDay, o);
      }
      this.last = o;
      this.lastUtcDay = utcDay;
    }
    const o = this.last;
    return Math.floor((t + (t < o.transitionAt ? o.before : o.after)) / DAY_MS);
  }

  /** ISO date (YYYY-MM-DD) of a local day number. */
  static isoDate(day: number): string {
    return new Date(day * DAY_MS).toISOString().slice(0, 10);
  }

  /** Local day number of an ISO date. */
  static dayOfIsoDate(date: string): number {
    return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
  }

  /** First instant of a local day (luxon: an edge call, not for the hot path). */
  startOf(day: number): number {
    return DateTime.fromISO(DayCalendar.isoDate(day), { zone: this.zone })
      .startOf('day')
      .toMillis();
  }

  private offsetMs(t: number): number {
    return DateTime.fromMillis(t, { zone: this.zone }).offset * 60_000;
  }

  private offsetsFor(utcDay: number): UtcDayOffsets {
    const start = utcDay * DAY_MS;
    const end = start + DAY_MS - 1;
    const before = this.offsetMs(start);
    const after = this.offsetMs(end);
    if (before === after) return { before, after, transitionAt: start };
    // One transition inside this UTC day: find its first instant by bisection (about 27 lookups).
    let lo = start;
    let hi = end;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.offsetMs(mid) === before) lo = mid;
      else hi = mid;
    }
    return { before, after, transitionAt: hi };
  }
}
