import {
  allocateColumns,
  DOMAIN,
  encodeRow,
  KEY_DOMAIN_COUNT,
  KEY_DOMAINS,
  KeyDictionary,
  isRareCode,
  type ColumnBatch,
  type KeyDomain,
  type KeyNames,
  type MutableColumnBatch,
  type StoredEvent,
} from '@incident-ledger/core';
import {
  ALL_NEW,
  BLOCK_EVENTS,
  checkIndexes,
  BLOCKS_PER_READ,
  catchUpThenLive,
  decodeBlock,
  DEFAULT_BATCH_SIZE,
  encodeBlock,
  eventContent,
  planWrites,
  sliceBatch,
  StoreMissing,
  StoreUnavailable,
  uuidInto,
  WrongExpectedVersion,
  withKnownKeyCounts,
  writeKeys,
  writeStreamIds,
  type AppendResult,
  type ColumnReader,
  type EventStore,
  type ExistingEvent,
  type ExpectedRevision,
  type NewEvent,
  type PlannedRow,
  type ReadAllOptions,
  type StreamHead,
  type StreamState,
  type StoreAccess,
  type StreamWrite,
  type StoreAudit,
  type AuditView,
} from '@incident-ledger/eventstore';
import { createHash } from 'node:crypto';
import { endianness, userInfo } from 'node:os';
import {
  Client,
  DatabaseError,
  escapeIdentifier,
  Pool,
  type PoolClient,
  type QueryResultRow,
} from 'pg';
import { Observable, share, Subject } from 'rxjs';
import { inSnapshot, postgresIndexSql } from './audit';
import { ClosingClient } from './closing-client';
import { copyIn, copyOut, int8At, type CopyWriter } from './copy';

/**
 * 1: events with unique indexes, stream heads. 2: event-id table, stream links, replay columns
 * (keys, blocks).
 */
const SCHEMA_VERSION = 2;

/**
 * One channel for every store in the database; the payload names the schema that was appended to.
 */
const CHANNEL = 'incident_ledger_appended';

/** PostgreSQL silently truncates longer identifiers, which would alias two stores' schemas. */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * Events planned at a time in an append: enough to amortise a slice, few enough that its rows die
 * young.
 */
const SLICE_EVENTS = 4_096;
const KEY_SPACE = 'postgres-keys';

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

interface EventRow {
  position: string;
  stream_id: string;
  revision: string;
  event_id: string;
  type: string;
  occurred_at: string;
  recorded_at: string;
  data: string;
  hash: string;
}

/**
 * A row of the keys table: the texts of keys first_id, first_id + 1, ... of a domain, as one JSON
 * array.
 */
interface KeyRow {
  domain: number;
  first_id: number;
  count: number;
  texts: string;
}

/**
 * An event to store at a position: planned by planWrites, or read from a schema-1 table (with its
 * stored JSON).
 */
type Row = PlannedRow & { json?: string };

const COLUMNS =
  'position, stream_id, revision, event_id, type, occurred_at, recorded_at, data, hash';
const COLUMNS_OF_E = COLUMNS.split(', ')
  .map((c) => `e.${c}`)
  .join(', ');

/**
 * PostgreSQL store. Every append is one transaction that first takes this schema's
 * transaction-scoped
 * advisory lock (see docs/postgres.md): appends to one store are serialised, so planWrites sees the
 * committed truth, and positions (max + 1) are handed out in commit order, so a reader paging by
 * position never passes an event that commits later. Reads take no lock.
 *
 * `events` is the record: what the port reads and the hash chains cover, indexed by position only.
 * Beside it, written in the same transaction (binary COPY for the bulk of it):
 * - `event_ids`: every event id as bytes (idKey), the idempotency check; no unique index on events.
 * - `previous` (a column of events) and `streams.last_position`: each stream's events linked, which
 * readStream walks; revisions need no index either, the stream heads read under the lock decide
 *   them.
 * - `keys` and `blocks`: the replay columns (core's events/columns.ts, eventstore's blocks.ts),
 *   numbered and cut exactly as the SQLite store does, read by `columns.readColumns`.
 */
export class PostgresEventStore implements EventStore {
  private readonly pool: Pool;
  private readonly connectionString: string;
  private readonly closing = new Subject<void>();
  private readonly listenersEnding = new Set<Promise<void>>();
  private readonly t: {
    events: string;
    streams: string;
    meta: string;
    eventIds: string;
    keys: string;
    blocks: string;
    eventsV1: string;
  };
  /** Key of the schema's write lock: one bigint derived from the schema name. */
  private readonly lockKey: string;
  /**
   * The store's key dictionary as of the last append this instance committed, while `top` is still
   * the last
   * position; taken (undefined) while an append uses it, so that keys of a rolled-back append are
   * never reused.
   */
  private dictionary: { keys: KeyDictionary; top: number } | undefined;
  readonly columns: ColumnReader;
  readonly audit: StoreAudit = { snapshot: (fn) => this.snapshot(fn) };
  /** The one client every read goes through, in a snapshot's view (snapshot). */
  private pinned: PoolClient | undefined;

