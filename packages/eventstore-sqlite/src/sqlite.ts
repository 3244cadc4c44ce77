import {
  allocateColumns,
  DOMAIN,
  KEY_DOMAIN_COUNT,
  KEY_DOMAINS,
  KeyDictionary,
  encodeRow,
  isRareCode,
  type ColumnBatch,
  type KeyDomain,
  type KeyNames,
  type StoredEvent,
} from '@incident-ledger/core';
import {
  BLOCK_EVENTS,
  BLOCKS_PER_READ,
  catchUpThenLive,
  decodeBlock,
  encodeBlock,
  extendHistory,
  sliceBatch,
  DEFAULT_BATCH_SIZE,
  eventContent,
  GENESIS_HASH,
  planWrites,
  ALL_NEW,
  StoreUnavailable,
  UnreadableEvent,
  type StoreAccess,
  uuidInto,
  writeKeys,
  writeStreamIds,
  withKnownKeyCounts,
  type AppendResult,
  type CheckpointHeader,
  type CheckpointStore,
  type ColumnReader,
  type EventStore,
  type ExistingEvent,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type SavedCheckpoint,
  type StreamHead,
  type StreamState,
  type StreamWrite,
  type StoreAudit,
} from '@incident-ledger/eventstore';
import { sqliteAudit } from './audit';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname } from 'node:path';
import { interval, merge, Subject, type Observable } from 'rxjs';
import { inspectStoreFile, stampApplicationId, type StoreFile } from './identity';

/**
 * 1: events and stream heads. 2: adds the replay columns (blocks, keys), the event-id table, stream
 * links and checkpoints.
 */
const SCHEMA_VERSION = 2;

/**
 * One file, WAL journal, synchronous=FULL: a committed append survives a crash of the process
 * or of the machine. Every append is one IMMEDIATE transaction, so concurrent writers (other
 * processes included) are serialised by SQLite and global positions follow commit order.
 *
 * `events` is the record: what the port reads and the hash chains cover. Nothing on it is indexed
 * but its position, so an append writes at the end of one B-tree. Beside it, written in the same
 * transaction:
 * - `event_ids`: every event id (16 bytes for a UUID), inserted in id order per append: the
 * idempotency check. Revisions need no index: the stream heads, read under the write lock, decide
 *   them.
 * - `previous`: each event's link to the one before it in its stream, which readStream walks.
 * - `keys` and `blocks`: the columnar form of the events (core's events/columns.ts, ./blocks.ts),
 *   the replay hot path. Each block carries `history`, a hash chained over the hashes of every
 *   event up to its last: what a checkpoint is checked against.
 * - `checkpoints`: saved projection state (core's checkpoint.ts).
 */
const SCHEMA = `
CREATE TABLE events (
  position     INTEGER PRIMARY KEY,
  stream_id    TEXT    NOT NULL,
  revision     INTEGER NOT NULL,
  event_id     TEXT    NOT NULL,
  type         TEXT    NOT NULL,
  occurred_at  INTEGER NOT NULL,
  recorded_at  INTEGER NOT NULL,
  data         TEXT    NOT NULL,
  hash         TEXT    NOT NULL,
  previous     INTEGER
);
CREATE TABLE IF NOT EXISTS streams (
  stream_id  TEXT    PRIMARY KEY,
  revision   INTEGER NOT NULL,
  hash       TEXT    NOT NULL
);
ALTER TABLE streams ADD COLUMN last_position INTEGER NOT NULL DEFAULT 0;
CREATE TABLE event_ids (id NOT NULL PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE keys (domain INTEGER NOT NULL, id INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (domain, id)) WITHOUT ROWID;
CREATE TABLE blocks (last_position INTEGER PRIMARY KEY, first_position INTEGER NOT NULL, columns BLOB NOT NULL, history TEXT NOT NULL);
CREATE TABLE checkpoints (
  key        TEXT    PRIMARY KEY,
  projection TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  position   INTEGER NOT NULL,
  events     INTEGER NOT NULL,
  history    TEXT    NOT NULL
);
CREATE TABLE checkpoint_sections (key TEXT NOT NULL, name TEXT NOT NULL, bytes BLOB NOT NULL, UNIQUE (key, name));
`;

