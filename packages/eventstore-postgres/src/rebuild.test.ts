import { Fold, incidentProjection, incidentReport } from '@incident-ledger/core';
import {
  checkColumns,
  replayFolds,
  storeDigest,
  writesInOrder,
  type EventStore,
} from '@incident-ledger/eventstore';
import { collect, randomLedgerEvents } from '@incident-ledger/eventstore/contract';
import { randomBytes } from 'node:crypto';
import { escapeIdentifier, Pool } from 'pg';
import { PostgresEventStore, withDefaultUser } from './postgres';

// postgres.test.ts fails under CI without a database; here the same absence only skips.
const url = process.env.INCIDENT_LEDGER_PG_URL;
const pg = url ? describe : describe.skip;
const ZONE = 'Asia/Tokyo';
const AS_OFS = [Number.POSITIVE_INFINITY, 1_600_000_000_000];

async function reports(store: EventStore, notices: string[]) {
  const r = await replayFolds(
    store,
    AS_OFS.map((asOf) => ({ projection: incidentProjection(ZONE), asOf })),
    { checkpoints: 'off', onNotice: (n) => notices.push(n) },
  );
  return r.folds.map((f) => incidentReport(f.state as never));
}

pg('PostgreSQL blocks derived under another column declaration', () => {
  const admin = new Pool({ connectionString: withDefaultUser(url!), max: 2 });
  const schema = `test_rebuild_${process.pid}_${randomBytes(3).toString('hex')}`;
  const s = escapeIdentifier(schema);
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await admin.end();
  });

  it('are rebuilt from the events on replay: the same figures, digest and a clean check', async () => {
    const events = randomLedgerEvents(8, 3000);
    const writer = await PostgresEventStore.open(url!, { schema });
    for (const part of [events.slice(0, 5), events.slice(5, 1200), events.slice(1200, 2800)])
      await writer.appendMany(writesInOrder(part));
    await writer.close();
    // Another declaration's tag in every block header, and keys numbered otherwise.
    await admin.query(
      `UPDATE ${s}.blocks SET columns = overlay(columns placing '\\x01020304'::bytea from 29 for 4)`,
    );
    await admin.query(`UPDATE ${s}.keys SET texts = replace(texts, '"', '"?')`);

    const reader = await PostgresEventStore.open(url!, { schema, access: 'read' });
    expect((await checkColumns(reader)).firstBreak).toMatchObject({ column: 'block' });
    await reader.close();

    const store = await PostgresEventStore.open(url!, { schema });
    const digest = storeDigest(await store.heads());
    const notices: string[] = [];
    const rebuilt = await reports(store, notices);
    expect(notices).toEqual([
      expect.stringMatching(/^rebuilding the replay columns \(2800 events\)/),
    ]);
    const stored = await collect(store.readAll());
    expect(rebuilt).toEqual(
      AS_OFS.map((asOf) =>
        incidentReport(new Fold(incidentProjection(ZONE), asOf).apply(stored).state),
      ),
    );
    expect(storeDigest(await store.heads())).toBe(digest);
    expect(await checkColumns(store)).toEqual({ checked: 2800 });
    // Appends after the rebuild number new keys after the rebuilt ones.
    await store.appendMany(writesInOrder(events.slice(2800)));
    expect(await checkColumns(store)).toEqual({ checked: 3000 });
    const again: string[] = [];
    await reports(store, again);
    expect(again).toEqual([]);
    await store.close();
  });
});
