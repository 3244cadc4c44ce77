import { BLOCK_EVENTS, StoreUnavailable } from '@incident-ledger/eventstore';
import type Database from 'better-sqlite3';
import { EVENT_VALUES, type Appender } from './append';
import { stampApplicationId } from './identity';
import { COLUMNS, toEvent, type EventRow } from './read';

/**
 * 1: events and stream heads. 2: adds the replay columns (blocks, keys), the event-id table, stream
 * links and checkpoints. 3: the stream heads kept in stream-id order (HEADS_BY_STREAM).
 */
const SCHEMA_VERSION = 3;

/**
 * One file, WAL journal, synchronous=FULL: a committed append survives a crash of the process
 * or of the machine. Every append is one IMMEDIATE transaction, so concurrent writers (other
 * processes included) are serialised by SQLite and global positions follow commit order.
 *
 * `events` is the record: what the port reads and the hash chains cover. Nothing on it is indexed
 * but its position, so an append writes at the end of one B-tree. Beside it, written in the same
 * transaction:
 * - `event_ids`: every event id (16 bytes for a UUID), inserted in id order per append: the
 * idempotency check. Revisions need no index: the stream heads, read under the write lock, decide
 *   them.
 * - `previous`: each event's link to the one before it in its stream, which readStream walks.
 * - `keys` and `blocks`: the columnar form of the events (core's events/columns.ts, eventstore's
 *   blocks.ts), the replay hot path. Each block carries `history`, a hash chained over the hashes
 *   of every event up to its last: what a checkpoint is checked against.
 * - `checkpoints`: saved projection state (core's checkpoint.ts).
 */
const SCHEMA = `
CREATE TABLE events (
  position     INTEGER PRIMARY KEY,
  stream_id    TEXT    NOT NULL,
  revision     INTEGER NOT NULL,
  event_id     TEXT    NOT NULL,
  type         TEXT    NOT NULL,
  occurred_at  INTEGER NOT NULL,
  recorded_at  INTEGER NOT NULL,
  data         TEXT    NOT NULL,
  hash         TEXT    NOT NULL,
  previous     INTEGER
);
CREATE TABLE IF NOT EXISTS streams (
  stream_id  TEXT    PRIMARY KEY,
  revision   INTEGER NOT NULL,
  hash       TEXT    NOT NULL
);
ALTER TABLE streams ADD COLUMN last_position INTEGER NOT NULL DEFAULT 0;
CREATE TABLE event_ids (id NOT NULL PRIMARY KEY, position INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE keys (domain INTEGER NOT NULL, id INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (domain, id)) WITHOUT ROWID;
CREATE TABLE blocks (last_position INTEGER PRIMARY KEY, first_position INTEGER NOT NULL, columns BLOB NOT NULL, history TEXT NOT NULL);
CREATE TABLE checkpoints (
  key        TEXT    PRIMARY KEY,
  projection TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  position   INTEGER NOT NULL,
  events     INTEGER NOT NULL,
  history    TEXT    NOT NULL
);
CREATE TABLE checkpoint_sections (key TEXT NOT NULL, name TEXT NOT NULL, bytes BLOB NOT NULL, UNIQUE (key, name));
`;

/**
 * Schema 3's stream heads: one B-tree keyed by stream id (WITHOUT ROWID), not a rowid table and an
 * index beside it. The digest reads the heads in stream-id order, and through the index each head
 * was a lookup in a table laid out in insertion order: 3.1M heads took 20 s to read cold; an
 * append's head lookups and upserts touch one B-tree instead of two.
 */
const HEADS_BY_STREAM = `
CREATE TABLE streams_by_id (
  stream_id     TEXT    PRIMARY KEY,
  revision      INTEGER NOT NULL,
  hash          TEXT    NOT NULL,
  last_position INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO streams_by_id (stream_id, revision, hash, last_position)
  SELECT stream_id, revision, hash, last_position FROM streams;
DROP TABLE streams;
ALTER TABLE streams_by_id RENAME TO streams;
`;

/** Schema 1's events table, kept to migrate from. */
const EVENTS_V1 = 'events_v1';

/**
 * Creates the schema, or brings a schema-1 file up to date (once, under the write lock, so racing
 * openers agree). `prepare` prepares the store's statements once the schema is in place; a
 * migration writes with what it returns. `file` names the store in errors.
 */
export function migrate<P extends { append: Appender }>(
  db: Database.Database,
  file: string,
  readonly: boolean,
  prepare: () => P,
): P {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  // Schema 2 differs only in the heads' layout: a read-only opening reads it as it is.
  if (version() === SCHEMA_VERSION || (readonly && version() === 2)) {
    const prepared = prepare();
    // A store made before the application id gets it at its first opening that may write.
    if (!readonly) stampApplicationId(db);
    return prepared;
  }
  if (readonly)
    throw new StoreUnavailable(
      `sqlite:${file}`,
      `schema version ${version()} is brought up to date (to ${SCHEMA_VERSION}) only by an opening that may write: import into it once (replay)`,
    );
  return db
    .transaction(() => {
      const found = version();
      if (found > SCHEMA_VERSION) {
        throw new StoreUnavailable(
          `sqlite:${file}`,
          `schema version ${found} is newer than this program (${SCHEMA_VERSION})`,
        );
      }
      if (found < SCHEMA_VERSION) {
        if (found === 1) db.exec(`ALTER TABLE events RENAME TO ${EVENTS_V1}`);
        if (found < 2) db.exec(SCHEMA);
        db.exec(HEADS_BY_STREAM);
      }
      const prepared = prepare();
      if (found === 1) deriveFromV1(db, prepared.append);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      stampApplicationId(db);
      return prepared;
    })
    .immediate();
}

/**
 * Copies schema 1's events and builds what schema 2 adds from them, in position order, with the
 * store's new appender (its key dictionary starts empty).
 */
function deriveFromV1(db: Database.Database, append: Appender): void {
  const read = db.prepare<[number, number], EventRow>(
    `SELECT ${COLUMNS} FROM ${EVENTS_V1} WHERE position >= ? ORDER BY position LIMIT ?`,
  );
  const copy = db.prepare(`INSERT INTO events (${COLUMNS}, previous) VALUES ${EVENT_VALUES}`);
  const last = new Map<string, number>();
  for (let from = 1; ;) {
    const rows = read.all(from, BLOCK_EVENTS);
    if (rows.length === 0) break;
    const events = rows.map((r, i) => {
      // Blocks hold consecutive positions; schema 1 never leaves gaps, so one means the file was
      // edited.
      if (r.position !== from + i)
        throw new Error(
          `cannot migrate: no event at position ${from + i} (the file was edited outside the store)`,
        );
      copy.run(
        r.position,
        r.stream_id,
        r.revision,
        r.event_id,
        r.type,
        r.occurred_at,
        r.recorded_at,
        r.data,
        r.hash,
        last.get(r.stream_id) ?? null,
      );
      last.set(r.stream_id, r.position);
      return toEvent(r);
    });
    append.insertIds(
      events.map((e) => e.eventId),
      from,
    );
    append.columns.write(events, from);
    from += rows.length;
  }
  const setLast = db.prepare('UPDATE streams SET last_position = ? WHERE stream_id = ?');
  for (const [streamId, position] of last) setLast.run(position, streamId);
  db.exec(`DROP TABLE ${EVENTS_V1}`);
}
