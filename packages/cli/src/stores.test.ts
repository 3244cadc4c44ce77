import { loadScenario } from '@incident-ledger/scenario';
import { PostgresEventStore, withDefaultUser } from '@incident-ledger/eventstore-postgres';
import { Client } from 'pg';
import { SqliteEventStore } from '@incident-ledger/eventstore-sqlite';
import { MemoryEventStore, type EventStore } from '@incident-ledger/eventstore';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkIntegrity, digestOf, importEvents, replay } from './app';
import { main } from './main';

const DOCOMO = resolve(__dirname, '../../../scenarios/docomo-kouza-2020');
const PG_URL = process.env.INCIDENT_LEDGER_PG_URL;

describe('the same scenario on every store', () => {
  const scenario = loadScenario(DOCOMO);
  const dir = mkdtempSync(join(tmpdir(), 'ledger-stores-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function fingerprint(store: EventStore) {
    try {
      await importEvents(store, scenario.events);
      const { reports } = await replay(store, scenario.timeZone, [
        Number.POSITIVE_INFINITY,
        Date.parse('2020-09-10T09:00:00Z'),
      ]);
      return {
        digest: await digestOf(store),
        reports: [...reports.values()],
        intact: (await checkIntegrity(store)).firstBreak === undefined,
      };
    } finally {
      await store.close();
    }
  }

  it('gives the same digest and reports in memory and in SQLite', async () => {
    const mem = await fingerprint(new MemoryEventStore());
    const sql = await fingerprint(SqliteEventStore.open(join(dir, 'a.sqlite')));
    expect(sql).toEqual(mem);
    expect(mem.intact).toBe(true);
  });

  const pg = PG_URL ? it : process.env.CI === 'true' ? it : it.skip;
  if (!PG_URL && process.env.CI !== 'true')
    console.log('PostgreSQL digest check skipped: INCIDENT_LEDGER_PG_URL is not set (see README)');
  pg('gives the same digest and reports in PostgreSQL', async () => {
    if (!PG_URL)
      throw new Error(
        'INCIDENT_LEDGER_PG_URL must be set under CI: the PostgreSQL checks may not be skipped there',
      );
    // A fresh schema: the database outlives test runs, and a store never takes changed history.
    const schema = `cli_digest_${process.pid}_${Date.now()}`;
    const mem = await fingerprint(new MemoryEventStore());
    try {
      expect(await fingerprint(await PostgresEventStore.open(PG_URL, { schema }))).toEqual(mem);
    } finally {
      const admin = new Client({ connectionString: withDefaultUser(PG_URL) });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    }
  });
});

describe('unreachable stores', () => {
  it.each(['postgres://127.0.0.1:1/ledger', 'kurrentdb://127.0.0.1:1?tls=false'])(
    '%s fails with a clear message and exit 2 within 10 seconds',
    async (url) => {
      const err: string[] = [];
      const spy = jest
        .spyOn(console, 'error')
        .mockImplementation((...a) => void err.push(a.join(' ')));
      const started = Date.now();
      const code = await main(['verify', '--integrity', '--store', url]).finally(() =>
        spy.mockRestore(),
      );
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(code).toBe(2);
      expect(err.join('\n')).toMatch(/cannot open store/);
    },
    15_000,
  );
});
