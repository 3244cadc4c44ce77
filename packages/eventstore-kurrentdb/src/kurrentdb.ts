import type { StoredEvent } from '@incident-ledger/core';
import {
  DEFAULT_BATCH_SIZE,
  eventContent,
  planWrites,
  StoreUnavailable,
  writeKeys,
  type AppendResult,
  type EventStore,
  type ExistingEvent,
  type ExpectedRevision,
  type NewEvent,
  type Plan,
  type PlannedRow,
  type ReadAllOptions,
  type StreamHead,
  type StreamState,
  type StreamWrite,
} from '@incident-ledger/eventstore';
import {
  BACKWARDS,
  END,
  excludeSystemEvents,
  KurrentDBClient,
  StreamNotFoundError,
  streamNameFilter,
  UnsupportedError,
  WrongExpectedVersionError,
  type AppendStreamRequest,
  type Filter,
} from '@kurrent/kurrentdb-client';
import { Observable, ReplaySubject } from 'rxjs';
import { Catalog } from './catalog';
import {
  readStart,
  redactUrl,
  streamStateFor,
  toEventData,
  toStoredEvent,
  toWrongExpectedVersion,
  translateError,
  type ReadRecord,
} from './mapping';

export interface KurrentDbOptions {
  /**
   * Scopes the store to the KurrentDB streams whose names start with this prefix: ledger stream "s"
   * is stream prefix + "s", and reads of $all see only those streams. Lets several ledgers (or test
   * runs) share one server. End it with a separator ("ledger-a/") so no prefix starts another.
   */
  streamPrefix?: string;
  /** How long open() waits for the server to answer. Default 10 s. */
  connectTimeoutMs?: number;
  /**
   * 'atomic' (default): appendMany over several streams is one multi-stream append (KurrentDB 25.1
   * or later). 'per-stream': one append per stream, each atomic on its own, for older servers.
   */
  appendMany?: 'atomic' | 'per-stream';
}

/** The part of the official client this store uses. */
export type KurrentClient = Pick<
  KurrentDBClient,
  'appendToStream' | 'multiStreamAppend' | 'readAll' | 'readStream' | 'subscribeToAll' | 'dispose'
>;

/** Plans made against heads that moved before the write are made again, this many times at most. */
const APPEND_ATTEMPTS = 10;
/**
 * KurrentDB stores event ids as UUIDs and gives them back in this form; any other spelling would
 * not round-trip.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The ledger on KurrentDB (or EventStoreDB). Hash chains, revisions and idempotency come from the
 * shared planWrites; every write carries the exact stream revision it was planned against, so
 * KurrentDB's own optimistic check keeps each chain intact when writers race.
 * See docs/kurrentdb.md for the mapping and where this store departs from the others.
 */
export class KurrentDbEventStore implements EventStore {
  private readonly prefix: string;
  private readonly filter: Filter;
  private readonly catalog: Catalog;
  /** Replays its signal so a subscription made after close() stops at once too. */
  private readonly closing = new ReplaySubject<void>(1);

  private constructor(
    private readonly client: KurrentClient,
    /** The connection string, password masked. */
    readonly url: string,
    private readonly options: KurrentDbOptions,
  ) {
    this.prefix = options.streamPrefix ?? '';
    // Filtered on the server, so other streams and system events never travel.
    this.filter = this.prefix
      ? streamNameFilter({ prefixes: [this.prefix] })
      : excludeSystemEvents();
    this.catalog = new Catalog((from) => this.readAll({ from }));
  }

  /**
   * Connects to `url` (kurrentdb://, kdb://, kurrent://, their +discover forms, or the deprecated
   * esdb://).
   */
  static async open(url: string, options: KurrentDbOptions = {}): Promise<KurrentDbEventStore> {
    const shown = redactUrl(url);
    let client: KurrentDBClient;
    try {
      client = KurrentDBClient.connectionString(url);
    } catch (e) {
      throw new StoreUnavailable(shown, `invalid connection string: ${(e as Error).message}`);
    }
    return KurrentDbEventStore.connect(client, shown, options);
  }

