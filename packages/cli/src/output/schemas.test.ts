import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { runCli } from '../run-cli.testing';
import { copyScenario, FAILING_EXAMPLE_EDIT } from '../scenario-copy.testing';

/**
 * docs/output.md is the JSON contract: a JSON Schema per command, with an example. Every schema is
 * read from the document itself, so the document cannot drift from what this test checks; real
 * output of every command, in every shape it takes, must validate against it.
 */
const ROOT = resolve(__dirname, '../../../..');
const DOC = readFileSync(join(ROOT, 'docs/output.md'), 'utf8');
const DOCOMO = join(ROOT, 'scenarios/docomo-kouza-2020');
const EXAMPLE = join(ROOT, 'scenarios/example-minimal');
const RESONA = join(ROOT, 'scenarios/resona-2019');

const jsonBlocks = (text: string) =>
  [...text.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => JSON.parse(m[1]!) as unknown);

/** Each "### command" section of the document: its schema, then its example. */
const sections = new Map(
  DOC.split(/^### /m)
    .slice(1)
    .map((part) => {
      const [schema, example] = jsonBlocks(part);
      return [part.slice(0, part.indexOf('\n')).trim(), { schema, example }] as const;
    }),
);
const common = jsonBlocks(DOC.slice(DOC.indexOf('## The schemas'), DOC.indexOf('### ')))[0];

const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true, strict: true });
ajv.addSchema(common as object);
const validators = new Map<string, ValidateFunction>();
for (const [name, { schema }] of sections) validators.set(name, ajv.compile(schema as object));

function expectValid(command: string, doc: unknown): void {
  const validate = validators.get(command);
  if (validate === undefined) throw new Error(`docs/output.md has no section "### ${command}"`);
  if (!validate(doc))
    throw new Error(
      `${command}: the JSON does not match docs/output.md:\n${ajv.errorsText(validate.errors, { separator: '\n' })}`,
    );
}

async function jsonOf(...argv: string[]): Promise<Record<string, unknown>> {
  const { code, stdout, stderr } = await runCli(...argv, '--format', 'json');
  if (code !== 0 && code !== 1) throw new Error(`${argv.join(' ')}: exit ${code}\n${stderr}`);
  return JSON.parse(stdout);
}

