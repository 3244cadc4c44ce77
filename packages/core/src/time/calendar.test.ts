import { DateTime } from 'luxon';
import { DayCalendar } from './calendar';

describe('DayCalendar', () => {
  it('agrees with luxon on local dates, across DST transitions', () => {
    for (const zone of ['Asia/Tokyo', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe']) {
      const cal = new DayCalendar(zone);
      // every 61 minutes through 2020 (includes both transitions in each DST zone)
      for (
        let t = Date.parse('2020-01-01T00:00:00Z');
        t < Date.parse('2021-01-01T00:00:00Z');
        t += 61 * 60_000
      ) {
        const expected = DateTime.fromMillis(t, { zone }).toISODate();
        expect(DayCalendar.isoDate(cal.dayOf(t))).toBe(expected);
      }
    }
  });

  it('gives the first instant of a local day', () => {
    const cal = new DayCalendar('Asia/Tokyo');
    const day = DayCalendar.dayOfIsoDate('2020-09-14');
    expect(new Date(cal.startOf(day)).toISOString()).toBe('2020-09-13T15:00:00.000Z');
    expect(cal.dayOf(cal.startOf(day))).toBe(day);
    expect(cal.dayOf(cal.startOf(day) - 1)).toBe(day - 1);
  });

  it('refuses an unknown zone', () => {
    expect(() => new DayCalendar('Mars/Olympus')).toThrow(/unknown time zone/);
  });
});
