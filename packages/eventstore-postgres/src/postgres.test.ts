import type { StoredEvent } from '@incident-ledger/core';
import {
  ChainVerifier,
  EventIdConflict,
  MemoryEventStore,
  storeDigest,
  StoreUnavailable,
  WrongExpectedVersion,
  type EventStore,
  type NewEvent,
  type StreamWrite,
} from '@incident-ledger/eventstore';
import {
  collect,
  describeEventStoreContract,
  sampleEvent,
} from '@incident-ledger/eventstore/contract';
import { randomBytes } from 'node:crypto';
import { Client, escapeIdentifier, escapeLiteral, Pool } from 'pg';
import { PostgresEventStore, withDefaultUser } from './postgres';

const url = process.env.INCIDENT_LEDGER_PG_URL;

if (!url) {
  if (process.env.CI === 'true') {
    it('has a PostgreSQL database to test against', () => {
      throw new Error(
        'INCIDENT_LEDGER_PG_URL is not set: under CI the PostgreSQL store must be tested against a real database',
      );
    });
  } else {
    console.log(
      'Skipping the PostgreSQL store tests: INCIDENT_LEDGER_PG_URL is not set ' +
        "(e.g. INCIDENT_LEDGER_PG_URL='postgresql:///incident_ledger_test?host=/var/run/postgresql').",
    );
    describe.skip('PostgresEventStore (needs INCIDENT_LEDGER_PG_URL)', () => {
      it('runs against a real PostgreSQL', () => undefined);
    });
  }
} else {
  describePostgres(url);
}

