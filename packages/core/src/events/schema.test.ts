import { parseInstant } from '../time/instant';
import { validateEventData, ValidationError } from './schema';
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
