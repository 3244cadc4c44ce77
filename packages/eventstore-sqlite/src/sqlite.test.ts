import { ChainVerifier, EventIdConflict } from '@incident-ledger/eventstore';
import {
  collect,
  describeEventStoreContract,
  sampleEvent,
} from '@incident-ledger/eventstore/contract';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from './sqlite';

function tempFile() {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-sqlite-'));
  return {
    file: join(dir, 'ledger.sqlite'),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

describeEventStoreContract(
  'sqlite (real file)',
  async () => {
    const { file, cleanup } = tempFile();
    return { store: SqliteEventStore.open(file, { pollMs: 20 }), cleanup };
  },
  { appendsAtomically: true, readsHeads: true },
);

describe('SqliteEventStore', () => {
  it('keeps its events across close and reopen', async () => {
    const { file, cleanup } = tempFile();
    const store = SqliteEventStore.open(file);
    const events = [sampleEvent(1), sampleEvent(2)];
    await store.append('persist', events);
    await store.close();
    const again = SqliteEventStore.open(file);
    expect((await collect(again.readAll())).map((e) => e.eventId)).toEqual(
      events.map((e) => e.eventId),
    );
    expect((await again.heads())[0]).toMatchObject({ streamId: 'persist', revision: 1 });
    await again.close();
    await cleanup();
  });

  it('an append whose ids are not all new (stored, or twice in it) rolls its id insert back and skips or refuses as planned', async () => {
    const { file, cleanup } = tempFile();
    const store = SqliteEventStore.open(file);
    const stored = Array.from({ length: 50 }, (_, i) => sampleEvent(i));
    await store.append('s-1', stored);
    const fresh = Array.from({ length: 50 }, (_, i) => sampleEvent(100 + i));
    // A stored event in the middle of new ones, and a new event written twice: the insert of every
    // id fails half-way.
    const results = await store.appendMany([
      { streamId: 's-2', events: fresh.slice(0, 25) },
      { streamId: 's-1', events: [stored[10]!] },
      { streamId: 's-3', events: [...fresh.slice(25), fresh[30]!] },
    ]);
    expect(results.map((r) => [r.appended, r.skipped])).toEqual([
      [25, 0],
      [0, 1],
      [25, 1],
    ]);
    // Refused whole: a stored id with other content, after new events whose ids were inserted
    // first.
    const more = [sampleEvent(200), sampleEvent(201)];
    const changed = { ...stored[0]!, recordedAt: stored[0]!.recordedAt + 1 };
    expect(
      await store
        .appendMany([
          { streamId: 's-4', events: more },
          { streamId: 's-1', events: [changed] },
        ])
        .catch((e) => e),
    ).toBeInstanceOf(EventIdConflict);
    expect(await store.append('s-4', more)).toMatchObject({ appended: 2, skipped: 0 });

    const all = await collect(store.readAll());
    expect(all.map((e) => e.globalPosition)).toEqual(Array.from({ length: 102 }, (_, i) => i + 1));
    expect(all.map((e) => e.eventId)).toEqual([...stored, ...fresh, ...more].map((e) => e.eventId));
    expect((await collect(store.readStream('s-3'))).map((e) => e.eventId)).toEqual(
      fresh.slice(25).map((e) => e.eventId),
    );
    const chains = new ChainVerifier();
    chains.check(all);
    expect(chains.finish(await store.heads())).toBeUndefined();
    // Every id is findable again: re-appending all of it is a no-op.
    expect(
      (
        await store.appendMany([
          { streamId: 's-1', events: stored },
          { streamId: 's-4', events: more },
        ])
      ).map((r) => r.skipped),
    ).toEqual([50, 2]);
    await store.close();
    await cleanup();
  });

  it('refuses a file in a folder that does not exist, naming it', () => {
    expect(() => SqliteEventStore.open('/no/such/folder/ledger.sqlite')).toThrow(
      /folder \/no\/such\/folder does not exist/,
    );
  });

  it('uses the WAL journal', async () => {
    const { file, cleanup } = tempFile();
    const store = SqliteEventStore.open(file);
    expect(store.connection.pragma('journal_mode', { simple: true })).toBe('wal');
    await store.close();
    await cleanup();
  });
});
