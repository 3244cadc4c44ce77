import { nameUuid, type LedgerEvent } from '@incident-ledger/core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ScenarioError } from './errors';
import { loadScenario, openScenario } from './scenario';
import { tinyScenario } from './tiny.testing';

const ROOT = resolve(__dirname, '../../..');
const MINIMAL = join(ROOT, 'scenarios/example-minimal');
const MACHINE = join(ROOT, 'scenarios/example-machine');

const charge = (key: string, at: string, amountYen: unknown = 1000, extra = {}) => ({
  key,
  type: 'ChargeExecuted',
  stream: 'wallet-W1',
  occurredAt: at,
  data: { walletId: 'W1', bankCode: 'BANK-A', accountId: 'A1', amountYen },
  ...extra,
});
const ndjson = (...events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';
const ROW_WITH_COMMA =
  'c1,ChargeExecuted,wallet-W1,2020-08-01T10:00:00+09:00,,W1,BANK-A,A1,"12,000"';
const CSV_HEADER = 'key,type,stream,occurredAt,recordedAt,walletId,bankCode,accountId,amountYen';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'event-files-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(files: Record<string, string>, listed = Object.keys(files)) {
  writeFileSync(join(dir, 'scenario.yaml'), tinyScenario(listed));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function problem(files: Record<string, string>, listed?: string[]): ScenarioError {
  try {
    loadScenario(write(files, listed));
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('the scenario was accepted');
}

async function collect(batches: AsyncIterable<LedgerEvent[]>) {
  const sizes: number[] = [];
  const events: LedgerEvent[] = [];
  for await (const b of batches) {
    sizes.push(b.length);
    events.push(...b);
  }
  return { sizes, events };
}

describe('NDJSON and CSV event files', () => {
  it('give the same events, ids and order as YAML: example-machine is example-minimal', () => {
    const yaml = loadScenario(MINIMAL);
    const machine = loadScenario(MACHINE);
    expect(machine.events).toHaveLength(33);
    expect(machine.events).toEqual(yaml.events);
  });

  it('NDJSON: a bad value is located at its line and column, with its field and a fix', () => {
    const line2 = JSON.stringify(charge('c2', '2020-08-01T11:00:00+09:00', -5));
    const e = problem({
      'e.ndjson': ndjson(charge('c1', '2020-08-01T10:00:00+09:00')) + line2 + '\n',
    });
    expect(e).toMatchObject({
      line: 2,
      column: line2.indexOf('-5') + 1,
      path: ['data', 'amountYen'],
    });
    expect(e.message).toMatch(
      /e\.ndjson:2:\d+: data\.amountYen: must be a whole, non-negative number of yen, got -5\n {2}fix: /,
    );
  });

  it.each([
    [
      'a line that is not JSON',
      '{"key": "c1", "type": }',
      /:1:23: is not a JSON object: unexpected "}"/,
    ],
    [
      'a line cut short',
      '{"key": "c1"',
      /:1:13: is not a JSON object: the line ends before the value does/,
    ],
    [
      'a key written twice',
      JSON.stringify(charge('c1', '2020-08-01T10:00:00+09:00')).replace(
        '{"key":"c1"',
        '{"key":"c1","key":"c2"',
      ),
      /:1:\d+: holds a key twice in one object/,
    ],
    [
      'an event without a key',
      JSON.stringify({ ...charge('c1', '2020-08-01T10:00:00+09:00'), key: undefined }),
      /:1:\d+: key: is required in NDJSON and CSV files/,
    ],
    ['an array', '[1, 2]', /:1:1: must be a mapping, got a list/],
    [
      'a value nested 100,000 deep',
      `{"key": "c1", "data": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      /:1:\d+: (is nested too deeply to read|data: must be a mapping, got a list)/,
    ],
  ])('NDJSON: refuses %s, located', (_, line, message) => {
    expect(problem({ 'e.ndjson': `${line}\n` }).message).toMatch(message);
  });

  it('NDJSON and CSV files must be in recordedAt order: the first event out of order is named', () => {
    const e = problem({
      'e.ndjson': ndjson(
        charge('c1', '2020-08-01T10:00:00+09:00'),
        charge('c2', '2020-08-01T12:00:00+09:00'),
        charge('c3', '2020-08-01T11:00:00+09:00'),
      ),
    });
    expect(e).toMatchObject({ line: 3, path: ['occurredAt'] });
    expect(e.message).toMatch(
      /is before the recordedAt of the event on line 2: an NDJSON or CSV file must be in recordedAt order/,
    );
  });

  it('CSV: cells by column name, lists with |, figures as JSON, a declared type; located errors', () => {
    const s = loadScenario(
      write(
        {
          'links.csv':
            'key,type,stream,occurredAt,walletId,bankCode,accountId,factors\n' +
            'l1,BankAccountLinked,wallet-W1,2020-08-01T09:00:00+09:00,W1,BANK-A,A1,account-number|pin\n',
          'charges.csv':
            'key,stream,occurredAt,walletId,bankCode,accountId,amountYen\n' +
            'c1,wallet-W1,2020-08-01T10:00:00+09:00,W1,BANK-A,A1,30000\n',
          'pubs.csv':
            'key,type,stream,occurredAt,publicationId,source,asOf,figures\n' +
            'p1,FiguresPublished,publications,2020-09-14T10:00:00+09:00,p1,src,2020-09-14T00:00:00+09:00,"[{""name"": ""damageYen"", ""value"": 30000}]"\n',
        },
        ['links.csv', '{ path: charges.csv, type: ChargeExecuted }', 'pubs.csv'],
      ),
    );
    expect(s.events.map((e) => e.data)).toEqual([
      { walletId: 'W1', bankCode: 'BANK-A', accountId: 'A1', factors: ['account-number', 'pin'] },
      { walletId: 'W1', bankCode: 'BANK-A', accountId: 'A1', amountYen: 30000 },
      {
        publicationId: 'p1',
        source: 'src',
        asOf: Date.parse('2020-09-13T15:00:00Z'),
        figures: [{ name: 'damageYen', value: 30000, precision: 1, rounding: 'exact' }],
      },
    ]);
  });

  it.each([
    ['an unknown column', `${CSV_HEADER},colour\n`, /e\.csv:1:\d+: colour: unknown column/],
    [
      'a row with a cell too many',
      `${CSV_HEADER}\nc1,ChargeExecuted,wallet-W1,2020-08-01T10:00:00+09:00,,W1,BANK-A,A1,1000,x\n`,
      /e\.csv:2:1: has 10 cells; the header names 9 columns/,
    ],
    [
      'an amount with a comma',
      `${CSV_HEADER}\n${ROW_WITH_COMMA}\n`,
      new RegExp(
        `e\\.csv:2:${ROW_WITH_COMMA.indexOf('"12,000"') + 1}: amountYen: must be a whole, non-negative number of yen, got "12,000"`,
      ),
    ],
    [
      'a quote inside a cell not quoted',
      `${CSV_HEADER}\nc1,ChargeExecuted,wallet-W1,2020-08-01T10:00:00+09:00,,W"1,BANK-A,A1,1000\n`,
      /e\.csv:2:\d+: a cell that is not quoted holds a quote/,
    ],
    [
      'a quoted cell never closed',
      `${CSV_HEADER}\nc1,ChargeExecuted,wallet-W1,"2020-08-01\n`,
      /e\.csv:2:1: a quoted cell is not closed before the end of the file/,
    ],
    [
      'a header without a key column',
      'type,stream,occurredAt\n',
      /e\.csv:1:1: the header has no key column/,
    ],
    [
      'an id with NUL',
      `${CSV_HEADER}\nc1,ChargeExecuted,wallet-W1,2020-08-01T10:00:00+09:00,,W1,BANK-A,A\u00001,1000\n`,
      /e\.csv:2:\d+: accountId: holds U\+0000/,
    ],
  ])('CSV: refuses %s, located', (_, text, message) => {
    expect(problem({ 'e.csv': text }).message).toMatch(message);
  });

  it('CSV: a cell quoted over two lines is located on the line it is on', () => {
    const e = problem({
      'e.csv':
        'key,type,stream,occurredAt,walletId,bankCode,accountId,reason,amountYen\n' +
        'c1,ChargeRejected,wallet-W1,2020-08-01T10:00:00+09:00,W1,BANK-A,A1,"first\nsecond",x\n',
    });
    expect(e).toMatchObject({ line: 3, column: 9, path: ['amountYen'] });
  });

  it('a malformed line deep in a large NDJSON file is located, after every line before it was read', () => {
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      const at = new Date(Date.parse('2020-01-01T00:00:00Z') + i * 60_000).toISOString();
      lines.push(JSON.stringify(charge(`c${i}`, at, i === 150_000 ? 1.5 : 100)));
    }
    const e = problem({ 'e.ndjson': lines.join('\n') });
    expect(e).toMatchObject({ line: 150_001, path: ['data', 'amountYen'] });
  });
});

describe('the streaming reader', () => {
  const big = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) =>
      JSON.stringify(
        charge(
          `c${from + i}`,
          new Date(Date.parse('2020-01-01T00:00:00Z') + (from + i) * 60_000).toISOString(),
        ),
      ),
    ).join('\n') + '\n';

  it('yields batches of at most the batch size, the same events as loadScenario, every run', async () => {
    write({ 'e.ndjson': big(20_000) });
    const s = openScenario(dir);
    const first = await collect(s.eventFiles.batches(4096));
    expect(first.sizes).toEqual([4096, 4096, 4096, 4096, 3616]);
    expect(first.events).toEqual(loadScenario(dir).events);
    expect((await collect(s.eventFiles.batches(4096))).events).toEqual(first.events);
  });

  it('reads a file as it goes: the first batch comes before most of the file is read', async () => {
    write({ 'e.ndjson': big(100_000) });
    let read = 0;
    const s = openScenario(dir, {
      progress: { pass: () => {}, read: (n) => (read += n), events: () => {} },
    });
    for await (const batch of s.eventFiles.batches(1000)) {
      expect(batch).toHaveLength(1000);
      break;
    }
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(s.eventFiles.bytes / 4);
  });

  it('merges files by recordedAt; a tie goes to the file listed first', () => {
    const yaml = `events:\n  - ${JSON.stringify(charge('y3', '2020-08-01T03:00:00+09:00'))}\n  - ${JSON.stringify(charge('y1', '2020-08-01T01:00:00+09:00'))}\n`;
    const s = loadScenario(
      write({
        'a.yaml': yaml,
        'b.ndjson': ndjson(
          charge('n1', '2020-08-01T01:00:00+09:00'),
          charge('n2', '2020-08-01T02:00:00+09:00'),
        ),
      }),
    );
    expect(s.events.map((e) => e.eventId)).toEqual(
      ['y1', 'n1', 'n2', 'y3'].map((key) => nameUuid(`tiny/${key}`)),
    );
  });

  it('refuses a key used again with different content in another file, naming the first', () => {
    const e = problem({
      'a.ndjson': ndjson(charge('c1', '2020-08-01T01:00:00+09:00')),
      'b.ndjson': ndjson(
        charge('x', '2020-08-01T00:30:00+09:00'),
        charge('c1', '2020-08-01T02:00:00+09:00'),
      ),
    });
    expect(e.message).toMatch(
      /b\.ndjson:2:\d+: key: event key "c1" is used again with different content \(first at .*a\.ndjson:1\)/,
    );
  });

  it('keeps one copy of an event written twice; the run after the first skips the copy', async () => {
    write({
      'a.ndjson': ndjson(charge('c1', '2020-08-01T01:00:00+09:00')),
      'b.ndjson': ndjson(
        charge('c1', '2020-08-01T01:00:00+09:00'),
        charge('c2', '2020-08-01T02:00:00+09:00'),
      ),
    });
    expect(loadScenario(dir).events).toHaveLength(2);
    const s = openScenario(dir);
    expect((await collect(s.eventFiles.batches())).events).toHaveLength(3);
    expect((await collect(s.eventFiles.batches())).events).toHaveLength(2);
  });

  it('tells each pass, the bytes read of each file and the events read, for a progress display', () => {
    write({
      'a.yaml': `events:\n  - ${JSON.stringify(charge('y1', '2020-08-01T01:00:00+09:00'))}\n`,
      'b.ndjson': big(3_000),
      'c.csv': `${CSV_HEADER}\n${ROW_WITH_COMMA.replace('c1,', 'x1,').replace('"12,000"', '12000')}\n`,
      'd.ndjson': ndjson(charge('y1', '2020-08-01T01:00:00+09:00')), // y1 again: a repeat
    });
    const told: string[] = [];
    const bytes = new Map<string, number>();
    let events = 0;
    const loaded = loadScenario(dir, {
      progress: {
        pass: (pass, total) => told.push(`${pass} ${total}`),
        read: (n, file) => bytes.set(file, (bytes.get(file) ?? 0) + n),
        events: (n) => (events += n),
      },
    });
    const sizes = ['a.yaml', 'b.ndjson', 'c.csv', 'd.ndjson'].map(
      (name) => readFileSync(join(dir, name)).length,
    );
    const total = sizes.reduce((a, b) => a + b);
    // The first pass finds y1 twice, reads the files again for it, and a third pass skips it.
    expect(told).toEqual([`check ${total}`, `repeats ${total}`, `again ${total}`]);
    expect([...bytes.values()]).toEqual(sizes.map((n) => n * 3));
    expect([...bytes.keys()].map((f) => f.split('/').at(-1))).toEqual([
      'a.yaml',
      'b.ndjson',
      'c.csv',
      'd.ndjson',
    ]);
    expect(loaded.events).toHaveLength(3_002);
    expect(events).toBe(3_003 * 3);
  });

  it('refuses a file changed between a validation run and an import run', async () => {
    write({ 'e.ndjson': big(10) });
    const s = openScenario(dir);
    await collect(s.eventFiles.batches());
    writeFileSync(join(dir, 'e.ndjson'), big(11));
    await expect(collect(s.eventFiles.batches())).rejects.toThrow(
      /e\.ndjson: changed while the scenario was being read/,
    );
  });

  it('checks the files when the scenario is opened, and adds up their sizes', () => {
    write({ 'e.ndjson': big(10) });
    expect(openScenario(dir).eventFiles.bytes).toBe(readFileSync(join(dir, 'e.ndjson')).length);
    writeFileSync(join(dir, 'scenario.yaml'), tinyScenario(['e.ndjson', 'missing.ndjson']));
    expect(() => openScenario(dir)).toThrow(
      /scenario\.yaml:\d+:\d+: eventFiles\[1\]: missing\.ndjson not found/,
    );
  });
});
