import type { StoredEvent } from '@incident-ledger/core';
import {
  DEFAULT_BATCH_SIZE,
  UnreadableEvent,
  type ReadAllOptions,
  type StreamHead,
} from '@incident-ledger/eventstore';
import type Database from 'better-sqlite3';

/** A row of `events` as read. */
export interface EventRow {
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

export const COLUMNS =
  'position, stream_id, revision, event_id, type, occurred_at, recorded_at, data, hash';

type HeadRow = { revision: number; hash: string; last_position: number };

/** The statements that read events and stream heads (typed out: declarations must name them). */
export interface ReadStatements {
  stream: Database.Statement<[string], HeadRow>;
  readAll: Database.Statement<[number, number], EventRow>;
  byPosition: Database.Statement<[number], EventRow>;
  previous: Database.Statement<[number], number | null>;
  heads: Database.Statement<[], StreamHead>;
  headsAfter: Database.Statement<[string, number], StreamHead>;
}

export function readStatements(db: Database.Database): ReadStatements {
  return {
    stream: db.prepare<[string], HeadRow>(
      'SELECT revision, hash, last_position FROM streams WHERE stream_id = ?',
    ),
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
    headsAfter: db.prepare<[string, number], StreamHead>(
      'SELECT stream_id AS streamId, revision, hash FROM streams WHERE stream_id > ? ORDER BY stream_id LIMIT ?',
    ),
  };
}

export async function* readStream(
  stmts: ReadStatements,
  streamId: string,
  options: { batchSize?: number } = {},
): AsyncIterable<StoredEvent[]> {
  const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const head = stmts.stream.get(streamId);
  if (head === undefined) return;
  // Walk the stream's links back from its head, then read forward.
  const positions: number[] = [];
  for (
    let p: number | null | undefined = head.last_position;
    p !== null && p !== undefined;
    p = stmts.previous.get(p)
  )
    positions.push(p);
  positions.reverse();
  for (let i = 0; i < positions.length; i += size) {
    const chunk = positions.slice(i, i + size);
    yield chunk.flatMap((p) => {
      const row = stmts.byPosition.get(p);
      return row === undefined ? [] : [toEvent(row)];
    });
  }
}

export async function* readAll(
  stmts: ReadStatements,
  options: ReadAllOptions = {},
): AsyncIterable<StoredEvent[]> {
  const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
  for (let from = options.from ?? 1; ;) {
    const rows = stmts.readAll.all(from, size);
    if (rows.length === 0) return;
    yield rows.map(toEvent);
    from = rows[rows.length - 1]!.position + 1;
  }
}

/** Stream heads in stream-id order (the collation's), a page at a time: ids are never empty. */
export async function* readHeads(
  stmts: ReadStatements,
  options: { batchSize?: number } = {},
): AsyncIterable<StreamHead[]> {
  const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
  for (let after = ''; ;) {
    const heads = stmts.headsAfter.all(after, size);
    if (heads.length === 0) return;
    yield heads;
    after = heads[heads.length - 1]!.streamId;
  }
}

export function toEvent(r: EventRow): StoredEvent {
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
