import { withDefaultUser } from '@incident-ledger/eventstore-postgres';
import { Database } from '@incident-ledger/eventstore-sqlite';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { runCli } from './run-cli.testing';

/**
 * A store is opened only if it is one (docs/reliability.md, Opening a store): only replay and
 * simulate create one; a file that is not a store is refused with exit 2 and left byte for byte.
 */
const EXAMPLE = resolve(__dirname, '../../../scenarios/example-minimal');
/** simulate needs a scenario with an attack generator. */
const DOCOMO = resolve(__dirname, '../../../scenarios/docomo-kouza-2020');
/** 'ILDG': the SQLite store's application id. */
const APPLICATION_ID = 0x494c4447;

let tmp: string;
beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'ledger-open-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const pragma = (file: string, name: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma(name, { simple: true });
  } finally {
    db.close();
  }
};

/** Every command that opens a store, as it would be run on `url`. */
const commands = (url: string): string[][] => [
  ['replay', EXAMPLE, '--store', url, '-q'],
  ['simulate', DOCOMO, '--seed', '1', '--store', url, '--by', 'summary'],
  ['verify', EXAMPLE, '--store', url, '-q'],
  ['verify', '--integrity', '--store', url],
  ['timeline', EXAMPLE, '--store', url, '-q'],
  ['report', EXAMPLE, '--store', url, '--out', join(tmp, 'r.html')],
  ['watch', '--store', url],
];
const notCreating = (url: string) =>
  commands(url).filter(([name]) => name !== 'replay' && name !== 'simulate');

describe('a file that is not a store', () => {
  it("another application's database: every command exits 2, the file unchanged and not in WAL", async () => {
    const file = join(tmp, 'other-app.db');
    const db = new Database(file);
    db.exec(
      "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes VALUES (1, 'x')",
    );
    db.close();
    const before = sha256(file);
    for (const argv of commands(`sqlite:${file}`)) {
      const { code, stderr } = await runCli(...argv);
      expect({ argv, code }).toEqual({ argv, code: 2 });
      expect(stderr).toContain(
        `${file}: an SQLite database with tables notes, not an incident-ledger store`,
      );
    }
    expect(sha256(file)).toBe(before);
    expect(pragma(file, 'journal_mode')).toBe('delete');
    expect(readdirSync(tmp)).toEqual(['other-app.db']);
  });

  it('random bytes: every command exits 2, the file unchanged', async () => {
    const file = join(tmp, 'noise.sqlite');
    writeFileSync(file, randomBytes(4096));
    const before = sha256(file);
    for (const argv of commands(`sqlite:${file}`)) {
      const { code, stderr } = await runCli(...argv);
      expect({ argv, code }).toEqual({ argv, code: 2 });
      expect(stderr).toContain(`${file}: not an SQLite database`);
    }
    expect(sha256(file)).toBe(before);
  });
});

describe('no store yet', () => {
  it('a misspelled path: exit 2 naming the file and how to create it; no file made', async () => {
    const file = join(tmp, 'ledgr.sqlite');
    for (const argv of notCreating(`sqlite:${file}`)) {
      const { code, stderr } = await runCli(...argv);
      expect({ argv, code }).toEqual({ argv, code: 2 });
      expect(stderr).toContain(
        `${file}: no such file; create the store with: incident-ledger replay <scenario-dir> --store sqlite:${file}`,
      );
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('a 0-byte file: exit 2, left empty', async () => {
    const file = join(tmp, 'empty.sqlite');
    writeFileSync(file, '');
    for (const argv of notCreating(`sqlite:${file}`)) {
      const { code, stderr } = await runCli(...argv);
      expect({ argv, code }).toEqual({ argv, code: 2 });
      expect(stderr).toMatch(/empty\.sqlite: the file is empty \(0 bytes\); create the store with/);
    }
    expect(readFileSync(file).length).toBe(0);
    expect(readdirSync(tmp)).toEqual(['empty.sqlite']);
  });

  it('replay and simulate create a store, stamped with the application id', async () => {
    for (const argv of commands('sqlite:FILE').slice(0, 2)) {
      const file = join(tmp, `${argv[0]}.sqlite`);
      expect((await runCli(...argv.map((a) => a.replace('FILE', file)))).code).toBe(0);
      expect(pragma(file, 'application_id')).toBe(APPLICATION_ID);
      expect((await runCli('verify', '--integrity', '--store', `sqlite:${file}`)).code).toBe(0);
    }
  });

  it("report creates the scenario's own store, as replay does", async () => {
    const dir = join(tmp, 'incident');
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !/ledger\.sqlite/.test(src) });
    const { code } = await runCli('report', dir, '--out', join(tmp, 'r.html'));
    expect(code).toBe(0);
    expect(pragma(join(dir, 'ledger.sqlite'), 'application_id')).toBe(APPLICATION_ID);
  });
});

it('a store made before the application id opens, and is stamped by the next import', async () => {
  const file = join(tmp, 'old.sqlite');
  expect((await runCli('replay', EXAMPLE, '--store', `sqlite:${file}`, '-q')).code).toBe(0);
  const db = new Database(file);
  db.pragma('application_id = 0');
  db.pragma('user_version = 2'); // the schema of the stores made before the id
  db.close();
  const integrity = await runCli('verify', '--integrity', '--store', `sqlite:${file}`);
  expect(integrity.stdout).toMatch(/intact/);
  expect(integrity.code).toBe(0);
  expect(pragma(file, 'application_id')).toBe(0);
  expect((await runCli('timeline', EXAMPLE, '--store', `sqlite:${file}`, '-q')).code).toBe(0);
  expect(pragma(file, 'application_id')).toBe(APPLICATION_ID);
});

const PG_URL = process.env.INCIDENT_LEDGER_PG_URL;
const pg = PG_URL ? describe : process.env.CI === 'true' ? describe : describe.skip;
pg('a PostgreSQL database without a store', () => {
  const database = `ledger_open_${process.pid}_${randomBytes(4).toString('hex')}`;
  const url = (PG_URL ?? '').replace(/\/\/\/[^?]*/, `///${database}`);
  let admin: Client;
  beforeAll(async () => {
    if (!PG_URL) throw new Error('INCIDENT_LEDGER_PG_URL must be set under CI');
    admin = new Client({ connectionString: withDefaultUser(PG_URL) });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  });

  it('reading and writing commands exit 2 and create nothing; replay creates the store', async () => {
    for (const argv of notCreating(url)) {
      const { code, stderr } = await runCli(...argv);
      expect({ argv, code }).toEqual({ argv, code: 2 });
      expect(stderr).toContain(`no store in schema "incident_ledger"`);
      expect(stderr).toContain(
        `create the store with: incident-ledger replay <scenario-dir> --store ${url}`,
      );
    }
    const schemas = async () => {
      const db = new Client({ connectionString: withDefaultUser(url) });
      await db.connect();
      try {
        const r = await db.query("SELECT 1 FROM pg_namespace WHERE nspname = 'incident_ledger'");
        return r.rowCount;
      } finally {
        await db.end();
      }
    };
    expect(await schemas()).toBe(0);
    expect((await runCli('replay', EXAMPLE, '--store', url, '-q')).code).toBe(0);
    expect(await schemas()).toBe(1);
    expect((await runCli('verify', '--integrity', '--store', url)).code).toBe(0);
  });
});
