import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from './run-cli.testing';

/**
 * Bad scenarios, as an attacker or a careless exporter writes them, through the CLI: each is
 * refused with exit 2, a message that names the file (and the line where there is one) and how to
 * fix it, short, and never quoting a file outside the scenario. docs/reliability.md (Input) counts
 * them.
 */
const ROOT = resolve(__dirname, '../../..');
const EXAMPLE = join(ROOT, 'scenarios/example-minimal');
/** A line of /etc/passwd: what must never appear in a message. */
const OUTSIDE_CONTENT = /root:x?:0:0/;
const MAX_MESSAGE_CHARS = 2_000;
/** Where "one-time password missing" starts on line 41 of example-minimal's cases.yaml. */
const PASSWORD_COLUMN =
  readFileSync(join(EXAMPLE, 'events/cases.yaml'), 'utf8').split('\n')[40]!.indexOf('one-time') + 1;

let tmp: string;
let dir: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ledger-bad-'));
  dir = join(tmp, 'my-incident');
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !/ledger\.sqlite/.test(src) });
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const file = (name: string) => join(dir, name);
const edit = (name: string, before: string | RegExp, after: string) => {
  const text = readFileSync(file(name), 'utf8');
  const edited = text.replace(before, after);
  if (edited === text) throw new Error(`the edit of ${name} hits nothing`);
  writeFileSync(file(name), edited);
};
/** Lists one more event file in scenario.yaml. */
const listFile = (path: string) =>
  edit(
    'scenario.yaml',
    '  - events/publications.yaml',
    `  - events/publications.yaml\n  - ${path}`,
  );
const CHARGE = (key: string, data: string, occurredAt = '2024-03-06T20:10:00+09:00') =>
  `  - { key: ${key}, type: ChargeExecuted, stream: wallet-W9, occurredAt: "${occurredAt}", data: { walletId: W9, ${data} } }\n`;
const addEvents = (lines: string) =>
  writeFileSync(file('events/cases.yaml'), readFileSync(file('events/cases.yaml'), 'utf8') + lines);

/** Where a message must point: the file, with line and column when the problem has one. */
const at = (name: string, line = true) =>
  new RegExp(`my-incident/${name.replace(/[.]/g, '\\.')}${line ? ':\\d+:\\d+:' : ''}`);