  /**
   * Wraps a client made elsewhere (with a credentials provider, say). Fails with StoreUnavailable,
   * disposing the client, unless the server answers a read of $all within connectTimeoutMs.
   */
  static async connect(
    client: KurrentClient,
    url: string,
    options: KurrentDbOptions = {},
  ): Promise<KurrentDbEventStore> {
    try {
      if (options.streamPrefix?.startsWith('$'))
        throw new Error('streamPrefix must not start with $, which KurrentDB reserves');
      await answers(client, options.connectTimeoutMs ?? 10_000);
    } catch (e) {
      await client.dispose();
      throw new StoreUnavailable(url, (e as Error).message || (e as Error).name);
    }
    return new KurrentDbEventStore(client, url, options);
  }

  async append(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ) {
    const [result] = await this.appendMany([
      { streamId, events, expectedRevision: options.expectedRevision },
    ]);
    return result!;
  }

  async appendMany(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    for (const w of writes) {
      this.serverName(w.streamId);
      for (const e of w.events) {
        if (!UUID.test(e.eventId))
          throw new Error(
            `event id "${e.eventId}" is not a lower-case UUID, which KurrentDB requires`,
          );
      }
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const plan = await this.plan(writes);
        if (plan.rows.length > 0) await this.write(plan.rows);
        return plan.results;
      } catch (err) {
        // Another writer appended between our read of the heads and our write: plan again on the
        // new heads.
        if (err instanceof WrongExpectedVersionError && attempt < APPEND_ATTEMPTS) continue;
        throw this.translate(err, writes);
      }
    }
  }

  private async plan(writes: readonly StreamWrite[]): Promise<Plan> {
    const { streamIds, eventIds } = writeKeys(writes);
    await this.catalog.refresh();
    const states = new Map<string, StreamState>();
    for (const id of streamIds) {
      const head = this.catalog.heads.get(id);
      if (head) states.set(id, head);
    }
    return planWrites(writes, states, await this.existing(eventIds));
  }

  /**
   * The stored events with any of these ids, read back from their streams (one read per stream).
   */
  private async existing(eventIds: readonly string[]): Promise<Map<string, ExistingEvent>> {
    const wanted = new Map<string, { from: number; to: number; ids: Set<string> }>();
    for (const id of eventIds) {
      const at = this.catalog.ids.get(id);
      if (!at) continue;
      const w = wanted.get(at.streamId);
      if (w) {
        w.from = Math.min(w.from, at.revision);
        w.to = Math.max(w.to, at.revision);
        w.ids.add(id);
      } else {
        wanted.set(at.streamId, { from: at.revision, to: at.revision, ids: new Set([id]) });
      }
    }
    const found = new Map<string, ExistingEvent>();
    for (const [streamId, w] of wanted) {
      const records = this.client.readStream(this.serverName(streamId), {
        fromRevision: BigInt(w.from),
        maxCount: w.to - w.from + 1,
      });
      for await (const record of records) {
        const e = toStoredEvent(record, this.prefix);
        if (e && w.ids.has(e.eventId))
          found.set(e.eventId, { streamId, content: eventContent(streamId, e) });
      }
    }
    return found;
  }

  private async write(rows: readonly PlannedRow[]): Promise<void> {
    const byStream = new Map<string, PlannedRow[]>();
    for (const row of rows) {
      let list = byStream.get(row.streamId);
      if (!list) byStream.set(row.streamId, (list = []));
      list.push(row);
    }
    const requests: AppendStreamRequest[] = [...byStream.values()].map((list) => ({
      streamName: this.serverName(list[0]!.streamId),
      events: list.map(toEventData),
      expectedState: streamStateFor(list[0]!.revision - 1),
    }));
    if (requests.length > 1 && this.options.appendMany !== 'per-stream') {
      try {
        await this.client.multiStreamAppend(requests);
        return;
      } catch (err) {
        if (!(err instanceof UnsupportedError)) throw err;
        throw new Error(
          `appendMany across streams needs KurrentDB 25.1 or later (${err.message}); open the store with { appendMany: 'per-stream' } to write stream by stream`,
        );
      }
    }
    // One stream, or per-stream mode: each append is atomic, a set of them is not (see
    // docs/kurrentdb.md).
    for (const r of requests)
      await this.client.appendToStream(r.streamName, r.events, { streamState: r.expectedState });
  }

  private translate(err: unknown, writes: readonly StreamWrite[]): unknown {
    if (err instanceof WrongExpectedVersionError) {
      const streamId = err.streamName.slice(this.prefix.length);
      return toWrongExpectedVersion(
        err,
        streamId,
        writes.find((w) => w.streamId === streamId)?.expectedRevision ?? 'any',
      );
    }
    return translateError(err, this.url);
  }

  async *readStream(
    streamId: string,
    options: { batchSize?: number } = {},
  ): AsyncIterable<StoredEvent[]> {
    try {
      yield* this.batches(this.client.readStream(this.serverName(streamId)), options.batchSize);
    } catch (err) {
      if (!(err instanceof StreamNotFoundError)) throw err;
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent[]> {
    const from = options.from ?? 1;
    const records = this.client.readAll({ fromPosition: readStart(from), filter: this.filter });
    yield* this.batches(records, options.batchSize, from);
  }

  /** Ledger events in batches: KurrentDB's own records and events before `from` are left out. */
  private async *batches(
    records: AsyncIterable<ReadRecord>,
    size = DEFAULT_BATCH_SIZE,
    from = 1,
  ): AsyncIterable<StoredEvent[]> {
    let batch: StoredEvent[] = [];
    try {
      for await (const record of records) {
        const e = toStoredEvent(record, this.prefix);
        if (!e || e.globalPosition < from) continue;
        batch.push(e);
        if (batch.length === size) {
          yield batch;
          batch = [];
        }
      }
    } catch (err) {
      throw translateError(err, this.url);
    }
    if (batch.length > 0) yield batch;
  }

  /**
   * Catches up with reads of $all, then follows the client's own subscription to $all from the last
   * record read: the server pushes each new event, from this process or any other. A subscription
   * starts after the position it is given, and anything at or below the last event delivered is
   * passed over, so none is delivered twice. Ends with unsubscribe or close().
   */
  subscribe(options: { from?: number } = {}): Observable<StoredEvent> {
    return new Observable<StoredEvent>((subscriber) => {
      let last = (options.from ?? 1) - 1;
      let live: ReturnType<KurrentClient['subscribeToAll']> | undefined;
      let stopped = false;
      const stop = () => {
        stopped = true;
        void live?.unsubscribe();
      };
      const deliver = (e: StoredEvent | undefined) => {
        if (stopped || e === undefined || e.globalPosition <= last) return;
        last = e.globalPosition;
        subscriber.next(e);
      };
      const onClose = this.closing.subscribe(() => (stop(), subscriber.complete()));
      void (async () => {
        try {
          for await (const batch of this.readAll({ from: last + 1 })) batch.forEach(deliver);
          if (stopped) return;
          live = this.client.subscribeToAll({
            fromPosition: readStart(last + 1),
            filter: this.filter,
          });
          for await (const record of live) deliver(toStoredEvent(record, this.prefix));
        } catch (err) {
          if (!stopped) subscriber.error(translateError(err, this.url));
        }
      })();
      return () => {
        stop();
        onClose.unsubscribe();
      };
    });
  }

  /**
   * Every stream's last event, from the catalog: one pass over $all when first called, then only
   * what is new.
   */
  async heads(): Promise<StreamHead[]> {
    await this.catalog.refresh();
    return [...this.catalog.heads]
      .map(([streamId, head]) => ({ streamId, revision: head.revision, hash: head.hash }))
      .sort((a, b) => (a.streamId < b.streamId ? -1 : 1));
  }

  async close(): Promise<void> {
    this.closing.next();
    this.closing.complete();
    await this.client.dispose();
  }

  /** The KurrentDB stream behind a ledger stream. */
  private serverName(streamId: string): string {
    const name = this.prefix + streamId;
    if (name === '' || name.startsWith('$')) {
      throw new Error(
        `stream id "${streamId}" is not usable as a KurrentDB stream name (empty, or starting with $, which KurrentDB reserves)`,
      );
    }
    return name;
  }
}

/**
 * Resolves once the server answers a read of $all (which the store needs anyway); rejects after
 * `ms`.
 */
async function answers(client: KurrentClient, ms: number): Promise<void> {
  const read = (async () => {
    try {
      for await (const _ of client.readAll({
        direction: BACKWARDS,
        fromPosition: END,
        maxCount: 1,
      }))
        break;
    } catch (e) {
      throw new Error(`reading $all failed: ${(e as Error).message || (e as Error).name}`);
    }
  })();
  read.catch(() => undefined); // a read still pending at the deadline may fail later: nobody waits for it
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([read, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