  private constructor(
    private readonly url: string,
    readonly schema: string,
    private readonly connectTimeoutMs: number,
  ) {
    this.connectionString = withDefaultUser(url);
    this.pool = new Pool({
      connectionString: this.connectionString,
      connectionTimeoutMillis: connectTimeoutMs,
      Client: ClosingClient,
    });
    // An idle client whose server went away emits 'error' on the pool; unhandled, that would crash
    // the process.
    // The pool has already dropped that client, and the next checkout reports the failure.
    this.pool.on('error', () => undefined);
    const s = escapeIdentifier(schema);
    this.t = {
      events: `${s}.events`,
      streams: `${s}.streams`,
      meta: `${s}.meta`,
      eventIds: `${s}.event_ids`,
      keys: `${s}.keys`,
      blocks: `${s}.blocks`,
      eventsV1: `${s}.events_v1`,
    };
    const digest = createHash('sha256').update(`incident-ledger:${schema}`).digest('hex');
    this.lockKey = BigInt.asIntN(64, BigInt(`0x${digest.slice(0, 16)}`)).toString();
    this.columns = { keySpace: KEY_SPACE, readColumns: (options) => this.readColumns(options) };
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
    const store = new PostgresEventStore(
      url,
      schema,
      options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    );
    try {
      await store.migrate(options.access ?? 'create');
      return store;
    } catch (e) {
      await store.pool.end();
      throw e instanceof StoreUnavailable ? e : store.unavailable(e);
    }
  }