const CASES: [string, () => void, RegExp, RegExp][] = [
  // 6. accepted input never gives wrong figures
  [
    'NUL in an account id (two accounts would share one key)',
    () => addEvents(CHARGE('X/nul', 'bankCode: BANK-A, accountId: "A-001\\0B", amountYen: 1000')),
    at('events/cases.yaml'),
    /events\[\d+\]\.data\.accountId: holds U\+0000 at character 6/,
  ],
  [
    'an ANSI escape in a declared bank code',
    () => edit('scenario.yaml', '{ code: BANK-C,', '{ code: "BANK-C\\e[31m",'),
    at('scenario.yaml'),
    /banks\[2\]\.code: holds U\+001B/,
  ],
  [
    'an unpaired surrogate in an event key',
    () => edit('events/cases.yaml', 'key: C1/open,', 'key: "C1/open\\uD800",'),
    at('events/cases.yaml'),
    /events\[0\]\.key: holds U\+D800 \(an unpaired surrogate\)/,
  ],
  [
    'a C1 control in a stream id',
    () => edit('events/cases.yaml', 'stream: wallet-W1,', 'stream: "wallet-W1\\x9B",'),
    at('events/cases.yaml'),
    /events\[0\]\.stream: holds U\+009B/,
  ],
  [
    'invalid UTF-8 in an event file',
    () => {
      const text = readFileSync(file('events/cases.yaml'));
      const at = text.indexOf('one-time password missing');
      writeFileSync(
        file('events/cases.yaml'),
        Buffer.concat([text.subarray(0, at), Buffer.from([0xff, 0xfe]), text.subarray(at)]),
      );
    },
    new RegExp(`my-incident/events/cases\\.yaml:41:${PASSWORD_COLUMN}: `),
    /is not valid UTF-8 \(byte 0xFF\)/,
  ],
  [
    'invalid UTF-8 in scenario.yaml',
    () =>
      writeFileSync(
        file('scenario.yaml'),
        Buffer.concat([readFileSync(file('scenario.yaml')), Buffer.from('# \xc3\x28\n', 'latin1')]),
      ),
    /my-incident\/scenario\.yaml:\d+:3:/,
    /is not valid UTF-8 \(byte 0xC3\)/,
  ],
  [
    'the offset +99:99 in a time',
    () => edit('events/cases.yaml', '"2024-03-04T10:00:00+09:00"', '"2024-03-04T10:00:00+99:99"'),
    at('events/cases.yaml'),
    /events\[0\]\.occurredAt: has the offset \+99:99/,
  ],
  [
    'the offset +24:00 in a recordedAt',
    () =>
      edit(
        'events/cases.yaml',
        'recordedAt: "2024-03-08T09:00:00+09:00"',
        'recordedAt: "2024-03-08T09:00:00+24:00"',
      ),
    at('events/cases.yaml'),
    /recordedAt: has the offset \+24:00/,
  ],
  [
    "the offset +09:75 in a figure's as-of time",
    () =>
      edit(
        'events/publications.yaml',
        'asOf: "2024-03-10T00:00:00+09:00"',
        'asOf: "2024-03-10T00:00:00+09:75"',
      ),
    at('events/publications.yaml'),
    /data\.asOf: has the offset \+09:75/,
  ],
  [
    'amounts whose sum passes 2^53 - 1 yen',
    () =>
      addEvents(
        CHARGE('X/big-1', 'bankCode: BANK-A, accountId: A-001, amountYen: 4503599627370496') +
          CHARGE('X/big-2', 'bankCode: BANK-A, accountId: A-001, amountYen: 4503599627370496'),
      ),
    at('events/cases.yaml'),
    /amountYen: brings the scenario's amounts to more than 9,007,199,254,740,991 yen/,
  ],
  [
    'a period whose end precedes its start',
    () =>
      addEvents(
        '  - { key: X/calls, type: InquiriesReceived, stream: operator, occurredAt: "2024-03-10T12:00:00+09:00", data: { channel: phone, count: 5, periodStart: "2024-03-10T00:00:00+09:00", periodEnd: "2024-03-09T00:00:00+09:00" } }\n',
      ),
    at('events/cases.yaml'),
    /data\.periodEnd: is before periodStart/,
  ],
  // 7. the loader stays inside the scenario and inside its limits
  [
    'an event file outside the folder (../../../etc/passwd)',
    () => listFile('../../../../../../../../etc/passwd'),
    at('scenario.yaml'),
    /eventFiles\[3\]: .* is outside the scenario folder/,
  ],
  [
    'an absolute event file path',
    () => listFile('/etc/passwd'),
    at('scenario.yaml'),
    /eventFiles\[3\]: .* is outside the scenario folder/,
  ],
  [
    'a symlink out of the folder',
    () => {
      symlinkSync('/etc/passwd', file('events/more.yaml'));
      listFile('events/more.yaml');
    },
    at('scenario.yaml'),
    /eventFiles\[3\]: events\/more\.yaml resolves to a file outside the scenario folder/,
  ],
  [
    'scenario.yaml itself a symlink out of the folder',
    () => {
      rmSync(file('scenario.yaml'));
      symlinkSync('/etc/passwd', file('scenario.yaml'));
    },
    at('scenario.yaml', false),
    /resolves to a file outside the scenario folder/,
  ],
  [
    'an event file that is a directory',
    () => {
      mkdirSync(file('events/more.yaml'));
      listFile('events/more.yaml');
    },
    at('scenario.yaml'),
    /eventFiles\[3\]: events\/more\.yaml is a directory, not a file/,
  ],
  [
    'an undefined YAML alias',
    () =>
      edit(
        'events/cases.yaml',
        'walletId: W1, openedBy: third-party',
        'walletId: *w1, openedBy: third-party',
      ),
    at('events/cases.yaml'),
    /YAML syntax error: .*alias.*w1/i,
  ],
  [
    'a YAML alias bomb',
    () => {
      const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 12; i++)
        lines.push(
          `a${i}: &a${i} [${Array(10)
            .fill(`*a${i - 1}`)
            .join(', ')}]`,
        );
      writeFileSync(file('events/bomb.yaml'), `generated:\n  ${lines.join('\n  ')}\nevents: []\n`);
      listFile('events/bomb.yaml');
    },
    at('events/bomb.yaml'),
    /more than 100 aliases/,
  ],
  [
    'a value nested 100,000 deep',
    () => {
      writeFileSync(
        file('events/deep.yaml'),
        `generated: ${'['.repeat(100_000)}${']'.repeat(100_000)}\nevents: []\n`,
      );
      listFile('events/deep.yaml');
    },
    at('events/deep.yaml'),
    /nested too deeply/,
  ],
  // 8. errors quote little
  [
    'a 50 MB one-line file',
    () => writeFileSync(file('events/cases.yaml'), 'x'.repeat(50 * 1024 * 1024)),
    at('events/cases.yaml'),
    /must be a mapping, got "x{60}"… \(52,428,800 characters\)/,
  ],
  [
    'an unknown key of a megabyte',
    () => edit('events/cases.yaml', 'key: C1/open,', `key: C1/open, ${'k'.repeat(1 << 20)}: 1,`),
    at('events/cases.yaml'),
    /events\[0\]\["k{60}"… \(1,048,576 characters\)\]: unknown key/,
  ],
];