function describePostgres(url: string): void {
  const admin = new Pool({ connectionString: withDefaultUser(url), max: 2 });
  afterAll(() => admin.end());

  let n = 0;
  /** A schema no other test (or test run) uses; the store creates it, dropSchema removes it. */
  const freshSchema = () => `test_${process.pid}_${++n}_${randomBytes(4).toString('hex')}`;
  const dropSchema = async (schema: string) => {
    await admin.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
  };
  async function withStore(
    test: (store: PostgresEventStore, schema: string) => Promise<void>,
  ): Promise<void> {
    const schema = freshSchema();
    const store = await PostgresEventStore.open(url, { schema });
    try {
      await test(store, schema);
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  }

  describeEventStoreContract(
    'postgres (fresh schema per test)',
    async () => {
      const schema = freshSchema();
      return {
        store: await PostgresEventStore.open(url, { schema }),
        cleanup: () => dropSchema(schema),
      };
    },
    { appendsAtomically: true },
  );

  describe('PostgresEventStore', () => {
    it('keeps its events across close and reopen', async () => {
      const schema = freshSchema();
      const store = await PostgresEventStore.open(url, { schema });
      const events = [sampleEvent(1), sampleEvent(2)];
      await store.append('persist', events);
      await store.close();
      const again = await PostgresEventStore.open(url, { schema });
      expect((await collect(again.readAll())).map((e) => e.eventId)).toEqual(
        events.map((e) => e.eventId),
      );
      expect(await again.heads()).toMatchObject([{ streamId: 'persist', revision: 1 }]);
      await again.close();
      await dropSchema(schema);
    });

    it('refuses a schema written by a newer version', async () => {
      const schema = freshSchema();
      await (await PostgresEventStore.open(url, { schema })).close();
      await admin.query(
        `UPDATE ${escapeIdentifier(schema)}.meta SET value = '3' WHERE key = 'schema_version'`,
      );
      const err = await PostgresEventStore.open(url, { schema }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreUnavailable);
      expect((err as Error).message).toMatch(/version 3, newer than this program \(2\)/);
      await dropSchema(schema);
    });

    it('keeps JSON data exactly: key order, extreme numbers, \\u0000 and unpaired surrogates', () =>
      withStore(async (store) => {
        const data = {
          zeta: 1,
          alpha: { y: [1, 'two', null, true], b: 0.1 },
          big: 1e21,
          tiny: 5e-324,
          max: Number.MAX_VALUE,
          safe: Number.MAX_SAFE_INTEGER,
          negative: -1.5e-7,
          nul: 'a\u0000b',
          lone: '\ud800 alone',
          text: 'ドコモ口座 💴 é',
        };
        const e = { ...sampleEvent(), data } as unknown as NewEvent;
        await store.append('json', [e]);
        const [back] = await collect(store.readStream('json'));
        expect(JSON.stringify(back!.data)).toBe(JSON.stringify(data));
        const verifier = new ChainVerifier();
        verifier.check([back!]);
        expect(verifier.finish(await store.heads())).toBeUndefined();
      }));

    it('orders heads and computes the digest exactly as the memory store does', () =>
      withStore(async (store) => {
        const memory = new MemoryEventStore();
        // U+FF71 sorts after the surrogates of U+1F4B4 in UTF-16 but before it in code points (and
        // in COLLATE "C").
        const ids = ['\uff71', '💴', 'b', 'B', 'é', 'a-1', 'a'];
        for (const [i, id] of ids.entries()) {
          const events = [sampleEvent(i), sampleEvent(i + 10)];
          await store.append(id, events);
          await memory.append(id, events);
        }
        const heads = await store.heads();
        expect(heads).toEqual(await memory.heads());
        expect(storeDigest(heads)).toBe(storeDigest(await memory.heads()));
        await memory.close();
      }));

    it('rolls back an append whose COPY fails mid-stream, on the server or in this process', () =>
      withStore(async (store, schema) => {
        const memory = new MemoryEventStore();
        const kept = [sampleEvent(1), sampleEvent(2)];
        await store.append('kept', kept);
        await memory.append('kept', kept);
        // Ten streams of 4,000 events, planned a few thousand at a time as the COPY goes: by event
        // 30,000 (stream 7), chunks of the append are stored and more are coming.
        const writes: StreamWrite[] = Array.from({ length: 10 }, (_, s) => ({
          streamId: `big-${s}`,
          events: Array.from({ length: 4_000 }, (_, i) => sampleEvent(100 + 4_000 * s + i)),
          expectedRevision: 'no-stream',
        }));
        const poison = writes[7]!.events[2_000]!;
        const table = `${escapeIdentifier(schema)}.events`;
        await admin.query(
          `ALTER TABLE ${table} ADD CONSTRAINT poison CHECK (event_id <> ${escapeLiteral(poison.eventId)})`,
        );
        await expect(store.appendMany(writes)).rejects.toMatchObject({
          code: '23514',
          constraint: 'poison',
        });
        await admin.query(`ALTER TABLE ${table} DROP CONSTRAINT poison`);
        // Data no JSON can hold: its hash fails while the COPY runs, and the store cancels it.
        const unencodable = writes.map((w, s) => ({
          ...w,
          events: w.events.map((e) =>
            e === poison && s === 7
              ? { ...e, data: { amountYen: 1n } as unknown as NewEvent['data'] }
              : e,
          ),
        }));
        await expect(store.appendMany(unencodable)).rejects.toThrow(/BigInt/);
        expect((await collect(store.readAll())).map((e) => e.eventId)).toEqual(
          kept.map((e) => e.eventId),
        );
        expect(await store.heads()).toEqual(await memory.heads());
        // Nothing of the failed appends lingers (ids, heads, keys): the same append then goes in.
        await store.appendMany(writes);
        await memory.appendMany(writes);
        expect(storeDigest(await store.heads())).toBe(storeDigest(await memory.heads()));
        expect(await collect(store.readAll())).toEqual(await collect(memory.readAll()));
        await memory.close();
      }));

    it('refuses names PostgreSQL text would reject or silently alter, writing nothing', () =>
      withStore(async (store) => {
        const cases: [string, Partial<NewEvent>][] = [
          ['nul\u0000stream', {}],
          ['lone \ud800 surrogate', {}],
          ['fine', { eventId: 'id\u0000' }],
          ['fine', { type: '\udc00' as NewEvent['type'] }],
        ];
        for (const [streamId, override] of cases) {
          await expect(
            store.appendMany([
              { streamId: 'ok', events: [sampleEvent()] },
              { streamId, events: [sampleEvent(0, override)] },
            ]),
          ).rejects.toThrow(/contains U\+0000 or an unpaired surrogate/);
        }
        await store.append('pair 💴', [sampleEvent()]);
        expect((await store.heads()).map((h) => h.streamId)).toEqual(['pair 💴']);
      }));

    it('tells every loser of a race to create a stream, and never throws a database error', () =>
      withStore(async (store) => {
        const outcomes = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) =>
            store.append('contested', [sampleEvent(i)], { expectedRevision: 'no-stream' }),
          ),
        );
        const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        expect(failures).toHaveLength(11);
        for (const f of failures)
          expect(f).toMatchObject({
            name: 'WrongExpectedVersion',
            streamId: 'contested',
            actual: 0,
          });
        expect(failures.every((f) => f instanceof WrongExpectedVersion)).toBe(true);
      }));

    it('resolves concurrent writes of one event id as planWrites would: one write, then skips or conflicts', () =>
      withStore(async (store) => {
        const e = sampleEvent();
        const same = await Promise.all(Array.from({ length: 6 }, () => store.append('dup', [e])));
        expect(same.map((r) => r.appended).sort()).toEqual([0, 0, 0, 0, 0, 1]);
        expect(same.every((r) => r.nextExpectedRevision === 0)).toBe(true);

        const f = sampleEvent();
        const elsewhere = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) => store.append(`dup-${i}`, [f])),
        );
        expect(elsewhere.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        for (const o of elsewhere)
          if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(EventIdConflict);
        expect(await collect(store.readAll())).toHaveLength(2);
      }));

    it('never lets a reader skip an event that commits late with a lower position', () =>
      withStore(async (store, schema) => {
        // A trigger holds the transaction writing stream "late" open, after its rows are inserted,
        // until we
        // release advisory lock (4242, 4242): the slow writer of the race, made deterministic.
        const s = escapeIdentifier(schema);
        await admin.query(`
          CREATE FUNCTION ${s}.hold_late() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF NEW.stream_id = 'late' THEN PERFORM pg_advisory_xact_lock(4242, 4242); END IF;
            RETURN NEW;
          END $$;
          CREATE TRIGGER hold_late AFTER INSERT ON ${s}.events FOR EACH ROW EXECUTE FUNCTION ${s}.hold_late();`);
        const control = new Client({ connectionString: withDefaultUser(url) });
        await control.connect();
        try {
          await store.append('early', [sampleEvent(1)]);
          const seen: StoredEvent[] = [];
          const sub = store.subscribe().subscribe((e) => seen.push(e));
          await waitFor(async () => seen.length === 1);

          await control.query('SELECT pg_advisory_lock(4242, 4242)');
          const late = store.append('late', [sampleEvent(2)]);
          let latePid = 0;
          await waitFor(async () => {
            const { rows } = await control.query<{ pid: number }>(
              `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = 4242 AND objid = 4242 AND objsubid = 2 AND NOT granted`,
            );
            latePid = rows[0]?.pid ?? 0;
            return latePid !== 0;
          });
          // "late" has inserted its row (the lower position) and cannot commit. Let "quick" race
          // it: a store that
          // handed out positions without ordering commits would commit "quick" now, at the higher
          // position.
          let quickSettled = false;
          const quick = store
            .append('quick', [sampleEvent(3)])
            .finally(() => (quickSettled = true));
          await waitFor(async () => {
            if (quickSettled) return true;
            const { rows } = await control.query(
              'SELECT 1 FROM pg_stat_activity WHERE $1::int = ANY (pg_blocking_pids(pid))',
              [latePid],
            );
            return rows.length > 0;
          });
          const midway = await collect(store.readAll());
          expect(midway.map((e) => e.streamId)).toEqual(['early']);

          await control.query('SELECT pg_advisory_unlock(4242, 4242)');
          await Promise.all([late, quick]);
          await waitFor(async () => seen.length >= 3);
          sub.unsubscribe();
          const all = await collect(store.readAll());
          expect(all.map((e) => [e.streamId, e.globalPosition])).toEqual([
            ['early', 1],
            ['late', 2],
            ['quick', 3],
          ]);
          expect(seen.map((e) => e.eventId)).toEqual(all.map((e) => e.eventId));
        } finally {
          await control.end();
        }
      }));

    it('wakes subscribers of another store instance through NOTIFY', () =>
      withStore(async (store, schema) => {
        const other = await PostgresEventStore.open(url, { schema });
        const seen: StoredEvent[] = [];
        const sub = store.subscribe().subscribe((e) => seen.push(e));
        await other.append('elsewhere', [sampleEvent(1)]);
        await other.append('elsewhere', [sampleEvent(2)]);
        await waitFor(async () => seen.length === 2);
        sub.unsubscribe();
        await other.close();
        expect(seen.map((e) => e.revision)).toEqual([0, 1]);
      }));

    it('ends its LISTEN connection with the last subscription, and completes subscriptions on close', async () => {
      const listeners = async () => {
        const { rows } = await admin.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN incident_ledger_appended'`,
        );
        return rows[0]!.n;
      };
      const before = await listeners();
      await withStore(async (store) => {
        const a = store.subscribe().subscribe();
        const b = store.subscribe().subscribe();
        await waitFor(async () => (await listeners()) === before + 1);
        a.unsubscribe();
        expect(await listeners()).toBe(before + 1);
        b.unsubscribe();
        await waitFor(async () => (await listeners()) === before);
      });
      const schema = freshSchema();
      const store: EventStore = await PostgresEventStore.open(url, { schema });
      let completed = false;
      store.subscribe().subscribe({ complete: () => (completed = true) });
      await waitFor(async () => (await listeners()) === before + 1);
      await store.close();
      expect(completed).toBe(true);
      expect(await listeners()).toBe(before);
      await dropSchema(schema);
    });
  });
}

async function waitFor(cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
