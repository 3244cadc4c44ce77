import { Rng } from '@incident-ledger/core';
import { PostgresEventStore, withDefaultUser } from '@incident-ledger/eventstore-postgres';
import { loadScenario } from '@incident-ledger/scenario';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import * as Pg from 'pg';
import { checkIntegrity, digestOf, importEvents, replay } from './app';
import { editOneByte, withOneByteEdited } from './edits.testing';

/**
 * The PostgreSQL store edited by plain SQL, as integrity.test.ts edits SQLite's: random edits of
 * every column of events, keys and blocks. Each is either detected by `verify --integrity` or
 * proven harmless: a replay then gives the intact store's report and digest.
 */

const PG_URL = process.env.INCIDENT_LEDGER_PG_URL;
const pg = PG_URL ? describe : describe.skip;
const DOCOMO = resolve(__dirname, '../../../scenarios/docomo-kouza-2020');
const ZONE = 'Asia/Tokyo';
const EVERYTHING = Number.POSITIVE_INFINITY;
const TABLES = ['events', 'keys', 'blocks'] as const;
/** What the database refuses: a duplicate key, bytes that are not UTF-8, an integer too large. */
const REFUSED = new Set(['23505', '22021', '22003']);

type Row = Record<string, string | number | Buffer | null>;

interface Table {
  name: (typeof TABLES)[number];
  key: string[];
  /** A changed value for `column` of `row`, as `sql` (with $1) and its parameter. */
  edit(rng: Rng, column: string, row: Row): { sql: string; param: unknown };
  columns: string[];
}

/** A single-value change of an integer: near misses and a far one. */
const shifted = (rng: Rng, v: unknown) => ({
  sql: '$1',
  param: Number(v) + rng.pick([-1, 1, 2, -17, 1000]),
});

const byteEdited = (rng: Rng, v: string | number) => {
  const param = editOneByte(rng, v);
  return { sql: typeof param === 'number' ? '$1' : "convert_from($1::bytea, 'UTF8')", param };
};

/** The bigint columns of events: node-postgres returns them as strings. */
const INTEGER = new Set(['position', 'revision', 'occurred_at', 'recorded_at', 'previous']);

const SHAPES: Table[] = [
  {
    name: 'events',
    key: ['position'],
    columns: [
      'position',
      'stream_id',
      'revision',
      'event_id',
      'type',
      'occurred_at',
      'recorded_at',
      'data',
      'hash',
      'previous',
    ],
    edit(rng, column, row) {
      const v = row[column];
      // The first event of a stream links to none: the edit links it to an earlier event.
      if (v === null) return { sql: '$1', param: rng.int(1, Number(row.position)) };
      return byteEdited(rng, INTEGER.has(column) ? Number(v) : (v as string));
    },
  },
  {
    name: 'keys',
    key: ['domain', 'first_id'],
    columns: ['domain', 'first_id', 'count', 'texts'],
    edit: (rng, column, row) =>
      column === 'texts' ? byteEdited(rng, row.texts as string) : shifted(rng, row[column]),
  },
  {
    name: 'blocks',
    key: ['last_position'],
    columns: ['last_position', 'first_position', 'columns'],
    edit: (rng, column, row) =>
      column === 'columns'
        ? { sql: '$1', param: withOneByteEdited(rng, row.columns as Buffer) }
        : shifted(rng, row[column]),
  },
];

