/**
 * Loads a scenario, appends its events to a SQLite store and prints the damage per bank, through
 * the library API alone: `npm run damage -- <scenario folder> [<store file>]`.
 */
import { incidentProjection, incidentReport } from '@incident-ledger/core';
import { replayFolds, writesInOrder } from '@incident-ledger/eventstore';
import { SqliteEventStore } from '@incident-ledger/eventstore-sqlite';
import { loadScenario, ScenarioError } from '@incident-ledger/scenario';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [dir, file] = process.argv.slice(2);
if (dir === undefined) {
  console.error('usage: npm run damage -- <scenario folder> [<store file>]');
  process.exit(2);
}

let scenario;
try {
  scenario = loadScenario(dir);
} catch (e) {
  if (!(e instanceof ScenarioError)) throw e;
  console.error(e.message);
  process.exit(2);
}

const scratch = file === undefined ? mkdtempSync(join(tmpdir(), 'consumer-')) : undefined;
const store = SqliteEventStore.open(file ?? join(scratch!, 'ledger.sqlite'));
try {
  await store.appendMany(writesInOrder(scenario.events));
  const { folds } = await replayFolds(store, [
    { projection: incidentProjection(scenario.timeZone) },
  ]);
  const report = incidentReport(folds[0].state);
  console.log('bankCode,cases,damageYen');
  for (const row of report.byBank) console.log(`${row.bankCode},${row.cases},${row.damageYen}`);
  console.log(`total,${report.cases},${report.damageYen}`);
} finally {
  await store.close();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
}