let tmp: string;
beforeAll(() => (tmp = mkdtempSync(join(tmpdir(), 'ledger-output-'))));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('docs/output.md, the JSON contract', () => {
  it('has a schema and an example for every command, and each example matches its schema', async () => {
    const { stdout } = await runCli('--help');
    const commands = [...stdout.matchAll(/^ {2}([a-z][a-z-]+) {2,}/gm)].map((m) => m[1]!);
    expect(commands).toHaveLength(8);
    expect([...sections.keys()].sort()).toEqual([...commands, 'verify --integrity'].sort());
    for (const [name, { example }] of sections) {
      expect(example).toBeDefined();
      expectValid(name, example);
      expect((example as { command: string }).command).toBe(name);
    }
  });

  it('refuses what breaks the contract: a total row, a time as epoch ms, ok as a string', () => {
    const replay = structuredClone(sections.get('replay')!.example) as {
      bank: Record<string, unknown>[];
      asOf: unknown;
    };
    replay.bank.push({ ...replay.bank[0], bankCode: 'total', total: true });
    expect(validators.get('replay')!(replay)).toBe(false);
    const verify = structuredClone(sections.get('verify')!.example) as {
      figures: Record<string, unknown>[];
    };
    verify.figures[0]!.asOf = 1_600_000_000_000;
    expect(validators.get('verify')!(verify)).toBe(false);
    verify.figures[0]!.asOf = (sections.get('verify')!.example as typeof verify).figures[0]!.asOf;
    verify.figures[0]!.ok = 'true';
    expect(validators.get('verify')!(verify)).toBe(false);
  });

  it.each([
    [['replay', DOCOMO, '--store', 'memory:']],
    [['replay', DOCOMO, '--store', 'memory:', '--as-of', '2020-09-08T23:59:59+09:00']],
    ...[
      'summary',
      'bank',
      'day',
      'week',
      'month',
      'bank-day',
      'merchant',
      'merchant-day',
      'case',
      'controls',
    ].map((by) => [['replay', EXAMPLE, '--store', 'memory:', '--by', by]]),
    [['replay', DOCOMO, '--store', 'memory:', '--by', 'day', '--from', '2020-09-01', '--top', '3']],
    [['replay', RESONA, '--store', 'memory:']],
    [['verify', DOCOMO]],
    [['verify', EXAMPLE, '--skip-invariants']],
    [['timeline', DOCOMO]],
    [['simulate', DOCOMO, '--seed', '1']],
    [['what-if', DOCOMO, '--suspend-linking-at', '2020-09-03T00:00:00+09:00']],
    [['what-if', DOCOMO, '--seed', '1', '--lock-after', '2', '--by', 'refused']],
    [['fuzz', '--runs', '3', '--seed', '7']],
    [['verify', '--integrity', '--store', 'memory:']],
  ])('%j prints JSON that matches its schema', async (argv) => {
    const doc = await jsonOf(...argv);
    expectValid(String(doc.command), doc);
    expect(doc.command).toBe(
      argv[0] === 'verify' && argv[1] === '--integrity' ? 'verify --integrity' : argv[0],
    );
  });

  it('replay: jq .summary.damageYen is 25427000 for docomo, and the totals are no row', async () => {
    const doc = (await jsonOf('replay', DOCOMO, '--store', 'memory:')) as {
      summary: { damageYen: number };
      bank: { damageYen: number }[];
      totals: { bank: { damageYen: number } };
    };
    expect(doc.summary.damageYen).toBe(25_427_000);
    expect(doc.bank.reduce((n, b) => n + b.damageYen, 0)).toBe(doc.totals.bank.damageYen);
  });

  it('watch prints one document per line: its first, once replayed to now', async () => {
    const store = `sqlite:${join(tmp, 'watch.sqlite')}`;
    expect((await runCli('replay', EXAMPLE, '--store', store, '-q')).code).toBe(0);
    const cli = join(ROOT, 'packages/cli/src/main.ts');
    const argv = ['--import', 'tsx', cli, 'watch', '--store', store, '--format', 'json', '-q'];
    const child = spawn(process.execPath, argv, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const first = await new Promise<string>((done, fail) => {
      createInterface({ input: child.stdout }).once('line', done);
      child.once('close', (code) => fail(new Error(`watch exited ${code} before a line`)));
    });
    child.kill('SIGTERM');
    const doc = JSON.parse(first) as { command: string; summary: { damageYen: number } };
    expectValid('watch', doc);
    expect(doc.summary.damageYen).toBe(264_000);
  });

  it('verify --integrity of a SQLite store, and report and what-if --report writing pages', async () => {
    const store = `sqlite:${join(tmp, 'example.sqlite')}`;
    expect((await runCli('replay', EXAMPLE, '--store', store, '-q')).code).toBe(0);
    const integrity = await jsonOf('verify', '--integrity', '--store', store);
    expectValid('verify --integrity', integrity);
    expect(integrity).toMatchObject({
      ok: true,
      checked: 33,
      firstBreak: null,
      checkpoints: { checked: 0, stale: 0 }, // the replay read too few events to save any
    });
    const report = await jsonOf('report', EXAMPLE, '--store', store, '--out', join(tmp, 'r.html'));
    expectValid('report', report);
    expect(report.out).toEqual({
      file: join(tmp, 'r.html'),
      bytes: readFileSync(join(tmp, 'r.html')).length,
    });
    const whatIf = await jsonOf(
      'what-if',
      EXAMPLE,
      '--strong-auth',
      'BANK-B',
      '--report',
      join(tmp, 'w.html'),
    );
    expectValid('what-if', whatIf);
    expect(whatIf.out).toMatchObject({ file: join(tmp, 'w.html') });
  });

  it('verify and timeline: JSON with ok false per failed figure, exit 1', async () => {
    const dir = copyScenario(EXAMPLE, join(tmp, 'failing'), FAILING_EXAMPLE_EDIT);
    for (const command of ['verify', 'timeline']) {
      const { code, stdout } = await runCli(command, dir, '--format', 'json');
      expect(code).toBe(1);
      const doc = JSON.parse(stdout);
      expectValid(command, doc);
      expect(doc.ok).toBe(false);
    }
    const verify = await jsonOf('verify', dir);
    expect(
      (verify.figures as { figure: string; ok: boolean }[])
        .filter((f) => !f.ok)
        .map((f) => f.figure),
    ).toEqual(['damageYen', 'damageYen', 'damageYen']);
  });
});

describe('CSV', () => {
  it('--excel: a byte order mark and CRLF line ends, the same cells', async () => {
    const plain = await runCli(
      'replay',
      RESONA,
      '--store',
      'memory:',
      '--by',
      'bank',
      '--format',
      'csv',
    );
    const excel = await runCli('replay', RESONA, '--store', 'memory:', '--by', 'bank', '--excel');
    expect(excel.stdout.startsWith('\ufeff')).toBe(true);
    // The last line's \n comes from console.log, which the capture leaves out.
    expect(excel.stdout.slice(1)).toBe(`${plain.stdout.split('\n').join('\r\n')}\r`);
    expect(plain.stdout).toBe(
      'bankCode,bankName,cases,damageYen,compensatedYen,outstandingYen\nRESONA,りそな銀行,3,140000,0,140000',
    );
  });

  it('timeline carries published, replayed and ok for each figure', async () => {
    const { stdout } = await runCli('timeline', RESONA, '--format', 'csv');
    const [header, row] = stdout.split('\n');
    expect(header).toBe(
      'publicationId,asOf,cases.published,cases.replayed,cases.ok,banksWithDamage.published,banksWithDamage.replayed,banksWithDamage.ok,damageYen.published,damageYen.replayed,damageYen.ok,oldestDamageMonth.published,oldestDamageMonth.replayed,oldestDamageMonth.ok,ok',
    );
    expect(row).toBe(
      'synthetic-check-2019-09-30,2019-09-30T23:59:59+09:00,3,3,true,1,1,true,140000,140000,true,201906,201906,true,true',
    );
  });

  it.each([
    ['what-if', DOCOMO, '--strong-auth', 'BANK-A'],
    ['simulate', DOCOMO, '--seed', '1'],
  ])('%s without --by says which tables CSV can print', async (...argv) => {
    const { code, stderr } = await runCli(...argv, '--format', 'csv');
    expect(code).toBe(2);
    expect(stderr).toMatch(/--format csv prints one table; choose it with --by \(/);
  });
});
