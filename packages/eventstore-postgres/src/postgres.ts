import type { StoredEvent } from '@incident-ledger/core';
import {
  catchUpThenLive,
  DEFAULT_BATCH_SIZE,
  eventContent,
  planWrites,
  StoreUnavailable,
  writeKeys,
  type AppendResult,
  type EventStore,
  type ExistingEvent,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type StreamHead,
  type StreamState,
  type StreamWrite,
} from '@incident-ledger/eventstore';
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import { Client, escapeIdentifier, Pool, type PoolClient, type QueryResultRow } from 'pg';
import { Observable, share, Subject } from 'rxjs';

const SCHEMA_VERSION = 1;

/** One channel for every store in the database; the payload names the schema that was appended to. */
const CHANNEL = 'incident_ledger_appended';

/** PostgreSQL silently truncates longer identifiers, which would alias two stores' schemas. */
const MAX_IDENTIFIER_BYTES = 63;

export interface PostgresOptions {
  /** Schema holding the store's tables; created on first use. */
  schema?: string;
  /** How long to wait for a connection before failing with StoreUnavailable. */
  connectTimeoutMs?: number;
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

const COLUMNS = 'position, stream_id, revision, event_id, type, occurred_at, recorded_at, data, hash';

/**
 * PostgreSQL store. Every append is one transaction that first takes this schema's transaction-scoped
 * advisory lock (see docs/postgres.md): appends to one store are serialised, so planWrites sees the
 * committed truth, and positions (max + 1) are handed out in commit order, so a reader paging by
 * position never passes an event that commits later. Reads take no lock.
 */
export class PostgresEventStore implements EventStore {
  private readonly pool: Pool;
  private readonly connectionString: string;
  private readonly closing = new Subject<void>();
  private readonly listenersEnding = new Set<Promise<void>>();
  private readonly t: { events: string; streams: string; meta: string };
  /** Key of the schema's write lock: one bigint derived from the schema name. */
  private readonly lockKey: string;

  private constructor(
    private readonly url: string,
    readonly schema: string,
    private readonly connectTimeoutMs: number,
  ) {
    this.connectionString = withDefaultUser(url);
    this.pool = new Pool({ connectionString: this.connectionString, connectionTimeoutMillis: connectTimeoutMs });
    // An idle client whose server went away emits 'error' on the pool; unhandled, that would crash the process.
    // The pool has already dropped that client, and the next checkout reports the failure.
    this.pool.on('error', () => undefined);
    const s = escapeIdentifier(schema);
    this.t = { events: `${s}.events`, streams: `${s}.streams`, meta: `${s}.meta` };
    const digest = createHash('sha256').update(`incident-ledger:${schema}`).digest('hex');
    this.lockKey = BigInt.asIntN(64, BigInt(`0x${digest.slice(0, 16)}`)).toString();
  }

  /** Connects, creating the schema and its tables on first use. Fails with StoreUnavailable, never hangs. */
  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresEventStore> {
    const schema = options.schema ?? DEFAULT_SCHEMA;
    if (schema === '' || Buffer.byteLength(schema) > MAX_IDENTIFIER_BYTES) {
      throw new StoreUnavailable(redact(url), `schema name must be 1 to ${MAX_IDENTIFIER_BYTES} bytes long`);
    }
    const store = new PostgresEventStore(url, schema, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    try {
      await store.migrate();
      return store;
    } catch (e) {
      await store.pool.end();
      throw e instanceof StoreUnavailable ? e : store.unavailable(e);
    }
  }

  private async migrate(): Promise<void> {
    await this.transaction(async (client) => {
      // Two processes opening a new store at once would otherwise race on CREATE.
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [this.lockKey]);
      const schemaExists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
      // Only when missing: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the schema exists.
      if (schemaExists.rowCount === 0) await client.query(`CREATE SCHEMA ${escapeIdentifier(this.schema)}`);
      const meta = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [this.t.meta]);
      let version = 0;
      if (meta.rows[0]?.present) {
        const row = await client.query<{ value: string }>(`SELECT value FROM ${this.t.meta} WHERE key = 'schema_version'`);
        version = Number(row.rows[0]?.value ?? 0);
      }
      if (version > SCHEMA_VERSION) {
        throw this.unavailable(`schema "${this.schema}" has version ${version}, newer than this program (${SCHEMA_VERSION})`);
      }
      if (version < SCHEMA_VERSION) await client.query(this.ddl());
    });
  }

