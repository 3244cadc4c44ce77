import { DateTime } from 'luxon';
import { DayCalendar } from './calendar';
import { isValidZone } from './instant';

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

  it('takes IANA links and Etc zones that Intl.supportedValuesOf leaves out', () => {
    for (const zone of ['Asia/Kolkata', 'Etc/UTC']) {
      expect(Intl.supportedValuesOf('timeZone')).not.toContain(zone);
      expect(isValidZone(zone)).toBe(true);
    }
    const t = Date.parse('2020-09-13T19:00:00Z');
    expect(DayCalendar.isoDate(new DayCalendar('Asia/Kolkata').dayOf(t))).toBe('2020-09-14');
    expect(DayCalendar.isoDate(new DayCalendar('Etc/UTC').dayOf(t))).toBe('2020-09-13');
  });

  it.each(['JST', 'IST', 'UTC+9', '+09:00', 'Asia/Tokio', ''])(
    'refuses the zone name %p',
    (zone) => {
      expect(isValidZone(zone)).toBe(false);
      expect(() => new DayCalendar(zone)).toThrow(/unknown time zone/);
    },
  );
});
