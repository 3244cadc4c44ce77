import { parseInstant } from '../time/instant';
import {
  describe as describeValue,
  formatPath,
  validateEventData,
  ValidationError,
} from './schema';
import type { EventType } from './types';

const check = <T extends EventType>(type: T, data: unknown) =>
  validateEventData(type, data, ['data'], parseInstant);

describe('event validation at the boundary', () => {
  it.each([
    [-1, /non-negative number of yen/],
    [1.5, /whole, non-negative number of yen/],
    ['12,000', /whole, non-negative number of yen/],
  ])('refuses %p yen', (amountYen, message) => {
    expect(() =>
      check('ChargeExecuted', { walletId: 'w', bankCode: 'B', accountId: 'a', amountYen }),
    ).toThrow(message);
  });

  it('names the field path of the problem', () => {
    try {
      check('FiguresPublished', {
        publicationId: 'p',
        source: 's',
        asOf: '2020-09-14T00:00:00+09:00',
        figures: [{ name: 'cases', value: -3 }],
      });
      throw new Error('not refused');
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).path).toEqual(['data', 'figures', 0, 'value']);
    }
  });

  it('refuses unknown fields and unknown figures', () => {
    expect(() => check('WalletLocked', { walletId: 'w', reason: 'r', colour: 'red' })).toThrow(
      /data.colour: unknown field/,
    );
    expect(() =>
      check('FiguresPublished', {
        publicationId: 'p',
        source: 's',
        asOf: '2020-09-14T00:00:00Z',
        figures: [{ name: 'vibes', value: 1 }],
      }),
    ).toThrow(/figures\[0\].name: must be one of/);
  });

  it('fills defaults so stored events are complete', () => {
    expect(check('CaseReported', { caseId: 'c', bankCode: 'B', accountId: 'a' })).toEqual({
      caseId: 'c',
      bankCode: 'B',
      accountId: 'a',
      status: 'confirmed',
    });
    const f = check('FiguresPublished', {
      publicationId: 'p',
      source: 's',
      asOf: '2020-09-14T00:00:00+09:00',
      figures: [{ name: 'cases', value: 120 }],
    });
    expect(f.figures[0]).toEqual({ name: 'cases', value: 120, precision: 1, rounding: 'exact' });
    expect(f.asOf).toBe(Date.parse('2020-09-13T15:00:00Z'));
  });

  it('refuses times without a zone', () => {
    expect(() => parseInstant('2020-09-14T00:00:00', ['occurredAt'])).toThrow(
      /occurredAt: must be an ISO 8601 time with a zone offset/,
    );
    expect(() => parseInstant('2020-02-30T00:00:00+09:00')).toThrow(/not a valid time/);
    expect(parseInstant('2020-09-14T00:00:00+09:00')).toBe(parseInstant('2020-09-13T15:00:00Z'));
  });
});

describe('describe: values in messages', () => {
  it('quotes a long value as a short excerpt with its length', () => {
    const huge = 'x'.repeat(52_428_800);
    const text = describeValue(huge);
    expect(text.length).toBeLessThan(100);
    expect(text).toBe(`"${'x'.repeat(60)}"… (52,428,800 characters)`);
    expect(() => check('WalletOpened', { walletId: huge, openedBy: 'holder' })).toThrow(
      /\(52,428,800 characters\)/,
    );
  });

  it('quotes short values whole, and never prints a control character raw', () => {
    expect(describeValue('BANK-Z')).toBe('"BANK-Z"');
    expect(describeValue('\u001b[31mred\u009b')).toBe('"\\u001b[31mred\\u009b"');
    expect(describeValue('a\u202eb\u2028')).toBe('"a\\u202eb\\u2028"');
    expect(describeValue(12)).toBe('12');
  });

  it('never cuts a character in two', () => {
    expect(describeValue('a' + '𠮷'.repeat(70))).toBe(`"a${'𠮷'.repeat(59)}"… (71 characters)`);
  });

  it('keeps a field path short and printable too', () => {
    expect(formatPath(['events', 3, 'x'.repeat(1000)])).toMatch(
      /^events\[3\]\["x{60}"… \(1,000 characters\)\]$/,
    );
    expect(formatPath(['events', 3, 'a\u001bb'])).toBe('events[3]["a\\u001bb"]');
    expect(formatPath(['events', 3, 'data', 'amountYen'])).toBe('events[3].data.amountYen');
  });
});

describe('ranges', () => {
  const inquiries = (periodStart: string, periodEnd: string) =>
    check('InquiriesReceived', { channel: 'phone', count: 3, periodStart, periodEnd });

  it('refuses a period whose end precedes its start', () => {
    expect(() => inquiries('2020-09-10T00:00:00+09:00', '2020-09-09T23:59:59+09:00')).toThrow(
      /data\.periodEnd: is before periodStart/,
    );
  });

  it('accepts a period of one instant and a longer one', () => {
    expect(inquiries('2020-09-10T00:00:00+09:00', '2020-09-10T00:00:00+09:00').count).toBe(3);
    expect(inquiries('2020-09-10T00:00:00+09:00', '2020-09-11T00:00:00+09:00').count).toBe(3);
  });
});
