import {
  EVENT_SCHEMAS,
  FIGURE_NAMES,
  FIGURES,
  ID_CHARSET,
  isType,
  MAX_ID_CHARS,
  nameUuid,
  parseInstant,
  TEXT_CHARSET,
  type LedgerEvent,
} from '@incident-ledger/core';
import {
  formatSize,
  loadScenario,
  MAX_LINE_CHARS,
  MAX_STREAM_FILE_BYTES,
  MAX_YAML_ALIASES,
  MAX_YAML_FILE_BYTES,
} from '@incident-ledger/scenario';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { runCli } from './run-cli.testing';
import { copyScenario } from './scenario-copy.testing';

const ROOT = resolve(__dirname, '../../..');
const RESONA = join(ROOT, 'scenarios/resona-2019');
const EXAMPLE = join(ROOT, 'scenarios/example-minimal');
const MACHINE = join(ROOT, 'scenarios/example-machine');
const REFERENCE = join(ROOT, 'scenarios/README.md');

const run = runCli;

let tmp: string;
beforeEach(() => (tmp = mkdtempSync(join(tmpdir(), 'ledger-resona-'))));
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of a scenario folder under `name`, with one text replaced in one file. */
function copyWith(
  from: string,
  name: string,
  file?: string,
  before?: string,
  after?: string,
): string {
  return copyScenario(
    from,
    join(tmp, name),
    file === undefined ? undefined : { file, before: before!, after: after! },
  );
}

const at = (iso: string) => parseInstant(iso);

interface Row {
  publicationId: string;
  figure: string;
  since: string | null;
  asOf: string;
  published: number;
  replayed: number;
  ok: boolean;
}

