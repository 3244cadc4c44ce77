import type { ColumnBatch, LedgerEvent, StoredEvent } from '@incident-ledger/core';
import type { Observable } from 'rxjs';
import type { IndexCheck } from './index-check';

/**
 * The event store port. Adapters (memory, SQLite, PostgreSQL, KurrentDB) implement it and pass
 * the contract suite in ./contract; nothing in the domain knows which one it talks to.
 */

/** 'no-stream': must not exist; 'exists': must exist; n: its last revision must be n (0-based). */
export type ExpectedRevision = 'no-stream' | 'any' | 'exists' | number;

/** An event to append: its stream is named by the write, its revision and position by the store. */
export type NewEvent = Omit<LedgerEvent, 'streamId'>;

export interface StreamWrite {
  streamId: string;
  events: readonly NewEvent[];
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  streamId: string;
  /** Revision of the stream's last event after the append; -1 for a stream that still has none. */
  nextExpectedRevision: number;
  appended: number;
  /** Events whose ids were already stored with the same content: not written again. */
  skipped: number;
}

export interface ReadAllOptions {
  /** First global position to return (positions start at 1). */
  from?: number;
  batchSize?: number;
}

export interface StreamHead {
  streamId: string;
  revision: number;
  hash: string;
}

export interface EventStore {
  /** Appends to one stream atomically. */
  append(
    streamId: string,
    events: readonly NewEvent[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult>;
  /** Appends to several streams as one atomic unit: all writes land or none does. */
  appendMany(writes: readonly StreamWrite[]): Promise<AppendResult[]>;
  /**
   * Optional: appends batches as they come as one atomic unit, every batch or (on any error,
   * one thrown by the batches included) none, memory holding one batch. `appended` gets each
   * batch's results as it is written, before the whole is committed. Stores that cannot keep one
   * transaction open across batches leave it out; their callers append batch by batch.
   */
  appendAtomically?(
    batches: AsyncIterable<readonly StreamWrite[]>,
    appended?: (results: AppendResult[]) => void,
  ): Promise<void>;
  readStream(streamId: string, options?: { batchSize?: number }): AsyncIterable<StoredEvent[]>;
  /** Every event in global order, in batches: the replay hot path. */
  readAll(options?: ReadAllOptions): AsyncIterable<StoredEvent[]>;
  /** Catches up from a position, then delivers new appends live, in order. */
  subscribe(options?: { from?: number }): Observable<StoredEvent>;
  /** The last event of every stream, in stream-id order: the basis of the store digest. */
  heads(): Promise<StreamHead[]>;
  /**
   * Optional: the same heads in batches, in the store's stream-id order, for stores with more
   * streams than a caller should hold (storeDigestInOrder).
   */
  readHeads?(options?: { batchSize?: number }): AsyncIterable<StreamHead[]>;
  close(): Promise<void>;
  /** Optional: reads in columns, for stores that keep them (feed.ts uses it when present). */
  readonly columns?: ColumnReader;
  /** Optional: saved projection state, for stores that can vouch for the history it covers. */
  readonly checkpoints?: CheckpointStore;
  /** Optional: one-snapshot reads and the index check, for stores that keep index tables. */
  readonly audit?: StoreAudit;
}

/**
 * Reads of one verification: `snapshot` runs `fn` with a view whose every read (heads, events,
 * columns, index tables) sees the same committed state, whatever other writers append meanwhile.
 */
export interface StoreAudit {
  snapshot<T>(fn: (view: AuditView) => Promise<T>): Promise<T>;
}

export interface AuditView extends Pick<
  EventStore,
  'heads' | 'readAll' | 'columns' | 'checkpoints'
> {
  /** The index tables compared with the events (index-check.ts). */
  indexes(): Promise<IndexCheck>;
}

/**
 * Reads of every event in global order as columnar batches (core's events/columns.ts): the replay
 * hot path.
 */
export interface ColumnReader {
  /** The numbering of this store's keys (ColumnBatch.keySpace). */
  readonly keySpace: string;
  readColumns(options?: ReadAllOptions): AsyncIterable<ColumnBatch>;
  /**
   * Optional: rebuilds, from the events, blocks derived under another column declaration (an
   * opening that may write; `onNotice` hears progress lines), and drops checkpoints that follow
   * their key numbering; true if it rebuilt. A replay calls it before it looks for checkpoints;
   * readColumns calls it too.
   */
  rebuildStale?(onNotice?: (notice: string) => void): Promise<boolean>;
}

/** A projection's state saved at a global position (core's checkpoint.ts makes the key). */
export interface SavedCheckpoint {
  key: string;
  projection: string;
  version: number;
  /** Last global position the state covers, and the number of events up to it. */
  position: number;
  events: number;
  /** The store's fingerprint of its history up to `position` when the state was saved. */
  history: string;
  sections: ReadonlyMap<string, Uint8Array>;
}

/** A saved checkpoint without its state: what a listing of the stored checkpoints gives. */
export type CheckpointHeader = Omit<SavedCheckpoint, 'sections'>;

export interface CheckpointStore {
  /**
   * A fingerprint of the stored history up to and including `position` (every event, in global
   * order), or undefined when the store cannot give one there. A checkpoint is used only while it
   * still matches: a store whose history changed under a checkpoint rebuilds instead. Where the
   * store keeps columns, it is chain.ts's extendHistory once per column batch read from the start,
   * so that `verify --integrity` can derive it again (derived.ts).
   */
  historyAt(position: number): Promise<string | undefined>;
  loadCheckpoint(key: string): Promise<SavedCheckpoint | undefined>;
  /** Every stored checkpoint, in key order, without its state: what `verify --integrity` proves. */
  listCheckpoints(): Promise<CheckpointHeader[]>;
  /**
   * Replaces the checkpoint with the same key, and drops those of the projection's other versions.
   */
  saveCheckpoint(checkpoint: SavedCheckpoint): Promise<void>;
}

export const DEFAULT_BATCH_SIZE = 2_000;

/** Events in append order as writes: consecutive events of one stream share a write. */
export function writesInOrder(events: readonly LedgerEvent[]): StreamWrite[] {
  const writes: StreamWrite[] = [];
  let current: { streamId: string; events: NewEvent[] } | undefined;
  for (const { streamId, ...event } of events) {
    if (current?.streamId !== streamId) writes.push((current = { streamId, events: [] }));
    current.events.push(event);
  }
  return writes;
}
