/**
 * Loads a scenario and says how many events it holds and how long the load took: for measuring
 * the loader (docs/performance.md), under /usr/bin/time -v for its peak RSS.
 *
 *   pnpm tsx scripts/load-scenario.ts <scenario-dir>            loadScenario: every event in memory
 *   pnpm tsx scripts/load-scenario.ts <scenario-dir> --batches  openScenario(...).eventFiles.batches():
 *                                                               one validating run, nothing held
 */
import { loadScenario, openScenario } from '../packages/scenario/src';

async function main(dir: string, batches: boolean) {
  const started = process.hrtime.bigint();
  let events = 0;
  if (batches)
    for await (const batch of openScenario(dir).eventFiles.batches()) events += batch.length;
  else events = loadScenario(dir).events.length;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `${events} events loaded in ${seconds.toFixed(2)} s (${batches ? 'batches' : 'loadScenario'})`,
  );
}

const [dir, flag] = process.argv.slice(2);
if (dir === undefined || (flag !== undefined && flag !== '--batches')) {
  console.error('usage: pnpm tsx scripts/load-scenario.ts <scenario-dir> [--batches]');
  process.exit(2);
}
main(dir, flag === '--batches').catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(2);
});
