import fc from 'fast-check';
import { parseInstant } from '../time/instant';
import { allocateColumns, DOMAIN, encodeRow, KeyDictionary } from './columns';
import { validateEventData, ValidationError } from './schema';

const charge = (bankCode: string, accountId: string, walletId = 'W1') => ({
  walletId,
  bankCode,
  accountId,
  amountYen: 1000,
});
const accepts = (data: unknown) => {
  try {
    validateEventData('ChargeExecuted', data, ['data'], parseInstant);
    return true;
  } catch (e) {
    if (e instanceof ValidationError) return false;
    throw e;
  }
};

describe('the character set of ids', () => {
  it.each([
    ['NUL', 'A\u0000B'],
    ['a C0 control (BEL)', 'A\u0007B'],
    ['DEL', 'A\u007fB'],
    ['an ANSI escape', '\u001b[31mBANK-A\u001b[0m'],
    ['a C1 control (CSI)', 'A\u009b31mB'],
    ['an unpaired high surrogate', 'A\ud800B'],
    ['an unpaired low surrogate', 'A\udc00'],
    ['a bidi override', 'A\u202eB'],
    ['a zero-width space', 'A\u200bB'],
    ['a line separator', 'A\u2028B'],
    ['a tab', 'A\tB'],
    ['a newline', 'A\nB'],
  ])('refuses %s in an id, naming the code point and where it is', (_, id) => {
    expect(accepts(charge(id, 'ACC-1'))).toBe(false);
    expect(accepts(charge('BANK-A', id))).toBe(false);
    expect(() =>
      validateEventData(
        'WalletOpened',
        { walletId: id, openedBy: 'holder' },
        ['data'],
        parseInstant,
      ),
    ).toThrow(/data\.walletId: holds U\+[0-9A-F]{4}( \(an unpaired surrogate\))? at character \d+/);
  });

  it('accepts letters of any script, digits, punctuation, spaces inside and paired surrogates', () => {
    for (const id of [
      'BANK-A',
      'ACC-001',
      'りそな銀行',
      'convenience-store:cigarettes',
      'A B',
      '𠮷-1',
    ])
      expect(accepts(charge(id, id))).toBe(true);
  });

  it('refuses an id longer than 256 characters', () => {
    expect(accepts(charge('B'.repeat(256), 'a'))).toBe(true);
    expect(accepts(charge('B'.repeat(257), 'a'))).toBe(false);
  });

  it('lets free text hold tabs and newlines, never NUL, escapes or unpaired surrogates', () => {
    const locked = (reason: string) => {
      try {
        validateEventData('WalletLocked', { walletId: 'W', reason }, ['data'], parseInstant);
        return true;
      } catch (e) {
        if (e instanceof ValidationError) return false;
        throw e;
      }
    };
    expect(locked('first line\n\tsecond line, 「理由」')).toBe(true);
    for (const bad of ['a\u0000b', '\u001b[2J', 'a\rb', 'a\ud800', 'a\u202eb', 'a\u0085b'])
      expect(locked(bad)).toBe(false);
  });

  it('makes the NUL-joined account key injective: no two accepted (bank, account) pairs share one', () => {
    // columns.ts keys an account by `${bankCode}\u0000${accountId}`. Two pairs give the same key
    // text only when a NUL moves between the parts, e.g. ("A\0B", "C") and ("A", "B\0C"): whichever
    // way the parts are cut, one of the four ids holds a NUL and is refused at the boundary.
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (x, y, z) => {
        const first = charge(`${x}\u0000${y}`, z);
        const second = charge(x, `${y}\u0000${z}`);
        expect(accepts(first) && accepts(second)).toBe(false);
      }),
    );
    // And accepted pairs that differ get two accounts in the columns.
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (b1, a1, b2, a2) => {
        fc.pre(accepts(charge(b1, a1)) && accepts(charge(b2, a2)));
        fc.pre(b1 !== b2 || a1 !== a2);
        const keys = new KeyDictionary();
        const batch = allocateColumns(2, 'test', keys);
        const row = (bankCode: string, accountId: string) => ({
          type: 'ChargeExecuted',
          data: charge(bankCode, accountId),
          occurredAt: 0,
          recordedAt: 0,
        });
        encodeRow(batch, 0, row(b1, a1), keys);
        encodeRow(batch, 1, row(b2, a2), keys);
        expect(batch.account[0]).not.toBe(batch.account[1]);
        expect(keys.size(DOMAIN.account)).toBe(2);
      }),
    );
  });
});
