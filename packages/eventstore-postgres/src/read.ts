import type { StoredEvent } from '@incident-ledger/core';
import {
  DEFAULT_BATCH_SIZE,
  type ReadAllOptions,
  type StreamHead,
} from '@incident-ledger/eventstore';
import type { QueryResultRow } from 'pg';
import type { WithClient } from './connection';
import { COLUMNS, toEvent, type EventRow } from './event-row';
import type { Tables } from './tables';

/**
 * Where reads go: the store's tables, through the pool's clients or, in an audit snapshot, through
 * the one client of its transaction.
 */
export interface ReadFrom {
  t: Tables;
  withClient: WithClient;
}

export async function* readStream(
  { t, withClient }: ReadFrom,
  streamId: string,
  options: { batchSize?: number } = {},
): AsyncIterable<StoredEvent[]> {
  const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
  // Walk the stream's links back from its head (one snapshot), then read forward.
  const chain = await query<{ position: string }>(
    withClient,
    `WITH RECURSIVE chain (position, previous) AS (
       SELECT e.position, e.previous FROM ${t.streams} s JOIN ${t.events} e ON e.position = s.last_position WHERE s.stream_id = $1
       UNION ALL
       SELECT e.position, e.previous FROM chain c JOIN ${t.events} e ON e.position = c.previous
     )
     SELECT position FROM chain`,
    [streamId],
  );
  const positions = chain.map((r) => r.position).reverse();
  for (let i = 0; i < positions.length; i += size) {
    yield await eventsAt({ t, withClient }, positions.slice(i, i + size));
  }
}

export async function* readAll(
  { t, withClient }: ReadFrom,
  options: ReadAllOptions = {},
): AsyncIterable<StoredEvent[]> {
  const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
  for (let from = options.from ?? 1; ;) {
    const rows = await query<EventRow>(
      withClient,
      `SELECT ${COLUMNS} FROM ${t.events} WHERE position >= $1 ORDER BY position LIMIT $2`,
      [from, size],
    );
    if (rows.length === 0) return;
    yield rows.map(toEvent);
    from = Number(rows[rows.length - 1]!.position) + 1;
  }
}

/** The events at these positions, in position order. */
export async function eventsAt(
  { t, withClient }: ReadFrom,
  positions: readonly (number | string)[],
): Promise<StoredEvent[]> {
  const rows = await query<EventRow>(
    withClient,
    `SELECT ${COLUMNS} FROM ${t.events} WHERE position = ANY($1::bigint[]) ORDER BY position`,
    [positions],
  );
  return rows.map(toEvent);
}

export async function heads({ t, withClient }: ReadFrom): Promise<StreamHead[]> {
  const rows = await query<{ stream_id: string; revision: string; hash: string }>(
    withClient,
    `SELECT stream_id, revision, hash FROM ${t.streams}`,
    [],
  );
  // Sorted here, by UTF-16 code units like every other store: no SQL collation orders astral
  // characters that way.
  return rows
    .map((r) => ({ streamId: r.stream_id, revision: Number(r.revision), hash: r.hash }))
    .sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
}

async function query<R extends QueryResultRow>(
  withClient: WithClient,
  text: string,
  values: unknown[],
): Promise<R[]> {
  return withClient(async (client) => (await client.query<R>(text, values)).rows);
}