  /**
   * Creates the schema, or brings a schema-1 store up to date, under the write lock (racing openers
   * agree).
   */
  private async migrate(access: StoreAccess): Promise<void> {
    await this.locked(async (client) => {
      const schemaExists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
        this.schema,
      ]);
      const meta = await client.query<{ present: boolean }>(
        'SELECT to_regclass($1) IS NOT NULL AS present',
        [this.t.meta],
      );
      if (!meta.rows[0]?.present) await this.mayCreate(client, access, schemaExists.rowCount !== 0);
      // Only when missing: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the
      // schema exists.
      if (schemaExists.rowCount === 0)
        await client.query(`CREATE SCHEMA ${escapeIdentifier(this.schema)}`);
      let version = 0;
      if (meta.rows[0]?.present) {
        const row = await client.query<{ value: string }>(
          `SELECT value FROM ${this.t.meta} WHERE key = 'schema_version'`,
        );
        version = Number(row.rows[0]?.value ?? 0);
      }
      if (version > SCHEMA_VERSION) {
        throw this.unavailable(
          `schema "${this.schema}" has version ${version}, newer than this program (${SCHEMA_VERSION})`,
        );
      }
      if (version === SCHEMA_VERSION) return;
      if (version === 1) await this.migrateFromV1(client);
      else
        await client.query(
          `${this.metaTable()}${this.eventsTable()}${this.streamsTable()}${this.derivedTables()}`,
        );
      await client.query(
        `UPDATE ${this.t.meta} SET value = '${SCHEMA_VERSION}' WHERE key = 'schema_version'`,
      );
    });
  }

  /**
   * A schema without the meta table holds no store: only an opening that may create one goes on,
   * and only in an empty schema, never among another application's tables.
   */
  private async mayCreate(client: PoolClient, access: StoreAccess, schemaExists: boolean) {
    if (access !== 'create')
      throw new StoreMissing(
        redact(this.url),
        `no store in schema "${this.schema}" of this database (no ${this.t.meta} table)`,
      );
    if (!schemaExists) return;
    const tables = await client.query<{ relname: string }>(
      `SELECT relname FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relkind IN ('r', 'p', 'v', 'm') LIMIT 5`,
      [this.schema],
    );
    if (tables.rowCount !== 0)
      throw this.unavailable(
        `schema "${this.schema}" holds tables of another application (${tables.rows.map((t) => t.relname).join(', ')}), not an incident-ledger store; it was left unchanged`,
      );
  }

  private metaTable(): string {
    return `
CREATE TABLE ${this.t.meta} (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO ${this.t.meta} (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}');`;
  }

  /**
   * data is text, not jsonb: jsonb refuses \u0000 and unpaired surrogates, which JSON.stringify
   * writes and the
   * other stores keep, and it reorders keys. Text keeps the exact JSON; `data::jsonb` still works
   * in ad-hoc SQL.
   */
  private eventsTable(): string {
    return `
CREATE TABLE ${this.t.events} (
  position     bigint PRIMARY KEY,
  stream_id    text   NOT NULL,
  revision     bigint NOT NULL,
  event_id     text   NOT NULL,
  type         text   NOT NULL,
  occurred_at  bigint NOT NULL,
  recorded_at  bigint NOT NULL,
  data         text   NOT NULL,
  hash         text   NOT NULL,
  previous     bigint
);`;
  }

  /**
   * COLLATE "C": byte comparisons for the lookups (heads() sorts in JavaScript); room on each page
   * for in-place head updates.
   */
  private streamsTable(): string {
    return `
CREATE TABLE ${this.t.streams} (
  stream_id      text COLLATE "C" PRIMARY KEY,
  revision       bigint NOT NULL,
  hash           text   NOT NULL,
  last_position  bigint NOT NULL
) WITH (fillfactor = 50);`;
  }

  /** Blocks are stored uncompressed: typed columns compress poorly and are read whole. */
  private derivedTables(): string {
    return `
CREATE TABLE ${this.t.eventIds} (id bytea PRIMARY KEY, position bigint NOT NULL);
CREATE TABLE ${this.t.keys} (domain smallint NOT NULL, first_id integer NOT NULL, count integer NOT NULL, texts text NOT NULL, PRIMARY KEY (domain, first_id));
CREATE TABLE ${this.t.blocks} (last_position bigint PRIMARY KEY, first_position bigint NOT NULL, columns bytea NOT NULL);
ALTER TABLE ${this.t.blocks} ALTER COLUMN columns SET STORAGE EXTERNAL;`;
  }

  /**
   * Moves schema 1's events to the new table and derives everything schema 2 adds from them, in
   * position order.
   */
  private async migrateFromV1(client: PoolClient): Promise<void> {
    const { streams } = this.t;
    await client.query(`
ALTER TABLE ${this.t.events} RENAME TO events_v1;
${this.eventsTable()}
${this.derivedTables()}
ALTER TABLE ${streams} ADD COLUMN last_position bigint NOT NULL DEFAULT 0, ALTER COLUMN stream_id TYPE text COLLATE "C";
ALTER TABLE ${streams} ALTER COLUMN last_position DROP DEFAULT, SET (fillfactor = 50);`);
    const keys = new KeyDictionary();
    const links = new Map<string, number>();
    for (let from = 1; ;) {
      const { rows } = await client.query<EventRow>(
        `SELECT ${COLUMNS} FROM ${this.t.eventsV1} WHERE position >= $1 ORDER BY position LIMIT ${BLOCK_EVENTS}`,
        [from],
      );
      if (rows.length === 0) break;
      // Blocks hold consecutive positions; schema 1 never leaves gaps, so one means the table was
      // edited.
      rows.forEach((r, i) => {
        if (Number(r.position) !== from + i)
          throw new Error(
            `cannot migrate: no event at position ${from + i} (the events table was edited outside the store)`,
          );
      });
      await this.writeRows(
        client,
        from,
        links,
        keys,
        rows.length,
        [rows.map(storedRow)],
        new Map(),
      );
      from += rows.length;
    }
    await client.query(
      `UPDATE ${streams} SET last_position = l.position FROM unnest($1::text[], $2::bigint[]) AS l (stream_id, position) WHERE ${streams}.stream_id = l.stream_id`,
      [[...links.keys()], [...links.values()]],
    );
    await client.query(`DROP TABLE ${this.t.eventsV1}`);
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

  /**
   * First as if every id were new, which a bulk import almost always is: no lookup of a hundred
   * thousand ids
   * before writing, the event_ids primary key checks them as they go in. When that guess fails (a
   * stored or repeated id, or
   * planWrites refusing what a stored id might explain), the append runs again, planned with the
   * stored events
   * the ids name: that answer (a skip, WrongExpectedVersion, EventIdConflict) is the one given.
   */
  async appendMany(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    for (const w of writes) {
      storable('stream id', w.streamId);
      for (const e of w.events) {
        storable('event id', e.eventId);
        storable('event type', e.type);
      }
    }
    try {
      return await this.appendOnce(writes, false);
    } catch (e) {
      if (!(e instanceof GuessFailed)) throw e;
      return this.appendOnce(writes, true);
    }
  }

  private async appendOnce(
    writes: readonly StreamWrite[],
    lookup: boolean,
  ): Promise<AppendResult[]> {
    let committed: { keys: KeyDictionary; top: number } | undefined;
    const results = await this.locked(async (client) => {
      const { top, states, links } = await this.streamHeads(client, writeStreamIds(writes));
      // Planned as new (nothing looked up, staged or compared): the event_ids key tells otherwise,
      // and then the append runs again.
      const existing = lookup ? await this.stored(client, writeKeys(writes).eventIds) : ALL_NEW;
      const results: AppendResult[] = [];
      const heads = new Map<string, StreamState>();
      // With stored events to compare, one slice: an id given twice in one append is seen only
      // within one planWrites.
      const slices = planSlices(
        writes,
        states,
        existing,
        lookup ? Number.POSITIVE_INFINITY : SLICE_EVENTS,
        results,
        heads,
      );
      try {
        const planned = slices.next();
        if (planned.done) return results;
        const keys = await this.takeDictionary(client, top);
        const bound = writes.reduce((n, w) => n + w.events.length, 0);
        const written = await this.writeRows(
          client,
          top + 1,
          links,
          keys,
          bound,
          prepend(planned.value, slices),
          heads,
        );
        committed = { keys, top: top + written };
      } catch (e) {
        throw lookup ? e : guessed(e);
      }
      return results;
    });
    if (committed) this.dictionary = committed;
    return results;
  }

  /** The last position, and the heads and last positions of the streams named. */
  private async streamHeads(client: PoolClient, streamIds: readonly string[]) {
    const { rows } = await client.query<{
      top: string;
      stream_id: string | null;
      revision: string;
      hash: string;
      last_position: string;
    }>(
      `WITH top AS (SELECT coalesce(max(position), 0) AS top FROM ${this.t.events})
       SELECT top.top, s.stream_id, s.revision, s.hash, s.last_position FROM top LEFT JOIN ${this.t.streams} s ON s.stream_id = ANY($1::text[])`,
      [streamIds],
    );
    const states = new Map<string, StreamState>();
    const links = new Map<string, number>();
    for (const r of rows) {
      if (r.stream_id === null) continue;
      states.set(r.stream_id, { revision: Number(r.revision), hash: r.hash });
      links.set(r.stream_id, Number(r.last_position));
    }
    return { top: Number(rows[0]!.top), states, links };
  }

  /** Stored events with any of these ids, as planWrites compares them. */
  private async stored(
    client: PoolClient,
    eventIds: readonly string[],
  ): Promise<Map<string, ExistingEvent>> {
    const { rows } = await client.query<EventRow>(
      `SELECT ${COLUMNS_OF_E} FROM ${this.t.eventIds} i JOIN ${this.t.events} e ON e.position = i.position WHERE i.id = ANY($1::bytea[])`,
      [eventIds.map(idKey)],
    );
    const existing = new Map<string, ExistingEvent>();
    for (const row of rows) {
      const e = toEvent(row);
      existing.set(e.eventId, { streamId: e.streamId, content: eventContent(e.streamId, e) });
    }
    return existing;
  }

  /**
   * The store's key dictionary, brought up to date with keys other writers stored. Inside the
   * locked transaction.
   */
  private async takeDictionary(client: PoolClient, top: number): Promise<KeyDictionary> {
    const cached = this.dictionary;
    this.dictionary = undefined;
    if (cached?.top === top) return cached.keys;
    const keys = cached?.keys ?? new KeyDictionary();
    for (const row of await this.keyRows(client, keys)) {
      const texts = JSON.parse(row.texts) as string[];
      for (let i = 0; i < texts.length; i++) keys.learn(row.domain, row.first_id + i, texts[i]!);
    }
    return keys;
  }

  /** Keys rows after the first `sizes.size(d)` keys of each domain, in order. */
  private async keyRows(
    client: PoolClient,
    sizes: { size(domain: number): number },
  ): Promise<KeyRow[]> {
    const { rows } = await client.query<KeyRow>(
      `SELECT domain, first_id, count, texts FROM ${this.t.keys} WHERE first_id >= ($1::int[])[domain + 1] ORDER BY domain, first_id`,
      [KEY_DOMAINS.map((_, d) => sizes.size(d))],
    );
    return rows;
  }

  /**
   * Stores the rows of `slices` at positions first, first + 1, ... (at most `bound` of them): the
   * events with their
   * stream links (`links`: the last position of each stream, kept up to date), their ids, their
   * blocks and new
   * keys, the heads, and the wake-up. The events go out as the slices come: the server stores one
   * while the next
   * is planned and encoded. Returns how many rows it stored.
   */
  private async writeRows(
    client: PoolClient,
    first: number,
    links: Map<string, number>,
    keys: KeyDictionary,
    bound: number,
    slices: Iterable<readonly Row[]>,
    heads: ReadonlyMap<string, StreamState>,
  ): Promise<number> {
    const known = KEY_DOMAINS.map((_, d) => keys.size(d));
    const counts = () => KEY_DOMAINS.map((_, d) => keys.size(d));
    const ids = new IdKeys(bound);
    const blocks: { first: number; last: number; columns: Buffer }[] = [];
    let position = first;
    await copyIn(
      client,
      `COPY ${this.t.events} (${COLUMNS}, previous) FROM STDIN (FORMAT binary)`,
      async (out, flush) => {
        let block: MutableColumnBatch | undefined;
        let blockFirst = first;
        for (const rows of slices) {
          for (let i = 0; i < rows.length; i++, position++) {
            const r = rows[i]!;
            out.row(10);
            out.int8(position);
            out.text(r.streamId);
            out.int8(r.revision);
            out.text(r.eventId);
            out.text(r.type);
            out.int8(r.occurredAt);
            out.int8(r.recordedAt);
            out.text(r.json ?? JSON.stringify(r.data));
            out.text(r.hash);
            const previous = links.get(r.streamId);
            if (previous === undefined) out.null();
            else out.int8(previous);
            links.set(r.streamId, position);
            ids.add(r.eventId, position);
            if (block === undefined) {
              blockFirst = position;
              block = allocateColumns(
                Math.min(BLOCK_EVENTS, bound - (position - first)),
                KEY_SPACE,
                keys,
              );
            }
            encodeRow(block, position - blockFirst, r, keys);
            if (position - blockFirst + 1 === BLOCK_EVENTS) {
              blocks.push({
                first: blockFirst,
                last: position,
                columns: encodeBlock(block, 0, BLOCK_EVENTS, counts()),
              });
              block = undefined;
            }
            if (out.full) await flush();
          }
        }
        if (block !== undefined)
          blocks.push({
            first: blockFirst,
            last: position - 1,
            columns: encodeBlock(block, 0, position - blockFirst, counts()),
          });
      },
    );
    await copyIn(
      client,
      `COPY ${this.t.eventIds} (id, position) FROM STDIN (FORMAT binary)`,
      (out, flush) => ids.write(out, flush),
    );
    const values: unknown[] = [];
    const $ = (v: unknown) => `$${values.push(v)}`;
    const blockValues = blocks.map(
      (b) => `(${$(b.last)}::bigint, ${$(b.first)}::bigint, ${$(b.columns)}::bytea)`,
    );
    const newKeys = KEY_DOMAINS.flatMap((_, d) =>
      keys.size(d) > known[d]!
        ? [{ domain: d, first: known[d]!, texts: keys.texts(d).slice(known[d]) }]
        : [],
    );
    const newHeads = [...heads];
    // One statement for the derived rows, the heads and the wake-up; the NOTIFY is delivered only
    // if the transaction commits.
    await client.query(
      `WITH b AS (
         INSERT INTO ${this.t.blocks} (last_position, first_position, columns) VALUES ${blockValues.join(', ')}
       ), k AS (
         INSERT INTO ${this.t.keys} (domain, first_id, count, texts)
         SELECT * FROM unnest(${$(newKeys.map((k) => k.domain))}::smallint[], ${$(newKeys.map((k) => k.first))}::int[],
                              ${$(newKeys.map((k) => k.texts.length))}::int[], ${$(newKeys.map((k) => JSON.stringify(k.texts)))}::text[])
       ), st AS (
         INSERT INTO ${this.t.streams} (stream_id, revision, hash, last_position)
         SELECT * FROM unnest(${$(newHeads.map(([id]) => id))}::text[], ${$(newHeads.map(([, h]) => h.revision))}::bigint[],
                              ${$(newHeads.map(([, h]) => h.hash))}::text[], ${$(newHeads.map(([id]) => links.get(id)))}::bigint[])
         ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, hash = excluded.hash, last_position = excluded.last_position
       )
       SELECT pg_notify(${$(CHANNEL)}, ${$(this.schema)})`,
      values,
    );
    return position - first;
  }

  async *readStream(
    streamId: string,
    options: { batchSize?: number } = {},
  ): AsyncIterable<StoredEvent[]> {
    const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
    // Walk the stream's links back from its head (one snapshot), then read forward.
    const chain = await this.query<{ position: string }>(
      `WITH RECURSIVE chain (position, previous) AS (
         SELECT e.position, e.previous FROM ${this.t.streams} s JOIN ${this.t.events} e ON e.position = s.last_position WHERE s.stream_id = $1
         UNION ALL
         SELECT e.position, e.previous FROM chain c JOIN ${this.t.events} e ON e.position = c.previous
       )
       SELECT position FROM chain`,
      [streamId],
    );
    const positions = chain.map((r) => r.position).reverse();
    for (let i = 0; i < positions.length; i += size) {
      const rows = await this.query<EventRow>(
        `SELECT ${COLUMNS} FROM ${this.t.events} WHERE position = ANY($1::bigint[]) ORDER BY position`,
        [positions.slice(i, i + size)],
      );
      yield rows.map(toEvent);
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent[]> {
    const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
    for (let from = options.from ?? 1; ;) {
      const rows = await this.query<EventRow>(
        `SELECT ${COLUMNS} FROM ${this.t.events} WHERE position >= $1 ORDER BY position LIMIT $2`,
        [from, size],
      );
      if (rows.length === 0) return;
      yield rows.map(toEvent);
      from = Number(rows[rows.length - 1]!.position) + 1;
    }
  }

  /**
   * Blocks from `from` on, one batch each; the rows of rare types are read in full from `events`.
   */
  private async *readColumns(options: ReadAllOptions = {}): AsyncIterable<ColumnBatch> {
    const names = new StoredKeyNames();
    for (const row of await this.withClient((c) => this.keyRows(c, names))) names.add(row);
    // Every batch tells the store's key counts at the start of the read: a fold sizes its keyed
    // tables once.
    const known = KEY_DOMAINS.map((_, d) => names.size(d));
    const start = options.from ?? 1;
    if (!Number.isSafeInteger(start))
      throw new RangeError(`from must be a whole number, got ${start}`);
    for (let from = start; ;) {
      const page: { first: number; last: number; columns: Buffer }[] = [];
      // COPY out, binary: the blocks as bytes, neither hex text nor UTF-8 to decode. (COPY takes no
      // parameters: from is our number.)
      await this.withClient((client) =>
        copyOut(
          client,
          `COPY (SELECT first_position, last_position, columns FROM ${this.t.blocks} WHERE last_position >= ${from} ORDER BY last_position LIMIT ${BLOCKS_PER_READ}) TO STDOUT (FORMAT binary)`,
          ([first, last, columns]) =>
            page.push({
              first: int8At(first!),
              last: int8At(last!),
              columns: Buffer.from(columns!),
            }),
        ),
      );
      if (page.length === 0) return;
      const batches = page.map(({ first, columns }) => {
        const block = decodeBlock(columns, first, KEY_SPACE, names);
        return first < from ? sliceBatch(block, from - first) : block;
      });
      // Keys another writer stored after the read began: learn them before these blocks are named.
      if (batches.some((b) => b.keyCounts.some((n, d) => n > names.size(d)))) {
        for (const row of await this.withClient((c) => this.keyRows(c, names))) names.add(row);
      }
      await this.attachRare(batches);
      for (const batch of batches) yield withKnownKeyCounts(batch, known);
      from = page[page.length - 1]!.last + 1;
    }
  }

  /**
   * Reads the events of rare types (whose data the columns do not hold) of a page of batches, in
   * one query.
   */
  private async attachRare(batches: MutableColumnBatch[]): Promise<void> {
    const positions: number[] = [];
    for (const { type, position, length } of batches) {
      for (let i = 0; i < length; i++) if (isRareCode(type[i]!)) positions.push(position[i]!);
    }
    if (positions.length === 0) return;
    const rows = await this.query<EventRow>(
      `SELECT ${COLUMNS} FROM ${this.t.events} WHERE position = ANY($1::bigint[]) ORDER BY position`,
      [positions],
    );
    let b = 0;
    for (const e of rows.map(toEvent)) {
      while (e.globalPosition > batches[b]!.position[batches[b]!.length - 1]!) b++;
      batches[b]!.rare.push(e);
    }
  }

  subscribe(options: { from?: number } = {}): Observable<StoredEvent> {
    return new Observable<StoredEvent>((subscriber) => {
      const wake = new Subject<void>();
      // catchUpThenLive ignores errors of its wake source; a lost LISTEN connection must reach the
      // subscriber instead.
      const notified = this.notifications.subscribe({
        next: () => wake.next(),
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      const live = catchUpThenLive((from) => this.readAll({ from }), wake, options.from).subscribe(
        subscriber,
      );
      return () => {
        live.unsubscribe();
        notified.unsubscribe();
      };
    });
  }

  /**
   * One LISTEN connection per store, shared by its subscriptions and ended with the last of them
   * (or on close).
   * It emits once when LISTEN is active, so a subscriber re-reads anything committed before that,
   * then once per
   * NOTIFY for this schema.
   */
  private readonly notifications: Observable<void> = new Observable<void>((subscriber) => {
    const client = new Client({
      connectionString: this.connectionString,
      connectionTimeoutMillis: this.connectTimeoutMs,
    });
    client.on('notification', (n) => {
      if (n.payload === this.schema) subscriber.next();
    });
    client.on('error', (e) => subscriber.error(this.unavailable(e)));
    const listening = client
      .connect()
      .then(() => client.query(`LISTEN ${CHANNEL}`))
      .then(
        () => subscriber.next(),
        (e: unknown) => subscriber.error(this.unavailable(e)),
      );
    const onClose = this.closing.subscribe({ complete: () => subscriber.complete() });
    return () => {
      onClose.unsubscribe();
      // Ending a client that is still connecting would leave its connect pending: end it once that
      // settles.
      const ended = listening.then(() => client.end());
      this.listenersEnding.add(ended);
      void ended.then(() => this.listenersEnding.delete(ended));
    };
  }).pipe(share());

  async heads(): Promise<StreamHead[]> {
    const rows = await this.query<{ stream_id: string; revision: string; hash: string }>(
      `SELECT stream_id, revision, hash FROM ${this.t.streams}`,
      [],
    );
    // Sorted here, by UTF-16 code units like every other store: no SQL collation orders astral
    // characters that way.
    return rows
      .map((r) => ({ streamId: r.stream_id, revision: Number(r.revision), hash: r.hash }))
      .sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
  }

  async close(): Promise<void> {
    this.closing.complete();
    await Promise.all(this.listenersEnding);
    await this.pool.end();
  }

  private async connect(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (e) {
      throw this.unavailable(e);
    }
  }

  private async query<R extends QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    return this.withClient(async (client) => (await client.query<R>(text, values)).rows);
  }

  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    if (this.pinned) return work(this.pinned);
    const client = await this.connect();
    try {
      const result = await work(client);
      client.release();
      return result;
    } catch (e) {
      client.release(e as Error);
      throw e;
    }
  }

  /**
   * One REPEATABLE READ transaction on one client; the view is this store with every read pinned
   * to that client (a prototype-chained copy: the store itself keeps reading through the pool).
   */
  private async snapshot<T>(fn: (view: AuditView) => Promise<T>): Promise<T> {
    return this.withClient((client) =>
      inSnapshot(client, () => {
        const view = Object.create(this) as PostgresEventStore;
        view.pinned = client;
        return fn({
          heads: () => view.heads(),
          readAll: (o) => view.readAll(o),
          columns: { keySpace: KEY_SPACE, readColumns: (o) => view.readColumns(o) },
          indexes: () => checkIndexes(postgresIndexSql(client, this.t)),
        });
      }),
    );
  }

  /** A transaction holding the schema's write lock to its end (docs/postgres.md). */
  private async locked<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      // One round trip: the key is our own number, not input.
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${this.lockKey})`);
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (e) {
      // A client whose ROLLBACK fails is broken: releasing it with the error makes the pool discard
      // it.
      await client.query('ROLLBACK').then(
        () => client.release(),
        (rollbackError: Error) => client.release(rollbackError),
      );
      throw e;
    }
  }

  private unavailable(reason: unknown): StoreUnavailable {
    return new StoreUnavailable(
      redact(this.url),
      reason instanceof Error ? reason.message : String(reason),
    );
  }
}

/**
 * The URL with the operating-system user name added when it names no user and neither PGUSER nor
 * USER is set:
 * libpq (psql) falls back to that user, pg to nothing, so
 * `postgresql:///db?host=/var/run/postgresql` would fail
 * under cron, systemd or a container without USER.
 */
export function withDefaultUser(url: string): string {
  if (process.env.PGUSER || process.env.USER) return url;
  try {
    const parsed = new URL(url);
    if (parsed.username !== '' || parsed.searchParams.has('user')) return url;
    return `${url}${parsed.search === '' ? '?' : '&'}user=${encodeURIComponent(userInfo().username)}`;
  } catch {
    // Not a URL pg and we can read alike (a bare socket path, say), or no user name for this uid:
    // leave it to pg.
    return url;
  }
}

/** The URL as it may appear in an error message: without its password. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^/@:]*):[^/@]*@/, '$1:***@').replace(/([?&]password=)[^&]*/i, '$1***');
}

