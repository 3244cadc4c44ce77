/**
 * The import of a scenario's event files (importEvents over EventFiles), as replay, report, verify
 * and timeline run it. Into a store that appends atomically (SQLite, PostgreSQL, memory): one
 * pass, every event validated as it is read and appended, in one transaction. Into any other:
 * every file validated before anything is appended, then batch by batch, each batch atomic. Memory
 * holds a batch either way. Checked by what is read and appended, never by RSS: an NDJSON scenario of a few batches
 * stands for one of millions of rows.
 */
import type { LedgerEvent } from '@incident-ledger/core';
import { MemoryEventStore, type EventStore } from '@incident-ledger/eventstore';
import { PostgresEventStore, withDefaultUser } from '@incident-ledger/eventstore-postgres';
import { SqliteEventStore } from '@incident-ledger/eventstore-sqlite';
import {
  EVENT_BATCH_SIZE,
  loadScenario,
  openScenario,
  type LoadProgress,
} from '@incident-ledger/scenario';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, escapeIdentifier } from 'pg';
import { writeLargeScenario } from '../../../scripts/make-large-scenario';
import { checkIntegrity, digestOf, importEvents, storedEvents } from './app';
import { ImportCutShort } from './errors';
import { runCli } from './run-cli.testing';

const PG_URL = process.env.INCIDENT_LEDGER_PG_URL;

/** Four batches, the last one partial. */
const EVENTS = 3 * EVENT_BATCH_SIZE + 5_000;

let tmp: string;
let dir: string;
/** The scenario's events in append order, held (loadScenario). */
let events: LedgerEvent[];
/** The digest of the events held in memory and appended at once, as the import did before. */
let wholeDigest: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ledger-import-'));
  dir = join(tmp, 'scenario');
  writeLargeScenario(dir, { events: EVENTS, seed: 15, format: 'ndjson' });
  const memory = new MemoryEventStore();
  events = loadScenario(dir).events;
  await importEvents(memory, events);
  wholeDigest = await digestOf(memory);
}, 60_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The store, its appendMany counted: the events of each call, and `before` it is let through. */
function spied(store: EventStore, before: (call: number) => void = () => undefined) {
  const sizes: number[] = [];
  const spy: EventStore = Object.assign(Object.create(store) as EventStore, {
    appendMany: (writes: Parameters<EventStore['appendMany']>[0]) => {
      sizes.push(writes.reduce((n, w) => n + w.events.length, 0));
      before(sizes.length);
      return store.appendMany(writes);
    },
  });
  return { spy, sizes };
}

