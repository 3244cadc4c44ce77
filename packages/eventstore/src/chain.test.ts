import { canonicalJson } from '@incident-ledger/core';
import { createHash } from 'node:crypto';
import { storeDigest, storeDigestInOrder } from './chain';

describe('storeDigest', () => {
  it('is the hash of one canonical line per stream head, in stream-id order, for stores of any size', () => {
    const definition = (heads: { streamId: string; revision: number; hash: string }[]) => {
      const h = createHash('sha256');
      for (const head of [...heads].sort((a, b) => (a.streamId < b.streamId ? -1 : 1)))
        h.update(canonicalJson([head.streamId, head.revision, head.hash])).update('\n');
      return h.digest('hex');
    };
    // Enough heads for several pieces of the hashed text, ids needing escapes among them.
    const heads = Array.from({ length: 3_000 }, (_, i) => ({
      streamId: i % 7 === 0 ? `wallet-"${i}"\n` : `wallet-口座-${i}`,
      revision: i % 13,
      hash: createHash('sha256').update(String(i)).digest('hex'),
    }));
    expect(storeDigest(heads)).toBe(definition(heads));
    expect(storeDigest(heads.slice(0, 1))).toBe(definition(heads.slice(0, 1)));
    expect(storeDigest([])).toBe(definition([]));
    expect(storeDigest(heads.reverse())).toBe(definition(heads));
  });
});

describe('storeDigestInOrder', () => {
  const head = (streamId: string) => ({ streamId, revision: 0, hash: '0'.repeat(64) });
  async function* batches(...groups: ReturnType<typeof head>[][]) {
    yield* groups;
  }

  it('is the store digest of heads given in order, batch by batch', async () => {
    const heads = ['a', 'b', 'c\u{1F600}', 'd', '\uFFFD'].map(head);
    expect(await storeDigestInOrder(batches(heads.slice(0, 2), [], heads.slice(2)))).toBe(
      storeDigest(heads),
    );
  });

  it('gives up on heads out of order, or twice: the caller sorts them', async () => {
    // UTF-8 byte order (a store's collation) puts U+1F600 after U+FFFD; UTF-16 puts it before.
    const byBytes = ['a', '\uFFFD', '\u{1F600}'].map(head);
    expect(await storeDigestInOrder(batches(byBytes))).toBeUndefined();
    expect(await storeDigestInOrder(batches([head('a')], [head('a')]))).toBeUndefined();
  });
});