/**
 * text columns cannot hold U+0000, and UTF-8 turns an unpaired surrogate into U+FFFD, which would
 * silently
 * change the name and break its hash chain: refuse such names instead. (Event data is JSON, which
 * escapes both.)
 */
function storable(what: string, value: string): void {
  // The first test is a quick scan that passes almost every name; the second tells a pair from a
  // lone surrogate.
  if (/[\u0000\ud800-\udfff]/.test(value) && /\u0000|\p{Cs}/u.test(value)) {
    throw new RangeError(
      `${what} ${JSON.stringify(value)} contains U+0000 or an unpaired surrogate, which PostgreSQL text cannot store`,
    );
  }
}

/**
 * An append planned as if no id were stored turned out otherwise: plan it again with the stored
 * events.
 */
class GuessFailed extends Error {}
const UNIQUE_VIOLATION = '23505';

/**
 * What a failure of an append planned without stored events means: a stored id may explain it
 * (GuessFailed), or not.
 */
function guessed(e: unknown): unknown {
  const storedId =
    e instanceof DatabaseError && e.code === UNIQUE_VIOLATION && e.table === 'event_ids';
  return storedId || e instanceof WrongExpectedVersion ? new GuessFailed() : e;
}

/**
 * planWrites over slices of whole writes of about `size` events, each slice seeing the heads the
 * ones before it
 * left (`states` is updated); collects the results and the new heads. Yields the rows of each slice
 * that has any.
 */
