import {
  COLUMNS,
  composite,
  Fold,
  incidentProjection,
  incidentReport,
  PROJECTIONS,
  publicationsProjection,
  Rng,
  walletLedgerProjection,
  type CasesState,
  type ColumnBatch,
  type StoredColumns,
  type LedgerEvent,
  type Projection,
} from '@incident-ledger/core';
import { collect, randomLedgerEvents } from '@incident-ledger/eventstore/contract';
import {
  checkpointSections,
  proveCheckpoints,
  replayFolds,
  resolveCheckpoint,
  storeDigest,
  writesInOrder,
  type EventStore,
  type ReplayOptions,
  unsealed,
} from '@incident-ledger/eventstore';
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from './sqlite';
import { APPLICATION_ID } from './identity';

const ZONE = 'Asia/Tokyo';
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ledger-replay-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function reports(
  store: EventStore,
  asOfs: number[],
  options: ReplayOptions = {},
  projection: Projection<unknown> = incidentProjection(ZONE),
) {
  const r = await replayFolds(
    store,
    [{ projection: publicationsProjection }, ...asOfs.map((asOf) => ({ projection, asOf }))],
    options,
  );
  const [publications, ...incidents] = r.folds;
  return {
    ...r,
    publications: publications!.state,
    reports: incidents.map((f) => incidentReport(f.state as never)),
  };
}

/** What folding the store's events one by one gives: the reference. */
async function plainReports(store: EventStore, asOfs: number[]) {
  const events = await collect(store.readAll());
  return {
    publications: events.filter((e) => e.type === 'FiguresPublished'),
    reports: asOfs.map((asOf) =>
      incidentReport(new Fold(incidentProjection(ZONE), asOf).apply(events).state),
    ),
  };
}

/** Consecutive batches as one. */
function oneBatch(batches: ColumnBatch[]): ColumnBatch {
  const join = <A extends Float64Array | Int32Array | Uint8Array>(
    column: (b: ColumnBatch) => A,
  ) => {
    const all = batches.map(column);
    const out = new (all[0]!.constructor as new (n: number) => A)(
      all.reduce((n, a) => n + a.length, 0),
    );
    let at = 0;
    for (const a of all) out.set(a, (at += a.length) - a.length);
    return out;
  };
  const last = batches[batches.length - 1]!;
  return {
    ...last,
    length: batches.reduce((n, b) => n + b.length, 0),
    position: join((b) => b.position),
    ...(Object.fromEntries(COLUMNS.map((c) => [c.name, join((b) => b[c.name])])) as StoredColumns),
    rare: batches.flatMap((b) => b.rare),
  };
}

async function storeWith(file: string, ...parts: LedgerEvent[][]): Promise<SqliteEventStore> {
  const store = SqliteEventStore.open(join(dir, file));
  for (const part of parts) await store.appendMany(writesInOrder(part));
  return store;
}

describe('replay from SQLite columns', () => {
  it.each([1, 2, 3])(
    'equals folding the events one by one, as of any time (seed %i)',
    async (seed) => {
      const events = randomLedgerEvents(seed, 3000);
      // Appends of many sizes: blocks of one event, small ones, and big ones.
      const store = await storeWith(
        'a.sqlite',
        events.slice(0, 1),
        events.slice(1, 40),
        events.slice(40, 41),
        events.slice(41),
      );
      const rng = new Rng(seed);
      const asOfs = [
        Number.POSITIVE_INFINITY,
        events[rng.int(0, 2999)]!.recordedAt,
        events[rng.int(0, 2999)]!.recordedAt,
      ];
      const fast = await reports(store, asOfs, { checkpoints: 'off' });
      expect(fast.keySpace).toBe('sqlite-keys');
      expect(fast.read).toBe(3000);
      const plain = await plainReports(store, asOfs);
      expect(fast.reports).toEqual(plain.reports);
      expect(fast.publications).toEqual(plain.publications);
      await store.close();
    },
  );

  it('reads columns from any position, mid-block included', async () => {
    const store = await storeWith('b.sqlite', randomLedgerEvents(4, 500));
    const rows: number[] = [];
    for await (const b of store.columns.readColumns({ from: 123 })) rows.push(...b.position);
    expect(rows).toEqual(Array.from({ length: 378 }, (_, i) => 123 + i));
    await store.close();
  });
});