describe('bad scenarios are refused with exit 2, a located message and a fix', () => {
  it.each(CASES)('%s', async (_, make, where, problem) => {
    make();
    const { code, stderr } = await runCli('verify', dir);
    expect(stderr).toMatch(where);
    expect(stderr).toMatch(problem);
    expect(stderr).toMatch(/\n {2}fix: \S/);
    expect(stderr).not.toMatch(OUTSIDE_CONTENT);
    expect(stderr.length).toBeLessThan(MAX_MESSAGE_CHARS);
    expect(code).toBe(2);
  });

  it('refuses --as-of with an offset out of range', async () => {
    for (const offset of ['+99:99', '+24:00', '+09:75']) {
      const { code, stderr } = await runCli(
        'replay',
        dir,
        '--store',
        'memory:',
        '--as-of',
        `2024-03-10T00:00:00${offset}`,
      );
      expect(stderr).toMatch(new RegExp(`--as-of: has the offset \\${offset}`));
      expect(code).toBe(2);
    }
  });

  it('refuses a file over the size limit, and reads it when --max-file-mb allows it', async () => {
    const padding = `# ${'-'.repeat(1022)}\n`.repeat(2 * 1024);
    writeFileSync(
      file('events/cases.yaml'),
      padding + readFileSync(file('events/cases.yaml'), 'utf8'),
    );
    const refused = await runCli('verify', dir, '--max-file-mb', '1');
    expect(refused.stderr).toMatch(
      /my-incident\/events\/cases\.yaml: is 2\.0 MiB, more than the limit of 1 MiB for an event file/,
    );
    expect(refused.stderr).toMatch(/fix: .*--max-file-mb/);
    expect(refused.code).toBe(2);
    expect((await runCli('verify', dir, '--max-file-mb', '3')).code).toBe(0);
  });
});

describe('inputs that would block or exhaust a reader, run as a real process', () => {
  const cli = (...argv: string[]) =>
    spawnSync(
      join(ROOT, 'node_modules/.bin/tsx'),
      [join(ROOT, 'packages/cli/src/main.ts'), ...argv],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );

  it('refuses a FIFO at once instead of waiting for a writer', () => {
    spawnSync('mkfifo', [file('events/pipe.yaml')]);
    listFile('events/pipe.yaml');
    const r = cli('verify', dir);
    expect(r.stderr).toMatch(
      /eventFiles\[3\]: events\/pipe\.yaml is not a regular file \(a FIFO\)/,
    );
    expect(r.status).toBe(2);
  });

  it('refuses /dev/zero behind a symlink instead of reading without end', () => {
    symlinkSync('/dev/zero', file('events/zero.yaml'));
    listFile('events/zero.yaml');
    const r = cli('verify', dir);
    expect(r.stderr).toMatch(
      /eventFiles\[3\]: events\/zero\.yaml resolves to a file outside the scenario folder/,
    );
    expect(r.status).toBe(2);
  });
});
