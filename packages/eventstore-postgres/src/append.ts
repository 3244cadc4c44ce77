import { KEY_DOMAINS, KeyDictionary } from '@incident-ledger/core';
import {
  ALL_NEW,
  eventContent,
  planWrites,
  WrongExpectedVersion,
  writeKeys,
  writeStreamIds,
  type AppendResult,
  type ExistingEvent,
  type StreamState,
  type StreamWrite,
} from '@incident-ledger/eventstore';
import { DatabaseError, type PoolClient } from 'pg';
import type { Connection } from './connection';
import { COLUMNS_OF_E, toEvent, type EventRow, type Row } from './event-row';
import { idKey } from './id-keys';
import { keyRows } from './keys';
import type { Tables } from './tables';
import { writeRows } from './write-rows';

/**
 * Events planned at a time in an append: enough to amortise a slice, few enough that its rows die
 * young.
 */
const SLICE_EVENTS = 4_096;

/** A store's appends: planned under the schema's write lock, then written by writeRows. */
export class Appender {
  /**
   * The store's key dictionary as of the last append this instance committed, while `top` is still
   * the last position; taken (undefined) while an append uses it, and put back as it was when the
   * append rolls back, so that keys of a rolled-back append are never reused.
   */
  private dictionary: { keys: KeyDictionary; top: number } | undefined;

  constructor(
    private readonly db: Connection,
    private readonly t: Tables,
    private readonly schema: string,
  ) {}

  /** One transaction of one batch (appendBatch). */
  async appendMany(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    let results: AppendResult[] = [];
    await this.appendAtomically(one(writes), (r) => (results = r));
    return results;
  }

  /**
   * Batches as they come in one transaction, under the write lock to its end (other writers wait
   * while the batches are read), each batch a savepoint in it: every batch stored or none. On any
   * error, the batches' own included, the transaction rolls back and the key dictionary is put
   * back as it was.
   */
  async appendAtomically(
    batches: AsyncIterable<readonly StreamWrite[]>,
    appended?: (results: AppendResult[]) => void,
  ): Promise<void> {
    const keys = new TransactionKeys((client, top) => this.takeDictionary(client, top));
    const committed = await this.db.locked(async (client) => {
      try {
        for await (const writes of batches) {
          // Not appended?.(await ...): without a listener that would skip the append itself.
          const results = await this.appendBatch(client, writes, keys);
          appended?.(results);
        }
      } catch (e) {
        // Still under the lock: the rollback that follows makes the store what the keys say again.
        const before = keys.restored();
        if (before) this.dictionary = before;
        throw e;
      }
      return keys.committed();
    });
    if (committed) this.dictionary = committed;
  }

  /**
   * One batch inside the transaction, in a savepoint. First as if every id were new, which a bulk
   * import almost always is: no lookup of a hundred thousand ids before writing, the event_ids
   * primary key checks them as they go in. When that guess fails (a stored or repeated id, or
   * planWrites refusing what a stored id might explain), the batch is rolled back to its savepoint
   * and runs again, planned with the stored events the ids name: that answer (a skip,
   * WrongExpectedVersion, EventIdConflict) is the one given.
   */
  private async appendBatch(
    client: PoolClient,
    writes: readonly StreamWrite[],
    keys: TransactionKeys,
  ): Promise<AppendResult[]> {
    for (const w of writes) {
      storable('stream id', w.streamId);
      for (const e of w.events) {
        storable('event id', e.eventId);
        storable('event type', e.type);
      }
    }
    await client.query('SAVEPOINT batch');
    const mark = keys.mark();
    let results: AppendResult[];
    try {
      results = await this.appendOnce(client, writes, keys, false);
    } catch (e) {
      if (!(e instanceof GuessFailed)) throw e;
      await client.query('ROLLBACK TO SAVEPOINT batch');
      keys.rollBack(mark);
      results = await this.appendOnce(client, writes, keys, true);
    }
    await client.query('RELEASE SAVEPOINT batch');
    return results;
  }