function* planSlices(
  writes: readonly StreamWrite[],
  states: Map<string, StreamState>,
  existing: ReadonlyMap<string, ExistingEvent> | typeof ALL_NEW,
  size: number,
  results: AppendResult[],
  heads: Map<string, StreamState>,
): Generator<readonly Row[], void> {
  for (let i = 0; i < writes.length;) {
    let j = i + 1;
    for (
      let n = writes[i]!.events.length;
      j < writes.length && n + writes[j]!.events.length <= size;
      j++
    )
      n += writes[j]!.events.length;
    const plan = planWrites(writes.slice(i, j), states, existing);
    for (const r of plan.results) results.push(r);
    for (const [id, head] of plan.heads) {
      states.set(id, head);
      heads.set(id, head);
    }
    if (plan.rows.length > 0) yield plan.rows;
    i = j;
  }
}

function* prepend<T>(first: T, rest: Iterator<T>): Generator<T, void> {
  yield first;
  for (let next = rest.next(); !next.done; next = rest.next()) yield next.value;
}

/**
 * How an event id is kept in event_ids: a lowercase UUID as its 16 bytes, anything else as its
 * UTF-8 bytes,
 * with a 0 byte added when those are 16 long. Ids hold no U+0000 (storable), so no other id has a 0
 * byte:
 * no text id can take a UUID's bytes.
 */
