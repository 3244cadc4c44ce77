import type { EventStore } from './port';

/**
 * The tables a store keeps beside its events (event ids, stream heads, stream links, block bounds)
 * checked against the events with a few anti-joins, each stopping at the first disagreeing row.
 * An index edited alone breaks no hash chain, yet it decides what an append does: a deleted event
 * id lets the next import append that event again. The SQL is shared by the SQLite and PostgreSQL
 * stores; each gives its dialect (IndexSql). The memory and KurrentDB stores keep no such tables.
 */

/** Where an index table first disagrees with the events. */
export interface IndexBreak {
  /** `event_ids`, `streams`, `events.previous` or `blocks`. */
  table: string;
  /** The row: its key, e.g. `id 0190…` or `stream "wallet-1"`. */
  key: string;
  stored: string;
  expected: string;
}

export interface IndexCheck {
  /** Rows of each index table compared with the events (`previous`: one per event). */
  checked: { eventIds: number; streams: number; previous: number; blocks: number };
  firstBreak?: IndexBreak;
}

/** What differs between the stores' SQL; everything else here is written once. */
export interface IndexSql {
  tables: { events: string; streams: string; eventIds: string; blocks: string };
  /** SQL of the key event_ids keeps for the event id in `column` (each store's idKey). */
  idKey(column: string): string;
  /** `column` compared by bytes (the two stream_id columns of PostgreSQL differ in collation). */
  bytewise(column: string): string;
  /** The n-th bound parameter (1-based; SQLite binds `?` in order). */
  param(n: number): string;
  /** The first row of a query, or undefined. Integers may come back as strings (bigint). */
  first(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown> | undefined>;
}

const HOW_TO_FIX =
  "restore the store from a copy; the index is derived from events and this store's history cannot be trusted";

/** Every index table compared with the events: row counts, and the first disagreeing row. */
export async function checkIndexes(sql: IndexSql): Promise<IndexCheck> {
  const { events, streams, eventIds, blocks } = sql.tables;
  const counts = (await sql.first(
    `SELECT (SELECT count(*) FROM ${eventIds}) AS event_ids, (SELECT count(*) FROM ${streams}) AS streams,
            (SELECT count(*) FROM ${events}) AS events, (SELECT count(*) FROM ${blocks}) AS blocks`,
  ))!;
  const checked = {
    eventIds: Number(counts.event_ids),
    streams: Number(counts.streams),
    previous: Number(counts.events),
    blocks: Number(counts.blocks),
  };
  for (const find of [eventIdBreak, streamBreak, previousBreak, blockBreak]) {
    const firstBreak = await find(sql);
    if (firstBreak) return { checked, firstBreak };
  }
  return { checked };
}

/** Refused before an append: the store's index disagrees with its events. */
export class IndexDisagrees extends Error {
  constructor(readonly at: IndexBreak) {
    super(
      `the store's ${at.table} disagree with its events at ${at.key}: stored ${at.stored}, the events say ${at.expected}; ${HOW_TO_FIX}`,
    );
    this.name = 'IndexDisagrees';
  }
}

/**
 * Throws IndexDisagrees when the store's index tables disagree with its events: an import calls it
 * once before its first append, so that a damaged index never decides what is appended.
 */
export async function assertIndexesAgree(store: EventStore): Promise<void> {
  const at = await store.audit?.snapshot(async (view) => (await view.indexes()).firstBreak);
  if (at) throw new IndexDisagrees(at);
}

/** An event_ids key as text: a UUID's 16 bytes, else the id's text (PostgreSQL adds a 0 byte). */
function idText(key: unknown): string {
  if (typeof key === 'string') return key;
  const b = key as Buffer;
  if (b.length === 16) {
    const hex = b.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return b.subarray(0, b.length === 17 && b[16] === 0 ? 16 : b.length).toString('utf8');
}

/** Exactly one event_ids row per event: its id, at its position. */
async function eventIdBreak(sql: IndexSql): Promise<IndexBreak | undefined> {
  const { events, eventIds } = sql.tables;
  const missing = await sql.first(
    `SELECT e.position, e.event_id, i.position AS stored FROM ${events} e
     LEFT JOIN ${eventIds} i ON i.id = ${sql.idKey('e.event_id')}
     WHERE i.position IS DISTINCT FROM e.position ORDER BY e.position LIMIT 1`,
  );
  if (missing)
    return {
      table: 'event_ids',
      key: `id ${String(missing.event_id)}`,
      stored: missing.stored === null ? 'no row' : `position ${Number(missing.stored)}`,
      expected: `position ${Number(missing.position)}`,
    };
  const extra = await sql.first(
    `SELECT i.id, i.position, e.event_id FROM ${eventIds} i LEFT JOIN ${events} e ON e.position = i.position
     WHERE e.position IS NULL OR ${sql.idKey('e.event_id')} <> i.id ORDER BY i.position LIMIT 1`,
  );
  if (extra)
    return {
      table: 'event_ids',
      key: `id ${idText(extra.id)}`,
      stored: `position ${Number(extra.position)}`,
      expected:
        extra.event_id === null
          ? 'no row: no event at that position'
          : `no row: the event at that position is ${String(extra.event_id)}`,
    };
  return undefined;
}

/** Each stream head names its last event (position, revision, hash); every event has a head. */
async function streamBreak(sql: IndexSql): Promise<IndexBreak | undefined> {
  const { events, streams } = sql.tables;
  const head = await sql.first(
    `SELECT s.stream_id, s.revision, s.hash, s.last_position FROM ${streams} s
     LEFT JOIN ${events} e ON e.position = s.last_position
     WHERE e.position IS NULL OR ${sql.bytewise('e.stream_id')} <> s.stream_id OR e.revision <> s.revision OR e.hash <> s.hash
     ORDER BY s.stream_id LIMIT 1`,
  );
  const stale =
    head ??
    (await sql.first(
      `SELECT e.stream_id, s.revision, s.hash, s.last_position FROM ${events} e
       LEFT JOIN ${streams} s ON s.stream_id = ${sql.bytewise('e.stream_id')}
       WHERE s.stream_id IS NULL OR e.position > s.last_position ORDER BY e.position LIMIT 1`,
    ));
  if (!stale) return undefined;
  const streamId = String(stale.stream_id);
  const last = await sql.first(
    `SELECT position, revision, hash FROM ${events} WHERE stream_id = ${sql.param(1)} ORDER BY position DESC LIMIT 1`,
    [streamId],
  );
  const describe = (r: Record<string, unknown>, position: unknown) =>
    `last_position ${Number(position)}, revision ${Number(r.revision)}, hash ${String(r.hash).slice(0, 12)}`;
  return {
    table: 'streams',
    key: `stream ${JSON.stringify(streamId)}`,
    stored: stale.last_position === null ? 'no row' : describe(stale, stale.last_position),
    expected: last ? describe(last, last.position) : 'no row: the stream has no events',
  };
}

/** Each event links to its stream's event of the revision before, or to none at revision 0. */
async function previousBreak(sql: IndexSql): Promise<IndexBreak | undefined> {
  const { events } = sql.tables;
  const bad = await sql.first(
    `SELECT e.position, e.stream_id, e.revision, e.previous FROM ${events} e LEFT JOIN ${events} p ON p.position = e.previous
     WHERE (e.revision = 0 AND e.previous IS NOT NULL)
        OR (e.revision <> 0 AND (p.position IS NULL OR p.stream_id <> e.stream_id OR p.revision <> e.revision - 1))
     ORDER BY e.position LIMIT 1`,
  );
  if (!bad) return undefined;
  const before = await sql.first(
    `SELECT position FROM ${events} WHERE stream_id = ${sql.param(1)} AND revision = ${sql.param(2)} ORDER BY position LIMIT 1`,
    [bad.stream_id, Number(bad.revision) - 1],
  );
  return {
    table: 'events.previous',
    key: `position ${Number(bad.position)}`,
    stored: bad.previous === null ? 'NULL' : String(Number(bad.previous)),
    expected:
      Number(bad.revision) === 0
        ? 'NULL: the first event of its stream'
        : before
          ? `${Number(before.position)}: revision ${Number(bad.revision) - 1} of its stream`
          : `revision ${Number(bad.revision) - 1} of its stream, which has no event`,
  };
}

/** Blocks are contiguous and cover exactly positions 1 to the last event's. */
async function blockBreak(sql: IndexSql): Promise<IndexBreak | undefined> {
  const { events, blocks } = sql.tables;
  const gap = await sql.first(
    `SELECT last_position, first_position, before FROM (
       SELECT last_position, first_position, coalesce(lag(last_position) OVER (ORDER BY last_position), 0) AS before FROM ${blocks}
     ) b WHERE first_position <> before + 1 OR first_position > last_position ORDER BY last_position LIMIT 1`,
  );
  if (gap) {
    const before = Number(gap.before);
    return {
      table: 'blocks',
      key: `last_position ${Number(gap.last_position)}`,
      stored: `first_position ${Number(gap.first_position)}`,
      expected:
        Number(gap.first_position) === before + 1
          ? `last_position at least ${before + 1}`
          : `first_position ${before + 1} (the block before ends at ${before})`,
    };
  }
  const ends = (await sql.first(
    `SELECT (SELECT coalesce(max(last_position), 0) FROM ${blocks}) AS blocks, (SELECT coalesce(max(position), 0) FROM ${events}) AS events`,
  ))!;
  if (Number(ends.blocks) === Number(ends.events)) return undefined;
  return {
    table: 'blocks',
    key: `last_position ${Number(ends.blocks)} (the last block)`,
    stored: `last_position ${Number(ends.blocks)}`,
    expected: `last_position ${Number(ends.events)} (the last event's position)`,
  };
}
