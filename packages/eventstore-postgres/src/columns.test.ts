import {
  COLUMNS,
  encodeEvents,
  Fold,
  incidentProjection,
  incidentReport,
  KEY_DOMAINS,
  KeyDictionary,
  publicationsProjection,
  Rng,
  type ColumnBatch,
  type LedgerEvent,
} from '@incident-ledger/core';
import {
  MemoryEventStore,
  replayFolds,
  storeDigest,
  writesInOrder,
  type EventStore,
  type StreamWrite,
} from '@incident-ledger/eventstore';
import { collect, randomLedgerEvents } from '@incident-ledger/eventstore/contract';
import { randomBytes } from 'node:crypto';
import { escapeIdentifier, Pool } from 'pg';
import { PostgresEventStore, withDefaultUser } from './postgres';

// postgres.test.ts fails under CI without a database; here the same absence only skips.
const url = process.env.INCIDENT_LEDGER_PG_URL;
const pg = url ? describe : describe.skip;

const ZONE = 'Asia/Tokyo';

async function reports(store: EventStore, asOfs: number[]) {
  const r = await replayFolds(
    store,
    [
      { projection: publicationsProjection },
      ...asOfs.map((asOf) => ({ projection: incidentProjection(ZONE), asOf })),
    ],
    { checkpoints: 'off' },
  );
  const [publications, ...incidents] = r.folds;
  return {
    keySpace: r.keySpace,
    read: r.read,
    publications: publications!.state,
    reports: incidents.map((f) => incidentReport(f.state as never)),
  };
}

async function batchesOf(store: PostgresEventStore, from?: number): Promise<ColumnBatch[]> {
  const out: ColumnBatch[] = [];
  for await (const b of store.columns.readColumns({ from })) out.push(b);
  return out;
}

