import { Rng } from '@incident-ledger/core';
import { SqliteEventStore } from '@incident-ledger/eventstore-sqlite';
import { loadScenario } from '@incident-ledger/scenario';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkIntegrity, importEvents } from './app';
import { main } from './main';

const DOCOMO = resolve(__dirname, '../../../scenarios/docomo-kouza-2020');
const TEXT_COLUMNS = ['data', 'type', 'stream_id', 'event_id', 'hash'] as const;
const INTEGER_COLUMNS = ['occurred_at', 'recorded_at', 'revision'] as const;

let dir: string;
let store: SqliteEventStore;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-tamper-'));
  store = SqliteEventStore.open(join(dir, 'ledger.sqlite'));
  await importEvents(store, loadScenario(DOCOMO).events);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Changes one byte of a value: a text column's UTF-8 bytes, or an integer's 48-bit big-endian form. */
function editOneByte(rng: Rng, value: string | number): { sql: string; param: Buffer | number } {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    const i = rng.int(0, bytes.length - 1);
    bytes[i] = (bytes[i]! + rng.int(1, 255)) % 256;
    return { sql: 'CAST(? AS TEXT)', param: bytes };
  }
  const bytes = Buffer.alloc(6);
  bytes.writeUIntBE(value, 0, 6);
  const i = rng.int(0, 5);
  bytes[i] = (bytes[i]! + rng.int(1, 255)) % 256;
  return { sql: '?', param: bytes.readUIntBE(0, 6) };
}

describe('tamper detection (SQLite, edits by plain SQL)', () => {
  it('starts intact', async () => {
    expect((await checkIntegrity(store)).firstBreak).toBeUndefined();
  });

  it('detects 1,000 random single-byte edits of stored events, naming the edited event', async () => {
    const db = store.connection;
    const rng = new Rng(1000);
    const rows = db.prepare('SELECT position FROM events').all() as { position: number }[];
    let detected = 0;
    let located = 0;
    for (let n = 0; n < 1000; ) {
      const position = rng.pick(rows).position;
      const column = rng.pick([...TEXT_COLUMNS, ...INTEGER_COLUMNS]);
      const { value } = db.prepare(`SELECT ${column} AS value FROM events WHERE position = ?`).get(position) as { value: string | number };
      const edit = editOneByte(rng, value);
      db.exec('BEGIN');
      try {
        try {
          db.prepare(`UPDATE events SET ${column} = ${edit.sql} WHERE position = ?`).run(edit.param, position);
        } catch {
          continue; // the edit broke a UNIQUE constraint, so SQLite refused it: not an edit that happened
        }
        n++;
        const { firstBreak } = await checkIntegrity(store);
        if (firstBreak) detected++;
        else throw new Error(`undetected: ${column} of the event at position ${position} changed to ${String(edit.param)}`);
        if (firstBreak.globalPosition === position || column === 'stream_id' || column === 'revision') located++;
      } finally {
        db.exec('ROLLBACK');
      }
    }
    expect(detected).toBe(1000);
    expect(located).toBe(1000);
    expect((await checkIntegrity(store)).firstBreak).toBeUndefined();
  });

  it('detects a deleted event and a truncated stream', async () => {
    const db = store.connection;
    db.exec('BEGIN');
    try {
      const { position, stream_id } = db.prepare("SELECT position, stream_id FROM events WHERE type = 'ChargeExecuted' LIMIT 1").get() as {
        position: number;
        stream_id: string;
      };
      db.prepare('DELETE FROM events WHERE position = ?').run(position);
      const { firstBreak } = await checkIntegrity(store);
      expect(firstBreak?.streamId).toBe(stream_id);
    } finally {
      db.exec('ROLLBACK');
    }
  });

  it('verify --integrity names the altered event and exits 1', async () => {
    const file = join(dir, 'altered.sqlite');
    const copy = SqliteEventStore.open(file);
    await importEvents(copy, loadScenario(DOCOMO).events);
    copy.connection.prepare("UPDATE events SET data = replace(data, '\"amountYen\":', '\"amountYen\":9') WHERE position = 400").run();
    const { stream_id, revision } = copy.connection.prepare('SELECT stream_id, revision FROM events WHERE position = 400').get() as {
      stream_id: string;
      revision: number;
    };
    await copy.close();
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
    const code = await main(['verify', '--integrity', '--store', `sqlite:${file}`]).finally(() => log.mockRestore());
    expect(code).toBe(1);
    expect(out.join('\n')).toContain(`ALTERED   stream "${stream_id}", revision ${revision}, position 400`);
  });
});
