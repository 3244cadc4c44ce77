import type { StoredEvent } from '@incident-ledger/core';
import { Catalog } from './catalog';

function event(streamId: string, revision: number, globalPosition: number): StoredEvent {
  return {
    eventId: `id-${globalPosition}`,
    streamId,
    type: 'WalletLocked',
    occurredAt: 0,
    recordedAt: 0,
    data: { walletId: 'w', reason: 'r' },
    revision,
    globalPosition,
    hash: `h-${globalPosition}`,
  } as StoredEvent;
}

/** A log that grows under the catalog, and a record of where each read started. */
function source() {
  const log: StoredEvent[] = [];
  const starts: number[] = [];
  let failNext = false;
  async function* readAll(from: number) {
    starts.push(from);
    await new Promise((r) => setTimeout(r, 1));
    const tail = log.filter((e) => e.globalPosition >= from);
    if (tail.length > 0) yield tail.slice(0, 1);
    if (failNext) {
      failNext = false;
      throw new Error('connection lost');
    }
    if (tail.length > 1) yield tail.slice(1);
  }
  return { log, starts, readAll, failOnce: () => (failNext = true) };
}

describe('Catalog', () => {
  it('keeps every id and the last event of every stream', async () => {
    const s = source();
    s.log.push(event('a', 0, 2), event('b', 0, 4), event('a', 1, 6));
    const catalog = new Catalog(s.readAll);
    await catalog.refresh();
    expect(catalog.heads.get('a')).toEqual({ revision: 1, hash: 'h-6' });
    expect(catalog.heads.get('b')).toEqual({ revision: 0, hash: 'h-4' });
    expect(catalog.ids.get('id-6')).toEqual({ streamId: 'a', revision: 1 });
    expect(catalog.ids.size).toBe(3);
  });

  it('reads only what was appended since the last refresh', async () => {
    const s = source();
    s.log.push(event('a', 0, 2));
    const catalog = new Catalog(s.readAll);
    await catalog.refresh();
    s.log.push(event('a', 1, 10));
    await catalog.refresh();
    expect(s.starts).toEqual([1, 3]);
    expect(catalog.heads.get('a')?.revision).toBe(1);
  });

  it('runs concurrent refreshes one after another, each starting where the last stopped', async () => {
    const s = source();
    s.log.push(event('a', 0, 2), event('a', 1, 4));
    const catalog = new Catalog(s.readAll);
    await Promise.all([catalog.refresh(), catalog.refresh(), catalog.refresh()]);
    expect(s.starts).toEqual([1, 5, 5]);
  });

  it('keeps what a failed refresh read, and the next one continues from there', async () => {
    const s = source();
    s.log.push(event('a', 0, 2), event('b', 0, 4));
    const catalog = new Catalog(s.readAll);
    s.failOnce();
    await expect(catalog.refresh()).rejects.toThrow('connection lost');
    expect([...catalog.heads.keys()]).toEqual(['a']);
    await catalog.refresh();
    expect(s.starts).toEqual([1, 3]);
    expect([...catalog.heads.keys()]).toEqual(['a', 'b']);
  });
});