describe('importing a scenario batch by batch', () => {
  it('refuses a malformed line deep in a large NDJSON file, by file and line, appending nothing', async () => {
    const bad = join(tmp, 'bad');
    writeLargeScenario(bad, { events: 50_001, seed: 15, format: 'ndjson' });
    const file = join(bad, 'events/cases.ndjson');
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(50_000);
    lines[48_999] = lines[48_999]!.slice(0, 40); // line 49,000 cut short, as a torn export
    writeFileSync(file, lines.join('\n'));
    const store = join(tmp, 'bad.sqlite');
    for (const where of [[], ['--store', `sqlite:${store}`]]) {
      const r = await runCli('replay', bad, ...where);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/events\/cases\.ndjson:49000:\d+: is not a JSON object/);
      expect(r.stderr).toContain('Nothing was appended to the store.');
    }
    // Validation ends before a store is opened: neither the default store nor the one named exists.
    expect(existsSync(join(bad, 'ledger.sqlite'))).toBe(false);
    expect(existsSync(store)).toBe(false);
  }, 120_000);

  it('appends whole batches in order, to the digest of the events appended at once', async () => {
    const store = new MemoryEventStore();
    const { spy, sizes } = spied(store);
    const files = openScenario(dir).eventFiles;
    await files.validate();
    expect(await importEvents(spy, files)).toEqual({ appended: EVENTS, skipped: 0 });
    expect(sizes).toEqual([EVENT_BATCH_SIZE, EVENT_BATCH_SIZE, EVENT_BATCH_SIZE, 5_000]);
    expect(await digestOf(store)).toBe(wholeDigest);
  });

  it('holds one batch: each append comes before the files are read past its batch', async () => {
    let importing = false;
    let read = 0;
    const progress: LoadProgress = {
      pass: (pass) => void (importing = pass === 'again'),
      read: () => undefined,
      events: (n) => void (importing && (read += n)),
    };
    const files = openScenario(dir, { progress }).eventFiles;
    await files.validate();
    const readAt: number[] = [];
    const { spy } = spied(new MemoryEventStore(), () => readAt.push(read));
    await importEvents(spy, files);
    // Read ahead of the appends: at most the merge's next event of each of the two files.
    readAt.forEach((r, k) => expect(r).toBeLessThanOrEqual((k + 1) * EVENT_BATCH_SIZE + 2));
    expect(readAt).toHaveLength(4);
    expect(read).toBe(EVENTS);
  });

  it('a store without atomic append: a cut-short import leaves whole batches that verify; running it again completes it', async () => {
    const file = join(tmp, 'cut.sqlite');
    const store = SqliteEventStore.open(file);
    try {
      const files = openScenario(dir).eventFiles;
      const { spy } = spied(store, (call) => {
        if (call === 3) throw new Error('the process died here');
      });
      const batchByBatch = Object.assign(spy, { appendAtomically: undefined });
      const died = importEvents(batchByBatch, files);
      await expect(died).rejects.toBeInstanceOf(ImportCutShort);
      await expect(died).rejects.toMatchObject({
        appended: 2 * EVENT_BATCH_SIZE,
        cause: new Error('the process died here'),
      });
      expect(await storedEvents(store)).toBe(2 * EVENT_BATCH_SIZE);
      const cut = await checkIntegrity(store);
      expect(cut.firstBreak).toBeUndefined();
      expect(cut.checked).toBe(2 * EVENT_BATCH_SIZE);
      expect(await importEvents(store, files)).toEqual({
        appended: EVENTS - 2 * EVENT_BATCH_SIZE,
        skipped: 2 * EVENT_BATCH_SIZE,
      });
      expect(await digestOf(store)).toBe(wholeDigest);
      expect((await checkIntegrity(store)).firstBreak).toBeUndefined();
    } finally {
      await store.close();
    }
  }, 120_000);

  /** Imports into `store` (a few events of its own) cut at its third batch, then whole. */
  async function cutAtTheThirdBatch(store: EventStore): Promise<void> {
    await importEvents(store, events.slice(0, 10)); // the store before: some events of its own
    const before = await digestOf(store);
    const files = openScenario(dir).eventFiles;
    const { spy, sizes } = spied(store);
    const reads = { passes: 0 };
    const dying = {
      bytes: files.bytes,
      validate: () => files.validate(),
      async *batches() {
        reads.passes++;
        let k = 0;
        for await (const batch of files.batches()) {
          if (++k === 3) throw new Error('the process died here');
          yield batch;
        }
      },
    };
    const died = importEvents(spy, dying);
    await expect(died).rejects.toThrow('the process died here');
    await expect(died).rejects.not.toBeInstanceOf(ImportCutShort);
    expect(reads.passes).toBe(1); // validated as it was read, not in a pass of its own
    expect(sizes).toEqual([]); // never appendMany, batch by batch
    expect(await storedEvents(store)).toBe(10);
    expect(await digestOf(store)).toBe(before);
    expect((await checkIntegrity(store)).firstBreak).toBeUndefined();
    expect(await importEvents(store, files)).toEqual({ appended: EVENTS - 10, skipped: 10 });
    expect(await digestOf(store)).toBe(wholeDigest);
    expect((await checkIntegrity(store)).firstBreak).toBeUndefined();
  }

  it('SQLite: one pass in one transaction; a failure at the third batch leaves the store as it was', async () => {
    const store = SqliteEventStore.open(join(tmp, 'atomic.sqlite'));
    try {
      await cutAtTheThirdBatch(store);
    } finally {
      await store.close();
    }
  }, 120_000);

  (PG_URL ? it : it.skip)(
    'PostgreSQL: one pass in one transaction; a failure at the third batch leaves the store as it was',
    async () => {
      const schema = `test_import_${process.pid}_${randomBytes(3).toString('hex')}`;
      const store = await PostgresEventStore.open(PG_URL!, { schema });
      try {
        await cutAtTheThirdBatch(store);
      } finally {
        await store.close();
        const admin = new Client({ connectionString: withDefaultUser(PG_URL!) });
        await admin.connect();
        await admin.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
        await admin.end();
      }
    },
    120_000,
  );

  it('a conflict in the last batch appends nothing: the whole import is one transaction', async () => {
    // A case's one event, in the last batch, stored already with other content: a conflict there.
    const k = events.findIndex((e, i) => i >= 3 * EVENT_BATCH_SIZE && e.type === 'CaseReported');
    const file = join(tmp, 'conflict.sqlite');
    const store = SqliteEventStore.open(file);
    await importEvents(store, [{ ...events[k]!, recordedAt: events[k]!.recordedAt + 1 }]);
    await store.close();
    const r = await runCli('replay', dir, '--store', `sqlite:${file}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already stored with different content/);
    expect(r.stderr).toContain('Nothing was appended to the store.');
    const after = SqliteEventStore.open(file);
    try {
      expect(await storedEvents(after)).toBe(1);
      expect((await checkIntegrity(after)).firstBreak).toBeUndefined();
    } finally {
      await after.close();
    }
  }, 120_000);
});