function idKey(id: string): Buffer {
  const bytes = Buffer.allocUnsafe(16);
  return uuidInto(id, bytes, 0) ? bytes : textKey(id);
}

function textKey(id: string): Buffer {
  const text = Buffer.from(id, 'utf8');
  return text.length === 16 ? Buffer.concat([text, Buffer.alloc(1)]) : text;
}

/**
 * The ids of one append as event_ids keeps them, UUIDs packed in one buffer (no object per event),
 * written
 * in about id order: consecutive inserts then land on the same pages of the id index (measured 2x
 * less
 * server CPU than append order). The order is by each UUID's leading bits, enough for locality;
 * text ids go last.
 */
class IdKeys {
  private readonly uuids: Buffer;
  private readonly uuidPositions: Float64Array;
  private n = 0;
  private readonly others: { key: Buffer; position: number }[] = [];

  constructor(capacity: number) {
    this.uuids = Buffer.allocUnsafe(16 * capacity);
    this.uuidPositions = new Float64Array(capacity);
  }

  add(id: string, position: number): void {
    if (uuidInto(id, this.uuids, 16 * this.n)) this.uuidPositions[this.n++] = position;
    else this.others.push({ key: textKey(id), position });
  }

  async write(out: CopyWriter, flush: () => Promise<void>): Promise<void> {
    // Sorted as numbers, no comparator: each holds a UUID's leading bits above its index.
    const indexBits = Math.max(1, Math.ceil(Math.log2(this.n + 1)));
    const keep = Math.min(32, 53 - indexBits);
    const order = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++)
      order[i] = (this.uuids.readUInt32BE(16 * i) >>> (32 - keep)) * 2 ** indexBits + i;
    order.sort();
    for (let k = 0; k < this.n; k++) {
      const i = order[k]! % 2 ** indexBits;
      out.row(2);
      out.bytes(this.uuids, 16 * i, 16 * i + 16);
      out.int8(this.uuidPositions[i]!);
      if (out.full) await flush();
    }
    for (const { key, position } of this.others) {
      out.row(2);
      out.bytes(key);
      out.int8(position);
      if (out.full) await flush();
    }
  }
}

