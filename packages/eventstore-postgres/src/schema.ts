import { KeyDictionary } from '@incident-ledger/core';
import { BLOCK_EVENTS, StoreMissing, type StoreAccess } from '@incident-ledger/eventstore';
import { escapeIdentifier, type PoolClient } from 'pg';
import type { Connection } from './connection';
import { COLUMNS, storedRow, type EventRow } from './event-row';
import type { Tables } from './tables';
import { writeRows } from './write-rows';

/**
 * 1: events with unique indexes, stream heads. 2: event-id table, stream links, replay columns
 * (keys, blocks).
 */
const SCHEMA_VERSION = 2;

/**
 * Creates the schema, or brings a schema-1 store up to date, under the write lock (racing openers
 * agree).
 */
export async function migrate(
  db: Connection,
  schema: string,
  t: Tables,
  access: StoreAccess,
): Promise<void> {
  await db.locked(async (client) => {
    const schemaExists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
      schema,
    ]);
    const meta = await client.query<{ present: boolean }>(
      'SELECT to_regclass($1) IS NOT NULL AS present',
      [t.meta],
    );
    if (!meta.rows[0]?.present)
      await mayCreate(client, db, schema, t, access, schemaExists.rowCount !== 0);
    // Only when missing: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the
    // schema exists.
    if (schemaExists.rowCount === 0)
      await client.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`);
    let version = 0;
    if (meta.rows[0]?.present) {
      const row = await client.query<{ value: string }>(
        `SELECT value FROM ${t.meta} WHERE key = 'schema_version'`,
      );
      version = Number(row.rows[0]?.value ?? 0);
    }
    if (version > SCHEMA_VERSION) {
      throw db.unavailable(
        `schema "${schema}" has version ${version}, newer than this program (${SCHEMA_VERSION})`,
      );
    }
    if (version === SCHEMA_VERSION) return;
    if (version === 1) await migrateFromV1(client, schema, t);
    else
      await client.query(`${metaTable(t)}${eventsTable(t)}${streamsTable(t)}${derivedTables(t)}`);
    await client.query(
      `UPDATE ${t.meta} SET value = '${SCHEMA_VERSION}' WHERE key = 'schema_version'`,
    );
  });
}

/**
 * A schema without the meta table holds no store: only an opening that may create one goes on,
 * and only in an empty schema, never among another application's tables.
 */
async function mayCreate(
  client: PoolClient,
  db: Connection,
  schema: string,
  t: Tables,
  access: StoreAccess,
  schemaExists: boolean,
) {
  if (access !== 'create')
    throw new StoreMissing(
      db.redactedUrl,
      `no store in schema "${schema}" of this database (no ${t.meta} table)`,
    );
  if (!schemaExists) return;
  const tables = await client.query<{ relname: string }>(
    `SELECT relname FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relkind IN ('r', 'p', 'v', 'm') LIMIT 5`,
    [schema],
  );
  if (tables.rowCount !== 0)
    throw db.unavailable(
      `schema "${schema}" holds tables of another application (${tables.rows.map((t) => t.relname).join(', ')}), not an incident-ledger store; it was left unchanged`,
    );
}

function metaTable(t: Tables): string {
  return `
CREATE TABLE ${t.meta} (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO ${t.meta} (key, value) VALUES ('schema_version', '${SCHEMA_VERSION}');`;
}

/**
 * data is text, not jsonb: jsonb refuses \u0000 and unpaired surrogates, which JSON.stringify
 * writes and the
 * other stores keep, and it reorders keys. Text keeps the exact JSON; `data::jsonb` still works
 * in ad-hoc SQL.
 */
function eventsTable(t: Tables): string {
  return `
CREATE TABLE ${t.events} (
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
function streamsTable(t: Tables): string {
  return `
CREATE TABLE ${t.streams} (
  stream_id      text COLLATE "C" PRIMARY KEY,
  revision       bigint NOT NULL,
  hash           text   NOT NULL,
  last_position  bigint NOT NULL
) WITH (fillfactor = 50);`;
}

/** Blocks are stored uncompressed: typed columns compress poorly and are read whole. */
function derivedTables(t: Tables): string {
  return `
CREATE TABLE ${t.eventIds} (id bytea PRIMARY KEY, position bigint NOT NULL);
CREATE TABLE ${t.keys} (domain smallint NOT NULL, first_id integer NOT NULL, count integer NOT NULL, texts text NOT NULL, PRIMARY KEY (domain, first_id));
CREATE TABLE ${t.blocks} (last_position bigint PRIMARY KEY, first_position bigint NOT NULL, columns bytea NOT NULL);
ALTER TABLE ${t.blocks} ALTER COLUMN columns SET STORAGE EXTERNAL;`;
}

/**
 * Moves schema 1's events to the new table and derives everything schema 2 adds from them, in
 * position order.
 */
async function migrateFromV1(client: PoolClient, schema: string, t: Tables): Promise<void> {
  const { streams } = t;
  await client.query(`
ALTER TABLE ${t.events} RENAME TO events_v1;
${eventsTable(t)}
${derivedTables(t)}
ALTER TABLE ${streams} ADD COLUMN last_position bigint NOT NULL DEFAULT 0, ALTER COLUMN stream_id TYPE text COLLATE "C";
ALTER TABLE ${streams} ALTER COLUMN last_position DROP DEFAULT, SET (fillfactor = 50);`);
  const keys = new KeyDictionary();
  const links = new Map<string, number>();
  for (let from = 1; ;) {
    const { rows } = await client.query<EventRow>(
      `SELECT ${COLUMNS} FROM ${t.eventsV1} WHERE position >= $1 ORDER BY position LIMIT ${BLOCK_EVENTS}`,
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
    await writeRows(
      client,
      t,
      schema,
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
  await client.query(`DROP TABLE ${t.eventsV1}`);
}
