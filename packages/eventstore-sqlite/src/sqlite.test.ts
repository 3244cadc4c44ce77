import { collect, describeEventStoreContract, sampleEvent } from '@incident-ledger/eventstore/contract';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from './sqlite';

function tempFile() {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-sqlite-'));
  return { file: join(dir, 'ledger.sqlite'), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

describeEventStoreContract('sqlite (real file)', async () => {
  const { file, cleanup } = tempFile();
  return { store: SqliteEventStore.open(file, { pollMs: 20 }), cleanup };
});

describe('SqliteEventStore', () => {
  it('keeps its events across close and reopen', async () => {
    const { file, cleanup } = tempFile();
    const store = SqliteEventStore.open(file);
    const events = [sampleEvent(1), sampleEvent(2)];
    await store.append('persist', events);
    await store.close();
    const again = SqliteEventStore.open(file);
    expect((await collect(again.readAll())).map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
    expect((await again.heads())[0]).toMatchObject({ streamId: 'persist', revision: 1 });
    await again.close();
    await cleanup();
  });

  it('refuses a file in a folder that does not exist, naming it', () => {
    expect(() => SqliteEventStore.open('/no/such/folder/ledger.sqlite')).toThrow(/folder \/no\/such\/folder does not exist/);
  });

  it('uses the WAL journal', async () => {
    const { file, cleanup } = tempFile();
    const store = SqliteEventStore.open(file);
    expect(store.connection.pragma('journal_mode', { simple: true })).toBe('wal');
    await store.close();
    await cleanup();
  });
});