  /**
   * data is text, not jsonb: jsonb refuses \u0000 and unpaired surrogates, which JSON.stringify writes and the
   * other stores keep, and it reorders keys. Text keeps the exact JSON; `data::jsonb` still works in ad-hoc SQL.
   */
  private ddl(): string {
    const { events, streams, meta } = this.t;
    return `
CREATE TABLE IF NOT EXISTS ${meta} (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS ${events} (
  position     bigint PRIMARY KEY,
  stream_id    text   NOT NULL,
  revision     bigint NOT NULL,
  event_id     text   NOT NULL UNIQUE,
  type         text   NOT NULL,
  occurred_at  bigint NOT NULL,
  recorded_at  bigint NOT NULL,
  data         text   NOT NULL,
  hash         text   NOT NULL,
  UNIQUE (stream_id, revision)
);
CREATE TABLE IF NOT EXISTS ${streams} (
  stream_id  text   PRIMARY KEY,
  revision   bigint NOT NULL,
  hash       text   NOT NULL
);
INSERT INTO ${meta} (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}')
  ON CONFLICT (key) DO UPDATE SET value = excluded.value;`;
  }

  async append(streamId: string, events: readonly NewEvent[], options: { expectedRevision?: ExpectedRevision } = {}) {
    const [result] = await this.appendMany([{ streamId, events, expectedRevision: options.expectedRevision }]);
    return result!;
  }

