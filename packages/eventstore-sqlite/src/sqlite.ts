import type { StoredEvent } from '@incident-ledger/core';
import {
  catchUpThenLive,
  DEFAULT_BATCH_SIZE,
  eventContent,
  planWrites,
  StoreUnavailable,
  UnreadableEvent,
  writeKeys,
  type AppendResult,
  type EventStore,
  type ExistingEvent,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type StreamHead,
  type StreamState,
  type StreamWrite,
} from '@incident-ledger/eventstore';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { interval, merge, Subject, type Observable } from 'rxjs';

const SCHEMA_VERSION = 1;

/**
 * One file, WAL journal, synchronous=FULL: a committed append survives a crash of the process
 * or of the machine. Every append is one IMMEDIATE transaction, so concurrent writers (other
 * processes included) are serialised by SQLite and global positions follow commit order.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position     INTEGER PRIMARY KEY,
  stream_id    TEXT    NOT NULL,
  revision     INTEGER NOT NULL,
  event_id     TEXT    NOT NULL UNIQUE,
  type         TEXT    NOT NULL,
  occurred_at  INTEGER NOT NULL,
  recorded_at  INTEGER NOT NULL,
  data         TEXT    NOT NULL,
  hash         TEXT    NOT NULL,
  UNIQUE (stream_id, revision)
);
CREATE TABLE IF NOT EXISTS streams (
  stream_id  TEXT    PRIMARY KEY,
  revision   INTEGER NOT NULL,
  hash       TEXT    NOT NULL
);
`;

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

const COLUMNS = 'position, stream_id, revision, event_id, type, occurred_at, recorded_at, data, hash';
/** SQLite's default limit on bound parameters is 32766; stay well below it. */
const LOOKUP_CHUNK = 500;

export interface SqliteOptions {
  /** Poll interval for subscriptions to see appends made by other processes. */
  pollMs?: number;
}

export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly appended = new Subject<void>();
  private readonly stmts;

  private constructor(
    readonly file: string,
    private readonly options: SqliteOptions,
  ) {
    this.db = new Database(file, { timeout: 10_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new StoreUnavailable(`sqlite:${file}`, `schema version ${version} is newer than this program (${SCHEMA_VERSION})`);
    }
    if (version < SCHEMA_VERSION) {
      this.db.exec(SCHEMA);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
    this.stmts = {
      stream: this.db.prepare<[string], { revision: number; hash: string }>('SELECT revision, hash FROM streams WHERE stream_id = ?'),
      insert: this.db.prepare(
        'INSERT INTO events (stream_id, revision, event_id, type, occurred_at, recorded_at, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      upsertHead: this.db.prepare(
        'INSERT INTO streams (stream_id, revision, hash) VALUES (?, ?, ?) ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, hash = excluded.hash',
      ),
      readAll: this.db.prepare<[number, number], EventRow>(`SELECT ${COLUMNS} FROM events WHERE position >= ? ORDER BY position LIMIT ?`),
      readStream: this.db.prepare<[string, number, number], EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      ),
      heads: this.db.prepare<[], StreamHead>('SELECT stream_id AS streamId, revision, hash FROM streams ORDER BY stream_id'),
    };
  }

  /** Opens (creating if needed) the store in `file`; the folder must exist. */
  static open(file: string, options: SqliteOptions = {}): SqliteEventStore {
    if (file !== ':memory:' && !existsSync(dirname(file))) {
      throw new StoreUnavailable(`sqlite:${file}`, `folder ${dirname(file)} does not exist`);
    }
    try {
      return new SqliteEventStore(file, options);
    } catch (e) {
      if (e instanceof StoreUnavailable) throw e;
      throw new StoreUnavailable(`sqlite:${file}`, (e as Error).message);
    }
  }

  async append(streamId: string, events: readonly NewEvent[], options: { expectedRevision?: ExpectedRevision } = {}) {
    const [result] = await this.appendMany([{ streamId, events, expectedRevision: options.expectedRevision }]);
    return result!;
  }

  async appendMany(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    const results = this.db.transaction(() => {
      const { streamIds, eventIds } = writeKeys(writes);
      const states = new Map<string, StreamState>();
      for (const id of streamIds) {
        const s = this.stmts.stream.get(id);
        if (s) states.set(id, s);
      }
      const plan = planWrites(writes, states, this.existing(eventIds));
      for (const r of plan.rows) {
        this.stmts.insert.run(r.streamId, r.revision, r.eventId, r.type, r.occurredAt, r.recordedAt, JSON.stringify(r.data), r.hash);
      }
      for (const [id, head] of plan.heads) this.stmts.upsertHead.run(id, head.revision, head.hash);
      return { results: plan.results, wrote: plan.rows.length > 0 };
    }).immediate();
    if (results.wrote) this.appended.next();
    return results.results;
  }

  private existing(eventIds: readonly string[]): Map<string, ExistingEvent> {
    const found = new Map<string, ExistingEvent>();
    for (let i = 0; i < eventIds.length; i += LOOKUP_CHUNK) {
      const chunk = eventIds.slice(i, i + LOOKUP_CHUNK);
      const rows = this.db
        .prepare<string[], EventRow>(`SELECT ${COLUMNS} FROM events WHERE event_id IN (${chunk.map(() => '?').join(',')})`)
        .all(...chunk);
      for (const row of rows) {
        const e = toEvent(row);
        found.set(e.eventId, { streamId: e.streamId, content: eventContent(e.streamId, e) });
      }
    }
    return found;
  }

  async *readStream(streamId: string, options: { batchSize?: number } = {}): AsyncIterable<StoredEvent[]> {
    const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
    for (let from = 0; ; ) {
      const rows = this.stmts.readStream.all(streamId, from, size);
      if (rows.length === 0) return;
      yield rows.map(toEvent);
      from = rows[rows.length - 1]!.revision + 1;
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent[]> {
    const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
    for (let from = options.from ?? 1; ; ) {
      const rows = this.stmts.readAll.all(from, size);
      if (rows.length === 0) return;
      yield rows.map(toEvent);
      from = rows[rows.length - 1]!.position + 1;
    }
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

function toEvent(r: EventRow): StoredEvent {
  let data: unknown;
  try {
    data = JSON.parse(r.data);
  } catch (e) {
    throw new UnreadableEvent(r.stream_id, r.revision, r.position, `data is not JSON (${(e as Error).message})`);
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
