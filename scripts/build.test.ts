import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli } from '../packages/cli/src/run-cli.testing';
import { bundle } from './build';

const ROOT = resolve(__dirname, '..');
let tmp: string;
// Inside the checkout, as the CLI's own dist is: the bundle requires its drivers by name, found in
// the node_modules above it (installed, the CLI package's own).
beforeAll(() => {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  tmp = mkdtempSync(join(ROOT, '.tmp', 'build-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the compiled CLI', () => {
  it('runs under plain node, drivers included, and prints what the source prints', async () => {
    const cli = join(tmp, 'incident-ledger.js');
    await bundle('packages/cli/src/main.ts', cli);
    const args = (store: string) => [
      'replay',
      'scenarios/docomo-kouza-2020',
      '--store',
      `sqlite:${join(tmp, store)}`,
      '--quiet',
    ];
    const built = spawnSync(process.execPath, [cli, ...args('built.sqlite')], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    const source = await runCli(...args('source.sqlite'));
    expect(source.code).toBe(0);
    expect(built.stdout.trimEnd()).toBe(
      source.stdout.replaceAll(join(tmp, 'source.sqlite'), join(tmp, 'built.sqlite')).trimEnd(),
    );
    expect(built.stdout).toMatch(/digest\s+sha256:[0-9a-f]{64}/);
  });
});
