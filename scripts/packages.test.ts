/**
 * The packages as users outside this repository get them: `pnpm pack` for each (its prepack builds
 * it), the CLI installed with `npm install -g` from its tarball and run from another folder, and
 * the consumer example (examples/consumer) installed from the library tarballs, type-checked
 * against their declarations and run. Third-party dependencies come from the npm registry;
 * better-sqlite3 is built from source (no prebuilt binary is fetched), with the local Node headers.
 * Bounded by the work (packs, installs, runs); jest's timeout is only an outer limit.
 */
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../packages/cli/src/run-cli.testing';
import { LIBRARIES } from './build';

const ROOT = resolve(__dirname, '..');
const DOCOMO = join(ROOT, 'scenarios/docomo-kouza-2020');
/** Installs build better-sqlite3 from source: several minutes on a loaded 2-core machine. */
const PACKAGES_TEST_TIMEOUT_MS = 40 * 60_000;
const run = promisify(execFile);

let tmp: string;
let packs: string;
const tarball = (pkg: string) => join(packs, `incident-ledger-${pkg}-0.1.0.tgz`);

/** Runs a command to completion; its output in the error when it fails. */
async function sh(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  try {
    return await run(file, args, {
      cwd,
      env: { ...process.env, npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} (in ${cwd}) failed:\n${stderr}\n${stdout}`);
  }
}

const npmInstall = (cwd: string, args: string[]) =>
  sh('npm', ['install', '--no-audit', '--no-fund', ...args], cwd, {
    npm_config_build_from_source: 'true',
  });

function manifest(pkg: string): Record<string, unknown> {
  const r = spawnSync('tar', ['-xzOf', tarball(pkg), 'package/package.json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot read package.json from ${tarball(pkg)}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

function contents(pkg: string): string[] {
  const r = spawnSync('tar', ['-tzf', tarball(pkg)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

let globalPrefix: string;
let consumer: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ledger-packages-'));
  packs = join(tmp, 'packs');
  await sh('pnpm', ['--silent', '-r', 'pack', '--pack-destination', packs], ROOT);
  globalPrefix = join(tmp, 'global');
  consumer = join(tmp, 'consumer');
  cpSync(join(ROOT, 'examples/consumer'), consumer, {
    recursive: true,
    filter: (src) => !/node_modules|package-lock\.json/.test(src),
  });
  // The two installs at once: each spends most of its time building better-sqlite3.
  await Promise.all([
    npmInstall(tmp, ['-g', '--prefix', globalPrefix, tarball('cli')]),
    npmInstall(
      consumer,
      ['core', 'eventstore', 'eventstore-sqlite', 'scenario', 'testkit'].map(tarball),
    ),
  ]);
}, PACKAGES_TEST_TIMEOUT_MS);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('packed packages', () => {
  it('pack every package: libraries as ESM with declarations, dependencies at versions', () => {
    expect(readdirSync(packs).sort()).toEqual(
      ['cli', ...LIBRARIES].map((p) => `incident-ledger-${p}-0.1.0.tgz`).sort(),
    );
    for (const pkg of LIBRARIES) {
      const m = manifest(pkg);
      const files = contents(pkg);
      expect(m.type).toBe('module');
      expect(JSON.stringify(m)).not.toMatch(/workspace:|src\//);
      const exports = m.exports as Record<string, { types: string; import: string }>;
      expect(Object.keys(exports)).toEqual(pkg === 'eventstore' ? ['.', './contract'] : ['.']);
      for (const { types, import: js } of Object.values(exports)) {
        expect(files).toContain(`package/${types.slice(2)}`);
        expect(files).toContain(`package/${js.slice(2)}`);
      }
      expect(files.filter((f) => /\.test\.|\/src\//.test(f))).toEqual([]);
    }
    const cli = manifest('cli');
    expect(cli.bin).toEqual({ 'incident-ledger': 'bin/incident-ledger' });
    // Drivers stay outside the bundle; the report inlines Plot and d3 from their packages.
    expect(Object.keys(cli.dependencies as object).sort()).toEqual([
      '@kurrent/kurrentdb-client',
      '@observablehq/plot',
      'better-sqlite3',
      'd3',
      'pg',
    ]);
  });

  it(
    'install the CLI with npm install -g; it runs from any folder and prints what the source prints',
    async () => {
      const bin = join(globalPrefix, 'bin/incident-ledger');
      const elsewhere = mkdtempSync(join(tmp, 'elsewhere-'));
      const installed = join(globalPrefix, 'lib/node_modules/@incident-ledger/cli');
      // Nothing in the installed CLI points into this checkout.
      expect(readFileSync(join(installed, 'dist/incident-ledger.js'), 'utf8')).not.toContain(ROOT);
      const store = join(elsewhere, 'ledger.sqlite');
      const args = ['replay', DOCOMO, '--store', `sqlite:${store}`, '--quiet'];
      const built = await sh(bin, args, elsewhere);
      expect(built.stderr).toBe('');
      const source = await runCli(...args.map((a) => a.replace(store, join(tmp, 'source.sqlite'))));
      expect(source.code).toBe(0);
      expect(built.stdout.trimEnd()).toBe(
        source.stdout.replaceAll(join(tmp, 'source.sqlite'), store).trimEnd(),
      );
      expect((await sh(bin, ['--help'], elsewhere)).stdout).toMatch(/^usage: incident-ledger/);
    },
    PACKAGES_TEST_TIMEOUT_MS,
  );

  it(
    'the consumer example type-checks against the declarations, prints damage per bank, and its property holds',
    async () => {
      await sh('npm', ['run', '--silent', 'check'], consumer);
      const damage = await sh('npm', ['run', '--silent', 'damage', '--', DOCOMO], consumer);
      const cli = await runCli(
        'replay',
        DOCOMO,
        '--store',
        'memory:',
        '--by',
        'bank',
        '--format',
        'csv',
        '--quiet',
      );
      // The CLI's table has more columns (bank name, compensation); compare those both print.
      const columns = (csv: string) => {
        const [header = [], ...rows] = csv
          .trim()
          .split('\n')
          .map((line) => line.split(','));
        const at = ['bankCode', 'cases', 'damageYen'].map((name) => header.indexOf(name));
        expect(at).not.toContain(-1);
        return rows.map((row) => at.map((i) => row[i]).join(','));
      };
      const banks = columns(damage.stdout).filter((row) => !row.startsWith('total,'));
      expect(banks).toEqual(columns(cli.stdout));
      expect(damage.stdout).toMatch(/^total,120,25427000$/m);
      const test = await sh('npm', ['test'], consumer);
      expect(test.stdout).toMatch(/^# pass 1$/m);
      expect(test.stdout).toMatch(/^# fail 0$/m);
    },
    PACKAGES_TEST_TIMEOUT_MS,
  );
});