  private async appendOnce(
    client: PoolClient,
    writes: readonly StreamWrite[],
    keys: TransactionKeys,
    lookup: boolean,
  ): Promise<AppendResult[]> {
    const { top, states, links } = await this.streamHeads(client, writeStreamIds(writes));
    // Planned as new (nothing looked up, staged or compared): the event_ids key tells otherwise,
    // and then the batch runs again.
    const existing = lookup ? await this.stored(client, writeKeys(writes).eventIds) : ALL_NEW;
    const results: AppendResult[] = [];
    const heads = new Map<string, StreamState>();
    // With stored events to compare, one slice: an id given twice in one batch is seen only
    // within one planWrites.
    const slices = planSlices(
      writes,
      states,
      existing,
      lookup ? Number.POSITIVE_INFINITY : SLICE_EVENTS,
      results,
      heads,
    );
    try {
      const planned = slices.next();
      if (planned.done) return results;
      const dictionary = await keys.at(client, top);
      const bound = writes.reduce((n, w) => n + w.events.length, 0);
      const written = await writeRows(
        client,
        this.t,
        this.schema,
        top + 1,
        links,
        dictionary,
        bound,
        prepend(planned.value, slices),
        heads,
      );
      keys.wrote(top + written);
    } catch (e) {
      throw lookup ? e : guessed(e);
    }
    return results;
  }

  /** The last position, and the heads and last positions of the streams named. */
  private async streamHeads(client: PoolClient, streamIds: readonly string[]) {
    const { rows } = await client.query<{
      top: string;
      stream_id: string | null;
      revision: string;
      hash: string;
      last_position: string;
    }>(
      `WITH top AS (SELECT coalesce(max(position), 0) AS top FROM ${this.t.events})
       SELECT top.top, s.stream_id, s.revision, s.hash, s.last_position FROM top LEFT JOIN ${this.t.streams} s ON s.stream_id = ANY($1::text[])`,
      [streamIds],
    );
    const states = new Map<string, StreamState>();
    const links = new Map<string, number>();
    for (const r of rows) {
      if (r.stream_id === null) continue;
      states.set(r.stream_id, { revision: Number(r.revision), hash: r.hash });
      links.set(r.stream_id, Number(r.last_position));
    }
    return { top: Number(rows[0]!.top), states, links };
  }

  /** Stored events with any of these ids, as planWrites compares them. */
  private async stored(
    client: PoolClient,
    eventIds: readonly string[],
  ): Promise<Map<string, ExistingEvent>> {
    const { rows } = await client.query<EventRow>(
      `SELECT ${COLUMNS_OF_E} FROM ${this.t.eventIds} i JOIN ${this.t.events} e ON e.position = i.position WHERE i.id = ANY($1::bytea[])`,
      [eventIds.map(idKey)],
    );
    const existing = new Map<string, ExistingEvent>();
    for (const row of rows) {
      const e = toEvent(row);
      existing.set(e.eventId, { streamId: e.streamId, content: eventContent(e.streamId, e) });
    }
    return existing;
  }

  /** Drops the cached dictionary: the next append loads it again (the keys were rebuilt). */
  forget(): void {
    this.dictionary = undefined;
  }

  /**
   * The store's key dictionary, brought up to date with keys other writers stored. Inside the
   * locked transaction.
   */
  private async takeDictionary(client: PoolClient, top: number): Promise<KeyDictionary> {
    const cached = this.dictionary;
    this.dictionary = undefined;
    if (cached?.top === top) return cached.keys;
    const keys = cached?.keys ?? new KeyDictionary();
    for (const row of await keyRows(client, this.t, keys)) {
      const texts = JSON.parse(row.texts) as string[];
      for (let i = 0; i < texts.length; i++) keys.learn(row.domain, row.first_id + i, texts[i]!);
    }
    return keys;
  }
}

/**
 * The key dictionary of one transaction: taken from the appender by the first batch that writes,
 * then numbering on through every batch; what a batch rolled back to its savepoint, or the whole
 * transaction, goes back to.
 */
class TransactionKeys {
  private taken: { keys: KeyDictionary; top: number; sizes: number[] } | undefined;
  /** The last position the keys cover. */
  private top = 0;

  constructor(private readonly take: (client: PoolClient, top: number) => Promise<KeyDictionary>) {}

