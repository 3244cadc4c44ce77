import { Rng, type EventType, type LedgerEvent, type StoredEvent } from '@incident-ledger/core';
import { firstValueFrom, take, toArray } from 'rxjs';
import { ChainVerifier, storeDigest, storeDigestInOrder } from './chain';
import { EventIdConflict, WrongExpectedVersion } from './errors';
import type { EventStore, NewEvent, StreamHead } from './port';

/**
 * The contract every EventStore adapter passes. Call it from the adapter's own test file:
 *   describeEventStoreContract('sqlite', async () => ({ store, cleanup }))
 * Each test gets a fresh, empty store from `open`.
 */
export interface ContractTarget {
  store: EventStore;
  cleanup?: () => Promise<void>;
}

let counter = 0;
/** A valid event with a unique id; `n` makes content differ where a test needs it to. */
export function sampleEvent(n = 0, overrides: Partial<NewEvent> = {}): NewEvent {
  counter++;
  const hex = (counter * 7919 + n).toString(16).padStart(12, '0').slice(-12);
  return {
    eventId: `00000000-0000-4000-8000-${hex}`,
    type: 'ChargeExecuted',
    occurredAt: 1_570_000_000_000 + n,
    recordedAt: 1_570_000_000_000 + n,
    data: { walletId: 'w-1', bankCode: 'BANK-A', accountId: `acc-${n}`, amountYen: 1000 + n },
    ...overrides,
  };
}

export async function collect(it: AsyncIterable<StoredEvent[]>): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}

/** What a store offers beyond the port's required methods: the contract checks those too. */
export interface ContractOptions {
  /** The store implements appendAtomically. */
  appendsAtomically?: boolean;
  /** The store implements readHeads. */
  readsHeads?: boolean;
}