/**
 * Key names for a read, from the keys table: rows of JSON arrays, parsed per domain on first use,
 * so a
 * replay that names only banks and categories never parses the wallets' and accounts' texts.
 */
class StoredKeyNames implements KeyNames {
  private readonly texts: string[][] = KEY_DOMAINS.map(() => []);
  private readonly pending: string[][] = KEY_DOMAINS.map(() => []);
  private readonly sizes = new Array<number>(KEY_DOMAIN_COUNT).fill(0);

  add(row: KeyRow): void {
    if (row.first_id !== this.sizes[row.domain])
      throw new Error(
        `keys of ${KEY_DOMAINS[row.domain]} from ${row.first_id} arrive out of order (expected ${this.sizes[row.domain]})`,
      );
    this.pending[row.domain]!.push(row.texts);
    this.sizes[row.domain] = this.sizes[row.domain]! + row.count;
  }

  size(domain: number): number {
    return this.sizes[domain]!;
  }

  name(domain: KeyDomain, id: number): string {
    const d = DOMAIN[domain];
    const texts = this.texts[d]!;
    if (id >= texts.length) {
      for (const json of this.pending[d]!)
        for (const text of JSON.parse(json) as string[]) texts.push(text);
      this.pending[d] = [];
    }
    const text = texts[id];
    if (text === undefined) throw new Error(`no ${domain} key numbered ${id}`);
    return text;
  }
}

/** A schema-1 row as it is stored again, its JSON kept as it is. */
function storedRow(r: EventRow): Row {
  return { ...toEvent(r), json: r.data };
}

function toEvent(r: EventRow): StoredEvent {
  return {
    eventId: r.event_id,
    streamId: r.stream_id,
    type: r.type,
    occurredAt: Number(r.occurred_at),
    recordedAt: Number(r.recorded_at),
    data: JSON.parse(r.data),
    revision: Number(r.revision),
    globalPosition: Number(r.position),
    hash: r.hash,
  } as StoredEvent;
}
