/**
 * The builds. `pnpm build` makes both:
 * - the CLI bundle, one CommonJS file run by plain `node` (packages/cli/dist/incident-ledger.js,
 *   started by packages/cli/bin/incident-ledger): the libraries bundled in, the drivers left out
 *   and required by name, so the CLI runs wherever it is installed with its dependencies. Running
 *   from TypeScript source through tsx (`pnpm ledger`) costs about 35 MiB more memory (measured at
 *   1M events) and a slower start; the build is how to run the ledger in production.
 * - each library package in its published shape (packages/<pkg>/dist): ESM JavaScript, one file
 *   per entry of the package's `exports` map, and its declarations (tsc) under dist/types.
 * In this repository every package resolves to its sources (`exports` points at src/); `pnpm pack`
 * swaps in `publishConfig`, which points at dist/ (docs/api.md).
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
export const CLI_BUNDLE = resolve(ROOT, 'packages/cli/dist/incident-ledger.js');

/** The packages published as libraries, in dependency order. */
export const LIBRARIES = [
  'core',
  'eventstore',
  'eventstore-sqlite',
  'eventstore-postgres',
  'eventstore-kurrentdb',
  'scenario',
  'testkit',
] as const;
type Library = (typeof LIBRARIES)[number];

/**
 * Drivers with native parts (better-sqlite3, the KurrentDB client's bridge), pg, and esbuild (the
 * benchmark builds) are not bundled: the bundle requires them by name, from the node_modules of
 * wherever it is installed (the CLI package depends on the drivers).
 */
const EXTERNAL = ['better-sqlite3', 'pg', '@kurrent/kurrentdb-client', 'esbuild'];

/**
 * Bundles one TypeScript entry point (relative to the repository root) into one CommonJS file for
 * Node 20 or later.
 */
export async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [resolve(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    external: EXTERNAL,
  });
}

/** A package's entry points from its (source) `exports` map: name in dist -> source file. */
function entries(pkg: string): Map<string, string> {
  const dir = join(ROOT, 'packages', pkg);
  const { exports } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports: Record<string, string>;
  };
  const found = new Map<string, string>();
  for (const source of Object.values(exports)) {
    const m = /^\.\/src\/(.+)\.ts$/.exec(source);
    if (!m) throw new Error(`packages/${pkg}: export ${source} is not a file under src/`);
    found.set(m[1]!, join(dir, source));
  }
  return found;
}

/**
 * Declarations of every library's entry points, emitted once by tsc (TypeScript 7 emits them) into
 * a scratch folder that mirrors the repository.
 */
function emitDeclarations(libraries: readonly Library[]): string {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const out = mkdtempSync(join(ROOT, '.tmp', 'declarations-'));
  const config = join(out, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: relative(out, join(ROOT, 'tsconfig.json')),
      compilerOptions: {
        noEmit: false,
        declaration: true,
        emitDeclarationOnly: true,
        rootDir: relative(out, ROOT),
        outDir: '.',
      },
      include: [],
      files: libraries.flatMap((pkg) => [...entries(pkg).values()].map((f) => relative(out, f))),
    }),
  );
  const tsc = spawnSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', config], {
    encoding: 'utf8',
  });
  if (tsc.status !== 0)
    throw new Error(`tsc failed to emit declarations:\n${tsc.stdout}${tsc.stderr}`);
  return out;
}

/**
 * Declarations are ESM (the packed package is "type": "module"), where relative imports name their
 * file: './x' becomes './x.js' or './x/index.js', whichever the emitted tree holds.
 */
function withExtensions(file: string): void {
  const text = readFileSync(file, 'utf8').replace(
    /(\bfrom\s+|\bimport\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\2/g,
    (_, before: string, quote: string, spec: string) => {
      const base = resolve(dirname(file), spec);
      const target = existsSync(`${base}.d.ts`)
        ? `${spec}.js`
        : existsSync(join(base, 'index.d.ts'))
          ? `${spec}/index.js`
          : undefined;
      if (target === undefined) throw new Error(`${file}: no declarations for '${spec}'`);
      return `${before}${quote}${target}${quote}`;
    },
  );
  writeFileSync(file, text);
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.d.ts'))
    .map((f) => join(dir, f));
}

/** Builds library packages' dist/: ESM per entry point, declarations under dist/types. */
export async function buildLibraries(libraries: readonly Library[] = LIBRARIES): Promise<void> {
  const declarations = emitDeclarations(libraries);
  try {
    for (const pkg of libraries) await buildLibrary(pkg, declarations);
  } finally {
    rmSync(declarations, { recursive: true, force: true });
  }
}

async function buildLibrary(pkg: Library, declarations: string): Promise<void> {
  const dir = join(ROOT, 'packages', pkg);
  const dist = join(dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  await build({
    entryPoints: Object.fromEntries(entries(pkg)),
    outdir: dist,
    bundle: true,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
  });
  const types = join(dist, 'types');
  cpSync(join(declarations, 'packages', pkg, 'src'), types, { recursive: true });
  for (const file of declarationFiles(types)) withExtensions(file);
}

/**
 * `tsx scripts/build.ts [package...]`: the named packages (cli, or a library; each package's
 * prepack names itself), or all of them.
 */
async function main(names: string[]): Promise<string[]> {
  const wanted = names.length === 0 ? ['cli', ...LIBRARIES] : names;
  const unknown = wanted.filter((n) => n !== 'cli' && !LIBRARIES.includes(n as Library));
  if (unknown.length > 0) throw new Error(`no package ${unknown.join(', ')} to build`);
  const libraries = LIBRARIES.filter((l) => wanted.includes(l));
  await Promise.all([
    wanted.includes('cli') && bundle('packages/cli/src/main.ts', CLI_BUNDLE),
    libraries.length > 0 && buildLibraries(libraries),
  ]);
  return wanted;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (built) => console.log(`built ${built.join(', ')}`),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
