import type { StoredEvent } from '@incident-ledger/core';
import {
  catchUpThenLive,
  StoreUnavailable,
  type AppendResult,
  type CheckpointStore,
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
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname } from 'node:path';
import { interval, merge, Subject, type Observable } from 'rxjs';
import { Appender } from './append';
import { sqliteAudit } from './audit';
import { sqliteCheckpoints } from './checkpoints';
import { ColumnWriter, sqliteColumns } from './columns';
import { inspectStoreFile, type StoreFile } from './identity';
import { readAll, readHeads, readStatements, readStream, type ReadStatements } from './read';
import { migrate } from './schema';

export interface SqliteOptions {
  /** Poll interval for subscriptions to see appends made by other processes. */
  pollMs?: number;
  /** 'create' (the default) makes the store when there is none; see inspectStoreFile. */
  access?: StoreAccess;
}

/**
 * The store on one SQLite file (tables: schema.ts), composed of its operations: append.ts,
 * read.ts, columns.ts, checkpoints.ts, audit.ts.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly appended = new Subject<void>();
  private readonly reads: ReadStatements;
  private readonly appender: Appender;
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
    const db = this.db;
    // Statements are prepared once the schema is in place.
    const prepared = migrate(db, file, readonly, () => {
      const reads = readStatements(db);
      const writer = new ColumnWriter(db);
      return {
        reads,
        append: new Appender(db, reads, writer),
        columns: sqliteColumns(db, reads, file, readonly ? undefined : writer),
        checkpoints: sqliteCheckpoints(db),
      };
    });
    this.reads = prepared.reads;
    this.appender = prepared.append;
    this.columns = prepared.columns;
    this.checkpoints = prepared.checkpoints;
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
    const { results, wrote } = this.appender.appendMany(writes);
    if (wrote) this.appended.next();
    return results;
  }

  async appendAtomically(
    batches: AsyncIterable<readonly StreamWrite[]>,
    appended?: (results: AppendResult[]) => void,
  ): Promise<void> {
    if (await this.appender.appendBatches(batches, appended)) this.appended.next();
  }

  readStream(streamId: string, options: { batchSize?: number } = {}): AsyncIterable<StoredEvent[]> {
    return readStream(this.reads, streamId, options);
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent[]> {
    return readAll(this.reads, options);
  }

  subscribe(options: { from?: number } = {}): Observable<StoredEvent> {
    // In-process appends wake it at once; the poll picks up appends made by other processes.
    const wake = merge(this.appended, interval(this.options.pollMs ?? 250));
    return catchUpThenLive((from) => this.readAll({ from }), wake, options.from);
  }

  async heads(): Promise<StreamHead[]> {
    return this.reads.heads.all();
  }

  readHeads(options: { batchSize?: number } = {}): AsyncIterable<StreamHead[]> {
    return readHeads(this.reads, options);
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