  /** The dictionary, as of `top` (the transaction's last position) when it is first taken. */
  async at(client: PoolClient, top: number): Promise<KeyDictionary> {
    if (!this.taken) {
      const keys = await this.take(client, top);
      this.taken = { keys, top, sizes: sizesOf(keys) };
      this.top = top;
    }
    return this.taken.keys;
  }

  /** Rows up to `top` are written. */
  wrote(top: number): void {
    this.top = top;
  }

  /** Where a batch starts, to roll back to; undefined before the take. */
  mark(): number[] | undefined {
    return this.taken && sizesOf(this.taken.keys);
  }

  /** Forgets the keys numbered since `mark` (since the take, when there was none). */
  rollBack(mark: number[] | undefined): void {
    if (this.taken) this.taken.keys.truncate(mark ?? this.taken.sizes);
  }

  /** The dictionary as the commit leaves the store, if it was taken. */
  committed(): { keys: KeyDictionary; top: number } | undefined {
    return this.taken && { keys: this.taken.keys, top: this.top };
  }

  /** The dictionary as it was taken, if it was, for a transaction rolled back. */
  restored(): { keys: KeyDictionary; top: number } | undefined {
    if (!this.taken) return undefined;
    this.taken.keys.truncate(this.taken.sizes);
    return { keys: this.taken.keys, top: this.taken.top };
  }
}

/**
 * text columns cannot hold U+0000, and UTF-8 turns an unpaired surrogate into U+FFFD, which would
 * silently
 * change the name and break its hash chain: refuse such names instead. (Event data is JSON, which
 * escapes both.)
 */
function storable(what: string, value: string): void {
  // The first test is a quick scan that passes almost every name; the second tells a pair from a
  // lone surrogate.
  if (/[\u0000\ud800-\udfff]/.test(value) && /\u0000|\p{Cs}/u.test(value)) {
    throw new RangeError(
      `${what} ${JSON.stringify(value)} contains U+0000 or an unpaired surrogate, which PostgreSQL text cannot store`,
    );
  }
}

/**
 * An append planned as if no id were stored turned out otherwise: plan it again with the stored
 * events.
 */
class GuessFailed extends Error {}
const UNIQUE_VIOLATION = '23505';

/**
 * What a failure of an append planned without stored events means: a stored id may explain it
 * (GuessFailed), or not.
 */
function guessed(e: unknown): unknown {
  const storedId =
    e instanceof DatabaseError && e.code === UNIQUE_VIOLATION && e.table === 'event_ids';
  return storedId || e instanceof WrongExpectedVersion ? new GuessFailed() : e;
}

/**
 * planWrites over slices of whole writes of about `size` events, each slice seeing the heads the
 * ones before it
 * left (`states` is updated); collects the results and the new heads. Yields the rows of each slice
 * that has any.
 */
function* planSlices(
  writes: readonly StreamWrite[],
  states: Map<string, StreamState>,
  existing: ReadonlyMap<string, ExistingEvent> | typeof ALL_NEW,
  size: number,
  results: AppendResult[],
  heads: Map<string, StreamState>,
): Generator<readonly Row[], void> {
  for (let i = 0; i < writes.length;) {
    let j = i + 1;
    for (
      let n = writes[i]!.events.length;
      j < writes.length && n + writes[j]!.events.length <= size;
      j++
    )
      n += writes[j]!.events.length;
    const plan = planWrites(writes.slice(i, j), states, existing);
    for (const r of plan.results) results.push(r);
    for (const [id, head] of plan.heads) {
      states.set(id, head);
      heads.set(id, head);
    }
    if (plan.rows.length > 0) yield plan.rows;
    i = j;
  }
}

function* prepend<T>(first: T, rest: Iterator<T>): Generator<T, void> {
  yield first;
  for (let next = rest.next(); !next.done; next = rest.next()) yield next.value;
}

/** The number of keys of each domain, in domain order: what KeyDictionary.truncate goes back to. */
function sizesOf(keys: KeyDictionary): number[] {
  return KEY_DOMAINS.map((_, d) => keys.size(d));
}

async function* one<T>(batch: T): AsyncGenerator<T, void> {
  yield batch;
}