describe('checkpoints', () => {
  const save = { checkpointMinEvents: 0, checkpointShare: 0 };

  it('a checkpoint plus the tail equals a full replay', async () => {
    const events = randomLedgerEvents(5, 4000);
    const store = await storeWith('c.sqlite', events.slice(0, 3000));
    const asOfs = [Number.POSITIVE_INFINITY, events[2500]!.recordedAt];
    // The publications, and each of the incident's three parts at each as-of time.
    expect((await reports(store, asOfs, save)).saved).toBe(7);
    await store.appendMany(writesInOrder(events.slice(3000)));
    const resumed = await reports(store, asOfs, { checkpoints: 'read' });
    expect(resumed).toMatchObject({ resumed: 7, read: 1000, events: 4000 });
    const full = await reports(store, asOfs, { checkpoints: 'off' });
    expect(full.read).toBe(4000);
    expect(resumed.reports).toEqual(full.reports);
    expect(resumed.publications).toEqual(full.publications);
    await store.close();
  });

  it('is not saved for a small tail unless asked, and a re-report of nothing new reads nothing', async () => {
    const store = await storeWith('d.sqlite', randomLedgerEvents(6, 2000));
    expect((await reports(store, [Number.POSITIVE_INFINITY])).saved).toBe(0); // under 100,000 events read
    await reports(store, [Number.POSITIVE_INFINITY], save);
    expect(await reports(store, [Number.POSITIVE_INFINITY])).toMatchObject({
      resumed: 4,
      read: 0,
      saved: 0,
    });
    await store.close();
  });

  it("a part's version bump rebuilds that part only, and drops its old version", async () => {
    const store = await storeWith('e.sqlite', randomLedgerEvents(7, 2000));
    const v = incidentProjection(ZONE);
    await reports(store, [Number.POSITIVE_INFINITY], save, v);
    const spending = v.parts!.spending!;
    const bumped = composite('incident', {
      ...v.parts!,
      spending: { ...spending, version: spending.version + 1 },
    });
    const rebuilt = await reports(store, [Number.POSITIVE_INFINITY], save, bumped);
    // The publications, cases and controls resumed; spending was folded again from the start.
    expect(rebuilt).toMatchObject({ resumed: 3, read: 2000 });
    expect(rebuilt.reports).toEqual(
      (await plainReports(store, [Number.POSITIVE_INFINITY])).reports,
    );
    const versions = (projection: string) =>
      store.connection
        .prepare('SELECT version FROM checkpoints WHERE projection = ?')
        .pluck()
        .all(projection);
    expect(versions(spending.name)).toEqual([spending.version + 1]);
    expect(versions(v.parts!.cases!.name)).toEqual([v.parts!.cases!.version]);
    expect(await reports(store, [Number.POSITIVE_INFINITY], {}, bumped)).toMatchObject({
      resumed: 4,
      read: 0,
    });
    await store.close();
  });

  it('is rebuilt, not trusted, when its state does not decode', async () => {
    const store = await storeWith('i.sqlite', randomLedgerEvents(13, 2000));
    await reports(store, [Number.POSITIVE_INFINITY], save);
    store.connection.exec("DELETE FROM checkpoint_sections WHERE name = 'accounts.dayHead'");
    const r = await reports(store, [Number.POSITIVE_INFINITY], { checkpoints: 'read' });
    expect(r).toMatchObject({ resumed: 3, read: 2000 }); // all but the cases part still hold
    expect(r.reports).toEqual((await plainReports(store, [Number.POSITIVE_INFINITY])).reports);
    await store.close();
  });

  it('is kept apart by time zone and as-of time', async () => {
    const events = randomLedgerEvents(8, 2000);
    const store = await storeWith('f.sqlite', events);
    await reports(store, [Number.POSITIVE_INFINITY], save);
    expect(await reports(store, [events[1000]!.recordedAt])).toMatchObject({
      resumed: 1,
      read: 2000,
    });
    // Only the cases part depends on the zone (calendar days): spending and controls resume.
    expect(
      await reports(store, [Number.POSITIVE_INFINITY], {}, incidentProjection('Europe/London')),
    ).toMatchObject({ resumed: 3, read: 2000 });
    await store.close();
  });

  it('is never reused by a store whose history differs under it', async () => {
    const a = await storeWith('g.sqlite', randomLedgerEvents(9, 2000));
    await reports(a, [Number.POSITIVE_INFINITY], save);
    await a.close();
    // The same file's checkpoints over another history of the same length (a rebuilt store, a
    // copied file).
    const b = await storeWith('h.sqlite', randomLedgerEvents(10, 2000));
    const attached = b.connection;
    attached.exec(
      `ATTACH '${join(dir, 'g.sqlite')}' AS g; INSERT INTO checkpoints SELECT * FROM g.checkpoints; INSERT INTO checkpoint_sections SELECT * FROM g.checkpoint_sections; DETACH g`,
    );
    const r = await reports(b, [Number.POSITIVE_INFINITY], { checkpoints: 'read' });
    expect(r).toMatchObject({ resumed: 0, read: 2000 });
    expect(r.reports).toEqual((await plainReports(b, [Number.POSITIVE_INFINITY])).reports);
    // And one whose blocks were rewritten under it.
    copyFileSync(join(dir, 'g.sqlite'), join(dir, 'g2.sqlite'));
    const c = SqliteEventStore.open(join(dir, 'g2.sqlite'));
    c.connection.exec(
      "UPDATE blocks SET history = 'x' WHERE last_position = (SELECT max(last_position) FROM blocks)",
    );
    expect(await reports(c, [Number.POSITIVE_INFINITY], { checkpoints: 'read' })).toMatchObject({
      resumed: 0,
      read: 2000,
    });
    await b.close();
    await c.close();
  });

  it('each saved checkpoint resolves to the part that made it, which folds its events to the same bytes', async () => {
    const events = randomLedgerEvents(15, 3500);
    const store = await storeWith('p.sqlite', events.slice(0, 2000));
    const asOfs = [Number.POSITIVE_INFINITY, events[1500]!.recordedAt];
    await reports(store, asOfs, save);
    await store.appendMany(writesInOrder(events.slice(2000, 3000)));
    await reports(store, asOfs, save); // resumed from the first checkpoints, then saved again
    // The incident's parts folded from events (the wallet ledger folds no columns), saved under the
    // events' key numbering.
    const objectPath = [
      { projection: incidentProjection(ZONE) },
      { projection: walletLedgerProjection },
    ];
    expect((await replayFolds(store, objectPath, save)).saved).toBe(3);
    await store.appendMany(writesInOrder(events.slice(3000)));
    // Another as-of time only: the checkpoints above stay at position 3000, short of the end.
    await reports(store, [events[2500]!.recordedAt], save);
    const headers = await store.checkpoints.listCheckpoints();
    expect(headers.map((h) => `${h.projection}@${h.position}`).sort()).toEqual([
      'incident-cases@3000',
      'incident-cases@3000',
      'incident-cases@3000',
      'incident-cases@3500',
      'incident-controls@3000',
      'incident-controls@3000',
      'incident-controls@3000',
      'incident-controls@3500',
      'incident-spending@3000',
      'incident-spending@3000',
      'incident-spending@3000',
      'incident-spending@3500',
      'publications@3500',
    ]);
    for (const h of headers)
      expect(resolveCheckpoint(h.key, PROJECTIONS)!.projection.name).toBe(h.projection);
    expect(await proveCheckpoints(store, PROJECTIONS)).toEqual({ checked: 13, stale: 0 });
    // The same from a store that reads its columns as one batch, past every checkpoint's position.
    const batches: ColumnBatch[] = [];
    for await (const b of store.columns.readColumns()) batches.push(b);
    const oneRead: EventStore = Object.assign(Object.create(store) as EventStore, {
      columns: {
        keySpace: store.columns.keySpace,
        readColumns: async function* () {
          yield oneBatch(batches);
        },
      },
    });
    expect(await proveCheckpoints(oneRead, PROJECTIONS)).toEqual({ checked: 13, stale: 0 });
    expect(
      resolveCheckpoint(headers[0]!.key.replace('"version":', '"version":9'), PROJECTIONS),
    ).toBeUndefined();
    await store.close();
  });

  describe('a proof', () => {
    let store: SqliteEventStore;
    beforeEach(async () => {
      store = await storeWith('q.sqlite', randomLedgerEvents(16, 2000));
      await reports(store, [Number.POSITIVE_INFINITY], save);
    });
    afterEach(() => store.close());
    const header = async (projection: string) =>
      (await store.checkpoints.listCheckpoints()).find((h) => h.projection === projection)!;

    it('passes over a checkpoint no current part makes, as stale', async () => {
      const { key } = await header('incident-cases');
      store.connection
        .prepare(
          'UPDATE checkpoints SET key = replace(key, \'"version":\', \'"version":9\') WHERE key = ?',
        )
        .run(key);
      expect(await proveCheckpoints(store, PROJECTIONS)).toEqual({ checked: 3, stale: 1 });
    });

    it("fails a forged state sealed again, naming the section, and a header that is not the store's", async () => {
      const h = await header('incident-cases');
      const saved = (await store.checkpoints.loadCheckpoint(h.key))!;
      const cases = incidentProjection(ZONE).parts!.cases! as Projection<CasesState>;
      // A bank's damage 1,000,000 yen up, saved and sealed again as a save seals it.
      const state = unsealed(cases, saved)!.value;
      const [bank, yen] = [...state.bankDamage][0]!;
      state.bankDamage.set(bank, yen + 1_000_000);
      const forged = checkpointSections(cases, state, h);
      await store.checkpoints.saveCheckpoint({ ...h, sections: forged });
      expect(unsealed(cases, { ...h, sections: forged })).toBeDefined(); // a replay resumes from it
      expect(await proveCheckpoints(store, PROJECTIONS)).toEqual({
        checked: 4,
        stale: 0,
        firstBreak: {
          key: h.key,
          projection: 'incident-cases',
          position: 2000,
          section: 'state',
          problem: expect.stringMatching(/differ from the \d+ the events fold to, first at byte/),
        },
      });
      await store.checkpoints.saveCheckpoint({ ...h, history: 'x', sections: forged });
      expect((await proveCheckpoints(store, PROJECTIONS)).firstBreak).toMatchObject({
        section: 'history',
        problem: expect.stringMatching(/^the store's history at position 2000 is /),
      });
      await store.checkpoints.saveCheckpoint({ ...saved, events: 1999 });
      expect((await proveCheckpoints(store, PROJECTIONS)).firstBreak).toMatchObject({
        section: 'events',
        problem: 'says it covers 1999 events; the store holds 2000 up to position 2000',
      });
    });
  });

  it('folds a projection that cannot fold columns from events, and says so once', async () => {
    const store = await storeWith('n.sqlite', randomLedgerEvents(14, 3000));
    const notices: string[] = [];
    const r = await replayFolds(
      store,
      [{ projection: incidentProjection(ZONE) }, { projection: walletLedgerProjection }] as const,
      { checkpoints: 'off', batchSize: 100, onNotice: (n) => notices.push(n) },
    );
    expect(notices).toEqual([expect.stringMatching(/^wallet-ledger cannot fold columns: /)]);
    expect(r).toMatchObject({ keySpace: 'events', read: 3000 });
    const events = await collect(store.readAll());
    expect(incidentReport(r.folds[0].state)).toEqual(
      (await plainReports(store, [Number.POSITIVE_INFINITY])).reports[0],
    );
    expect(r.folds[1].state).toEqual(new Fold(walletLedgerProjection).apply(events).state);
    notices.length = 0;
    await replayFolds(store, [{ projection: incidentProjection(ZONE) }], {
      checkpoints: 'off',
      onNotice: (n) => notices.push(n),
    });
    expect(notices).toEqual([]); // columns: nothing to say
    await store.close();
  });
});

describe('schema 1 files', () => {
  const V1 = `
    CREATE TABLE events (position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, revision INTEGER NOT NULL, event_id TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL, occurred_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL, data TEXT NOT NULL, hash TEXT NOT NULL, UNIQUE (stream_id, revision));
    CREATE TABLE streams (stream_id TEXT PRIMARY KEY, revision INTEGER NOT NULL, hash TEXT NOT NULL);
    PRAGMA user_version = 1;`;

  it('are brought up to date on open: the same events, heads, digest and reports, and appends go on', async () => {
    const events = randomLedgerEvents(12, 1500);
    const reference = await storeWith('ref.sqlite', events.slice(0, 1000));
    const v1 = new Database(join(dir, 'v1.sqlite'));
    v1.exec(V1);
    const insert = v1.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    for (const e of await collect(reference.readAll())) {
      insert.run(
        e.globalPosition,
        e.streamId,
        e.revision,
        e.eventId,
        e.type,
        e.occurredAt,
        e.recordedAt,
        JSON.stringify(e.data),
        e.hash,
      );
    }
    for (const h of await reference.heads())
      v1.prepare('INSERT INTO streams VALUES (?, ?, ?)').run(h.streamId, h.revision, h.hash);
    v1.close();

    const migrated = SqliteEventStore.open(join(dir, 'v1.sqlite'));
    expect(migrated.connection.pragma('user_version', { simple: true })).toBe(3);
    expect(await collect(migrated.readAll())).toEqual(await collect(reference.readAll()));
    expect(storeDigest(await migrated.heads())).toBe(storeDigest(await reference.heads()));
    for (const s of ['s-0', 's-5'])
      expect(await collect(migrated.readStream(s))).toEqual(await collect(reference.readStream(s)));
    for (const store of [migrated, reference])
      await store.appendMany(writesInOrder(events.slice(1000)));
    const asOfs = [Number.POSITIVE_INFINITY, events[700]!.recordedAt];
    expect((await reports(migrated, asOfs, { checkpoints: 'off' })).reports).toEqual(
      (await reports(reference, asOfs, { checkpoints: 'off' })).reports,
    );
    expect(storeDigest(await migrated.heads())).toBe(storeDigest(await reference.heads()));
    await migrated.close();
    await reference.close();
  });

  it('refuses a file from a newer program, naming both versions', () => {
    const db = new Database(join(dir, 'new.sqlite'));
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma('user_version = 4');
    db.close();
    expect(() => SqliteEventStore.open(join(dir, 'new.sqlite'))).toThrow(
      /schema version 4 is newer than this program \(3\)/,
    );
  });
});

describe('schema 2 files', () => {
  it('get their stream heads in stream-id order on open: the same heads, digest and appends', async () => {
    const events = randomLedgerEvents(13, 1200);
    const reference = await storeWith('ref2.sqlite', events.slice(0, 900));
    const v2 = await storeWith('v2.sqlite', events.slice(0, 900));
    await v2.close();
    // Schema 2's heads: a rowid table in insertion order, with an index on the stream id.
    const db = new Database(join(dir, 'v2.sqlite'));
    db.exec(`CREATE TABLE heads_v2 (stream_id TEXT PRIMARY KEY, revision INTEGER NOT NULL,
      hash TEXT NOT NULL, last_position INTEGER NOT NULL DEFAULT 0);
      INSERT INTO heads_v2 SELECT * FROM streams ORDER BY last_position;
      DROP TABLE streams; ALTER TABLE heads_v2 RENAME TO streams; PRAGMA user_version = 2;`);
    db.close();
    const reader = SqliteEventStore.open(join(dir, 'v2.sqlite'), { access: 'read' });
    expect(await reader.heads()).toEqual(await reference.heads()); // read as it is
    expect(reader.connection.pragma('user_version', { simple: true })).toBe(2);
    await reader.close();
    const migrated = SqliteEventStore.open(join(dir, 'v2.sqlite'));
    const layout = migrated.connection
      .prepare<[], { sql: string }>("SELECT sql FROM sqlite_schema WHERE name = 'streams'")
      .get()!.sql;
    expect(layout).toMatch(/WITHOUT ROWID$/);
    expect(migrated.connection.pragma('user_version', { simple: true })).toBe(3);
    expect(await migrated.heads()).toEqual(await reference.heads());
    for (const store of [migrated, reference])
      await store.appendMany(writesInOrder(events.slice(900)));
    expect(storeDigest(await migrated.heads())).toBe(storeDigest(await reference.heads()));
    expect(await collect(migrated.readStream('s-3'))).toEqual(
      await collect(reference.readStream('s-3')),
    );
    await migrated.close();
    await reference.close();
  });
});
