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
  /**
   * SQL true when the event_ids key in column `id` is the key of the event id in column `eventId`
   * (each store's idKey), false otherwise, never NULL for non-NULL columns.
   */
  idMatches(id: string, eventId: string): string;
  /** `column` compared by bytes (the two stream_id columns of PostgreSQL differ in collation). */
  bytewise(column: string): string;
  /** The n-th bound parameter (1-based; SQLite binds `?` in order). */
  param(n: number): string;
  /** The first row of a query, or undefined. Integers may come back as strings (bigint). */
  first(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown> | undefined>;
}

/** A lowercase UUID's shape for LIKE: 36 characters, dashes where a UUID has them. */
export const UUID_LIKE = '________-____-____-____-____________';

const HOW_TO_FIX =
  "restore the store from a copy; the index is derived from events and this store's history cannot be trusted";

/**
 * Every index table compared with the events: row counts, and the first disagreeing row. Each
 * check is one aggregate over a join (min of the disagreeing keys): PostgreSQL plans it as a hash
 * join, where LIMIT 1 made it probe an index once per row (measured 3x slower at 500,000 events).
 * Rows are looked up one by one only to describe a break.
 */
export async function checkIndexes(sql: IndexSql): Promise<IndexCheck> {
  const { events, streams, eventIds, blocks } = sql.tables;
  const counts = (await sql.first(
    `SELECT (SELECT count(*) FROM ${eventIds}) AS event_ids, (SELECT count(*) FROM ${streams}) AS streams,
            (SELECT coalesce(sum(revision + 1), 0) FROM ${streams}) AS in_streams,
            (SELECT count(*) FROM ${events}) AS events, (SELECT count(*) FROM ${blocks}) AS blocks`,
  ))!;
  const n = {
    eventIds: Number(counts.event_ids),
    streams: Number(counts.streams),
    previous: Number(counts.events),
    blocks: Number(counts.blocks),
  };
  const finds = [
    () => eventIdBreak(sql, n.eventIds === n.previous),
    () => headBreak(sql),
    () => previousBreak(sql),
    () => staleStreamBreak(sql, Number(counts.in_streams), n.previous),
    () => blockBreak(sql),
  ];
  for (const find of finds) {
    const firstBreak = await find();
    if (firstBreak) return { checked: n, firstBreak };
  }
  return { checked: n };
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

/** The least value of a query's `at` column, or undefined when it has no row. */
async function least(sql: IndexSql, text: string): Promise<unknown> {
  const at = (await sql.first(text))?.at;
  return at === null ? undefined : at;
}

/**
 * Exactly one event_ids row per event: its id, at its position. Rows that each match the event at
 * their position are as many events (an id is the key: two rows at one position differ in id, so
 * one does not match); then equal counts leave no event without its row.
 */
async function eventIdBreak(sql: IndexSql, sameCount: boolean): Promise<IndexBreak | undefined> {
  const { events, eventIds } = sql.tables;
  const matches = sql.idMatches('i.id', 'e.event_id');
  const wrong = await least(
    sql,
    `SELECT min(i.position) AS at FROM ${eventIds} i LEFT JOIN ${events} e ON e.position = i.position
     WHERE e.position IS NULL OR (${matches}) IS NOT TRUE`,
  );
  if (wrong !== undefined) {
    const row = (await sql.first(
      `SELECT i.id, e.event_id FROM ${eventIds} i LEFT JOIN ${events} e ON e.position = i.position
       WHERE i.position = ${sql.param(1)} AND (e.position IS NULL OR (${matches}) IS NOT TRUE)`,
      [wrong],
    ))!;
    const id = idText(row.id);
    const home = await sql.first(
      `SELECT position FROM ${events} WHERE event_id = ${sql.param(1)} ORDER BY position LIMIT 1`,
      [id],
    );
    return {
      table: 'event_ids',
      key: `id ${id}`,
      stored: `position ${Number(wrong)}`,
      expected: home
        ? `position ${Number(home.position)}`
        : `no row: no event has this id${row.event_id === null ? '' : ` (the event at ${Number(wrong)} is ${String(row.event_id)})`}`,
    };
  }
  if (sameCount) return undefined;
  const missing = await least(
    sql,
    `SELECT min(e.position) AS at FROM ${events} e LEFT JOIN ${eventIds} i ON i.position = e.position
     WHERE i.position IS NULL`,
  );
  const event = await sql.first(`SELECT event_id FROM ${events} WHERE position = ${sql.param(1)}`, [
    missing,
  ]);
  return {
    table: 'event_ids',
    key: `id ${String(event?.event_id)}`,
    stored: 'no row',
    expected: `position ${Number(missing)}`,
  };
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

/** Each stream head names an event of its stream, at its revision, with its hash. */
async function headBreak(sql: IndexSql): Promise<IndexBreak | undefined> {
  const { events, streams } = sql.tables;
  const streamId = await least(
    sql,
    `SELECT min(s.stream_id) AS at FROM ${streams} s LEFT JOIN ${events} e ON e.position = s.last_position
     WHERE e.position IS NULL OR ${sql.bytewise('e.stream_id')} <> s.stream_id OR e.revision <> s.revision OR e.hash <> s.hash`,
  );
  return streamId === undefined ? undefined : streamRowBreak(sql, String(streamId));
}

/**
 * With every head on an event of its stream and every link right (headBreak, previousBreak), the
 * links from the heads reach revision + 1 events each, no event twice: when the heads' revisions
 * sum to the number of events, no event is outside a stream's links, none after its head.
 */
async function staleStreamBreak(
  sql: IndexSql,
  inStreams: number,
  events: number,
): Promise<IndexBreak | undefined> {
  if (inStreams === events) return undefined;
  const { streams } = sql.tables;
  const at = await least(
    sql,
    `SELECT min(e.position) AS at FROM ${sql.tables.events} e LEFT JOIN ${streams} s ON s.stream_id = ${sql.bytewise('e.stream_id')}
     WHERE s.stream_id IS NULL OR e.position > s.last_position`,
  );
  if (at === undefined)
    return {
      table: 'streams',
      key: 'every stream',
      stored: `heads whose revisions count ${inStreams} events`,
      expected: `${events} events, as many as stored (a revision is stored twice)`,
    };
  const event = (await sql.first(
    `SELECT stream_id FROM ${sql.tables.events} WHERE position = ${sql.param(1)}`,
    [at],
  ))!;
  return streamRowBreak(sql, String(event.stream_id));
}

/** A stream's row as stored and as its last event says it should be. */
async function streamRowBreak(sql: IndexSql, streamId: string): Promise<IndexBreak> {
  const { events, streams } = sql.tables;
  const stored = await sql.first(
    `SELECT revision, hash, last_position FROM ${streams} WHERE stream_id = ${sql.param(1)}`,
    [streamId],
  );
  const last = await sql.first(
    `SELECT position AS last_position, revision, hash FROM ${events} WHERE stream_id = ${sql.param(1)} ORDER BY position DESC LIMIT 1`,
    [streamId],
  );
  const describe = (r: Record<string, unknown>) =>
    `last_position ${Number(r.last_position)}, revision ${Number(r.revision)}, hash ${String(r.hash).slice(0, 12)}`;
  return {
    table: 'streams',
    key: `stream ${JSON.stringify(streamId)}`,
    stored: stored ? describe(stored) : 'no row',
    expected: last ? describe(last) : 'no row: the stream has no events',
  };
}

/**
 * Each event links to its stream's event of the revision before, at an earlier position, or to
 * none at revision 0.
 */
async function previousBreak(sql: IndexSql): Promise<IndexBreak | undefined> {
  const { events } = sql.tables;
  const at = await least(
    sql,
    `SELECT min(e.position) AS at FROM ${events} e LEFT JOIN ${events} p ON p.position = e.previous
     WHERE (e.revision = 0 AND e.previous IS NOT NULL)
        OR (e.revision <> 0 AND (p.position IS NULL OR p.stream_id <> e.stream_id OR p.revision <> e.revision - 1 OR p.position >= e.position))`,
  );
  if (at === undefined) return undefined;
  const bad = (await sql.first(
    `SELECT stream_id, revision, previous FROM ${events} WHERE position = ${sql.param(1)}`,
    [at],
  ))!;
  const revision = Number(bad.revision);
  const before = await sql.first(
    `SELECT position FROM ${events} WHERE stream_id = ${sql.param(1)} AND revision = ${sql.param(2)} ORDER BY position LIMIT 1`,
    [bad.stream_id, revision - 1],
  );
  return {
    table: 'events.previous',
    key: `position ${Number(at)}`,
    stored: bad.previous === null ? 'NULL' : String(Number(bad.previous)),
    expected:
      revision === 0
        ? 'NULL: the first event of its stream'
        : before
          ? `${Number(before.position)}: revision ${revision - 1} of its stream`
          : `revision ${revision - 1} of its stream, which has no event`,
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
