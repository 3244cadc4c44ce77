import { KeyDictionary } from '@incident-ledger/core';
import { BlockWriter } from './block-writer';
import { BLOCK_EVENTS, decodeBlock } from './blocks';

const purchase = (i: number) => ({
  type: 'PurchaseMade',
  data: { walletId: `w${i % 3}`, merchantCategory: 'games', amountYen: i },
  occurredAt: i,
  recordedAt: i,
});

describe('BlockWriter', () => {
  it('cuts blocks of BLOCK_EVENTS from its first event and ends with the rest', () => {
    const keys = new KeyDictionary();
    const n = BLOCK_EVENTS * 2 + 5;
    const writer = new BlockWriter(keys, 'test', 101, n);
    for (let i = 0; i < n; i++) writer.add(purchase(i));
    const { blocks } = writer.finish();
    expect(blocks.map((b) => [b.first, b.last])).toEqual([
      [101, 100 + BLOCK_EVENTS],
      [101 + BLOCK_EVENTS, 100 + 2 * BLOCK_EVENTS],
      [101 + 2 * BLOCK_EVENTS, 100 + n],
    ]);
    const last = decodeBlock(blocks[2]!.columns, blocks[2]!.first, 'test', keys);
    expect(last.length).toBe(5);
    expect(last.amount[4]).toBe(n - 1);
    expect(last.position[4]).toBe(100 + n);
  });

  it('gives the keys it numbered beyond those its dictionary knew, per domain', () => {
    const keys = new KeyDictionary();
    keys.id(0, 'w0');
    const writer = new BlockWriter(keys, 'test', 1, 3);
    for (let i = 0; i < 3; i++) writer.add(purchase(i));
    const { blocks, keys: added } = writer.finish();
    expect(added).toEqual([
      { domain: 0, first: 1, texts: ['w1', 'w2'] },
      { domain: 4, first: 0, texts: ['games'] },
    ]);
    expect(decodeBlock(blocks[0]!.columns, 1, 'test', keys).keyCounts).toEqual([3, 0, 0, 0, 1]);
  });

  it('refuses more events than its bound', () => {
    const writer = new BlockWriter(new KeyDictionary(), 'test', 1, 1);
    writer.add(purchase(0));
    expect(() => writer.add(purchase(1))).toThrow(/more events than its bound/);
  });
});
