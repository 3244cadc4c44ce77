import type { StoredEvent } from '@incident-ledger/core';
import { ChainVerifier, WrongExpectedVersion } from '@incident-ledger/eventstore';
import {
  collect,
  describeEventStoreContract,
  sampleEvent,
} from '@incident-ledger/eventstore/contract';
import { jsonEvent } from '@kurrent/kurrentdb-client';
import { FakeKurrentDb } from './fake-kurrentdb';
import { KurrentDbEventStore, type KurrentDbOptions } from './kurrentdb';

/*
 * The store against FakeKurrentDb, an in-memory imitation of the client (its header says what it
 * imitates). These runs check the adapter's own logic; only server.test.ts, given a real server,
 * checks KurrentDB itself.
 */

describeEventStoreContract(
  'kurrentdb adapter on an in-memory imitation of the client, no prefix',
  async () => ({
    store: await KurrentDbEventStore.connect(new FakeKurrentDb(), 'fake://'),
  }),
);

// One log shared by every test, each in a prefix of its own: how the suite runs on a shared server.
const shared = new FakeKurrentDb();
let run = 0;
describeEventStoreContract(
  'kurrentdb adapter on an in-memory imitation of the client, shared log, prefix per test',
  async () => ({
    store: await KurrentDbEventStore.connect(shared, 'fake://', {
      streamPrefix: `contract-${++run}/`,
    }),
  }),
);

async function open(options: KurrentDbOptions = {}) {
  const client = new FakeKurrentDb();
  const store = await KurrentDbEventStore.connect(client, 'fake://', options);
  // A second store on the same log: another process writing to the same server.
  const other = await KurrentDbEventStore.connect(client, 'fake://', options);
  return { client, store, other };
}

/** Waits, a turn of the event loop at a time, until `cond` holds: the fake answers in memory. */
async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

/** Makes `write` happen between the store's plan and its write, `times` times. */
function race(client: FakeKurrentDb, write: () => Promise<unknown>, times = 1) {
  let left = times;
  const hook = async () => {
    if (left-- <= 0) return;
    client.beforeAppend = undefined; // the competing write itself goes straight through
    await write();
    client.beforeAppend = hook;
  };
  client.beforeAppend = hook;
}