/** Schema 1's events table, kept to migrate from. */
const EVENTS_V1 = 'events_v1';

interface EventRow {
  position: number;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  occurred_at: number;
  recorded_at: number;
  data: string;
  hash: string;
}
/** A stored event as the derived tables need it. */
interface StoredRow {
  streamId: string;
  eventId: string;
  type: string;
  data: unknown;
  occurredAt: number;
  recordedAt: number;
  hash: string;
}

const COLUMNS =
  'position, stream_id, revision, event_id, type, occurred_at, recorded_at, data, hash';
/** SQLite's default limit on bound parameters is 32766; stay well below it. */
const LOOKUP_CHUNK = 500;
/**
 * Rows per INSERT statement: binding a statement per row costs more than SQLite's insert (measured
 * +25% rows/s at 16-64).
 */
const ROWS_PER_INSERT = 32;
const EVENT_VALUES = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
const UPSERT_HEAD =
  'ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, hash = excluded.hash, last_position = excluded.last_position';
/** Thrown out of a transaction that assumed every id new, to roll it back: one was stored. */
const ID_STORED = new Error('an event id being appended is stored');
/** Appends of at least this many events run with a page cache of BULK_CACHE_KIB. */
const BULK_EVENTS = 10_000;
const BULK_CACHE_KIB = 256 * 1024;
const KEY_SPACE = 'sqlite-keys';

export interface SqliteOptions {
  /** Poll interval for subscriptions to see appends made by other processes. */
  pollMs?: number;
  /** 'create' (the default) makes the store when there is none; see inspectStoreFile. */
  access?: StoreAccess;
}

