import type { StoredEvent } from '@incident-ledger/core';
import { Observable, Subject } from 'rxjs';
import { eventContent } from './chain';
import { ALL_NEW, planWrites, writeKeys, type ExistingEvent, type StreamState } from './plan';
import {
  DEFAULT_BATCH_SIZE,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type ReadAllOptions,
  type StreamHead,
  type StreamWrite,
} from './port';
import { catchUpThenLive } from './subscription';

/**
 * The in-memory store: for tests, what-if runs and `--store memory:`. Same rules as every store.
 * No `audit`: it keeps no index tables beside its events, so there is nothing to disagree with them.
 */
export class MemoryEventStore implements EventStore {
  private readonly all: StoredEvent[] = [];
  private readonly byId = new Map<string, StoredEvent>();
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly appended = new Subject<void>();
  /** Inside appendAtomically: subscribers hear of its events once they are all stored. */
  private holding = false;

  async append(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedRevision?: StreamWrite['expectedRevision'] } = {},
  ) {
    const [result] = await this.appendMany([
      { streamId, events, expectedRevision: options.expectedRevision },
    ]);
    return result!;
  }

  async appendMany(writes: readonly StreamWrite[]) {
    const { streamIds, eventIds } = writeKeys(writes);
    const states = new Map<string, StreamState>();
    for (const id of streamIds) {
      const s = this.streams.get(id);
      const last = s?.[s.length - 1];
      if (last) states.set(id, { revision: last.revision, hash: last.hash });
    }
    const existing = new Map<string, ExistingEvent>();
    for (const id of eventIds) {
      const e = this.byId.get(id);
      if (e) existing.set(id, { streamId: e.streamId, content: eventContent(e.streamId, e) });
    }
    let events = 0;
    for (const w of writes) events += w.events.length;
    // No id stored and none repeated (the usual append): the plan need not look any up.
    const allNew = existing.size === 0 && eventIds.length === events;
    // Planning throws before anything is written: all or nothing.
    const plan = planWrites(writes, states, allNew ? ALL_NEW : existing);
    for (const row of plan.rows) {
      // Named fields, not a spread of the row: a plain literal is several times cheaper per event.
      const stored = {
        eventId: row.eventId,
        streamId: row.streamId,
        revision: row.revision,
        globalPosition: this.all.length + 1,
        type: row.type,
        occurredAt: row.occurredAt,
        recordedAt: row.recordedAt,
        data: row.data,
        hash: row.hash,
      } as StoredEvent;
      this.all.push(stored);
      this.byId.set(stored.eventId, stored);
      let s = this.streams.get(stored.streamId);
      if (!s) this.streams.set(stored.streamId, (s = []));
      s.push(stored);
    }
    if (plan.rows.length > 0 && !this.holding) this.appended.next();
    return plan.results;
  }

  async appendAtomically(
    batches: AsyncIterable<readonly StreamWrite[]>,
    appended?: (results: AppendResult[]) => void,
  ): Promise<void> {
    const mark = this.all.length;
    this.holding = true;
    try {
      for await (const writes of batches) {
        const results = await this.appendMany(writes);
        appended?.(results);
      }
    } catch (e) {
      this.truncate(mark);
      throw e;
    } finally {
      this.holding = false;
    }
    if (this.all.length > mark) this.appended.next();
  }

  /** Forgets the events after the first `n`: the last ones of their streams. */
  private truncate(n: number): void {
    for (const e of this.all.splice(n)) {
      this.byId.delete(e.eventId);
      const s = this.streams.get(e.streamId)!;
      s.pop();
      if (s.length === 0) this.streams.delete(e.streamId);
    }
  }

  async *readStream(streamId: string, options: { batchSize?: number } = {}) {
    yield* batches(this.streams.get(streamId) ?? [], 0, options.batchSize);
  }

  async *readAll(options: ReadAllOptions = {}) {
    yield* batches(this.all, Math.max(0, (options.from ?? 1) - 1), options.batchSize);
  }

  subscribe(options: { from?: number } = {}): Observable<StoredEvent> {
    return catchUpThenLive((from) => this.readAll({ from }), this.appended, options.from);
  }

  async heads(): Promise<StreamHead[]> {
    return [...this.streams.entries()]
      .map(([streamId, s]) => ({
        streamId,
        revision: s[s.length - 1]!.revision,
        hash: s[s.length - 1]!.hash,
      }))
      .sort((a, b) => (a.streamId < b.streamId ? -1 : 1));
  }

  async *readHeads(options: { batchSize?: number } = {}) {
    yield* batches(await this.heads(), 0, options.batchSize);
  }

  async close() {
    this.appended.complete();
  }
}

function* batches<T>(events: readonly T[], start: number, batchSize = DEFAULT_BATCH_SIZE) {
  // Copies, so a caller holding a batch never sees later appends or mutates the store.
  for (let i = start; i < events.length; i += batchSize) yield events.slice(i, i + batchSize);
}
