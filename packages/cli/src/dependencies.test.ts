import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadFuzz } from './main';

/**
 * The CLI runs without the test kit: only `fuzz` needs it, loaded when it runs. And the test kit
 * runs without a concrete store: the stores it fuzzes are passed in.
 */
const ROOT = resolve(__dirname, '../../..');
const manifest = (pkg: string) =>
  JSON.parse(readFileSync(resolve(ROOT, 'packages', pkg, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };

describe('dependencies', () => {
  it('the CLI depends on the test kit for development only, the test kit on no concrete store', () => {
    expect(Object.keys(manifest('cli').dependencies ?? {})).not.toContain(
      '@incident-ledger/testkit',
    );
    expect(Object.keys(manifest('cli').devDependencies ?? {})).toContain(
      '@incident-ledger/testkit',
    );
    const testkit = Object.keys({
      ...manifest('testkit').dependencies,
      ...manifest('testkit').devDependencies,
    });
    expect(testkit.filter((d) => /eventstore-|better-sqlite3|^pg$/.test(d))).toEqual([]);
  });

  it('loading the CLI loads neither the test kit nor fast-check', () => {
    const loaded = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "require('./packages/cli/src/main.ts'); console.log(JSON.stringify(Object.keys(require.cache)))",
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    const modules = JSON.parse(loaded) as string[];
    expect(modules.some((m) => m.includes('packages/cli/src/commands/verify'))).toBe(true);
    expect(modules.filter((m) => /testkit|fast-check/.test(m))).toEqual([]);
  });

  it('says what to install when fuzz cannot load the test kit', async () => {
    const missing = Object.assign(new Error("Cannot find module '@incident-ledger/testkit'"), {
      code: 'MODULE_NOT_FOUND',
    });
    await expect(loadFuzz(() => Promise.reject(missing))).rejects.toThrow(
      /fuzz needs @incident-ledger\/testkit .*pnpm install/,
    );
    const other = new Error('boom');
    await expect(loadFuzz(() => Promise.reject(other))).rejects.toBe(other);
    expect((await loadFuzz()).FUZZ_HELP).toMatch(/^usage: incident-ledger fuzz/);
  });
});