export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly appended = new Subject<void>();
  /** Prepared once the schema is in place (migrate). */
  private stmts!: Statements;
  /**
   * Every key of the store, loaded at the first append and kept in step with the table (other
   * writers included).
   */
  private dictionary: KeyDictionary | undefined;
  private readonly defaultCacheSize: number;
  /** Lookup statements by table and number of keys. */
  private readonly lookups = new Map<string, Database.Statement>();
  readonly columns: ColumnReader;
  readonly checkpoints: CheckpointStore;
  readonly audit: StoreAudit;

  private constructor(
    readonly file: string,
    private readonly options: SqliteOptions,
    found: StoreFile,
  ) {
    const readonly = options.access === 'read';
    this.db = new Database(file, { timeout: 10_000, readonly, fileMustExist: found !== 'none' });
    if (!readonly) this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    // Statement journals in memory: every multi-row INSERT into event_ids journals the pages it
    // changes, a temp file each otherwise.
    this.db.pragma('temp_store = MEMORY');
    this.defaultCacheSize = this.db.pragma('cache_size', { simple: true }) as number;
    this.migrate(readonly);
    this.columns = { keySpace: KEY_SPACE, readColumns: (options) => this.readColumns(options) };
    this.checkpoints = {
      historyAt: async (position) => this.stmts.historyAt.get(position),
      loadCheckpoint: async (key) => this.loadCheckpoint(key),
      listCheckpoints: async () => this.stmts.checkpoints.all(),
      saveCheckpoint: async (checkpoint) => this.saveCheckpoint(checkpoint),
    };
    this.audit = sqliteAudit(this.db, this);
  }

  /**
   * Opens the store in `file`, creating it if needed and `options.access` allows (the folder must
   * exist). A file that is not a store is refused before anything is written to it.
   */
  static open(file: string, options: SqliteOptions = {}): SqliteEventStore {
    if (file !== ':memory:' && !existsSync(dirname(file))) {
      throw new StoreUnavailable(`sqlite:${file}`, `folder ${dirname(file)} does not exist`);
    }
    if (endianness() !== 'LE')
      throw new StoreUnavailable(
        `sqlite:${file}`,
        'the replay columns are little-endian; this machine is big-endian',
      );
    try {
      return new SqliteEventStore(
        file,
        options,
        inspectStoreFile(file, options.access ?? 'create'),
      );
    } catch (e) {
      if (e instanceof StoreUnavailable) throw e;
      throw new StoreUnavailable(`sqlite:${file}`, (e as Error).message);
    }
  }

  /**
   * Creates the schema, or brings a schema-1 file up to date (once, under the write lock, so racing
   * openers agree).
   */
  private migrate(readonly: boolean): void {
    const version = () => this.db.pragma('user_version', { simple: true }) as number;
    if (version() === SCHEMA_VERSION) {
      this.stmts = statements(this.db);
      // A store made before the application id gets it at its first opening that may write.
      if (!readonly) stampApplicationId(this.db);
      return;
    }
    if (readonly)
      throw new StoreUnavailable(
        `sqlite:${this.file}`,
        `schema version ${version()} is brought up to date (to ${SCHEMA_VERSION}) only by an opening that may write: import into it once (replay)`,
      );
    this.db
      .transaction(() => {
        const found = version();
        if (found > SCHEMA_VERSION) {
          throw new StoreUnavailable(
            `sqlite:${this.file}`,
            `schema version ${found} is newer than this program (${SCHEMA_VERSION})`,
          );
        }
        if (found < SCHEMA_VERSION) {
          if (found === 1) this.db.exec(`ALTER TABLE events RENAME TO ${EVENTS_V1}`);
          this.db.exec(SCHEMA);
        }
        this.stmts = statements(this.db);
        if (found === 1) this.deriveFromV1();
        this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
        stampApplicationId(this.db);
      })
      .immediate();
  }

  /** Copies schema 1's events and builds what schema 2 adds from them, in position order. */
  private deriveFromV1(): void {
    const read = this.db.prepare<[number, number], EventRow>(
      `SELECT ${COLUMNS} FROM ${EVENTS_V1} WHERE position >= ? ORDER BY position LIMIT ?`,
    );
    const copy = this.db.prepare(
      `INSERT INTO events (${COLUMNS}, previous) VALUES ${EVENT_VALUES}`,
    );
    const last = new Map<string, number>();
    this.dictionary = new KeyDictionary();
    for (let from = 1; ;) {
      const rows = read.all(from, BLOCK_EVENTS);
      if (rows.length === 0) break;
      const events = rows.map((r, i) => {
        // Blocks hold consecutive positions; schema 1 never leaves gaps, so one means the file was
        // edited.
        if (r.position !== from + i)
          throw new Error(
            `cannot migrate: no event at position ${from + i} (the file was edited outside the store)`,
          );
        copy.run(
          r.position,
          r.stream_id,
          r.revision,
          r.event_id,
          r.type,
          r.occurred_at,
          r.recorded_at,
          r.data,
          r.hash,
          last.get(r.stream_id) ?? null,
        );
        last.set(r.stream_id, r.position);
        return toEvent(r);
      });
      this.insertIds(
        events.map((e) => e.eventId),
        from,
      );
      this.writeDerived(events, from);
      from += rows.length;
    }
    const setLast = this.db.prepare('UPDATE streams SET last_position = ? WHERE stream_id = ?');
    for (const [streamId, position] of last) setLast.run(position, streamId);
    this.db.exec(`DROP TABLE ${EVENTS_V1}`);
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
    let results;
    // A bulk import looks up and inserts ids all over the event_ids B-tree: give it a page cache
    // while it runs,
    // and hand the memory back after, so that replays keep SQLite's small default.
    const bulk = writes.reduce((n, w) => n + w.events.length, 0) >= BULK_EVENTS;
    if (bulk) this.db.pragma(`cache_size = -${BULK_CACHE_KIB}`);
    try {
      results = this.appendOnce(writes, true) ?? this.appendOnce(writes, false)!;
    } finally {
      if (bulk) this.db.pragma(`cache_size = ${this.defaultCacheSize}`);
    }
    if (results.wrote) this.appended.next();
    return results.results;
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
      this.dictionary = undefined;
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
    this.writeDerived(rows, first);
    return { results: plan.results, wrote: true };
  }

  /**
   * Stores ids[k] as the id of the event at position first + k; a stored id fails with
   * SQLITE_CONSTRAINT_PRIMARYKEY.
   */
  private insertIds(ids: readonly string[], first: number): void {
    const order = Array.from(ids, (_, k) => k);
    // In id order: consecutive inserts land near each other in the id B-tree (measured ~1.5x faster
    // than append order).
    // A UUID's text sorts as its bytes do; other ids mix in, which costs locality only.
    order.sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
    insertRows(this.stmts.insertIds, this.stmts.insertId, order.length, (i, params) =>
      params.push(idKey(ids[order[i]!]!), first + order[i]!),
    );
  }

  /**
   * Keys and blocks of newly stored events: rows[i] is at position first + i, after every stored
   * one.
   */
  private writeDerived(rows: readonly StoredRow[], first: number): void {
    const keys = this.keys();
    const known = KEY_DOMAINS.map((_, d) => keys.size(d));
    let history = this.stmts.lastHistory.get() ?? GENESIS_HASH;
    for (let start = 0; start < rows.length; start += BLOCK_EVENTS) {
      const n = Math.min(BLOCK_EVENTS, rows.length - start);
      const batch = allocateColumns(n, KEY_SPACE, keys);
      for (let i = 0; i < n; i++) encodeRow(batch, i, rows[start + i]!, keys);
      history = extendHistory(history, rows, start, start + n);
      const counts = KEY_DOMAINS.map((_, d) => keys.size(d));
      this.stmts.insertBlock.run(
        first + start + n - 1,
        first + start,
        encodeBlock(batch, 0, n, counts),
        history,
      );
    }
    for (let d = 0; d < KEY_DOMAIN_COUNT; d++) {
      const texts = keys.texts(d);
      for (let id = known[d]!; id < texts.length; id++) this.stmts.insertKey.run(d, id, texts[id]!);
    }
  }

  /**
   * The store's dictionary, brought up to date with keys other writers stored. Inside a
   * transaction.
   */
  private keys(): KeyDictionary {
    const keys = (this.dictionary ??= new KeyDictionary());
    for (let d = 0; d < KEY_DOMAIN_COUNT; d++) {
      for (const { id, text } of this.stmts.keysFrom.iterate(d, keys.size(d)))
        keys.learn(d, id, text);
    }
    return keys;
  }

  private existing(eventIds: readonly string[]): Map<string, ExistingEvent> {
    const found = new Map<string, ExistingEvent>();
    this.lookup('event_ids', eventIds.map(idKey), ({ position }: { position: number }) => {
      const row = this.stmts.byPosition.get(position);
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

  async *readStream(
    streamId: string,
    options: { batchSize?: number } = {},
  ): AsyncIterable<StoredEvent[]> {
    const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const head = this.stmts.stream.get(streamId);
    if (head === undefined) return;
    // Walk the stream's links back from its head, then read forward.
    const positions: number[] = [];
    for (
      let p: number | null | undefined = head.last_position;
      p !== null && p !== undefined;
      p = this.stmts.previous.get(p)
    )
      positions.push(p);
    positions.reverse();
    for (let i = 0; i < positions.length; i += size) {
      const chunk = positions.slice(i, i + size);
      yield chunk.flatMap((p) => {
        const row = this.stmts.byPosition.get(p);
        return row === undefined ? [] : [toEvent(row)];
      });
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent[]> {
    const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
    for (let from = options.from ?? 1; ;) {
      const rows = this.stmts.readAll.all(from, size);
      if (rows.length === 0) return;
      yield rows.map(toEvent);
      from = rows[rows.length - 1]!.position + 1;
    }
  }

  /**
   * Blocks from `from` on, one batch each; the rows of rare types are read in full from `events`.
   */
  private async *readColumns(options: ReadAllOptions = {}): AsyncIterable<ColumnBatch> {
    const names = this.names();
    // Every batch tells the store's key counts at the start of the read: a fold sizes its keyed
    // tables once.
    const known = KEY_DOMAINS.map((_, d) => (this.stmts.maxKey.get(d) ?? -1) + 1);
    // Paged, not iterated: an open iterator would keep the connection busy, and an append may come
    // between two batches.
    for (let from = options.from ?? 1; ;) {
      const page = this.stmts.blocksFrom.all(from, BLOCKS_PER_READ);
      if (page.length === 0) return;
      for (const { first_position: first, columns } of page) {
        const block = decodeBlock(columns, first, KEY_SPACE, names);
        const batch = first < from ? sliceBatch(block, from - first) : block;
        const { type, position } = batch;
        for (let i = 0; i < batch.length; i++) {
          if (!isRareCode(type[i]!)) continue;
          const row = this.stmts.byPosition.get(position[i]!);
          if (row !== undefined) batch.rare.push(toEvent(row));
        }
        yield withKnownKeyCounts(batch, known);
      }
      from = page[page.length - 1]!.last_position + 1;
    }
  }

  /** Key names read on demand: a fold asks once per bank and category it meets. */
  private names(): KeyNames {
    const cache = KEY_DOMAINS.map(() => new Map<number, string>());
    return {
      name: (domain: KeyDomain, id: number) => {
        const d = DOMAIN[domain];
        let text = cache[d]!.get(id);
        if (text === undefined) {
          text = this.stmts.keyText.get(d, id);
          if (text === undefined)
            throw new Error(`no ${domain} key numbered ${id} in ${this.file}`);
          cache[d]!.set(id, text);
        }
        return text;
      },
    };
  }

  private loadCheckpoint(key: string): SavedCheckpoint | undefined {
    const row = this.stmts.checkpoint.get(key);
    if (row === undefined) return undefined;
    const sections = new Map<string, Uint8Array>();
    for (const s of this.stmts.sections.iterate(key)) sections.set(s.name, s.bytes);
    return { ...row, sections };
  }

  private saveCheckpoint(c: SavedCheckpoint): void {
    this.db
      .transaction(() => {
        // A version bump makes the old state useless: drop it with its sections rather than keep it
        // forever.
        const stale = this.db
          .prepare<[string, string, number], string>(
            'SELECT key FROM checkpoints WHERE key = ? OR (projection = ? AND version <> ?)',
          )
          .pluck()
          .all(c.key, c.projection, c.version);
        for (const key of stale) {
          this.db.prepare('DELETE FROM checkpoint_sections WHERE key = ?').run(key);
          this.db.prepare('DELETE FROM checkpoints WHERE key = ?').run(key);
        }
        this.db
          .prepare(
            'INSERT INTO checkpoints (key, projection, version, position, events, history) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(c.key, c.projection, c.version, c.position, c.events, c.history);
        const insert = this.db.prepare(
          'INSERT INTO checkpoint_sections (key, name, bytes) VALUES (?, ?, ?)',
        );
        for (const [name, bytes] of c.sections) insert.run(c.key, name, bytes);
      })
      .immediate();
  }

  subscribe(options: { from?: number } = {}): Observable<StoredEvent> {
    // In-process appends wake it at once; the poll picks up appends made by other processes.
    const wake = merge(this.appended, interval(this.options.pollMs ?? 250));
    return catchUpThenLive((from) => this.readAll({ from }), wake, options.from);
  }

  async heads(): Promise<StreamHead[]> {
    return this.stmts.heads.all();
  }

  /** For maintenance and tests: the underlying connection. */
  get connection(): Database.Database {
    return this.db;
  }

  async close(): Promise<void> {
    this.appended.complete();
    if (this.db.open) this.db.close();
  }
}

/** Every statement the store runs more than once. */
function statements(db: Database.Database) {
  return {
    stream: db.prepare<[string], { revision: number; hash: string; last_position: number }>(
      'SELECT revision, hash, last_position FROM streams WHERE stream_id = ?',
    ),
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
    readAll: db.prepare<[number, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE position >= ? ORDER BY position LIMIT ?`,
    ),
    byPosition: db.prepare<[number], EventRow>(`SELECT ${COLUMNS} FROM events WHERE position = ?`),
    previous: db
      .prepare<[number], number | null>('SELECT previous FROM events WHERE position = ?')
      .pluck(),
    heads: db.prepare<[], StreamHead>(
      'SELECT stream_id AS streamId, revision, hash FROM streams ORDER BY stream_id',
    ),
    insertId: db.prepare('INSERT INTO event_ids (id, position) VALUES (?, ?)'),
    insertIds: db.prepare(
      `INSERT INTO event_ids (id, position) VALUES ${Array(ROWS_PER_INSERT).fill('(?, ?)').join(', ')}`,
    ),
    keysFrom: db.prepare<[number, number], { id: number; text: string }>(
      'SELECT id, text FROM keys WHERE domain = ? AND id >= ? ORDER BY id',
    ),
    maxKey: db
      .prepare<[number], number | null>('SELECT max(id) FROM keys WHERE domain = ?')
      .pluck(),
    keyText: db
      .prepare<[number, number], string>('SELECT text FROM keys WHERE domain = ? AND id = ?')
      .pluck(),
    insertKey: db.prepare('INSERT INTO keys (domain, id, text) VALUES (?, ?, ?)'),
    lastHistory: db
      .prepare<[], string>('SELECT history FROM blocks ORDER BY last_position DESC LIMIT 1')
      .pluck(),
    insertBlock: db.prepare(
      'INSERT INTO blocks (last_position, first_position, columns, history) VALUES (?, ?, ?, ?)',
    ),
    blocksFrom: db.prepare<
      [number, number],
      { first_position: number; last_position: number; columns: Buffer }
    >(
      'SELECT first_position, last_position, columns FROM blocks WHERE last_position >= ? ORDER BY last_position LIMIT ?',
    ),
    historyAt: db
      .prepare<[number], string>('SELECT history FROM blocks WHERE last_position = ?')
      .pluck(),
    checkpoint: db.prepare<
      [string],
      {
        key: string;
        projection: string;
        version: number;
        position: number;
        events: number;
        history: string;
      }
    >('SELECT key, projection, version, position, events, history FROM checkpoints WHERE key = ?'),
    checkpoints: db.prepare<[], CheckpointHeader>(
      'SELECT key, projection, version, position, events, history FROM checkpoints ORDER BY key',
    ),
    sections: db.prepare<[string], { name: string; bytes: Buffer }>(
      'SELECT name, bytes FROM checkpoint_sections WHERE key = ?',
    ),
  };
}
type Statements = ReturnType<typeof statements>;

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

function toEvent(r: EventRow): StoredEvent {
  let data: unknown;
  try {
    data = JSON.parse(r.data);
  } catch (e) {
    throw new UnreadableEvent(
      r.stream_id,
      r.revision,
      r.position,
      `data is not JSON (${(e as Error).message})`,
    );
  }
  return {
    eventId: r.event_id,
    streamId: r.stream_id,
    type: r.type,
    occurredAt: r.occurred_at,
    recordedAt: r.recorded_at,
    data,
    revision: r.revision,
    globalPosition: r.position,
    hash: r.hash,
  } as StoredEvent;
}
