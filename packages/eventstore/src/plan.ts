import { chainHash, eventContent, GENESIS_HASH } from './chain';
import { EventIdConflict, WrongExpectedVersion } from './errors';
import type { AppendResult, ExpectedRevision, NewEvent, StreamWrite } from './port';

/**
 * The append rules, written once for every store. An adapter fetches what the rules need
 * (the state of the streams written to, and any stored events with the ids being written), calls
 * planWrites inside its transaction, and writes the rows it returns. Revisions, hashes,
 * idempotency and expected-revision checks are therefore identical on every store.
 */

export interface StreamState {
  /** Last revision; -1 when the stream has no events. */
  revision: number;
  hash: string;
}
export const NO_STREAM: StreamState = { revision: -1, hash: GENESIS_HASH };

/** A stored event with one of the ids being written: where it is and what it says. */
export interface ExistingEvent {
  streamId: string;
  content: string;
}

export interface PlannedRow extends NewEvent {
  streamId: string;
  revision: number;
  hash: string;
}

export interface Plan {
  rows: PlannedRow[];
  results: AppendResult[];
  /** New state of every stream that gets rows, for adapters that keep a stream table. */
  heads: Map<string, StreamState>;
}

/**
 * What an adapter passes as `existing` when no id being written is stored or comes twice in the
 * writes:
 * nothing is looked up or compared then. The adapter makes sure of it, before (SQLite inserts the
 * ids
 * first) or after (PostgreSQL's event-id key fails the append, which then plans again with the
 * stored
 * events).
 */
export const ALL_NEW = Symbol('every event id is new');

export function planWrites(
  writes: readonly StreamWrite[],
  streams: ReadonlyMap<string, StreamState>,
  existing: ReadonlyMap<string, ExistingEvent> | typeof ALL_NEW,
): Plan {
  const heads = new Map<string, StreamState>();
  /**
   * Events earlier in these writes, by id: their content is worked out only if an id comes again
   * (rare).
   */
  const staged = new Map<string, { streamId: string; e: NewEvent }>();
  const rows: PlannedRow[] = [];
  const results: AppendResult[] = [];
  for (const write of writes) {
    const { streamId } = write;
    const state = heads.get(streamId) ?? streams.get(streamId) ?? NO_STREAM;
    let fresh = write.events;
    let skipped = 0;
    if (existing !== ALL_NEW) {
      const kept: NewEvent[] = [];
      for (const e of write.events) {
        const earlier = staged.get(e.eventId);
        const stored = earlier
          ? { streamId: earlier.streamId, content: eventContent(earlier.streamId, earlier.e) }
          : existing.get(e.eventId);
        if (stored === undefined) {
          staged.set(e.eventId, { streamId, e });
          kept.push(e);
        } else if (stored.streamId === streamId && stored.content === eventContent(streamId, e)) {
          skipped++;
        } else {
          throw new EventIdConflict(e.eventId, streamId, stored.streamId);
        }
      }
      fresh = kept;
    }
    let { revision, hash } = state;
    if (fresh.length > 0) {
      const expected = write.expectedRevision ?? 'any';
      // A partly stored batch is a retry of something else: only a writer that accepts any revision
      // may complete it.
      if ((skipped > 0 && expected !== 'any') || !revisionMatches(expected, revision)) {
        throw new WrongExpectedVersion(streamId, expected, revision);
      }
      for (const e of fresh) {
        revision++;
        hash = chainHash(hash, revision, eventContent(streamId, e));
        // Named fields, not a spread: a plain literal is several times cheaper per event, and
        // nothing else rides along.
        rows.push({
          eventId: e.eventId,
          type: e.type,
          occurredAt: e.occurredAt,
          recordedAt: e.recordedAt,
          data: e.data,
          streamId,
          revision,
          hash,
        });
      }
      heads.set(streamId, { revision, hash });
    }
    results.push({ streamId, nextExpectedRevision: revision, appended: fresh.length, skipped });
  }
  return { rows, results, heads };
}

export function revisionMatches(expected: ExpectedRevision, actual: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no-stream':
      return actual === -1;
    case 'exists':
      return actual >= 0;
    default:
      return actual === expected;
  }
}

/** Every distinct stream id a set of writes touches: the stream heads an adapter must fetch. */
export function writeStreamIds(writes: readonly StreamWrite[]): string[] {
  const streamIds = new Set<string>();
  for (const w of writes) streamIds.add(w.streamId);
  return [...streamIds];
}

/** Every distinct stream id and event id a set of writes touches: what an adapter must fetch. */
export function writeKeys(writes: readonly StreamWrite[]): {
  streamIds: string[];
  eventIds: string[];
} {
  const eventIds = new Set<string>();
  for (const w of writes) for (const e of w.events) eventIds.add(e.eventId);
  return { streamIds: writeStreamIds(writes), eventIds: [...eventIds] };
}