pg('tamper detection (PostgreSQL, edits by plain SQL)', () => {
  const schema = `test_integrity_${process.pid}_${randomBytes(3).toString('hex')}`;
  const client = new Pg.Client({ connectionString: withDefaultUser(PG_URL!) });
  let intact: Awaited<ReturnType<typeof outcome>>;
  let contents: string[];

  /** What verify --integrity, then a replay, make of the store as it now is: a fresh process's view. */
  async function outcome() {
    const store = await PostgresEventStore.open(PG_URL!, { schema });
    try {
      const r = await checkIntegrity(store);
      const firstBreak = r.firstBreak ?? r.indexes?.firstBreak ?? r.columns?.firstBreak;
      if (firstBreak) return { firstBreak };
      const { reports } = await replay(store, ZONE, [EVERYTHING], undefined, 'off');
      return { report: reports.get(EVERYTHING), digest: await digestOf(store) };
    } finally {
      await store.close();
    }
  }

  /** Every table's rows, hashed: the store is intact again only if these are unchanged. */
  const tableContents = async () => {
    const out: string[] = [];
    for (const t of TABLES)
      out.push(
        (
          await client.query(
            `SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) AS m FROM ${t} t`,
          )
        ).rows[0].m,
      );
    return out;
  };

  beforeAll(async () => {
    const store = await PostgresEventStore.open(PG_URL!, { schema });
    await importEvents(store, loadScenario(DOCOMO).events);
    await store.close();
    await client.connect();
    await client.query(`SET search_path TO ${Pg.escapeIdentifier(schema)}`);
    intact = await outcome();
    contents = await tableContents();
  });
  afterAll(async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${Pg.escapeIdentifier(schema)} CASCADE`);
    await client.end();
  });

  it('starts intact', () => {
    expect(intact).toMatchObject({ digest: expect.stringMatching(/^sha256:/) });
    expect(intact).not.toHaveProperty('firstBreak');
  });

  it.each([
    ['events', 300, 1],
    ['keys', 50, 2],
    ['blocks', 100, 3],
  ] as const)(
    'every random edit of %s (%i, committed, then undone) is detected or changes nothing a replay reads',
    async (name, count, seed) => {
      const table = SHAPES.find((t) => t.name === name)!;
      const rows = (await client.query(`SELECT * FROM ${name}`)).rows as Row[];
      const rng = new Rng(seed);
      const edited = new Map<string, number>();
      for (let applied = 0; applied < count;) {
        const row = rng.pick(rows);
        const column = rng.pick(table.columns);
        const edit = table.edit(rng, column, row);
        const keyOf = (r: Row) => table.key.map((k) => r[k]);
        const cond = table.key.map((k, i) => `${k} = $${i + 2}`).join(' AND ');
        try {
          await client.query(`UPDATE ${name} SET ${column} = ${edit.sql} WHERE ${cond}`, [
            edit.param,
            ...keyOf(row),
          ]);
        } catch (e) {
          if (!REFUSED.has((e as { code?: string }).code ?? '')) throw e;
          continue; // not an edit that happened
        }
        applied++;
        edited.set(column, (edited.get(column) ?? 0) + 1);
        try {
          const after = await outcome();
          // Undetected: then a replay must read the intact store's figures and digest.
          if (!('firstBreak' in after))
            expect({ column, row: keyOf(row), after }).toEqual({
              column,
              row: keyOf(row),
              after: intact,
            });
        } finally {
          const now = { ...row, [column]: edit.param as Row[string] };
          await client.query(`UPDATE ${name} SET ${column} = $1 WHERE ${cond}`, [
            row[column],
            ...keyOf(now),
          ]);
        }
      }
      expect([...edited.keys()].sort()).toEqual([...table.columns].sort()); // every column edited
    },
  );

  /** The check's result with `sql` committed, then undone by `undo`. */
  async function checkedWith(sql: string, undo: string) {
    await client.query(sql);
    try {
      const store = await PostgresEventStore.open(PG_URL!, { schema });
      return await checkIntegrity(store).finally(() => store.close());
    } finally {
      await client.query(undo);
    }
  }

  it('names an event whose data is no longer JSON', async () => {
    const { position } = (await client.query('SELECT min(position) AS position FROM events'))
      .rows[0];
    const r = await checkedWith(
      `UPDATE events SET data = data || '}' WHERE position = ${position}`,
      `UPDATE events SET data = left(data, -1) WHERE position = ${position}`,
    );
    expect(r.firstBreak).toMatchObject({
      globalPosition: Number(position),
      problem: expect.stringContaining('data is not JSON'),
    });
  });

  it('detects a keys row whose count no longer matches its texts', async () => {
    const r = await checkedWith(
      'UPDATE keys SET count = count + 1 WHERE domain = 0 AND first_id = 0',
      'UPDATE keys SET count = count - 1 WHERE domain = 0 AND first_id = 0',
    );
    expect(r.columns?.firstBreak).toMatchObject({
      column: 'keys',
      stored: expect.stringContaining('hold'),
    });
  });

  it('is intact again after every edit was undone', async () => {
    expect(await tableContents()).toEqual(contents);
    expect(await outcome()).toEqual(intact);
  });
});
