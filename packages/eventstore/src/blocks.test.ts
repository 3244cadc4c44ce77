import { COLUMNS, encodeEvents, KeyDictionary, type StoredEvent } from '@incident-ledger/core';
import { blockBytes, decodeBlock, encodeBlock, withKnownKeyCounts } from './blocks';

const event = (i: number, type: string, data: Record<string, unknown>): StoredEvent =>
  ({
    globalPosition: i,
    streamId: `s${i}`,
    revision: 1,
    eventId: `e${i}`,
    type,
    data,
    occurredAt: 1_000 * i,
    recordedAt: 1_000 * i + 7,
    hash: `h${i}`,
  }) as unknown as StoredEvent;

const events = [
  event(1, 'WalletOpened', { walletId: 'w1' }),
  event(2, 'BankAccountLinked', { walletId: 'w1', bankCode: '0001', accountId: 'a1' }),
  event(3, 'PurchaseMade', { walletId: 'w1', merchantCategory: 'games', amountYen: 3_000 }),
  event(4, 'CaseReported', { caseId: 'c1', status: 'reported', operatorCode: 'op' }),
  event(5, 'ChargeExecuted', { walletId: 'w2', bankCode: '0002', accountId: 'a1', amountYen: 9 }),
];

describe('blocks', () => {
  const keys = new KeyDictionary();
  const batch = encodeEvents(events, keys, 'test');

  it('decodes every declared column of the rows it packed, at their positions', () => {
    const block = decodeBlock(encodeBlock(batch, 1, 4, [1, 2, 3, 4, 5]), 2, 'test', keys);
    expect(block.length).toBe(3);
    expect(Array.from(block.position)).toEqual([2, 3, 4]);
    expect(block.keyCounts).toEqual([1, 2, 3, 4, 5]);
    for (const { name, kind } of COLUMNS) {
      expect(block[name].constructor.name).toBe(
        { f64: 'Float64Array', i32: 'Int32Array', u8: 'Uint8Array' }[kind],
      );
      expect(Array.from(block[name])).toEqual(Array.from(batch[name].subarray(1, 4)));
    }
    expect(block.amount[1]).toBe(3_000);
    expect(block.names.name('category', block.category[2]!)).toBe('op');
  });

  it('sizes a block by the declared columns, each section 8-byte aligned', () => {
    const width = { f64: 8, i32: 4, u8: 1 };
    const sections = (n: number) =>
      COLUMNS.reduce((sum, c) => sum + Math.ceil((n * width[c.kind]) / 8) * 8, 0);
    for (const n of [0, 1, 5, 9]) expect(blockBytes(n)).toBe(32 + sections(n));
    expect(encodeBlock(batch, 0, 5, [0, 0, 0, 0, 0]).byteLength).toBe(blockBytes(5));
  });

  it('refuses a block whose length does not match its header', () => {
    const bytes = encodeBlock(batch, 0, 5, [0, 0, 0, 0, 0]);
    expect(() => decodeBlock(bytes.subarray(0, bytes.length - 8), 1, 'test', keys)).toThrow(
      /has \d+ bytes, expected/,
    );
  });

  it('raises the key counts in place: every batch read keeps the one shape', () => {
    // A copy ({ ...batch }) gets a map of its own each time: folds then go megamorphic.
    const block = decodeBlock(encodeBlock(batch, 0, 5, [1, 2, 3, 4, 5]), 1, 'test', keys);
    const raised = withKnownKeyCounts(block, [2, 2, 2, 2, 2]);
    expect(raised).toBe(block);
    expect(raised.keyCounts).toEqual([2, 2, 3, 4, 5]);
    expect(raised.keyCountsFinal).toBe(false);
    const next = decodeBlock(encodeBlock(batch, 0, 5, [1, 2, 3, 4, 5]), 1, 'test', keys);
    const bounded = withKnownKeyCounts(next, [9, 9, 9, 9, 9]);
    expect(bounded.keyCountsFinal).toBe(true);
    expect(Object.keys(bounded)).toEqual(Object.keys(raised));
  });
});
