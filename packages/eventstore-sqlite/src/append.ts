import {
  ALL_NEW,
  eventContent,
  planWrites,
  uuidInto,
  writeKeys,
  writeStreamIds,
  type AppendResult,
  type ExistingEvent,
  type StreamState,
  type StreamWrite,
} from '@incident-ledger/eventstore';
import type Database from 'better-sqlite3';
import type { ColumnWriter } from './columns';
import { COLUMNS, toEvent, type ReadStatements } from './read';

/** SQLite's default limit on bound parameters is 32766; stay well below it. */
const LOOKUP_CHUNK = 500;
/**
 * Rows per INSERT statement: binding a statement per row costs more than SQLite's insert (measured
 * +25% rows/s at 16-64).
 */
const ROWS_PER_INSERT = 32;
export const EVENT_VALUES = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const UPSERT_HEAD =
  'ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, hash = excluded.hash, last_position = excluded.last_position';
/** Thrown out of a transaction that assumed every id new, to roll it back: one was stored. */
const ID_STORED = new Error('an event id being appended is stored');
/** Appends of at least this many events run with a page cache of BULK_CACHE_KIB. */
const BULK_EVENTS = 10_000;
const BULK_CACHE_KIB = 256 * 1024;
/**
 * The page cache of an import in one transaction (appendBatches): it holds what the import
 * changes until the commit, and what does not fit spills to the WAL, so it bounds memory, not
 * what can be imported.
 */
const IMPORT_CACHE_KIB = 64 * 1024;

/** Every statement an append runs more than once. */
function appendStatements(db: Database.Database) {
  return {
    insert: db.prepare(`INSERT INTO events (${COLUMNS}, previous) VALUES ${EVENT_VALUES}`),
    insertMany: db.prepare(
      `INSERT INTO events (${COLUMNS}, previous) VALUES ${Array(ROWS_PER_INSERT).fill(EVENT_VALUES).join(', ')}`,
    ),
    upsertHead: db.prepare(
      `INSERT INTO streams (stream_id, revision, hash, last_position) VALUES (?, ?, ?, ?) ${UPSERT_HEAD}`,
    ),
    upsertHeads: db.prepare(
      `INSERT INTO streams (stream_id, revision, hash, last_position) VALUES ${Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?)').join(', ')} ${UPSERT_HEAD}`,
    ),
    lastPosition: db.prepare<[], number>('SELECT coalesce(max(position), 0) FROM events').pluck(),
    insertId: db.prepare('INSERT INTO event_ids (id, position) VALUES (?, ?)'),
    insertIds: db.prepare(
      `INSERT INTO event_ids (id, position) VALUES ${Array(ROWS_PER_INSERT).fill('(?, ?)').join(', ')}`,
    ),
  };
}

