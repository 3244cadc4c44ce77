import { SqliteEventStore } from '@incident-ledger/eventstore-sqlite';
import { collect } from '@incident-ledger/eventstore/contract';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from './run-cli.testing';
import { copyScenario } from './scenario-copy.testing';

const ROOT = resolve(__dirname, '../../..');
const DOCOMO = join(ROOT, 'scenarios/docomo-kouza-2020');

const run = runCli;

let tmp: string;
beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'ledger-cli-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the docomo scenario, without any store file, for tests that change it. */
const copyOfDocomo = () => copyScenario(DOCOMO, join(tmp, 'docomo'));

describe('incident-ledger verify', () => {
  it('reproduces 120 cases, 11 banks and 2,542万円 as of 2020-09-14 00:00 JST', async () => {
    const { code, stdout } = await run('verify', DOCOMO);
    expect(code).toBe(0);
    const row = (figure: string) =>
      stdout
        .split('\n')
        .find((l) => l.includes('briefing-2020-09-14') && l.includes(` ${figure} `));
    expect(row('cases')).toMatch(/2020-09-14T00:00:00\+09:00\s+120\s+120\s+exact\s+ok$/);
    expect(row('banksWithDamage')).toMatch(/2020-09-14T00:00:00\+09:00\s+11\s+11\s+exact\s+ok$/);
    expect(row('damageYen')).toMatch(
      /2020-09-14T00:00:00\+09:00\s+25,420,000\s+25,4\d\d,000\s+floor to 10,000\s+ok$/,
    );
    expect(stdout).toMatch(/19 of 19 published figures reproduced/);
  });

  describe('every figure of the 2020-09-14 briefing, each at its own as-of time', () => {
    let rows: Record<string, unknown>[];
    beforeAll(async () => {
      const { code, stdout } = await run('verify', DOCOMO, '--format', 'json');
      expect(code).toBe(0);
      rows = JSON.parse(stdout).figures;
    });
    const figure = (publication: string, name: string, asOf: string, qualifier = '') =>
      rows.find(
        (r) =>
          r.publicationId === publication &&
          r.figure === name &&
          r.bankCode === (/^bank (.+)$/.exec(qualifier)?.[1] ?? null) &&
          r.since === (/^since (.+)$/.exec(qualifier)?.[1] ?? null) &&
          r.asOf === asOf,
      );
    it.each([
      ['briefing-2020-09-14', 'cases', '2020-09-14T00:00:00+09:00', '', 120],
      ['briefing-2020-09-14', 'banksWithDamage', '2020-09-14T00:00:00+09:00', '', 11],
      ['briefing-2020-09-14', 'damageYen', '2020-09-14T00:00:00+09:00', '', 25_420_000],
      ['announcement-2020-09-10', 'banksWithDamage', '2020-09-10T18:00:00+09:00', '', 12],
      [
        'briefing-2020-09-14',
        'casesChargedBeforeLinkingSuspended',
        '2020-09-14T00:00:00+09:00',
        '',
        119,
      ],
      [
        'briefing-2020-09-14',
        'casesChargedAfterLinkingSuspended',
        '2020-09-14T00:00:00+09:00',
        '',
        1,
      ],
      [
        'briefing-2020-09-14',
        'casesChargedAfterLinkingSuspendedViaEarlierLink',
        '2020-09-14T00:00:00+09:00',
        '',
        1,
      ],
      ['briefing-2020-09-14', 'banksStoppedCharges', '2020-09-14T00:00:00+09:00', '', 22],
      [
        'briefing-2020-09-14',
        'banksStoppedCharges',
        '2020-09-14T00:00:00+09:00',
        'since 2020-09-10T18:00:00+09:00',
        2,
      ],
      ['briefing-2020-09-14', 'bankStoppedCharges', '2020-09-14T00:00:00+09:00', 'bank JUROKU', 1],
      [
        'briefing-2020-09-14',
        'bankStoppedCharges',
        '2020-09-14T00:00:00+09:00',
        'bank IKEDA-SENSHU',
        1,
      ],
      [
        'announcement-2020-09-10',
        'bankStoppedCharges',
        '2020-09-10T18:00:00+09:00',
        'bank JUROKU',
        0,
      ],
      [
        'announcement-2020-09-10',
        'bankStoppedCharges',
        '2020-09-10T18:00:00+09:00',
        'bank IKEDA-SENSHU',
        0,
      ],
      ['announcement-2020-09-10', 'banksStoppedCharges', '2020-09-10T18:00:00+09:00', '', 20],
      ['briefing-2020-09-14', 'oldestDamageMonth', '2020-09-14T00:00:00+09:00', '', 201910],
      ['briefing-2020-09-14', 'cases', '2020-09-08T23:59:59+09:00', '', 24],
      [
        'briefing-2020-09-14',
        'banksReporting',
        '2020-09-09T23:59:59+09:00',
        'since 2020-09-09T00:00:00+09:00',
        9,
      ],
      ['briefing-2020-09-14', 'inquiries', '2020-09-12T17:00:00+09:00', '', 1496],
      [
        'briefing-2020-09-14',
        'inquiries',
        '2020-09-13T17:00:00+09:00',
        'since 2020-09-12T17:00:00+09:00',
        749,
      ],
    ])('%s: %s as of %s %s is %d, reproduced', (publication, name, asOf, qualifier, published) => {
      const row = figure(publication, name, asOf, qualifier);
      expect(row).toMatchObject({ published, ok: true });
    });
    it('checks no figure this list leaves out', () => expect(rows).toHaveLength(19));
  });

  it('fails on the 119 / 1 split when the one post-stop charge is moved before the stop', async () => {
    const dir = copyOfDocomo();
    const file = join(dir, 'events/cases.yaml');
    const lines = readFileSync(file, 'utf8').split('\n');
    // The only charge on or after 2020-09-10 00:00 JST is the post-stop case's.
    const at = lines.findIndex(
      (l) => l.includes('type: ChargeExecuted') && /occurredAt: "2020-09-1\d/.test(l),
    );
    expect(at).toBeGreaterThan(0);
    lines[at] = lines[at]!.replace(/occurredAt: "2020-09-1\dT/, 'occurredAt: "2020-09-09T');
    writeFileSync(file, lines.join('\n'));
    const { code, stdout } = await run('verify', dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /MISMATCH casesChargedBeforeLinkingSuspended .*published 119, replayed 120/,
    );
    expect(stdout).toMatch(/MISMATCH casesChargedAfterLinkingSuspended .*published 1, replayed 0/);
    expect(stdout).not.toMatch(/MISMATCH (cases|damageYen) /);
  });

  it.each([10_000, -10_000, 250_000])(
    'fails, naming the figure, when one charge changes by %d yen',
    async (delta) => {
      const dir = copyOfDocomo();
      const file = join(dir, 'events/cases.yaml');
      const text = readFileSync(file, 'utf8');
      const m = /"amountYen":(\d+)/.exec(text)!;
      writeFileSync(file, text.replace(m[0], `"amountYen":${Number(m[1]) + delta}`));
      const { code, stdout } = await run('verify', dir);
      expect(code).toBe(1);
      expect(stdout).toMatch(
        /MISMATCH damageYen \(total damage\) as of 2020-09-14T00:00:00\+09:00: published 25,420,000, replayed/,
      );
      expect(stdout).not.toMatch(/MISMATCH cases/);
    },
  );
});

describe('incident-ledger timeline', () => {
  it('shows the 09-10 and 09-14 announcements side by side, published beside replayed', async () => {
    const { code, stdout } = await run('timeline', DOCOMO);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    const i0910 = lines.findIndex((l) => l.includes('announcement-2020-09-10'));
    const i0914 = lines.findIndex((l) => l.includes('briefing-2020-09-14'));
    expect(i0910).toBeGreaterThan(0);
    expect(i0914).toBe(i0910 + 1);
    expect(lines[i0910]).toMatch(/2020-09-10T18:00:00\+09:00\s+12 \/ 12\s+20 \/ 20\s+- \/ \d+/);
    expect(lines[i0914]).toMatch(
      /2020-09-14T00:00:00\+09:00\s+11 \/ 11\s+22 \/ 22\s+120 \/ 120\s+25,420,000 \/ 25,4\d\d,000/,
    );
  });

  it('writes CSV and JSON from the same table', async () => {
    const csv = await run('timeline', DOCOMO, '--format', 'csv');
    const [header, ...rows] = csv.stdout.split('\n');
    expect(header).toMatch(
      /^publicationId,asOf,banksWithDamage.published,banksWithDamage.replayed,banksWithDamage.ok,.*,ok$/,
    );
    expect(rows[1]).toMatch(/^briefing-2020-09-14,2020-09-14T00:00:00\+09:00,11,11,true,.*,true$/);
    const json = JSON.parse((await run('timeline', DOCOMO, '--format', 'json')).stdout);
    expect(json.timeline).toHaveLength(2);
    expect(json.timeline[1]).toMatchObject({
      publicationId: 'briefing-2020-09-14',
      asOf: '2020-09-14T00:00:00+09:00',
      ok: true,
      figures: { cases: { published: 120, replayed: 120, ok: true } },
    });
  });
});

describe('incident-ledger replay', () => {
  const reportPart = (stdout: string) =>
    stdout
      .split('\n')
      .filter((l) => !/^(store|import) /.test(l))
      .join('\n');

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

  it.each(['summary', 'bank', 'day', 'week', 'month', 'bank-day', 'merchant', 'controls'])(
    'prints the %s table as text, CSV and JSON',
    async (by) => {
      const text = await run('replay', DOCOMO, '--store', 'memory:', '--by', by);
      const csv = await run('replay', DOCOMO, '--store', 'memory:', '--by', by, '--format', 'csv');
      const json = JSON.parse(
        (await run('replay', DOCOMO, '--store', 'memory:', '--by', by, '--format', 'json')).stdout,
      );
      expect(text.code).toBe(0);
      const csvRows = csv.stdout.split('\n').length - 1;
      const rows = json[by.replace('-d', 'D')];
      expect(Array.isArray(rows) ? rows.length : Object.keys(rows).length).toBe(csvRows);
      expect(csvRows).toBeGreaterThan(0);
      expect(json.digest).toMatch(/^sha256:/);
    },
  );

  it('traces where the money went and what compensation is outstanding', async () => {
    const json = JSON.parse(
      (
        await run(
          'replay',
          DOCOMO,
          '--store',
          'memory:',
          '--format',
          'json',
          '--as-of',
          '2020-09-14T00:00:00+09:00',
        )
      ).stdout,
    );
    const spent = json.merchant.reduce((n: number, m: { spentYen: number }) => n + m.spentYen, 0);
    const total = json.totals.bank;
    expect(json.bank.map((b: { bankCode: string }) => b.bankCode)).not.toContain('total');
    expect(json.merchant.map((m: { merchantCategory: string }) => m.merchantCategory)).toEqual([
      'convenience-store:cigarettes',
      'mass-retailer:appliances',
    ]);
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(total.damageYen);
    expect(total).toMatchObject({ compensatedYen: 0, outstandingYen: total.damageYen });
    const later = JSON.parse(
      (await run('replay', DOCOMO, '--store', 'memory:', '--format', 'json')).stdout,
    );
    expect(later.totals.bank).toMatchObject({ outstandingYen: 0 });
    expect(later.controls.map((c: { control: string }) => c.control)).toEqual(
      expect.arrayContaining([
        'NewLinkingSuspended',
        'BankChargesStopped',
        'EkycRequired',
        'CompensationStarted',
      ]),
    );
  });

  it('refuses --format csv without --by, saying how to fix it', async () => {
    const { code, stderr } = await run('replay', DOCOMO, '--store', 'memory:', '--format', 'csv');
    expect(code).toBe(2);
    expect(stderr).toMatch(/--format csv prints one table; choose it with --by/);
  });

  it('reports as of a cutoff: 24 cases were known on 2020-09-08', async () => {
    const { stdout } = await run(
      'replay',
      DOCOMO,
      '--store',
      'memory:',
      '--as-of',
      '2020-09-08T23:59:59+09:00',
    );
    expect(stdout).toMatch(/^ {2}cases\s+24$/m);
  });

  it('refuses a scenario with a bad amount with exit 2, a located message, and nothing appended', async () => {
    const dir = copyOfDocomo();
    const file = join(dir, 'events/cases.yaml');
    const lines = readFileSync(file, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('"amountYen"'));
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
    writeFileSync(
      file,
      text.replace(/"amountYen":(\d+)/, (_, n) => `"amountYen":${Number(n) + 1}`) +
        '  - { key: NEW/open, type: WalletOpened, stream: wallet-NEW, occurredAt: "2020-09-01T00:00:00+09:00", data: {"walletId":"NEW","openedBy":"holder"} }\n',
    );
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
  it.each([[[]], [['--help']], [['replay', '--help']], [['verify', '--help']]])(
    'prints help for %p',
    async (argv) => {
      const { stdout } = await run(...argv);
      expect(stdout).toMatch(/^usage: incident-ledger/);
    },
  );

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['replay'], /missing <scenario-dir>/],
    [['replay', DOCOMO, '--colour'], /Unknown option '--colour'/],
    [
      ['replay', DOCOMO, '--as-of', '2020-09-14T00:00:00'],
      /--as-of: must be an ISO 8601 time with a zone offset/,
    ],
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

describe('CLI conventions', () => {
  it('prints its version', async () => {
    const { code, stdout } = await run('--version');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^incident-ledger \d+\.\d+\.\d+$/);
  });

  it.each([
    [['verfy', DOCOMO], /unknown command "verfy" \(did you mean "verify"\?\)/],
    [
      ['replay', DOCOMO, '--stroe', 'memory:'],
      /Unknown option '--stroe' \(did you mean "--store"\?\)/,
    ],
    [
      ['replay', DOCOMO, '--by', 'wek'],
      /--by must be one of .*, got "wek" \(did you mean "week"\?\)/,
    ],
    [
      ['replay', DOCOMO, '--format', 'jsn'],
      /--format must be one of text, json, csv, got "jsn" \(did you mean "json"\?\)/,
    ],
    [
      ['replay', DOCOMO, '--by', 'bank', '--from', '2020-09-01'],
      /--from and --to select occurred days/,
    ],
    [['replay', DOCOMO, '--by', 'summary', '--top', '3'], /--top ranks rows by amount/],
    [['replay', DOCOMO, '--by', 'day', '--from', '2020-02-30'], /--from takes a calendar date/],
    [['replay', DOCOMO, '--excel', '--format', 'json'], /--excel writes CSV/],
  ])('%j: says what was meant, exit 2', async (argv, message) => {
    const { code, stderr } = await run(...argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it('takes the store from INCIDENT_LEDGER_STORE when --store is absent; --store wins', async () => {
    const db = join(tmp, 'env.sqlite');
    process.env.INCIDENT_LEDGER_STORE = `sqlite:${db}`;
    try {
      const first = await run('replay', DOCOMO, '--by', 'summary');
      expect(first.stdout).toMatch(new RegExp(`^store {5}sqlite:${db}$`, 'm'));
      expect(existsSync(db)).toBe(true);
      const integrity = await run('verify', '--integrity');
      expect(integrity.code).toBe(0);
      const memory = await run('replay', DOCOMO, '--store', 'memory:', '--by', 'summary');
      expect(memory.stdout).toMatch(/^store {5}memory:$/m);
    } finally {
      delete process.env.INCIDENT_LEDGER_STORE;
    }
    expect((await run('verify', '--integrity')).stderr).toMatch(
      /--integrity needs --store <url> \(or \$INCIDENT_LEDGER_STORE\)/,
    );
  });

  it('weeks and months with running totals; --from/--to and --top select rows', async () => {
    const month = await run(
      'replay',
      DOCOMO,
      '--store',
      'memory:',
      '--by',
      'month',
      '--format',
      'json',
    );
    const months = JSON.parse(month.stdout).month as { month: string; cumulativeYen: number }[];
    expect(months[0]!.month).toBe('2019-10');
    expect(months.at(-1)).toMatchObject({ month: '2020-09', cumulativeYen: 25_427_000 });
    const week = await run(
      'replay',
      DOCOMO,
      '--store',
      'memory:',
      '--by',
      'week',
      '--format',
      'json',
    );
    const weeks = JSON.parse(week.stdout).week as { week: string; damageYen: number }[];
    expect(weeks.reduce((n, w) => n + w.damageYen, 0)).toBe(25_427_000);
    for (const w of weeks) expect(new Date(`${w.week}T00:00:00Z`).getUTCDay()).toBe(1); // Mondays
    const days = await run(
      'replay',
      DOCOMO,
      '--store',
      'memory:',
      '--by',
      'day',
      '--from',
      '2020-09-01',
      '--to',
      '2020-09-07',
      '--format',
      'json',
    );
    const rows = JSON.parse(days.stdout).day as { date: string; cumulativeYen: number }[];
    expect(rows.every((d) => d.date >= '2020-09-01' && d.date <= '2020-09-07')).toBe(true);
    expect(rows[0]!.cumulativeYen).toBeGreaterThan(20_000_000); // counted from the first day
    const top = await run(
      'replay',
      DOCOMO,
      '--store',
      'memory:',
      '--by',
      'bank',
      '--top',
      '3',
      '--format',
      'json',
    );
    const banks = JSON.parse(top.stdout).bank as { damageYen: number }[];
    expect(banks).toHaveLength(3);
    expect(banks.map((b) => b.damageYen)).toEqual([3_711_000, 3_070_000, 2_684_000]);
  });

  it('names every failed figure with its tolerance', async () => {
    const dir = copyOfDocomo();
    const file = join(dir, 'events/cases.yaml');
    const text = readFileSync(file, 'utf8');
    const m = /"amountYen":(\d+)/.exec(text)!;
    writeFileSync(file, text.replace(m[0], `"amountYen":${Number(m[1]) + 10_000}`));
    for (const command of ['verify', 'timeline']) {
      const { code, stdout } = await run(command, dir);
      expect(code).toBe(1);
      expect(stdout).toMatch(
        /MISMATCH damageYen \(total damage\) as of 2020-09-14T00:00:00\+09:00: published 25,420,000, replayed 25,437,000 \(stated: 25,430,000\); tolerance: floor to 10,000, accepts 25,420,000 to 25,429,999$/m,
      );
    }
  });
});