pg('PostgresEventStore replay columns', () => {
  const admin = new Pool({ connectionString: withDefaultUser(url!), max: 2 });
  const schemas: string[] = [];
  const fresh = () => {
    schemas.push(`test_cols_${process.pid}_${schemas.length}_${randomBytes(3).toString('hex')}`);
    return schemas[schemas.length - 1]!;
  };
  afterAll(async () => {
    for (const s of schemas)
      await admin.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(s)} CASCADE`);
    await admin.end();
  });

  async function storeWith(...parts: LedgerEvent[][]): Promise<PostgresEventStore> {
    const store = await PostgresEventStore.open(url!, { schema: fresh() });
    for (const part of parts) await store.appendMany(writesInOrder(part));
    return store;
  }

  it('numbers keys and cuts blocks as the SQLite store does: per append, 16,384 events a block, keys by first appearance', async () => {
    const events = randomLedgerEvents(1, 20_000);
    // Appends of many sizes: one event, small ones, one that fills a block and goes on.
    const store = await storeWith(
      events.slice(0, 1),
      events.slice(1, 40),
      events.slice(40, 41),
      events.slice(41),
    );
    const batches = await batchesOf(store);
    expect(batches.map((b) => b.length)).toEqual([1, 39, 1, 16_384, 20_000 - 41 - 16_384]);
    // The reference numbering: every stored event encoded in global order with a fresh dictionary.
    const stored = await collect(store.readAll());
    const want = encodeEvents(stored, new KeyDictionary(), 'reference');
    expect(new Set(batches.map((b) => b.keySpace))).toEqual(new Set(['postgres-keys']));
    for (const c of ['position', ...COLUMNS.map((c) => c.name)] as const) {
      expect([c, batches.flatMap((b) => [...b[c]])]).toEqual([c, [...want[c]]]);
    }
    for (const d of KEY_DOMAINS) {
      const names = (b: ColumnBatch) =>
        [...b[d]].map((id) => (id < 0 ? null : b.names.name(d, id)));
      expect([d, batches.flatMap(names)]).toEqual([d, names(want)]);
    }
    expect(batches.flatMap((b) => b.rare.map((e) => e.eventId))).toEqual(
      want.rare.map((e) => e.eventId),
    );
    await store.close();
  });

  it.each([2, 3])(
    'replays into the same reports as folding the events one by one, as of any time (seed %i)',
    async (seed) => {
      const events = randomLedgerEvents(seed, 3000);
      const store = await storeWith(events.slice(0, 700), events.slice(700));
      const rng = new Rng(seed);
      const asOfs = [
        Number.POSITIVE_INFINITY,
        events[rng.int(0, 2999)]!.recordedAt,
        events[rng.int(0, 2999)]!.recordedAt,
      ];
      const fast = await reports(store, asOfs);
      expect(fast).toMatchObject({ keySpace: 'postgres-keys', read: 3000 });
      const all = await collect(store.readAll());
      expect(fast.reports).toEqual(
        asOfs.map((asOf) =>
          incidentReport(new Fold(incidentProjection(ZONE), asOf).apply(all).state),
        ),
      );
      expect(fast.publications).toEqual(all.filter((e) => e.type === 'FiguresPublished'));
      await store.close();
    },
  );

  it('reads columns from any position, mid-block included, and learns keys another writer stored', async () => {
    const events = randomLedgerEvents(4, 600);
    const store = await storeWith(events.slice(0, 500));
    const positions = (await batchesOf(store, 123)).flatMap((b) => [...b.position]);
    expect(positions).toEqual(Array.from({ length: 378 }, (_, i) => 123 + i));
    const reader = store.columns.readColumns()[Symbol.asyncIterator]();
    await reader.next(); // the read has begun and loaded the keys known then
    const other = await PostgresEventStore.open(url!, { schema: store.schema });
    await other.append('late', [
      {
        ...events[500]!,
        data: { walletId: 'w-new', bankCode: 'BANK-NEW', accountId: 'a-new', amountYen: 1000 },
        type: 'ChargeExecuted',
      } as never,
    ]);
    await other.close();
    const rest: ColumnBatch[] = [];
    for (let next = await reader.next(); !next.done; next = await reader.next())
      rest.push(next.value);
    const last = rest[rest.length - 1]!;
    expect(last.names.name('bank', last.bank[last.length - 1]!)).toBe('BANK-NEW');
    expect(last.keyCountsFinal).toBe(false);
    await store.close();
  });

  it('answers re-appends as planWrites does, in bulk too: stored ids skipped, an id twice in one append seen, conflicts typed', async () => {
    const events = randomLedgerEvents(5, 14_000);
    const store = await storeWith(events.slice(0, 5000));
    const memory = new MemoryEventStore();
    await memory.appendMany(writesInOrder(events.slice(0, 5000)));
    // A stored id near the end of a big append (its slice is planned last), and an id given twice
    // far apart.
    const tries: StreamWrite[][] = [
      writesInOrder([...events.slice(5000, 8000), events[4999]!]),
      writesInOrder([events[8000]!, ...events.slice(8001, 13_000), events[8000]!]),
      writesInOrder(events.slice(0, 5000)),
    ];
    for (const writes of tries)
      expect(await store.appendMany(writes)).toEqual(await memory.appendMany(writes));
    const conflicting = [{ streamId: 'other', events: [events[100]!] }];
    await expect(store.appendMany(conflicting)).rejects.toMatchObject({ name: 'EventIdConflict' });
    expect(await collect(store.readAll())).toEqual(await collect(memory.readAll()));
    expect(storeDigest(await store.heads())).toBe(storeDigest(await memory.heads()));
    await store.close();
  });

  describe('a schema-1 store', () => {
    const V1 = (s: string) => `
      CREATE SCHEMA ${s};
      CREATE TABLE ${s}.meta (key text PRIMARY KEY, value text NOT NULL);
      CREATE TABLE ${s}.events (position bigint PRIMARY KEY, stream_id text NOT NULL, revision bigint NOT NULL, event_id text NOT NULL UNIQUE,
        type text NOT NULL, occurred_at bigint NOT NULL, recorded_at bigint NOT NULL, data text NOT NULL, hash text NOT NULL, UNIQUE (stream_id, revision));
      CREATE TABLE ${s}.streams (stream_id text PRIMARY KEY, revision bigint NOT NULL, hash text NOT NULL);
      INSERT INTO ${s}.meta VALUES ('schema_version', '1');`;

    it('is brought up to date on open: the same events, heads, streams and reports, and appends go on', async () => {
      const events = randomLedgerEvents(6, 1500);
      const reference = new MemoryEventStore();
      await reference.appendMany(writesInOrder(events.slice(0, 1000)));
      const schema = fresh();
      const s = escapeIdentifier(schema);
      await admin.query(V1(s));
      const stored = await collect(reference.readAll());
      await admin.query(
        `INSERT INTO ${s}.events SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::text[], $9::text[])`,
        [
          stored.map((e) => e.globalPosition),
          stored.map((e) => e.streamId),
          stored.map((e) => e.revision),
          stored.map((e) => e.eventId),
          stored.map((e) => e.type),
          stored.map((e) => e.occurredAt),
          stored.map((e) => e.recordedAt),
          stored.map((e) => JSON.stringify(e.data)),
          stored.map((e) => e.hash),
        ],
      );
      const heads = await reference.heads();
      await admin.query(
        `INSERT INTO ${s}.streams SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])`,
        [heads.map((h) => h.streamId), heads.map((h) => h.revision), heads.map((h) => h.hash)],
      );

      const migrated = await PostgresEventStore.open(url!, { schema });
      expect(
        (await admin.query(`SELECT value FROM ${s}.meta WHERE key = 'schema_version'`)).rows,
      ).toEqual([{ value: '2' }]);
      expect(await collect(migrated.readAll())).toEqual(stored);
      expect(await migrated.heads()).toEqual(heads);
      for (const id of ['s-0', 's-7'])
        expect(await collect(migrated.readStream(id, { batchSize: 7 }))).toEqual(
          await collect(reference.readStream(id)),
        );
      const asOfs = [Number.POSITIVE_INFINITY, events[600]!.recordedAt];
      expect((await reports(migrated, asOfs)).reports).toEqual(
        (await reports(reference, asOfs)).reports,
      );
      // Re-importing what it holds appends nothing; new events go on from there, in every stream.
      const again = writesInOrder(events);
      expect(await migrated.appendMany(again)).toEqual(await reference.appendMany(again));
      expect(await collect(migrated.readAll())).toEqual(await collect(reference.readAll()));
      expect(storeDigest(await migrated.heads())).toBe(storeDigest(await reference.heads()));
      expect(await collect(migrated.readStream('s-3'))).toEqual(
        await collect(reference.readStream('s-3')),
      );
      expect((await reports(migrated, asOfs)).reports).toEqual(
        (await reports(reference, asOfs)).reports,
      );
      await migrated.close();
    });
  });
});