/** Appends events with their ids, stream heads, keys and blocks, one transaction per call. */
export class Appender {
  private readonly stmts: ReturnType<typeof appendStatements>;
  private readonly defaultCacheSize: number;
  /** Lookup statements by table and number of keys. */
  private readonly lookups = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly reads: ReadStatements,
    readonly columns: ColumnWriter,
  ) {
    this.stmts = appendStatements(db);
    this.defaultCacheSize = db.pragma('cache_size', { simple: true }) as number;
  }

  /**
   * Batches as they come in one transaction, each batch a savepoint in it (appendMany): all stored
   * or none. One commit, instead of one a batch, writes each page the import changes about once
   * (a batch's ids land all over the event_ids B-tree). `wrote` as appendMany's.
   */
  async appendBatches(
    batches: AsyncIterable<readonly StreamWrite[]>,
    appended?: (results: AppendResult[]) => void,
  ): Promise<boolean> {
    this.db.pragma(`cache_size = -${IMPORT_CACHE_KIB}`);
    this.db.exec('BEGIN IMMEDIATE');
    let wrote = false;
    try {
      for await (const writes of batches) {
        const batch = this.appendMany(writes);
        wrote ||= batch.wrote;
        appended?.(batch.results);
      }
      this.db.exec('COMMIT');
      return wrote;
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw e;
    } finally {
      this.db.pragma(`cache_size = ${this.defaultCacheSize}`);
      // On failure, keys numbered by the batches were never stored. On success, the dictionary of
      // a large import (4.6M keys at 10M events) is let go for what follows, a replay; the next
      // append loads it again.
      this.columns.forget();
    }
  }

  /** `wrote`: whether any event was stored (not all skipped as stored already). */
  appendMany(writes: readonly StreamWrite[]): { results: AppendResult[]; wrote: boolean } {
    // A bulk append looks up and inserts ids all over the event_ids B-tree: give it a page cache
    // while it runs, and hand the memory back after, so that replays keep SQLite's small default.
    // Inside appendBatches, that transaction's cache holds.
    const bulk =
      !this.db.inTransaction && writes.reduce((n, w) => n + w.events.length, 0) >= BULK_EVENTS;
    if (bulk) this.db.pragma(`cache_size = -${BULK_CACHE_KIB}`);
    try {
      return this.appendOnce(writes, true) ?? this.appendOnce(writes, false)!;
    } finally {
      if (bulk) this.db.pragma(`cache_size = ${this.defaultCacheSize}`);
    }
  }

  /**
   * One transaction. `assumeNew`: insert every id first, as if none were stored, and plan with
   * nothing to compare
   * (the usual case, and the id insert is then the only id lookup); undefined if an id was stored
   * after all, rolled back.
   */
  private appendOnce(writes: readonly StreamWrite[], assumeNew: boolean) {
    try {
      return this.db.transaction(() => this.appendInTransaction(writes, assumeNew)).immediate();
    } catch (e) {
      // The id insert comes before any key is numbered: the dictionary is still the store's.
      if (e === ID_STORED) return undefined;
      // Keys numbered in a transaction that rolled back were never stored: forget them with the
      // rest.
      this.columns.forget();
      throw e;
    }
  }

  private appendInTransaction(writes: readonly StreamWrite[], assumeNew: boolean) {
    const states = new Map<string, StreamState>();
    const lastPositions = new Map<string, number>();
    this.lookup(
      'streams',
      writeStreamIds(writes),
      (s: { stream_id: string; revision: number; hash: string; last_position: number }) => {
        states.set(s.stream_id, { revision: s.revision, hash: s.hash });
        lastPositions.set(s.stream_id, s.last_position);
      },
    );
    const first = this.stmts.lastPosition.get()! + 1;
    let plan;
    if (assumeNew) {
      // With nothing skipped, the events take positions first, first + 1, ... in the order they are
      // written.
      const ids: string[] = [];
      for (const w of writes) for (const e of w.events) ids.push(e.eventId);
      try {
        this.insertIds(ids, first);
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw ID_STORED;
        throw e;
      }
      plan = planWrites(writes, states, ALL_NEW);
    } else {
      plan = planWrites(writes, states, this.existing(writeKeys(writes).eventIds));
      this.insertIds(
        plan.rows.map((r) => r.eventId),
        first,
      );
    }
    const { rows } = plan;
    if (rows.length === 0) return { results: plan.results, wrote: false };
    insertRows(this.stmts.insertMany, this.stmts.insert, rows.length, (i, params) => {
      const r = rows[i]!;
      params.push(
        first + i,
        r.streamId,
        r.revision,
        r.eventId,
        r.type,
        r.occurredAt,
        r.recordedAt,
        JSON.stringify(r.data),
        r.hash,
        lastPositions.get(r.streamId) ?? null,
      );
      lastPositions.set(r.streamId, first + i);
    });
    const heads = [...plan.heads];
    insertRows(this.stmts.upsertHeads, this.stmts.upsertHead, heads.length, (i, params) => {
      const [id, head] = heads[i]!;
      params.push(id, head.revision, head.hash, lastPositions.get(id)!);
    });
    this.columns.write(rows, first);
    return { results: plan.results, wrote: true };
  }

  /**
   * Stores ids[k] as the id of the event at position first + k; a stored id fails with
   * SQLITE_CONSTRAINT_PRIMARYKEY.
   */
  insertIds(ids: readonly string[], first: number): void {
    const order = Array.from(ids, (_, k) => k);
    // In id order: consecutive inserts land near each other in the id B-tree (measured ~1.5x faster
    // than append order).
    // A UUID's text sorts as its bytes do; other ids mix in, which costs locality only.
    order.sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
    insertRows(this.stmts.insertIds, this.stmts.insertId, order.length, (i, params) =>
      params.push(idKey(ids[order[i]!]!), first + order[i]!),
    );
  }

  private existing(eventIds: readonly string[]): Map<string, ExistingEvent> {
    const found = new Map<string, ExistingEvent>();
    this.lookup('event_ids', eventIds.map(idKey), ({ position }: { position: number }) => {
      const row = this.reads.byPosition.get(position);
      if (row === undefined) return;
      const e = toEvent(row);
      found.set(e.eventId, { streamId: e.streamId, content: eventContent(e.streamId, e) });
    });
    return found;
  }

  /** Rows of `table` whose key is one of `keys`, LOOKUP_CHUNK keys per statement. */
  private lookup<R>(
    table: 'streams' | 'event_ids',
    keys: readonly (string | Buffer)[],
    each: (row: R) => void,
  ): void {
    for (let i = 0; i < keys.length; i += LOOKUP_CHUNK) {
      const chunk = keys.slice(i, i + LOOKUP_CHUNK);
      const sql =
        table === 'streams'
          ? `SELECT stream_id, revision, hash, last_position FROM streams WHERE stream_id IN`
          : 'SELECT position FROM event_ids WHERE id IN';
      let stmt = this.lookups.get(`${table}/${chunk.length}`);
      if (stmt === undefined)
        this.lookups.set(
          `${table}/${chunk.length}`,
          (stmt = this.db.prepare(`${sql} (${chunk.map(() => '?').join(',')})`)),
        );
      for (const row of stmt.all(chunk) as R[]) each(row);
    }
  }
}

/**
 * How an event id is kept in event_ids: a lowercase UUID as its 16 bytes, anything else as text
 * (never equal to a blob).
 */
function idKey(id: string): Buffer | string {
  const bytes = Buffer.allocUnsafe(16);
  return uuidInto(id, bytes, 0) ? bytes : id;
}

/**
 * Inserts n rows, `per` to a statement while that many are left: `row(i, params)` pushes row i's
 * values.
 */
function insertRows(
  many: Database.Statement,
  one: Database.Statement,
  n: number,
  row: (i: number, params: unknown[]) => void,
  per = ROWS_PER_INSERT,
): void {
  const params: unknown[] = [];
  let i = 0;
  for (; i + per <= n; i += per) {
    params.length = 0;
    for (let k = 0; k < per; k++) row(i + k, params);
    many.run(params);
  }
  for (; i < n; i++) {
    params.length = 0;
    row(i, params);
    one.run(params);
  }
}