export function describeEventStoreContract(
  name: string,
  open: () => Promise<ContractTarget>,
  options: ContractOptions = {},
): void {
  describe(`EventStore contract: ${name}`, () => {
    let target: ContractTarget;
    let store: EventStore;
    beforeEach(async () => {
      target = await open();
      store = target.store;
    });
    afterEach(async () => {
      await store.close();
      await target.cleanup?.();
    });

    describe('expected revision', () => {
      it("'no-stream' succeeds on a new stream and fails once it exists", async () => {
        const r = await store.append('s-1', [sampleEvent()], { expectedRevision: 'no-stream' });
        expect(r).toMatchObject({ nextExpectedRevision: 0, appended: 1, skipped: 0 });
        const err = await store
          .append('s-1', [sampleEvent()], { expectedRevision: 'no-stream' })
          .catch((e) => e);
        expect(err).toBeInstanceOf(WrongExpectedVersion);
        expect(err).toMatchObject({ streamId: 's-1', expected: 'no-stream', actual: 0 });
      });
      it("'exists' fails on a new stream and succeeds once it exists", async () => {
        const err = await store
          .append('s-2', [sampleEvent()], { expectedRevision: 'exists' })
          .catch((e) => e);
        expect(err).toBeInstanceOf(WrongExpectedVersion);
        expect(err).toMatchObject({ streamId: 's-2', expected: 'exists', actual: -1 });
        await store.append('s-2', [sampleEvent()]);
        await expect(
          store.append('s-2', [sampleEvent()], { expectedRevision: 'exists' }),
        ).resolves.toMatchObject({
          nextExpectedRevision: 1,
        });
      });
      it('an exact revision succeeds only when it is the last revision', async () => {
        await store.append('s-3', [sampleEvent(), sampleEvent(1)]);
        const err = await store
          .append('s-3', [sampleEvent()], { expectedRevision: 0 })
          .catch((e) => e);
        expect(err).toMatchObject({
          name: 'WrongExpectedVersion',
          streamId: 's-3',
          expected: 0,
          actual: 1,
        });
        await expect(
          store.append('s-3', [sampleEvent()], { expectedRevision: 1 }),
        ).resolves.toMatchObject({
          nextExpectedRevision: 2,
        });
      });
      it("'any' appends whatever the stream's state", async () => {
        await store.append('s-4', [sampleEvent()], { expectedRevision: 'any' });
        await expect(
          store.append('s-4', [sampleEvent()], { expectedRevision: 'any' }),
        ).resolves.toMatchObject({
          nextExpectedRevision: 1,
        });
      });
    });

    describe('atomicity', () => {
      it('a multi-event append that fails leaves nothing behind', async () => {
        const dup = sampleEvent();
        await store.append('a-1', [dup]);
        const clash = { ...dup, data: { ...dup.data, amountYen: 999_999 } } as NewEvent;
        await expect(
          store.append('a-2', [sampleEvent(), sampleEvent(), clash]),
        ).rejects.toBeInstanceOf(EventIdConflict);
        expect(await collect(store.readStream('a-2'))).toHaveLength(0);
        expect(await collect(store.readAll())).toHaveLength(1);
      });
      it('appendMany across streams is all or nothing', async () => {
        await store.append('m-1', [sampleEvent()]);
        const writes = [
          { streamId: 'm-2', events: [sampleEvent(), sampleEvent()] },
          { streamId: 'm-1', events: [sampleEvent()], expectedRevision: 'no-stream' as const },
        ];
        await expect(store.appendMany(writes)).rejects.toBeInstanceOf(WrongExpectedVersion);
        expect(await collect(store.readAll())).toHaveLength(1);
        const ok = await store.appendMany([writes[0]!, { ...writes[1]!, expectedRevision: 0 }]);
        expect(ok.map((r) => r.appended)).toEqual([2, 1]);
      });
    });

    (options.readsHeads ? it : it.skip)(
      'reads the heads in batches, in order: the digest without holding them all',
      async () => {
        for (const id of ['h-b', 'h-a', 'h-c', 'H-d', 'h-a2'])
          await store.append(id, [sampleEvent()]);
        await store.append('h-b', [sampleEvent()]);
        const read: StreamHead[] = [];
        const sizes: number[] = [];
        for await (const batch of store.readHeads!({ batchSize: 2 })) {
          read.push(...batch);
          sizes.push(batch.length);
        }
        expect(sizes).toEqual([2, 2, 1]);
        expect(read).toEqual(await store.heads());
        const digest = storeDigestInOrder(store.readHeads!({ batchSize: 2 }));
        expect(await digest).toBe(storeDigest(await store.heads()));
      },
    );

    (options.appendsAtomically ? describe : describe.skip)('batches appended atomically', () => {
      const atomically = (s: EventStore) => s.appendAtomically!.bind(s);
      async function* batchesOf(
        writes: (readonly { streamId: string; events: NewEvent[] }[])[],
        failAfter = Number.POSITIVE_INFINITY,
      ) {
        for (const [k, batch] of writes.entries()) {
          if (k === failAfter) throw new Error('the batches failed here');
          yield batch;
        }
      }
      it("stores every batch, with each batch's results, later batches skipping stored ids", async () => {
        const append = atomically(store);
        const [a, b, c] = [sampleEvent(), sampleEvent(1), sampleEvent(2)];
        const results: number[][] = [];
        await append(
          batchesOf([
            [{ streamId: 'b-1', events: [a!, b!] }],
            [
              { streamId: 'b-2', events: [c!] },
              { streamId: 'b-1', events: [b!] },
            ],
          ]),
          (r) => results.push(r.flatMap((x) => [x.appended, x.skipped])),
        );
        expect(results).toEqual([
          [2, 0],
          [1, 0, 0, 1],
        ]);
        const stored = await collect(store.readAll());
        expect(stored.map((e) => e.eventId)).toEqual([a!.eventId, b!.eventId, c!.eventId]);
        const chains = new ChainVerifier();
        chains.check(stored);
        expect(chains.finish(await store.heads())).toBeUndefined();
      });
      it('stores nothing when a later batch fails, or the batches themselves throw', async () => {
        const append = atomically(store);
        await store.append('c-1', [sampleEvent()]);
        const before = storeDigest(await store.heads());
        const clash = sampleEvent(3);
        await store.append('c-2', [clash]);
        const changed = { ...clash, data: { ...clash.data, amountYen: 1 } } as NewEvent;
        const first = [{ streamId: 'c-3', events: [sampleEvent(4), sampleEvent(5)] }];
        await expect(
          append(batchesOf([first, [{ streamId: 'c-4', events: [changed] }]])),
        ).rejects.toBeInstanceOf(EventIdConflict);
        await expect(append(batchesOf([first, first], 1))).rejects.toThrow(
          'the batches failed here',
        );
        expect(await collect(store.readStream('c-3'))).toHaveLength(0);
        expect(await collect(store.readAll())).toHaveLength(2);
        await store.append('c-5', [sampleEvent(6)]); // and the store goes on, keys and all
        expect(storeDigest(await store.heads())).not.toBe(before);
        expect(await collect(store.readAll())).toHaveLength(3);
      });
    });

    describe('idempotency by event id', () => {
      it('re-appending stored events is a no-op that says so', async () => {
        const events = [sampleEvent(), sampleEvent(1)];
        await store.append('i-1', events, { expectedRevision: 'no-stream' });
        const again = await store.append('i-1', events, { expectedRevision: 'no-stream' });
        expect(again).toMatchObject({ appended: 0, skipped: 2, nextExpectedRevision: 1 });
        expect(await collect(store.readAll())).toHaveLength(2);
      });
      it('a partly stored batch completes under expected revision any', async () => {
        const [a, b] = [sampleEvent(), sampleEvent(1)];
        await store.append('i-2', [a!]);
        expect(await store.append('i-2', [a!, b!])).toMatchObject({
          appended: 1,
          skipped: 1,
          nextExpectedRevision: 1,
        });
      });
      it('the same id with different content is a typed error, never an overwrite', async () => {
        const e = sampleEvent();
        await store.append('i-3', [e]);
        const changed = { ...e, recordedAt: e.recordedAt + 1 };
        const err = await store.append('i-3', [changed]).catch((x) => x);
        expect(err).toBeInstanceOf(EventIdConflict);
        expect(err).toMatchObject({ eventId: e.eventId });
        const other = await store.append('i-other', [e]).catch((x) => x);
        expect(other).toBeInstanceOf(EventIdConflict);
        const [stored] = await collect(store.readAll());
        expect(stored).toMatchObject({ recordedAt: e.recordedAt, streamId: 'i-3' });
      });
    });

    describe('reading', () => {
      it('reads a stream back verbatim, in revision order', async () => {
        const events = [sampleEvent(1), sampleEvent(2), sampleEvent(3)];
        await store.append('r-1', events);
        const read = await collect(store.readStream('r-1'));
        expect(read.map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(
          read.map(({ eventId, type, occurredAt, recordedAt, data }) => ({
            eventId,
            type,
            occurredAt,
            recordedAt,
            data,
          })),
        ).toEqual(events);
        expect(await collect(store.readStream('no-such-stream'))).toEqual([]);
      });
      it('reads all in global order, in batches, from a position', async () => {
        for (let i = 0; i < 7; i++)
          await store.append(`r-${i % 3}`, [sampleEvent(i), sampleEvent(i + 100)]);
        const batches: StoredEvent[][] = [];
        for await (const b of store.readAll({ batchSize: 4 })) batches.push(b);
        expect(batches.every((b) => b.length <= 4)).toBe(true);
        const all = batches.flat();
        expect(all).toHaveLength(14);
        const positions = all.map((e) => e.globalPosition);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        expect(new Set(positions).size).toBe(14);
        const from = all[5]!.globalPosition;
        const tail = await collect(store.readAll({ from, batchSize: 3 }));
        expect(tail.map((e) => e.eventId)).toEqual(all.slice(5).map((e) => e.eventId));
      });
      it('stores quotes, semicolons, SQL and any unicode verbatim', async () => {
        const nasty = [
          "'; DROP TABLE events; --",
          'Robert"); DELETE FROM streams;--',
          '十六銀行 池田泉州銀行 ドコモ口座',
          'emoji 💴🏦 and combining é, RTL עברית, nul-free \u2028 line sep',
          '\\x00 backslash \\ and %_ like wildcards',
        ];
        for (const [i, text] of nasty.entries()) {
          const streamId = `${text}#${i}`;
          const e = sampleEvent(i, {
            type: 'WalletLocked',
            data: { walletId: text, reason: text },
          });
          await store.append(streamId, [e]);
          const [back] = await collect(store.readStream(streamId));
          expect(back).toMatchObject({ streamId, data: { walletId: text, reason: text } });
        }
      });
    });

    describe('integrity', () => {
      it('chains every event to the one before it, and the digest covers every head', async () => {
        await store.append('h-1', [sampleEvent(1), sampleEvent(2)]);
        await store.append('h-2', [sampleEvent(3)]);
        const verifier = new ChainVerifier();
        for await (const b of store.readAll()) verifier.check(b);
        const heads = await store.heads();
        expect(verifier.finish(heads)).toBeUndefined();
        expect(heads.map((h) => [h.streamId, h.revision])).toEqual([
          ['h-1', 1],
          ['h-2', 0],
        ]);
        const before = storeDigest(heads);
        await store.append('h-2', [sampleEvent(4)]);
        expect(storeDigest(await store.heads())).not.toEqual(before);
      });

      it('an intact store agrees with its index tables, whatever shape its event ids take', async () => {
        if (store.audit === undefined) return; // keeps no index tables beside its events
        // UUIDs are kept as bytes; text ids (one of 16 bytes, an upper-case UUID) as text.
        const ids = ['sixteen-bytes-id', 'E7A3C0DE-0000-4000-8000-000000000001', 'text-1', 'ü-id'];
        await store.append('x-1', [
          sampleEvent(1),
          ...ids.slice(0, 2).map((eventId) => sampleEvent(2, { eventId })),
        ]);
        await store.append(
          'x-2',
          ids.slice(2).map((eventId) => sampleEvent(3, { eventId })),
        );
        await store.append('x-1', [sampleEvent(4)]);
        const check = await store.audit.snapshot((view) => view.indexes());
        expect(check).toEqual({ checked: { eventIds: 6, streams: 2, previous: 6, blocks: 3 } });
      });
    });

    describe('subscribe', () => {
      it('catches up, then delivers new appends live and in order', async () => {
        await store.append('sub-1', [sampleEvent(1), sampleEvent(2)]);
        const received = firstValueFrom(store.subscribe({ from: 1 }).pipe(take(4), toArray()));
        await store.append('sub-2', [sampleEvent(3)]);
        await store.append('sub-1', [sampleEvent(4)]);
        const events = await received;
        expect(events.map((e) => e.globalPosition)).toEqual(
          [...events.map((e) => e.globalPosition)].sort((a, b) => a - b),
        );
        expect(events.map((e) => e.streamId)).toEqual(['sub-1', 'sub-1', 'sub-2', 'sub-1']);
      });
      it('stops cleanly on unsubscribe', async () => {
        const seen: StoredEvent[] = [];
        const sub = store.subscribe().subscribe((e) => seen.push(e));
        await store.append('sub-3', [sampleEvent(1)]);
        await waitFor(() => seen.length === 1);
        sub.unsubscribe();
        await store.append('sub-3', [sampleEvent(2)]);
        await new Promise((r) => setTimeout(r, 50));
        expect(seen).toHaveLength(1);
      });
    });

    describe('racing writers', () => {
      it('8 concurrent appenders, 1,000 attempts: every revision taken once, every loser told', async () => {
        let attempts = 0;
        let wins = 0;
        let losses = 0;
        const writer = async (w: number) => {
          while (attempts < 1000) {
            attempts++;
            const known = (await store.heads()).find((h) => h.streamId === 'race')?.revision ?? -1;
            try {
              await store.append('race', [sampleEvent(w)], {
                expectedRevision: known === -1 ? 'no-stream' : known,
              });
              wins++;
            } catch (e) {
              if (!(e instanceof WrongExpectedVersion)) throw e;
              losses++;
            }
          }
        };
        await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
        expect(wins + losses).toBe(attempts);
        const events = await collect(store.readStream('race'));
        expect(events).toHaveLength(wins);
        expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
        expect(new Set(events.map((e) => e.eventId)).size).toBe(wins);
      });
    });
  });
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Random events over few keys, so that cases, charges, reclassifications and controls meet often,
 * with a publication now and then: what the replay-column tests of every store fold. Events are
 * numbered from `from` (ids, streams), so that a store built in steps gets no clashing ids. Ids of
 * every
 * kind a store keys differently: mostly UUIDs (kept as 16 bytes), some text, one text id of 16
 * characters like a UUID's bytes.
 */
export function randomLedgerEvents(seed: number, n: number, from = 0): LedgerEvent[] {
  const rng = new Rng(seed * 1_000_003 + from);
  const t0 = Date.parse('2020-07-01T00:00:00+09:00');
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const bankCode = rng.pick(['BANK-A', 'BANK-B', 'BANK-C', '十六銀行']);
    const accountId = `a${rng.int(0, 30)}`;
    const walletId = `w${rng.int(0, 30)}`;
    const caseId = `c${rng.int(0, 12)}`;
    const occurredAt = t0 + rng.int(0, 80) * 86_400_000 + rng.int(0, 86_399_999);
    const pick = rng.int(0, 11);
    const [type, data]: [EventType, object] =
      pick < 4
        ? ['ChargeExecuted', { walletId, bankCode, accountId, amountYen: rng.int(1, 99) * 1000 }]
        : pick < 6
          ? [
              'PurchaseMade',
              {
                walletId,
                amountYen: rng.int(1, 99) * 100,
                merchantCategory: rng.pick(['cigarettes', 'appliances']),
              },
            ]
          : pick === 6
            ? [
                'CaseReported',
                { caseId, bankCode, accountId, status: rng.pick(['suspected', 'confirmed']) },
              ]
            : pick === 7
              ? [
                  'CaseReclassified',
                  { caseId, status: rng.pick(['confirmed', 'excluded-own-use']), reason: 'r' },
                ]
              : pick === 8
                ? ['BankAccountLinked', { walletId, bankCode, accountId, factors: ['pin'] }]
                : pick === 9
                  ? [rng.pick(['BankChargesStopped', 'BankChargesResumed'] as const), { bankCode }]
                  : pick === 10
                    ? ['CompensationPaid', { caseId, amountYen: 500, paidBy: 'bank' }]
                    : [
                        'FiguresPublished',
                        {
                          publicationId: `p${seed}-${i}`,
                          source: 's',
                          asOf: occurredAt,
                          figures: [{ name: 'cases', value: 1, precision: 1, rounding: 'exact' }],
                        },
                      ];
    const eventId =
      i % 7 === 0
        ? `text-${seed}-${i}`
        : i === 5
          ? 'sixteen-bytes-id'
          : `${seed.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
    return {
      eventId,
      streamId: `s-${i % 13}`,
      type,
      occurredAt,
      recordedAt: occurredAt + rng.int(0, 3) * 86_400_000,
      data,
    } as LedgerEvent;
  });
}
