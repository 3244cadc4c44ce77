import { StoreMissing, StoreUnavailable } from '@incident-ledger/eventstore';
import { sampleEvent } from '@incident-ledger/eventstore/contract';
import { randomBytes } from 'node:crypto';
import { escapeIdentifier, Pool } from 'pg';
import { PostgresEventStore, withDefaultUser } from './postgres';

/** Only an opening that may create a store makes the schema and its tables; see StoreAccess. */
const url = process.env.INCIDENT_LEDGER_PG_URL;
const pg = url ? describe : process.env.CI === 'true' ? describe : describe.skip;

pg('opening a PostgreSQL schema that holds no store', () => {
  const admin = new Pool({ connectionString: withDefaultUser(url ?? ''), max: 2 });
  const schemas: string[] = [];
  const freshSchema = () => {
    schemas.push(`test_access_${process.pid}_${randomBytes(4).toString('hex')}`);
    return schemas.at(-1)!;
  };
  afterAll(async () => {
    for (const s of schemas)
      await admin.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(s)} CASCADE`);
    await admin.end();
  });
  const tablesOf = async (schema: string) =>
    (
      await admin.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1',
        [schema],
      )
    ).rows.map((r) => r.table_name);
  const schemaExists = async (schema: string) =>
    (await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1;

  it.each(['read', 'write'] as const)(
    '%s: StoreMissing, and no schema is created',
    async (access) => {
      const schema = freshSchema();
      const e = await PostgresEventStore.open(url!, { schema, access }).catch((e: unknown) => e);
      expect(e).toBeInstanceOf(StoreMissing);
      expect((e as Error).message).toMatch(new RegExp(`no store in schema "${schema}"`));
      expect(await schemaExists(schema)).toBe(false);
    },
  );

  it('read: an empty schema stays empty', async () => {
    const schema = freshSchema();
    await admin.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`);
    await expect(PostgresEventStore.open(url!, { schema, access: 'read' })).rejects.toBeInstanceOf(
      StoreMissing,
    );
    expect(await tablesOf(schema)).toEqual([]);
  });

  it("create: refuses a schema holding another application's tables, unchanged", async () => {
    const schema = freshSchema();
    await admin.query(
      `CREATE SCHEMA ${escapeIdentifier(schema)}; CREATE TABLE ${escapeIdentifier(schema)}.orders (id int)`,
    );
    const e = await PostgresEventStore.open(url!, { schema }).catch((e: unknown) => e);
    expect(e).toBeInstanceOf(StoreUnavailable);
    expect((e as Error).message).toMatch(/tables of another application \(orders\)/);
    expect(await tablesOf(schema)).toEqual(['orders']);
  });

  it('create makes the store, which read and write then open', async () => {
    const schema = freshSchema();
    const created = await PostgresEventStore.open(url!, { schema, access: 'create' });
    await created.append('s', [sampleEvent(1)]);
    await created.close();
    for (const access of ['read', 'write'] as const) {
      const store = await PostgresEventStore.open(url!, { schema, access });
      expect((await store.heads()).map((h) => h.streamId)).toEqual(['s']);
      await store.close();
    }
  });
});