describe('scenarios/resona-2019', () => {
  it('verifies with exit 0: every figure of its synthetic check is reproduced by the replay', async () => {
    const { code, stdout } = await run('verify', RESONA, '--format', 'json');
    expect(code).toBe(0);
    const rows = (JSON.parse(stdout).figures as Row[]).map((r) => [
      r.publicationId,
      r.figure,
      r.since,
      r.asOf,
      r.published,
      r.replayed,
      r.ok,
    ]);
    const check = 'synthetic-check-2019-09-30';
    const end = '2019-09-30T23:59:59+09:00';
    expect(rows).toEqual([
      [check, 'cases', null, end, 3, 3, true],
      [check, 'banksWithDamage', null, end, 1, 1, true],
      [check, 'damageYen', null, end, 140_000, 140_000, true],
      [check, 'oldestDamageMonth', null, end, 201906, 201906, true],
      [check, 'cases', null, '2019-07-25T23:59:59+09:00', 2, 2, true],
      [check, 'damageYen', null, '2019-08-15T23:59:59+09:00', 100_000, 100_000, true],
      [check, 'banksReporting', '2019-08-01T00:00:00+09:00', end, 1, 1, true],
    ]);
    const table = await run('verify', RESONA);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/7 of 7 published figures reproduced/);
  });

  it('publishes nothing the source does not state: its only publication cites synthetic-check, declared as synthetic', () => {
    const s = loadScenario(RESONA);
    const publications = s.events.filter((e): e is LedgerEvent<'FiguresPublished'> =>
      isType(e, 'FiguresPublished'),
    );
    expect(publications.map((p) => p.data.source)).toEqual(['synthetic-check']);
    const source = s.sources.find((x) => x.id === 'synthetic-check');
    expect(source?.title).toMatch(/^SYNTHETIC, not a publication/);
    expect(s.sources.map((x) => x.id)).toEqual(['briefing-2020-09-14', 'synthetic-check']);
  });

  it('fails, naming the figures, when a synthetic amount changes', async () => {
    const dir = copyWith(
      RESONA,
      'resona',
      'events/cases.yaml',
      'accountId: RACC-02, amountYen: 50000',
      'accountId: RACC-02, amountYen: 60000',
    );
    const { code, stdout } = await run('verify', dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /MISMATCH damageYen \(total damage\) as of 2019-09-30T23:59:59\+09:00: published 140,000, replayed 150,000/,
    );
    expect(stdout).toMatch(
      /MISMATCH damageYen \(total damage\) as of 2019-08-15T23:59:59\+09:00: published 100,000, replayed 110,000/,
    );
    expect(stdout).toMatch(/5 of 7 published figures reproduced/);
  });

  it('fails when a report is recorded after the as-of cut that counts it', async () => {
    const dir = copyWith(
      RESONA,
      'resona',
      'events/cases.yaml',
      'stream: case-R02,    occurredAt: "2019-07-22T15:00:00+09:00"',
      'stream: case-R02,    occurredAt: "2019-07-26T15:00:00+09:00"',
    );
    const { code, stdout } = await run('verify', dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /MISMATCH cases \(unauthorized-use cases\) as of 2019-07-25T23:59:59\+09:00: published 2, replayed 1/,
    );
  });

  it('replays into memory: three cases at RESONA (りそな銀行), 140,000 yen', async () => {
    const { code, stdout } = await run('replay', RESONA, '--store', 'memory:');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}RESONA\s+りそな銀行\s+3\s+140,000\s+0\s+140,000$/m);
    expect(stdout).toMatch(/^ {2}total\s+3\s+140,000/m);
  });

  it('names only RESONA (りそな銀行), the bank the source names; any other bank has a neutral code and no name', () => {
    const s = loadScenario(RESONA);
    const named = s.banks.filter((b) => b.name !== undefined).map((b) => [b.code, b.name]);
    expect(named).toEqual([['RESONA', 'りそな銀行']]);
    for (const b of s.banks.filter((x) => x.code !== 'RESONA')) {
      expect(b.code).toMatch(/^BANK-[A-Z]+$/);
      expect(b.name).toBeUndefined();
    }
    // No other bank is named anywhere in scenario.yaml, not even in a note.
    const text = readFileSync(join(RESONA, 'scenario.yaml'), 'utf8');
    expect([...new Set(text.match(/[^\s(（、,:"]+銀行/g))]).toEqual(['りそな銀行']);
    const codes = new Set(
      s.events
        .map((e) => (e.data as { bankCode?: string }).bankCode)
        .filter((c) => c !== undefined),
    );
    expect([...codes]).toEqual(['RESONA']);
  });

  it("models the published facts: subscribers' own wallets, links without the name, the name check required before 2019-10", () => {
    const { events } = loadScenario(RESONA);
    const of = <T extends LedgerEvent['type']>(type: T) =>
      events.filter((e): e is LedgerEvent<T> => isType(e, type));
    const october = at('2019-10-01T00:00:00+09:00');

    expect(of('WalletOpened').length).toBeGreaterThan(0);
    for (const e of of('WalletOpened')) expect(e.data.openedBy).toBe('holder');

    const policies = of('BankLinkPolicySet').sort((a, b) => a.occurredAt - b.occurredAt);
    expect(policies.map((p) => [p.data.bankCode, p.data.requiredFactors.includes('name')])).toEqual(
      [
        ['RESONA', false],
        ['RESONA', true],
      ],
    );
    const fix = policies[1]!.occurredAt;
    expect(fix).toBeLessThan(october);

    const links = of('BankAccountLinked');
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) {
      expect(l.data.factors).not.toContain('name');
      expect(l.occurredAt).toBeLessThan(fix);
    }
    for (const c of of('ChargeExecuted')) expect(c.occurredAt).toBeLessThan(fix);
    for (const r of of('BankLinkRejected')) expect(r.occurredAt).toBeGreaterThanOrEqual(fix);
    // Everything happens in 2019, before the carrier-free change of October.
    for (const e of events) {
      expect(e.occurredAt).toBeGreaterThanOrEqual(at('2019-01-01T00:00:00+09:00'));
      expect(e.occurredAt).toBeLessThan(october);
    }
  });
});

describe('scenarios/example-minimal, the worked example of scenarios/README.md', () => {
  it('verifies with exit 0: all 15 figures of its three notices', async () => {
    const { code, stdout } = await run('verify', EXAMPLE);
    expect(code).toBe(0);
    expect(stdout).toMatch(/15 of 15 published figures reproduced/);
    expect(stdout).toMatch(
      /notice-2024-03-10 +damageYen +2024-03-10T00:00:00\+09:00 +250,000 +245,000 +round to 10,000 +ok/,
    );
  });

  it('fails when the excluded case is not excluded', async () => {
    const dir = copyWith(
      EXAMPLE,
      'example',
      'events/cases.yaml',
      'status: excluded-own-use',
      'status: confirmed',
    );
    const { code, stdout } = await run('verify', dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /MISMATCH cases \(unauthorized-use cases\) as of 2024-03-17T00:00:00\+09:00: published 3, replayed 4/,
    );
    expect(stdout).toMatch(
      /MISMATCH damageYen \(total damage\) as of 2024-03-31T00:00:00\+09:00: published 264,000, replayed 309,000/,
    );
  });
});

describe('scenarios/README.md, the format reference', () => {
  const reference = () => readFileSync(REFERENCE, 'utf8');
  const fenced = (text: string) => '```\n' + text.replace(/\n+$/, '') + '\n```';
  /**
   * Fails with the text to paste into the reference when the quoted block is not there verbatim.
   */
  const expectQuoted = (block: string, what: string) => {
    if (!reference().includes(block))
      throw new Error(
        `scenarios/README.md does not quote ${what} as it is now; it should contain:\n\n${block}\n`,
      );
  };

  it('quotes every file of example-minimal verbatim', () => {
    for (const file of [
      'scenario.yaml',
      'events/controls.yaml',
      'events/cases.yaml',
      'events/publications.yaml',
    ]) {
      const text = readFileSync(join(EXAMPLE, file), 'utf8').replace(/\n+$/, '');
      expectQuoted('```yaml\n' + text + '\n```', `example-minimal/${file}`);
    }
  });

  it('quotes what verify and replay print for example-minimal', async () => {
    expectQuoted(
      fenced((await run('verify', EXAMPLE)).stdout),
      'the output of verify scenarios/example-minimal',
    );
    const day = await run(
      'replay',
      EXAMPLE,
      '--store',
      'memory:',
      '--as-of',
      '2024-03-10T00:00:00+09:00',
      '--by',
      'day',
    );
    expect(day.code).toBe(0);
    expectQuoted(fenced(day.stdout), 'the output of replay --as-of --by day');
  });

  // The tables are generated here from the schema and the figure registry, as the reference says.
  type AnyField = {
    kind: string;
    values?: readonly string[];
    of?: AnyField;
    fields?: Record<string, Spec>;
  };
  type Spec = AnyField | { optional: AnyField };
  const kind = (f: AnyField): string =>
    f.kind === 'instant'
      ? 'time'
      : f.kind === 'enum'
        ? f.values!.map((v) => `\`${v}\``).join(' \\| ')
        : f.kind === 'list'
          ? `list of ${kind(f.of!)}`
          : f.kind === 'object'
            ? 'figure'
            : f.kind;
  const unwrap = (s: Spec) =>
    'optional' in s ? { field: s.optional, opt: '?' } : { field: s, opt: '' };

  it('lists every event type with exactly its data fields, as in schema.ts', () => {
    const shapes = EVENT_SCHEMAS as unknown as Record<string, Record<string, Spec>>;
    const rows = Object.entries(shapes).map(
      ([type, shape]) =>
        `| \`${type}\` | ${Object.entries(shape)
          .map(([k, s]) => `\`${k}\`${unwrap(s).opt}: ${kind(unwrap(s).field)}`)
          .join('<br>')} |`,
    );
    expect(rows).toHaveLength(21);
    expectQuoted(
      ['| type | data fields |', '|---|---|', ...rows].join('\n') + '\n',
      'the event types of schema.ts',
    );
    const figure = (shapes.FiguresPublished!.figures as AnyField).of!.fields!;
    const figureRows = Object.entries(figure).map(
      ([k, s]) => `| \`${k}\`${unwrap(s).opt} | ${kind(unwrap(s).field)} |`,
    );
    expectQuoted(
      ['| figure field | type |', '|---|---|', ...figureRows].join('\n') + '\n',
      'the figure fields of schema.ts',
    );
  });

  it('lists every figure name with its label, unit, qualifiers and reading of since', () => {
    const rows = FIGURE_NAMES.map((n) => {
      const d = FIGURES[n] as {
        label: string;
        unit: string;
        requires?: readonly string[];
        takes?: readonly string[];
        since?: string;
      };
      const list = (qs?: readonly string[]) => (qs ?? []).join(', ') || '-';
      return `| \`${n}\` | ${d.label} | ${d.unit} | ${list(d.requires)} | ${list(d.takes)} | ${d.since ?? 'difference'} |`;
    });
    const text = reference();
    expectQuoted(
      [
        '| figure | label | unit | needs | takes | `since` reads as |',
        '|---|---|---|---|---|---|',
        ...rows,
      ].join('\n') + '\n',
      'the figures of figures.ts',
    );
    // Each figure's meaning is explained in the list that follows the table.
    const meanings = text.slice(
      text.indexOf('What each figure counts'),
      text.indexOf('A figure may add'),
    );
    expect(meanings.length).toBeGreaterThan(0);
    for (const n of FIGURE_NAMES) expect(meanings).toContain(`\`${n}\``);
  });

  it('gives the real event id of C2/charge', () => {
    expectQuoted(
      `of scenario \`example-minimal\` is always \`${nameUuid('example-minimal/C2/charge')}\``,
      'the id of C2/charge',
    );
  });

  /** What the CLI prints for a copy named my-incident, with paths as seen from beside the copy. */
  const asShown = (stderr: string) => stderr.split(relative(process.cwd(), tmp) + sep).join('');

  it.each([
    [
      'a time without a zone',
      'occurredAt: "2024-03-06T20:10:00+09:00"',
      'occurredAt: "2024-03-06T20:10:00"',
      /cases\.yaml:20:79: events\[8\]\.occurredAt: must be an ISO 8601 time with a zone offset/,
    ],
    [
      'a negative amount',
      'accountId: B-001, amountYen: 120000',
      'accountId: B-001, amountYen: -120000',
      /events\[8\]\.data\.amountYen: must be a whole, non-negative number of yen, got -120000/,
    ],
    [
      'an unknown key',
      '    recordedAt: "2024-03-08T09:00:00+09:00"',
      '    recordAt: "2024-03-08T09:00:00+09:00"',
      /events\[5\]\.recordAt: unknown key/,
    ],
    [
      'a key used twice with different content',
      'key: C2/confirm,',
      'key: C2/report,',
      /event key "C2\/report" is used again with different content \(first at my-incident\/events\/cases\.yaml:22\)/,
    ],
  ])('shows the real message for %s', async (what, before, after, message) => {
    const dir = copyWith(EXAMPLE, 'my-incident', 'events/cases.yaml', before, after);
    const { code, stderr } = await run('verify', dir);
    expect(code).toBe(2);
    const shown = asShown(stderr);
    expect(shown).toMatch(message);
    expectQuoted(fenced(shown), `the message for ${what}`);
  });

  it('quotes example-machine: its event files list, CSV files whole, the first NDJSON lines', () => {
    const main = readFileSync(join(MACHINE, 'scenario.yaml'), 'utf8');
    expectQuoted(
      '```yaml\n' + main.slice(main.indexOf('eventFiles:')).replace(/\n+$/, '') + '\n```',
      'its eventFiles',
    );
    for (const file of ['events/controls.csv', 'events/charges.csv'])
      expectQuoted(fenced(readFileSync(join(MACHINE, file), 'utf8')), `example-machine/${file}`);
    const ndjson = readFileSync(join(MACHINE, 'events/cases.ndjson'), 'utf8').split('\n');
    expectQuoted(fenced(ndjson.slice(0, 3).join('\n')), 'the first lines of cases.ndjson');
  });

  it.each([
    [
      'an amount with a comma in a CSV file',
      'events/charges.csv',
      ',A-002,45000',
      ',A-002,"45,000"',
      /charges\.csv:5:64: amountYen: must be a whole, non-negative number of yen, got "45,000"/,
    ],
    [
      'an NDJSON file out of recordedAt order',
      'events/cases.ndjson',
      '"2024-03-05T08:03:00+09:00"',
      '"2024-03-04T08:03:00+09:00"',
      /cases\.ndjson:4:79: occurredAt: is before the recordedAt of the event on line 3/,
    ],
  ])('shows the real message for %s', async (what, file, before, after, message) => {
    const dir = copyWith(MACHINE, 'my-incident', file, before, after);
    const { code, stderr } = await run('verify', dir);
    expect(code).toBe(2);
    const shown = asShown(stderr);
    expect(shown).toMatch(message);
    expectQuoted(fenced(shown), `the message for ${what}`);
  });

  it('states the character sets and the limits the code has', () => {
    expectQuoted(
      `has no leading or trailing spaces, is at most ${MAX_ID_CHARS} characters long and holds only\n${ID_CHARSET}.`,
      'the id charset',
    );
    expectQuoted(`titles, names) holds ${TEXT_CHARSET}.`, 'the text charset');
    for (const row of [
      `read whole, its events sorted in memory | ${formatSize(MAX_YAML_FILE_BYTES)} |`,
      `read as a stream | ${formatSize(MAX_STREAM_FILE_BYTES)} |`,
      `(one event) | ${MAX_LINE_CHARS.toLocaleString('en-US')} characters |`,
      `must be in one event) | ${MAX_YAML_ALIASES} |`,
      `| an id | ${MAX_ID_CHARS} characters |`,
      `| ${Number.MAX_SAFE_INTEGER.toLocaleString('en-US')} (2^53 − 1) |`,
    ])
      expectQuoted(row, 'a limit');
  });

  it('shows the real message for an edit of an event already stored', async () => {
    const dir = copyWith(EXAMPLE, 'my-incident');
    const store = `sqlite:${join(tmp, 'l.sqlite')}`;
    expect((await run('replay', dir, '--store', store)).code).toBe(0);
    const file = join(dir, 'events/cases.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        'accountId: B-001, amountYen: 120000',
        'accountId: B-001, amountYen: 110000',
      ),
    );
    const { code, stderr } = await run('replay', dir, '--store', store);
    expect(code).toBe(2);
    expect(stderr).toContain(
      `event id ${nameUuid('example-minimal/C2/charge')} (stream "wallet-W2") is already stored with different content`,
    );
    expectQuoted(fenced(stderr), 'the message for an edit of a stored event');
  });

  // "What the loader does not check": each claim, run.
  describe('what the loader does not check', () => {
    const summary = async (dir: string, store = 'memory:') => {
      const r = await run('replay', dir, '--store', store, '--format', 'json', '--by', 'summary');
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout).summary as Record<string, unknown>;
    };

    it('accepts a charge from a bank that has stopped charges, and counts it as damage', async () => {
      const dir = copyWith(
        EXAMPLE,
        'my-incident',
        'events/cases.yaml',
        'type: ChargeRejected,    stream: wallet-W4',
        'type: ChargeExecuted,    stream: wallet-W4',
      );
      const file = join(dir, 'events/cases.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(
          'amountYen: 50000, reason: bank has stopped charges }',
          'amountYen: 50000 }',
        ),
      );
      expect(await summary(dir)).toMatchObject({ cases: 3, damageYen: 314_000 });
    });

    it('keeps a compensation stored before its case is reported', async () => {
      const dir = copyWith(EXAMPLE, 'my-incident');
      const file = join(dir, 'events/cases.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8') +
          '  - { key: C4/early, type: CompensationPaid, stream: case-C4, occurredAt: "2024-03-14T10:00:00+09:00", data: { caseId: C4, amountYen: 64000, paidBy: bank } }\n' +
          '  - { key: C1/paid, type: CompensationPaid, stream: case-C1, occurredAt: "2024-03-20T10:00:00+09:00", data: { caseId: C1, amountYen: 80000, paidBy: operator } }\n',
      );
      expect(await summary(dir)).toMatchObject({ damageYen: 264_000, compensatedYen: 144_000 });
    });

    it('folds events added later after those already stored, and counts cases as a fresh replay does', async () => {
      const dir = copyWith(EXAMPLE, 'my-incident');
      const file = join(dir, 'events/cases.yaml');
      const full = readFileSync(file, 'utf8');
      const report = full.split('\n').find((l) => l.includes('key: C3/report'))!;
      writeFileSync(file, full.replace(report + '\n', ''));
      const store = `sqlite:${join(tmp, 'steps.sqlite')}`;
      expect(await summary(dir, store)).toMatchObject({ cases: 3 });
      writeFileSync(file, full);
      expect(await summary(dir, store)).toMatchObject({ cases: 3, suspectedCases: 0 });
      expect(await summary(dir)).toMatchObject({ cases: 3, suspectedCases: 0 });
    });

    it("takes a bank's charge stop or resumption recorded last, whatever the store's order", async () => {
      const dir = copyWith(EXAMPLE, 'my-incident');
      const file = join(dir, 'events/controls.yaml');
      const full = readFileSync(file, 'utf8');
      const stop = full.split('\n').find((l) => l.includes('key: BANK-B/stop'))!;
      writeFileSync(file, full.replace(stop + '\n', ''));
      const store = `sqlite:${join(tmp, 'steps.sqlite')}`;
      expect(await summary(dir, store)).toMatchObject({ banksStoppedCharges: 0 });
      writeFileSync(file, full);
      expect(await summary(dir, store)).toMatchObject({ banksStoppedCharges: 0 }); // the stop, added last, was recorded before the resumption
      expect(await summary(dir)).toMatchObject({ banksStoppedCharges: 0 });
    });
  });
});
