import { sampleEvent } from '@incident-ledger/eventstore/contract';
import { StoreMissing, StoreUnavailable } from '@incident-ledger/eventstore';
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APPLICATION_ID } from './identity';
import { SqliteEventStore } from './sqlite';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ledger-identity-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const openError = (file: string, access: 'create' | 'write' | 'read') => {
  try {
    SqliteEventStore.open(file, { access }).connection.close();
  } catch (e) {
    return e as Error;
  }
  throw new Error(`opened ${file} with access ${access}`);
};

/** Another application's database, in SQLite's default (rollback) journal mode. */
function foreignDatabase(applicationId = 0): string {
  const file = join(dir, 'other-app.db');
  const db = new Database(file);
  db.exec(
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes VALUES (1, 'x')",
  );
  db.pragma(`application_id = ${applicationId}`);
  db.pragma('user_version = 7');
  db.close();
  return file;
}

describe('opening a file that is not a store', () => {
  it.each(['create', 'write', 'read'] as const)(
    "refuses another application's database (%s), byte for byte unchanged, its journal not switched to WAL",
    (access) => {
      const file = foreignDatabase();
      const before = sha256(file);
      const e = openError(file, access);
      expect(e).toBeInstanceOf(StoreUnavailable);
      expect(e.message).toMatch(
        /other-app\.db: an SQLite database with tables notes, not an incident-ledger store/,
      );
      expect(sha256(file)).toBe(before);
      expect(readdirSync(dir)).toEqual(['other-app.db']);
      const db = new Database(file, { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
      db.close();
    },
  );

  it('refuses a database stamped by another application, naming its id', () => {
    const file = foreignDatabase(0x12345678);
    const before = sha256(file);
    expect(openError(file, 'create').message).toMatch(
      /another application \(application_id 0x12345678\)/,
    );
    expect(sha256(file)).toBe(before);
  });

  it.each(['create', 'write', 'read'] as const)(
    'refuses random bytes (%s), unchanged',
    (access) => {
      const file = join(dir, 'noise.sqlite');
      writeFileSync(file, randomBytes(8192));
      const before = sha256(file);
      expect(openError(file, access).message).toMatch(/noise\.sqlite: not an SQLite database/);
      expect(sha256(file)).toBe(before);
      expect(readdirSync(dir)).toEqual(['noise.sqlite']);
    },
  );
});

describe('opening where there is no store yet', () => {
  it.each(['write', 'read'] as const)(
    '%s: a missing file is StoreMissing, and no file is made',
    (access) => {
      const file = join(dir, 'misspelled.sqlite');
      const e = openError(file, access);
      expect(e).toBeInstanceOf(StoreMissing);
      expect(e.message).toMatch(/misspelled\.sqlite: no such file/);
      expect(readdirSync(dir)).toEqual([]);
    },
  );

  it.each(['write', 'read'] as const)('%s: a 0-byte file is StoreMissing, left empty', (access) => {
    const file = join(dir, 'empty.sqlite');
    writeFileSync(file, '');
    expect(openError(file, access)).toBeInstanceOf(StoreMissing);
    expect(readFileSync(file).length).toBe(0);
    expect(readdirSync(dir)).toEqual(['empty.sqlite']);
  });

  it('create: makes a store in a missing or 0-byte file, stamped with the application id', async () => {
    writeFileSync(join(dir, 'empty.sqlite'), '');
    for (const name of ['new.sqlite', 'empty.sqlite']) {
      const store = SqliteEventStore.open(join(dir, name), { access: 'create' });
      await store.append('s', [sampleEvent(1)]);
      expect(store.connection.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
      await store.close();
      const reader = SqliteEventStore.open(join(dir, name), { access: 'read' });
      expect((await reader.heads()).length).toBe(1);
      await reader.close();
    }
  });
});

describe('a store made before the application id', () => {
  async function unstampedStore(): Promise<string> {
    const file = join(dir, 'old.sqlite');
    const store = SqliteEventStore.open(file);
    await store.append('s', [sampleEvent(1)]);
    store.connection.pragma('application_id = 0');
    store.connection.pragma('user_version = 2'); // the schema of the stores made before the id
    await store.close();
    return file;
  }
  const applicationId = (file: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return db.pragma('application_id', { simple: true });
    } finally {
      db.close();
    }
  };

  it('is read as it is, and stamped at its first opening that may write', async () => {
    const file = await unstampedStore();
    const reader = SqliteEventStore.open(file, { access: 'read' });
    expect((await reader.heads()).map((h) => h.streamId)).toEqual(['s']);
    await reader.close();
    expect(applicationId(file)).toBe(0);
    const writer = SqliteEventStore.open(file, { access: 'write' });
    await writer.append('s', [sampleEvent(2)], { expectedRevision: 0 });
    await writer.close();
    expect(applicationId(file)).toBe(APPLICATION_ID);
  });

  it('read access writes nothing to a store', async () => {
    const file = await unstampedStore();
    const before = sha256(file);
    const reader = SqliteEventStore.open(file, { access: 'read' });
    await reader.heads();
    await reader.close();
    expect(sha256(file)).toBe(before);
    expect(existsSync(file)).toBe(true);
  });

  it('of schema 1 is refused by a read-only opening, which cannot migrate it, unchanged', () => {
    const file = join(dir, 'v1.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE events (position INTEGER PRIMARY KEY); CREATE TABLE streams (id TEXT)');
    db.pragma('user_version = 1');
    db.close();
    const before = sha256(file);
    expect(openError(file, 'read').message).toMatch(/schema version 1 is brought up to date/);
    expect(sha256(file)).toBe(before);
  });
});
