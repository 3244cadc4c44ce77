import type { StoredEvent } from '@incident-ledger/core';
import {
  checkIndexes,
  StoreUnavailable,
  type AppendResult,
  type AuditView,
  type ColumnReader,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type StoreAccess,
  type StoreAudit,
  type StreamHead,
  type StreamWrite,
} from '@incident-ledger/eventstore';
import { endianness } from 'node:os';
import type { Observable } from 'rxjs';
import { Appender } from './append';
import { inSnapshot, postgresIndexSql } from './audit';
import { columnReader } from './columns';
import { rebuildStaleBlocks } from './rebuild';
import { Connection, redact } from './connection';
import { Listener } from './listener';
import { heads, readAll, readStream, type ReadFrom } from './read';
import { migrate } from './schema';
import { tables, type Tables } from './tables';

export { redact, withDefaultUser } from './connection';

/** PostgreSQL silently truncates longer identifiers, which would alias two stores' schemas. */
const MAX_IDENTIFIER_BYTES = 63;

export interface PostgresOptions {
  /** Schema holding the store's tables; created on first use. */
  schema?: string;
  /** How long to wait for a connection before failing with StoreUnavailable. */
  connectTimeoutMs?: number;
  /** Only 'create' (the default) makes the schema and its tables when they are missing. */
  access?: StoreAccess;
}

export const DEFAULT_SCHEMA = 'incident_ledger';
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * PostgreSQL store. Every append (appendMany's one batch, or appendAtomically's every batch) is one
 * transaction that first takes this schema's transaction-scoped advisory lock (see
 * docs/postgres.md): appends to one store are serialised, so planWrites sees the committed truth,
 * and positions (max + 1) are handed out in commit order, so a reader paging by position never
 * passes an event that commits later. Reads take no lock.
 *
 * `events` is the record: what the port reads and the hash chains cover, indexed by position only.
 * Beside it, written in the same transaction (binary COPY for the bulk of it):
 * - `event_ids`: every event id as bytes (idKey), the idempotency check; no unique index on events.
 * - `previous` (a column of events) and `streams.last_position`: each stream's events linked, which
 * readStream walks; revisions need no index either, the stream heads read under the lock decide
 *   them.
 * - `keys` and `blocks`: the replay columns (core's events/columns.ts, eventstore's blocks.ts),
 *   numbered and cut exactly as the SQLite store does, read by `columns.readColumns`.
 *
 * The work is done by operation (schema.ts, append.ts with write-rows.ts, read.ts, columns.ts,
 * listener.ts); this class puts them together.
 */
export class PostgresEventStore implements EventStore {
  private readonly t: Tables;
  /** Reads through the pool: each query takes a client of its own. */
  private readonly reads: ReadFrom;
  private readonly appender: Appender;
  private readonly listener: Listener;
  readonly columns: ColumnReader;
  readonly audit: StoreAudit = { snapshot: (fn) => this.snapshot(fn) };

  private constructor(
    private readonly db: Connection,
    readonly schema: string,
    access: StoreAccess,
  ) {
    this.t = tables(schema);
    this.reads = { t: this.t, withClient: db.withClient };
    this.appender = new Appender(db, this.t, schema);
    this.listener = new Listener(db, schema);
    this.columns = columnReader(
      this.reads,
      access === 'read'
        ? undefined
        : (notice) => rebuildStaleBlocks(db, this.t, () => this.appender.forget(), notice),
    );
  }

  /**
   * Connects, creating the schema and its tables on first use. Fails with StoreUnavailable, never
   * hangs.
   */
  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresEventStore> {
    const schema = options.schema ?? DEFAULT_SCHEMA;
    if (schema === '' || Buffer.byteLength(schema) > MAX_IDENTIFIER_BYTES) {
      throw new StoreUnavailable(
        redact(url),
        `schema name must be 1 to ${MAX_IDENTIFIER_BYTES} bytes long`,
      );
    }
    if (endianness() !== 'LE')
      throw new StoreUnavailable(
        redact(url),
        'the replay columns are little-endian; this machine is big-endian',
      );
    const db = new Connection(url, schema, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    const access = options.access ?? 'create';
    const store = new PostgresEventStore(db, schema, access);
    try {
      await migrate(db, schema, store.t, access);
      return store;
    } catch (e) {
      await db.end();
      throw e instanceof StoreUnavailable ? e : db.unavailable(e);
    }
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

  appendMany(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    return this.appender.appendMany(writes);
  }

  appendAtomically(
    batches: AsyncIterable<readonly StreamWrite[]>,
    appended?: (results: AppendResult[]) => void,
  ): Promise<void> {
    return this.appender.appendAtomically(batches, appended);
  }

  readStream(streamId: string, options: { batchSize?: number } = {}): AsyncIterable<StoredEvent[]> {
    return readStream(this.reads, streamId, options);
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent[]> {
    return readAll(this.reads, options);
  }

  subscribe(options: { from?: number } = {}): Observable<StoredEvent> {
    return this.listener.subscribe((from) => this.readAll({ from }), options.from);
  }

  heads(): Promise<StreamHead[]> {
    return heads(this.reads);
  }

  async close(): Promise<void> {
    await this.listener.close();
    await this.db.end();
  }

  /**
   * One REPEATABLE READ transaction on one client; the view reads every table through that client
   * (the store itself keeps reading through the pool).
   */
  private async snapshot<T>(fn: (view: AuditView) => Promise<T>): Promise<T> {
    return this.db.withClient((client) =>
      inSnapshot(client, () => {
        const pinned: ReadFrom = { t: this.t, withClient: (work) => work(client) };
        return fn({
          heads: () => heads(pinned),
          readAll: (o) => readAll(pinned, o),
          columns: columnReader(pinned),
          indexes: () => checkIndexes(postgresIndexSql(client, this.t)),
        });
      }),
    );
  }
}
