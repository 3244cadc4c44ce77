/**
 * The compiled build: `pnpm build` bundles the CLI into one JavaScript file run by plain `node`
 * (packages/cli/dist/incident-ledger.js). Running from TypeScript source through tsx (`pnpm
 * ledger`)
 * costs about 35 MiB more memory (measured at 1M events) and a slower start; the build is how to
 * run
 * the ledger in production.
 */
import { build, type Plugin } from 'esbuild';
import { createRequire } from 'node:module';
import { dirname, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
export const CLI_BUNDLE = resolve(ROOT, 'packages/cli/dist/incident-ledger.js');

/**
 * Drivers with native parts (better-sqlite3, the KurrentDB client's bridge), pg, and esbuild (the
 * benchmark builds) are not bundled.
 */
const EXTERNAL = /^(better-sqlite3|pg|@kurrent\/kurrentdb-client|esbuild)(\/.*)?$/;

/**
 * Leaves the drivers out, required by their path relative to the bundle as installed for the
 * importing source: the bundle runs from this checkout wherever it is written (the CLI's dist, the
 * benchmark's working copy), whichever workspace package declared the driver.
 */
function externals(outfile: string): Plugin {
  return {
    name: 'externals',
    setup(b) {
      b.onResolve({ filter: EXTERNAL }, (args) => {
        const path = relative(
          dirname(outfile),
          createRequire(resolve(args.resolveDir, 'importer.js')).resolve(args.path),
        );
        return { path: path.startsWith('.') ? path : `./${path}`, external: true };
      });
    },
  };
}

/**
 * Bundles one TypeScript entry point (relative to the repository root) into one CommonJS file for
 * Node 20.
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
    plugins: [externals(outfile)],
  });
}

if (require.main === module) {
  bundle('packages/cli/src/main.ts', CLI_BUNDLE).then(
    () => console.log(`built ${relative(ROOT, CLI_BUNDLE)}`),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
