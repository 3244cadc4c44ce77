import { SqliteEventStore } from '@incident-ledger/eventstore-sqlite';
import { collect } from '@incident-ledger/eventstore/contract';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from './main';

const ROOT = resolve(__dirname, '../../..');
const DOCOMO = join(ROOT, 'scenarios/docomo-kouza-2020');

/** Runs the CLI in-process, capturing what it prints. */
async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = jest.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  try {
    const code = await main(argv);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

let tmp: string;
beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'ledger-cli-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the docomo scenario, without any store file, for tests that change it. */
function copyOfDocomo(): string {
  const dir = join(tmp, 'docomo');
  cpSync(DOCOMO, dir, { recursive: true, filter: (src) => !/ledger\.sqlite/.test(src) });
  return dir;
}

describe('incident-ledger verify', () => {
  it('reproduces 120 cases, 11 banks and 2,542万円 as of 2020-09-14 00:00 JST', async () => {
    const { code, stdout } = await run('verify', DOCOMO);
    expect(code).toBe(0);
    const row = (figure: string) => stdout.split('\n').find((l) => l.includes('briefing-2020-09-14') && l.includes(` ${figure} `));
    expect(row('cases')).toMatch(/2020-09-14T00:00:00\+09:00\s+120\s+120\s+exact\s+ok$/);
    expect(row('banksWithDamage')).toMatch(/2020-09-14T00:00:00\+09:00\s+11\s+11\s+exact\s+ok$/);
    expect(row('damageYen')).toMatch(/2020-09-14T00:00:00\+09:00\s+25,420,000\s+25,4\d\d,000\s+floor to 10,000\s+ok$/);
    expect(stdout).toMatch(/4 of 4 published figures reproduced/);
  });

  it.each([10_000, -10_000, 250_000])('fails, naming the figure, when one charge changes by %d yen', async (delta) => {
    const dir = copyOfDocomo();
    const file = join(dir, 'events/cases.yaml');
    const text = readFileSync(file, 'utf8');
    const m = /"amountYen":(\d+)/.exec(text)!;
    writeFileSync(file, text.replace(m[0], `"amountYen":${Number(m[1]) + delta}`));
    const { code, stdout } = await run('verify', dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(/MISMATCH damageYen \(total damage\) as of 2020-09-14T00:00:00\+09:00: published 25,420,000, replayed/);
    expect(stdout).not.toMatch(/MISMATCH cases/);
  });
});

describe('incident-ledger replay', () => {
  const reportPart = (stdout: string) => stdout.split('\n').filter((l) => !/^(store|import) /.test(l)).join('\n');

  it('prints identical reports and digests from memory and from SQLite', async () => {
    const mem = await run('replay', DOCOMO, '--store', 'memory:');
    const sql = await run('replay', DOCOMO, '--store', `sqlite:${join(tmp, 'l.sqlite')}`);
    expect(mem.code).toBe(0);
    expect(sql.code).toBe(0);
    expect(reportPart(sql.stdout)).toEqual(reportPart(mem.stdout));
    expect(mem.stdout).toMatch(/digest {4}sha256:[0-9a-f]{64}/);
    expect(mem.stdout).toMatch(/Damage by bank[\s\S]*total\s+120\s+25,4\d\d,000/);
    expect(mem.stdout).toMatch(/Damage by calendar day \(Asia\/Tokyo/);
  });

  it('replaying twice into one store appends nothing the second time', async () => {
    const store = `sqlite:${join(tmp, 'twice.sqlite')}`;
    const first = await run('replay', DOCOMO, '--store', store);
    const second = await run('replay', DOCOMO, '--store', store);
    expect(first.stdout).toMatch(/import {4}(\d+) events: \1 appended, 0 already stored/);
    expect(second.stdout).toMatch(/import {4}(\d+) events: 0 appended, \1 already stored/);
    expect(reportPart(second.stdout)).toEqual(reportPart(first.stdout));
  });

  it('reports as of a cutoff: 24 cases were known on 2020-09-08', async () => {
    const { stdout } = await run('replay', DOCOMO, '--store', 'memory:', '--as-of', '2020-09-08T23:59:59+09:00');
    expect(stdout).toMatch(/^ {2}cases\s+24$/m);
  });

  it('refuses a scenario with a bad amount with exit 2, a located message, and nothing appended', async () => {
    const dir = copyOfDocomo();
    const file = join(dir, 'events/cases.yaml');
    const lines = readFileSync(file, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('"amountYen"')) ;
    lines[at] = lines[at]!.replace(/"amountYen":\d+/, '"amountYen":-5');
    writeFileSync(file, lines.join('\n'));
    const db = join(tmp, 'bad.sqlite');
    const { code, stderr } = await run('replay', dir, '--store', `sqlite:${db}`);
    expect(code).toBe(2);
    expect(stderr).toContain(`events/cases.yaml:${at + 1}:`);
    expect(stderr).toMatch(/amountYen: must be a whole, non-negative number of yen/);
    expect(stderr).toMatch(/Nothing was appended/);
    expect(existsSync(db)).toBe(false);
  });

  it('refuses a changed event already stored with different content, appending nothing', async () => {
    const dir = copyOfDocomo();
    const db = join(tmp, 'history.sqlite');
    expect((await run('replay', dir, '--store', `sqlite:${db}`)).code).toBe(0);
    const file = join(dir, 'events/cases.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/"amountYen":(\d+)/, (_, n) => `"amountYen":${Number(n) + 1}`) + '  - { key: NEW/open, type: WalletOpened, stream: wallet-NEW, occurredAt: "2020-09-01T00:00:00+09:00", data: {"walletId":"NEW","openedBy":"holder"} }\n');
    const { code, stderr } = await run('replay', dir, '--store', `sqlite:${db}`);
    expect(code).toBe(2);
    expect(stderr).toMatch(/already stored with different content/);
    const store = SqliteEventStore.open(db);
    const events = await collect(store.readAll());
    await store.close();
    expect(events.some((e) => e.streamId === 'wallet-NEW')).toBe(false);
  });
});

describe('the command line', () => {
  it.each([[[]], [['--help']], [['replay', '--help']], [['verify', '--help']]])('prints help for %p', async (argv) => {
    const { stdout } = await run(...argv);
    expect(stdout).toMatch(/^usage: incident-ledger/);
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['replay'], /missing <scenario-dir>/],
    [['replay', DOCOMO, '--colour'], /Unknown option '--colour'/],
    [['replay', DOCOMO, '--as-of', '2020-09-14T00:00:00'], /--as-of: must be an ISO 8601 time with a zone offset/],
    [['replay', DOCOMO, '--store', 'ftp://x'], /unknown store URL "ftp:\/\/x"/],
    [['verify', '/no/such/scenario'], /scenario folder not found/],
  ])('exits 2 on bad input %p', async (argv, message) => {
    const { code, stderr } = await run(...argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('runs as a real process with exit codes scripts can trust', () => {
    const tsx = join(ROOT, 'node_modules/.bin/tsx');
    const cli = join(ROOT, 'packages/cli/src/main.ts');
    const ok = spawnSync(tsx, [cli, 'verify', DOCOMO], { encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const bad = spawnSync(tsx, [cli, 'verify', join(tmp, 'missing')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
  });
});