  async appendMany(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    for (const w of writes) {
      storable('stream id', w.streamId);
      for (const e of w.events) {
        storable('event id', e.eventId);
        storable('event type', e.type);
      }
    }
    return this.transaction(async (client) => {
      // Held to commit: the reads below see every earlier append, and no later append gets a position before we commit.
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [this.lockKey]);
      const { streamIds, eventIds } = writeKeys(writes);
      const states = new Map<string, StreamState>();
      const heads = await client.query<{ stream_id: string; revision: string; hash: string }>(
        `SELECT stream_id, revision, hash FROM ${this.t.streams} WHERE stream_id = ANY($1::text[])`,
        [streamIds],
      );
      for (const h of heads.rows) states.set(h.stream_id, { revision: Number(h.revision), hash: h.hash });
      const existing = new Map<string, ExistingEvent>();
      const stored = await client.query<EventRow>(`SELECT ${COLUMNS} FROM ${this.t.events} WHERE event_id = ANY($1::text[])`, [eventIds]);
      for (const row of stored.rows) {
        const e = toEvent(row);
        existing.set(e.eventId, { streamId: e.streamId, content: eventContent(e.streamId, e) });
      }
      const plan = planWrites(writes, states, existing);
      if (plan.rows.length > 0) {
        const { rows } = plan;
        const newHeads = [...plan.heads];
        // One statement for both tables and the wake-up; the NOTIFY is delivered only if the transaction commits.
        await client.query(
          `WITH ev AS (
             INSERT INTO ${this.t.events} (${COLUMNS})
             SELECT top.position + r.n, r.stream_id, r.revision, r.event_id, r.type, r.occurred_at, r.recorded_at, r.data, r.hash
             FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[])
                    WITH ORDINALITY AS r (stream_id, revision, event_id, type, occurred_at, recorded_at, data, hash, n),
                  (SELECT coalesce(max(position), 0) AS position FROM ${this.t.events}) AS top
           ), st AS (
             INSERT INTO ${this.t.streams} (stream_id, revision, hash)
             SELECT * FROM unnest($9::text[], $10::bigint[], $11::text[])
             ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, hash = excluded.hash
           )
           SELECT pg_notify($12, $13)`,
          [
            rows.map((r) => r.streamId),
            rows.map((r) => r.revision),
            rows.map((r) => r.eventId),
            rows.map((r) => r.type),
            rows.map((r) => r.occurredAt),
            rows.map((r) => r.recordedAt),
            rows.map((r) => JSON.stringify(r.data)),
            rows.map((r) => r.hash),
            newHeads.map(([id]) => id),
            newHeads.map(([, h]) => h.revision),
            newHeads.map(([, h]) => h.hash),
            CHANNEL,
            this.schema,
          ],
        );
      }
      return plan.results;
    });
  }

  async *readStream(streamId: string, options: { batchSize?: number } = {}): AsyncIterable<StoredEvent[]> {
    const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
    for (let from = 0; ; ) {
      const rows = await this.query<EventRow>(
        `SELECT ${COLUMNS} FROM ${this.t.events} WHERE stream_id = $1 AND revision >= $2 ORDER BY revision LIMIT $3`,
        [streamId, from, size],
      );
      if (rows.length === 0) return;
      yield rows.map(toEvent);
      from = Number(rows[rows.length - 1]!.revision) + 1;
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<StoredEvent[]> {
    const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
    for (let from = options.from ?? 1; ; ) {
      const rows = await this.query<EventRow>(`SELECT ${COLUMNS} FROM ${this.t.events} WHERE position >= $1 ORDER BY position LIMIT $2`, [
        from,
        size,
      ]);
      if (rows.length === 0) return;
      yield rows.map(toEvent);
      from = Number(rows[rows.length - 1]!.position) + 1;
    }
  }

  subscribe(options: { from?: number } = {}): Observable<StoredEvent> {
    return new Observable<StoredEvent>((subscriber) => {
      const wake = new Subject<void>();
      // catchUpThenLive ignores errors of its wake source; a lost LISTEN connection must reach the subscriber instead.
      const notified = this.notifications.subscribe({
        next: () => wake.next(),
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      const live = catchUpThenLive((from) => this.readAll({ from }), wake, options.from).subscribe(subscriber);
      return () => {
        live.unsubscribe();
        notified.unsubscribe();
      };
    });
  }

  /**
   * One LISTEN connection per store, shared by its subscriptions and ended with the last of them (or on close).
   * It emits once when LISTEN is active, so a subscriber re-reads anything committed before that, then once per
   * NOTIFY for this schema.
   */
  private readonly notifications: Observable<void> = new Observable<void>((subscriber) => {
    const client = new Client({ connectionString: this.connectionString, connectionTimeoutMillis: this.connectTimeoutMs });
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
      // Ending a client that is still connecting would leave its connect pending: end it once that settles.
      const ended = listening.then(() => client.end());
      this.listenersEnding.add(ended);
      void ended.then(() => this.listenersEnding.delete(ended));
    };
  }).pipe(share());

  async heads(): Promise<StreamHead[]> {
    const rows = await this.query<{ stream_id: string; revision: string; hash: string }>(`SELECT stream_id, revision, hash FROM ${this.t.streams}`, []);
    // Sorted here, by UTF-16 code units like every other store: no SQL collation orders astral characters that way.
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
    const client = await this.connect();
    try {
      const result = await client.query<R>(text, values);
      client.release();
      return result.rows;
    } catch (e) {
      client.release(e as Error);
      throw e;
    }
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (e) {
      // A client whose ROLLBACK fails is broken: releasing it with the error makes the pool discard it.
      await client.query('ROLLBACK').then(
        () => client.release(),
        (rollbackError: Error) => client.release(rollbackError),
      );
      throw e;
    }
  }

  private unavailable(reason: unknown): StoreUnavailable {
    return new StoreUnavailable(redact(this.url), reason instanceof Error ? reason.message : String(reason));
  }
}

/**
 * The URL with the operating-system user name added when it names no user and neither PGUSER nor USER is set:
 * libpq (psql) falls back to that user, pg to nothing, so `postgresql:///db?host=/var/run/postgresql` would fail
 * under cron, systemd or a container without USER.
 */
export function withDefaultUser(url: string): string {
  if (process.env.PGUSER || process.env.USER) return url;
  try {
    const parsed = new URL(url);
    if (parsed.username !== '' || parsed.searchParams.has('user')) return url;
    return `${url}${parsed.search === '' ? '?' : '&'}user=${encodeURIComponent(userInfo().username)}`;
  } catch {
    // Not a URL pg and we can read alike (a bare socket path, say), or no user name for this uid: leave it to pg.
    return url;
  }
}

/** The URL as it may appear in an error message: without its password. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^/@:]*):[^/@]*@/, '$1:***@').replace(/([?&]password=)[^&]*/i, '$1***');
}

/**
 * text columns cannot hold U+0000, and UTF-8 turns an unpaired surrogate into U+FFFD, which would silently
 * change the name and break its hash chain: refuse such names instead. (Event data is JSON, which escapes both.)
 */
function storable(what: string, value: string): void {
  if (/\u0000|\p{Cs}/u.test(value)) {
    throw new RangeError(`${what} ${JSON.stringify(value)} contains U+0000 or an unpaired surrogate, which PostgreSQL text cannot store`);
  }
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
