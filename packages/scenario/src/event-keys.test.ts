import { nameUuid } from '@incident-ledger/core';
import { hashOf, KeyHashes } from './event-keys';

describe('KeyHashes', () => {
  it('hashes 52 bits of an event id: its first 12 hex digits and the one after the version', () => {
    for (let i = 0; i < 1000; i++) {
      const id = nameUuid(`s/key-${i}`);
      const hex = id.slice(0, 8) + id.slice(9, 13) + id.charAt(15);
      expect(hashOf(id)).toBe(parseInt(hex, 16));
      expect(hashOf(id.toUpperCase())).toBe(hashOf(id));
    }
    expect(hashOf('ffffffff-ffff-5fff-bfff-ffffffffffff')).toBe(2 ** 52 - 1);
  });

  it('names the hashes held more than once, and only those', () => {
    const keys = new KeyHashes();
    const ids = Array.from({ length: 5000 }, (_, i) => nameUuid(`s/key-${i}`));
    for (const id of ids) keys.add(id);
    keys.add(ids[17]!);
    keys.add(ids[4999]!);
    keys.add(ids[4999]!);
    expect(keys.repeated()).toEqual(new Set([hashOf(ids[17]!), hashOf(ids[4999]!)]));
  });
});