describe('KurrentDbEventStore', () => {
  it('writes one KurrentDB event per ledger event: our id, type and data, chain data in metadata', async () => {
    const { client, store } = await open({ streamPrefix: 'ledger/' });
    const e = sampleEvent(1);
    await store.append('wallet-1', [e]);
    const [stored] = await collect(store.readAll());
    const { value: raw } = await client.readStream('ledger/wallet-1').next();
    expect(raw?.event).toMatchObject({
      id: e.eventId,
      type: e.type,
      data: e.data,
      revision: 0n,
      isJson: true,
    });
    expect(raw?.event?.metadata).toEqual({
      occurredAt: String(e.occurredAt),
      recordedAt: String(e.recordedAt),
      revision: '0',
      hash: stored!.hash,
    });
    expect(stored).toMatchObject({
      streamId: 'wallet-1',
      revision: 0,
      globalPosition: Number(raw!.event!.position!.commit) * 2 + 2,
    });
  });

  it('resumes a read from a position, or from the position after it', async () => {
    const { store } = await open();
    await store.append('r', [sampleEvent(1), sampleEvent(2), sampleEvent(3)]);
    const all = await collect(store.readAll());
    const second = all[1]!.globalPosition;
    expect((await collect(store.readAll({ from: second }))).map((e) => e.eventId)).toEqual([
      all[1]!.eventId,
      all[2]!.eventId,
    ]);
    expect((await collect(store.readAll({ from: second + 1 }))).map((e) => e.eventId)).toEqual([
      all[2]!.eventId,
    ]);
  });

  it("leaves KurrentDB's own records out of reads and heads", async () => {
    const { client, store } = await open();
    await store.append('wallet-1', [sampleEvent(1)]);
    expect(client.size).toBe(3); // $settings metadata, our event, its category link
    expect((await collect(store.readAll())).map((e) => e.streamId)).toEqual(['wallet-1']);
    expect((await store.heads()).map((h) => h.streamId)).toEqual(['wallet-1']);
  });

  it('refuses to read an event it did not write, rather than leave it out of a digest', async () => {
    const { client, store } = await open();
    await client.appendToStream('orders-1', jsonEvent({ type: 'OrderPlaced', data: { n: 1 } }));
    await expect(collect(store.readAll())).rejects.toThrow(/was not written by incident-ledger/);
  });

  it('refuses event ids that are not lower-case UUIDs, and stream names KurrentDB reserves, writing nothing', async () => {
    const { client, store } = await open();
    const before = client.size;
    await expect(
      store.append('s', [sampleEvent(1, { eventId: 'case-17-report' })]),
    ).rejects.toThrow(/"case-17-report" is not a lower-case UUID/);
    const e = sampleEvent(1);
    await expect(store.append('s', [{ ...e, eventId: e.eventId.toUpperCase() }])).rejects.toThrow(
      /lower-case UUID/,
    );
    await expect(store.append('$settings', [sampleEvent(1)])).rejects.toThrow(
      /starting with \$, which KurrentDB reserves/,
    );
    await expect(store.append('', [sampleEvent(1)])).rejects.toThrow(/empty/);
    expect(client.size).toBe(before);
  });

  describe('racing another process', () => {
    it("plans again when the stream moved before the write: 'any' still lands, on an intact chain", async () => {
      const { client, store, other } = await open();
      await store.append('s', [sampleEvent(1)]);
      race(client, () => other.append('s', [sampleEvent(2)]));
      const result = await store.append('s', [sampleEvent(3)], { expectedRevision: 'any' });
      expect(result).toMatchObject({ nextExpectedRevision: 2, appended: 1 });
      const verifier = new ChainVerifier();
      verifier.check(await collect(store.readAll()));
      expect(verifier.finish(await store.heads())).toBeUndefined();
    });

    it('tells a writer that expected the old revision, with the revision that beat it', async () => {
      const { client, store, other } = await open();
      await store.append('s', [sampleEvent(1)]);
      race(client, () => other.append('s', [sampleEvent(2)]));
      const err = await store
        .append('s', [sampleEvent(3)], { expectedRevision: 0 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WrongExpectedVersion);
      expect(err).toMatchObject({ streamId: 's', expected: 0, actual: 1 });
    });

    it('finds events a racing importer wrote first, by id, and skips them', async () => {
      const { client, store, other } = await open();
      const events = [sampleEvent(1), sampleEvent(2)];
      race(client, () => other.append('s', events));
      expect(await store.append('s', events)).toMatchObject({
        appended: 0,
        skipped: 2,
        nextExpectedRevision: 1,
      });
      expect(await collect(store.readAll())).toHaveLength(2);
    });

    it('gives up after 10 lost races with a WrongExpectedVersion naming what it expected', async () => {
      const { client, store, other } = await open({ streamPrefix: 'p/' });
      await store.append('s', [sampleEvent(1)]);
      race(client, () => other.append('s', [sampleEvent(2)]), Infinity);
      const err = await store.append('s', [sampleEvent(3)]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WrongExpectedVersion);
      expect(err).toMatchObject({ streamId: 's', expected: 'any', actual: 10 });
    });
  });

  describe('appendMany on a server without multi-stream appends (before 25.1)', () => {
    const writes = () => [
      { streamId: 'a', events: [sampleEvent(1)] },
      { streamId: 'b', events: [sampleEvent(2)] },
    ];

    it('refuses to write several streams non-atomically unless asked to, writing nothing', async () => {
      const { client, store } = await open();
      client.multiStreamAppendSupported = false;
      const before = client.size;
      await expect(store.appendMany(writes())).rejects.toThrow(
        /needs KurrentDB 25\.1 or later.*appendMany: 'per-stream'/,
      );
      expect(client.size).toBe(before);
      await expect(
        store.appendMany([{ streamId: 'a', events: [sampleEvent(3)] }]),
      ).resolves.toMatchObject([{ appended: 1 }]);
    });

    it("with appendMany: 'per-stream', writes stream by stream and completes a write interrupted half-way", async () => {
      const { client, store, other } = await open({ appendMany: 'per-stream' });
      client.multiStreamAppendSupported = false;
      const w = writes();
      let calls = 0;
      const competitor = sampleEvent(7);
      client.beforeAppend = async () => {
        // The second append (stream b) loses to another writer, after stream a was written.
        if (++calls !== 2) return;
        client.beforeAppend = undefined;
        await other.append('b', [competitor]);
      };
      const results = await store.appendMany(w);
      expect(results).toMatchObject([
        { streamId: 'a', appended: 0, skipped: 1 },
        { streamId: 'b', appended: 1, nextExpectedRevision: 1 },
      ]);
      const ids = (await collect(store.readAll())).map((e) => e.eventId);
      expect(ids.sort()).toEqual(
        [w[0]!.events[0]!.eventId, w[1]!.events[0]!.eventId, competitor.eventId].sort(),
      );
    });
  });

  describe('subscribe', () => {
    it("follows another writer's appends through the client's subscribeToAll, after the last record read, without polling", async () => {
      const { client, store, other } = await open({ streamPrefix: 'ledger/' });
      await other.append('a', [sampleEvent(1), sampleEvent(2)]);
      const subscribes = jest.spyOn(client, 'subscribeToAll');
      const seen: StoredEvent[] = [];
      const sub = store.subscribe({ from: 1 }).subscribe((e) => seen.push(e));
      await waitFor(() => seen.length === 2 && subscribes.mock.calls.length === 1);
      // Started after the record of the last event read, filtered to the store's prefix.
      const lastRead = BigInt(seen[1]!.globalPosition / 2 - 1);
      expect(subscribes.mock.calls[0]![0]).toMatchObject({
        fromPosition: { commit: lastRead },
        filter: { filterOn: 'streamName', prefixes: ['ledger/'] },
      });
      for (let i = 3; i <= 6; i++) await other.append(i % 2 ? 'b' : 'a', [sampleEvent(i)]);
      await waitFor(() => seen.length === 6);
      expect(seen.map((e) => e.streamId)).toEqual(['a', 'a', 'b', 'a', 'b', 'a']);
      const positions = seen.map((e) => e.globalPosition);
      expect(positions).toEqual([...new Set(positions)].sort((x, y) => x - y));
      // The live events came through the subscription, filtered on the server.
      expect(client.pushed).toBe(4);
      sub.unsubscribe();
      expect(client.unsubscribed).toBe(1);
    });

    it('starts from the first record when nothing was read, and passes over what it already delivered', async () => {
      const { client, store, other } = await open();
      const seen: StoredEvent[] = [];
      const sub = store.subscribe().subscribe((e) => seen.push(e));
      await waitFor(() => client.subscriptions === 1);
      await other.append('a', [sampleEvent(1)]);
      await waitFor(() => seen.length === 1);
      // A later subscription from the second position sees only what follows.
      await other.append('a', [sampleEvent(2)]);
      const later: StoredEvent[] = [];
      const sub2 = store
        .subscribe({ from: seen[0]!.globalPosition + 1 })
        .subscribe((e) => later.push(e));
      await waitFor(() => seen.length === 2 && later.length === 1);
      expect(later[0]!.eventId).toBe(seen[1]!.eventId);
      sub.unsubscribe();
      sub2.unsubscribe();
    });

    it("ends the client's subscriptions and completes its own on close", async () => {
      const { client, store } = await open();
      let completed = false;
      store.subscribe().subscribe({ complete: () => (completed = true) });
      await waitFor(() => client.subscriptions === 1);
      await store.close();
      expect(completed).toBe(true);
      expect(client.unsubscribed).toBe(1);
    });

    it('reports a lost subscription to the subscriber as an error', async () => {
      const { client, store } = await open();
      const failure = new Promise<unknown>((resolve) =>
        store.subscribe().subscribe({ error: resolve }),
      );
      await waitFor(() => client.subscriptions === 1);
      client.breakSubscriptions(new Error('connection reset'));
      expect(await failure).toEqual(new Error('connection reset'));
    });
  });
});
