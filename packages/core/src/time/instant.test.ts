import fc from 'fast-check';
import { DateTime } from 'luxon';
import { parseInstant } from './instant';

describe('parseInstant', () => {
  it.each(['+99:99', '+24:00', '+09:75', '-13:00', '+14:01', '+1500', '-12:60'])(
    'refuses the offset %s, which names no real zone offset',
    (offset) => {
      expect(() => parseInstant(`2020-09-14T00:00:00${offset}`, ['occurredAt'])).toThrow(
        /occurredAt: .*offset/,
      );
    },
  );

  it.each(['+14:00', '-12:00', '+05:45', '+0930', '-03:30', 'Z', '+00:00', '-00:00'])(
    'accepts the offset %s, as the same instant luxon reads',
    (offset) => {
      const text = `2020-09-14T00:00:00.250${offset}`;
      expect(parseInstant(text)).toBe(DateTime.fromISO(text, { setZone: true }).toMillis());
    },
  );

  it.each([
    '2020-13-01T00:00:00Z',
    '2020-02-30T00:00:00Z',
    '2019-02-29T00:00:00Z',
    '2020-09-14T24:00:00Z',
    '2020-09-14T23:60:00Z',
    '2020-09-14T23:59:60Z',
  ])('refuses the impossible time %s', (text) => {
    expect(() => parseInstant(text)).toThrow(/not a valid time/);
  });

  it('reads leap days and the ends of months', () => {
    expect(parseInstant('2020-02-29T23:59:59.999+09:00')).toBe(
      Date.parse('2020-02-29T14:59:59.999Z'),
    );
    expect(parseInstant('2020-12-31T23:59:59Z')).toBe(Date.parse('2020-12-31T23:59:59Z'));
  });
});

describe('parseInstant against luxon', () => {
  const two = (n: number) => String(n).padStart(2, '0');
  it('reads every valid time as luxon does, and refuses what luxon finds invalid', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 59 }),
        fc.constantFrom('', '.5', '.05', '.123'),
        fc.integer({ min: -12 * 60, max: 14 * 60 }),
        (y, mo, d, h, mi, s, frac, offset) => {
          const sign = offset < 0 ? '-' : '+';
          const zone = `${sign}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`;
          const text = `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}${frac}${zone}`;
          const luxon = DateTime.fromISO(text, { setZone: true });
          if (luxon.isValid) expect(parseInstant(text)).toBe(luxon.toMillis());
          else expect(() => parseInstant(text)).toThrow(/not a valid time/);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
