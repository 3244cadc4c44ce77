import { withDefaultUser } from '@incident-ledger/eventstore-postgres';
import { execFile, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

/**
 * A PostgreSQL URL that cannot connect: the CLI, as a real process, says why and exits 2 on its
 * own. The only clock is jest's timeout: a process kept alive by a dangling socket fails by it.
 * Password auth needs a server that asks for one over TCP (pg_hba scram-sha-256 or md5 on
 * 127.0.0.1, Debian's default).
 */
const ROOT = resolve(__dirname, '../../..');
const PG_URL = process.env.INCIDENT_LEDGER_PG_URL;
/** Room for the CLI's 8 s connect timeout and tsx's start; the server waits 60 s for a login. */
const ENDS_WITHIN_MS = 20_000;
const running = new Set<ChildProcess>();
afterAll(() => running.forEach((child) => child.kill()));

function cli(...argv: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      join(ROOT, 'node_modules/.bin/tsx'),
      [join(ROOT, 'packages/cli/src/main.ts'), ...argv],
      { encoding: 'utf8', env: { ...process.env, PGPASSWORD: '' } },
      (_error, _stdout, stderr) => {
        running.delete(child);
        done({ code: child.exitCode, stderr });
      },
    );
    running.add(child);
  });
}

const pg = PG_URL ? describe : process.env.CI === 'true' ? describe : describe.skip;
pg('a PostgreSQL store that cannot be connected to', () => {
  const role = `ledger_pw_${process.pid}_${Date.now()}`;
  let admin: Client;
  let port: string;
  beforeAll(async () => {
    if (!PG_URL) throw new Error('INCIDENT_LEDGER_PG_URL must be set under CI');
    admin = new Client({ connectionString: withDefaultUser(PG_URL) });
    await admin.connect();
    port = (await admin.query<{ port: string }>('SHOW port')).rows[0]!.port;
    await admin.query(`CREATE ROLE "${role}" LOGIN PASSWORD 'not-given-${process.pid}'`);
  });
  afterAll(async () => {
    await admin.query(`DROP ROLE IF EXISTS "${role}"`);
    await admin.end();
  });

  it.each([
    [
      'a password the server asks for',
      () => `postgres://${role}@127.0.0.1:${port}/postgres`,
      /asks for a password and none was given/,
    ],
    [
      'an empty password',
      () => `postgres://${role}:@127.0.0.1:${port}/postgres`,
      /asks for a password and none was given/,
    ],
    [
      'a wrong password',
      () => `postgres://${role}:wrong@127.0.0.1:${port}/postgres`,
      /password authentication failed/,
    ],
    [
      'a database that does not exist',
      () => `${PG_URL}`.replace(/\/\/\/[^?]*/, `///no_such_db_${process.pid}`),
      /database "no_such_db_\d+" does not exist/,
    ],
    [
      'a role that does not exist',
      () => `${PG_URL}`.replace('///', `//no_such_role_${process.pid}@/`),
      /no_such_role_\d+/,
    ],
    ['a closed port', () => 'postgres://127.0.0.1:1/x', /ECONNREFUSED/],
    [
      'a host that does not resolve',
      () => 'postgres://no-such-host.invalid/x',
      /ENOTFOUND|EAI_AGAIN/,
    ],
  ])(
    '%s: exits 2 naming the problem, and ends',
    async (_case, url, problem) => {
      const { code, stderr } = await cli('verify', '--integrity', '--store', url());
      expect(stderr).toMatch(problem);
      expect(stderr).toMatch(/cannot open store/);
      expect(code).toBe(2);
    },
    ENDS_WITHIN_MS,
  );
});
