import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The production launcher of the compiled CLI (README: `pnpm build`). */
export const LAUNCHER = resolve(__dirname, '../packages/cli/bin/incident-ledger');

/**
 * The environment the launcher runs node in (its allocator setting), for benchmarks that run
 * compiled code as production does.
 */
export function launcherEnv(): NodeJS.ProcessEnv {
  const threshold = /MALLOC_MMAP_THRESHOLD_:=(\d+)/.exec(readFileSync(LAUNCHER, 'utf8'))?.[1];
  if (threshold === undefined) throw new Error(`${LAUNCHER} sets no MALLOC_MMAP_THRESHOLD_`);
  return {
    ...process.env,
    MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? threshold,
  };
}
