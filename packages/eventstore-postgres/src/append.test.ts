import type { LedgerEvent } from '@incident-ledger/core';
import {
  checkColumns,
  EventIdConflict,
  storeDigest,
  writesInOrder,
  type AppendResult,
  type StreamWrite,
} from '@incident-ledger/eventstore';
import { collect, randomLedgerEvents } from '@incident-ledger/eventstore/contract';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { escapeIdentifier, Pool } from 'pg';
import { PostgresEventStore, withDefaultUser } from './postgres';

// postgres.test.ts fails under CI without a database; here the same absence only skips.
const url = process.env.INCIDENT_LEDGER_PG_URL;
const pg = url ? describe : describe.skip;

/**
 * `n` events whose wallets and accounts after the first `plain` are new in every `every` events:
 * each batch of an import then numbers keys of its own.
 */
function ledger(seed: number, n: number, plain: number, every: number): LedgerEvent[] {
  return randomLedgerEvents(seed, n).map((e, i) => {
    if (i < plain) return e;
    const d = e.data as Record<string, unknown>;
    const tag = `-${Math.floor((i - plain) / every)}`;
    const data = { ...d };
    if (typeof d.walletId === 'string') data.walletId = d.walletId + tag;
    if (typeof d.accountId === 'string') data.accountId = d.accountId + tag;
    return { ...e, data } as LedgerEvent;
  });
}

async function* batchesOf(batches: readonly StreamWrite[][], throwAt = Number.POSITIVE_INFINITY) {
  for (const [k, batch] of batches.entries()) {
    if (k === throwAt) throw new Error('the scenario file broke here');
    yield batch;
  }
}

