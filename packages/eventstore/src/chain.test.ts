import { canonicalJson } from '@incident-ledger/core';
import { createHash } from 'node:crypto';
import { storeDigest } from './chain';

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