pg('PostgreSQL appendAtomically', () => {
  const admin = new Pool({ connectionString: withDefaultUser(url!), max: 2 });
  const schemas: string[] = [];
  afterAll(async () => {
    for (const s of schemas)
      await admin.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(s)} CASCADE`);
    await admin.end();
  });
  function freshSchema(): string {
    const schema = `test_atomic_${process.pid}_${schemas.length}_${randomBytes(3).toString('hex')}`;
    schemas.push(schema);
    return schema;
  }
  /** Every table the store writes, as text: what a rolled-back import must leave untouched. */
  async function tablesOf(schema: string): Promise<Record<string, string>> {
    const s = escapeIdentifier(schema);
    const all = (table: string, order: string) =>
      `(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY ${order}), '')) || ':' || count(*) FROM ${s}.${table} x)`;
    const { rows } = await admin.query<Record<string, string>>(
      `SELECT ${all('events', 'position')} AS events, ${all('event_ids', 'id')} AS ids,
              ${all('keys', 'domain, first_id')} AS keys, ${all('blocks', 'last_position')} AS blocks,
              ${all('streams', 'stream_id')} AS streams`,
    );
    return rows[0]!;
  }

  it('rolls back every batch when the third fails, keys, blocks, ids and heads included', async () => {
    const schema = freshSchema();
    const store = await PostgresEventStore.open(url!, { schema });
    const events = ledger(21, 4_000, 1_000, 600);
    await store.appendMany(writesInOrder(events.slice(0, 1_000)));
    const before = await tablesOf(schema);
    const batch = (from: number, to: number) => writesInOrder(events.slice(from, to));
    // An id stored before the import, with other content, at the end of the third batch: its
    // guess fails on the event_ids key, the batch rolls back to its savepoint and is planned again
    // with the stored event, which refuses it.
    const stored = events[10]!;
    const clash = { ...stored, streamId: 'elsewhere' };
    const third = [...batch(2_200, 2_800), ...writesInOrder([clash])];
    const seen: AppendResult[][] = [];
    await expect(
      store.appendAtomically(batchesOf([batch(1_000, 1_600), batch(1_600, 2_200), third]), (r) =>
        seen.push(r),
      ),
    ).rejects.toBeInstanceOf(EventIdConflict);
    expect(seen).toHaveLength(2);
    expect(await tablesOf(schema)).toEqual(before);
    // The batches' own error, after two batches were written, rolls back as well.
    await expect(
      store.appendAtomically(batchesOf([batch(1_000, 1_600), batch(1_600, 2_200), third], 2)),
    ).rejects.toThrow('the scenario file broke here');
    expect(await tablesOf(schema)).toEqual(before);
    // The same instance goes on with the key numbering the store has: later events first, so
    // that keys the failed imports numbered come in another order now.
    await store.appendMany(batch(2_800, 4_000));
    await store.appendMany(batch(1_000, 2_800));
    expect(await checkColumns(store)).toEqual({ checked: 4_000 });
    expect((await store.audit.snapshot((v) => v.indexes())).firstBreak).toBeUndefined();
    await store.close();
  });

  it("rolls back only the batch whose guess failed, keys included, and keeps earlier batches'", async () => {
    const schema = freshSchema();
    const store = await PostgresEventStore.open(url!, { schema });
    const events = ledger(22, 3_000, 500, 500);
    await store.appendMany(writesInOrder(events.slice(0, 500)));
    // The second batch ends with events stored before the import: written as new first, then
    // again with them skipped, its keys numbered twice from the same start.
    const batches = [
      writesInOrder(events.slice(500, 1_500)),
      [...writesInOrder(events.slice(1_500, 2_500)), ...writesInOrder(events.slice(100, 200))],
      writesInOrder(events.slice(2_500)),
    ];
    const counts: number[][] = [];
    await store.appendAtomically(batchesOf(batches), (r) =>
      counts.push([r.reduce((n, x) => n + x.appended, 0), r.reduce((n, x) => n + x.skipped, 0)]),
    );
    expect(counts).toEqual([
      [1_000, 0],
      [1_000, 100],
      [500, 0],
    ]);
    expect((await collect(store.readAll())).map((e) => e.eventId)).toEqual(
      events.map((e) => e.eventId),
    );
    expect(await checkColumns(store)).toEqual({ checked: 3_000 });
    expect((await store.audit.snapshot((v) => v.indexes())).firstBreak).toBeUndefined();
    await store.close();
  });

  it('makes a writer on another connection wait, then see every batch or none', async () => {
    const schema = freshSchema();
    const importer = await PostgresEventStore.open(url!, { schema });
    const other = await PostgresEventStore.open(url!, { schema });
    const events = ledger(23, 2_000, 0, 500);
    await other.appendMany(writesInOrder(events.slice(0, 100)));
    for (const fail of [true, false]) {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      async function* held() {
        yield writesInOrder(events.slice(100, 1_000));
        await gate; // the import is open, its first batch written
        if (fail) throw new Error('the scenario file broke here');
        yield writesInOrder(events.slice(1_000, 1_900));
      }
      let batches = 0;
      const imported = importer.appendAtomically(held(), () => batches++).catch((e: Error) => e);
      while (batches === 0) await sleep(5);
      const extra = events[1_900 + Number(fail)]!;
      let waited = true;
      const late = other.append('late', [extra]).finally(() => (waited = false));
      await sleep(300);
      expect(waited).toBe(true);
      // Readers take no lock: they see what was committed before the import.
      expect(await collect(other.readAll())).toHaveLength(fail ? 100 : 101);
      release();
      expect(await imported).toEqual(fail ? new Error('the scenario file broke here') : undefined);
      const { nextExpectedRevision } = await late;
      const stored = await collect(other.readAll());
      expect(stored.map((e) => e.eventId)).toEqual(
        fail
          ? [...events.slice(0, 100), extra].map((e) => e.eventId)
          : [...events.slice(0, 100), events[1_901]!, ...events.slice(100, 1_900), extra].map(
              (e) => e.eventId,
            ),
      );
      expect(nextExpectedRevision).toBe(fail ? 0 : 1);
    }
    // Both instances number keys on from what the other stored.
    await importer.appendMany(writesInOrder(events.slice(1_902)));
    expect(await checkColumns(other)).toEqual({ checked: 2_000 });
    expect(storeDigest(await importer.heads())).toBe(storeDigest(await other.heads()));
    await Promise.all([importer.close(), other.close()]);
  });
});
