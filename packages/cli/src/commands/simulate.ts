import { describe, formatYen, runCommands, type Ledger } from '@incident-ledger/core';
import {
  loadScenario,
  loadSimulation,
  planAttacks,
  SIMULATION_FILE,
  type Scenario,
  type Simulation,
} from '@incident-ledger/scenario';
import { join } from 'node:path';
import { parse, wholeNumber } from '../args';
import { digestOf, importEvents, replay } from '../app';
import { EXIT, UsageError } from '../errors';
import { printTables } from '../output';
import { reportTables } from '../render';
import { openStore, STORE_URL_HELP } from '../stores';
import { onePositional } from './replay';

export const SIMULATE_HELP = `usage: incident-ledger simulate <scenario-dir> --seed N [--store <url>] [--format table|json]

Generates attacks from the scenario's ${SIMULATION_FILE} (victims per bank, the attack pattern,
amounts, when victims report and the operator locks wallets, the controls timeline; each bank's
auth policy is its auth in scenario.yaml) with seed N, runs them through the ledger's rules,
appends the events to the store (events already stored are skipped) and prints the reports with
the store digest. The same scenario and seed give the same events, ids and digest on every store.

options:
  --seed N         the generator's seed (required)
  --store <url>    ${STORE_URL_HELP}
                   default: memory:
  --format <f>     table (default) or json
  -h, --help       show this help

exit codes: 0 done, 2 bad input (scenario, simulation.yaml, options, store), 3 internal error`;

export async function simulateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('simulate', argv, {
    seed: { type: 'string' },
    store: { type: 'string' },
    format: { type: 'string' },
  });
  if (values.help) return (console.log(SIMULATE_HELP), EXIT.ok);
  const dir = onePositional('simulate', positionals);
  if (values.seed === undefined)
    throw new UsageError('missing --seed N: the same seed gives the same simulation', 'simulate');
  const seed = wholeNumber('--seed', values.seed);
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'json')
    throw new UsageError(`--format must be table or json, got ${describe(format)}`, 'simulate');
  const scenario = loadScenario(dir);
  const simulation = simulationOf(scenario, 'simulate');
  const plan = planAttacks(scenario, simulation, seed);
  const ledger = runCommands(plan.commands, {
    namespace: plan.namespace,
    reactions: plan.reactions(),
  });

  const url = values.store ?? 'memory:';
  const store = await openStore(url);
  try {
    const imported = await importEvents(store, ledger.events);
    const { reports } = await replay(store, scenario.timeZone, [Number.POSITIVE_INFINITY]);
    const tables = reportTables(reports.get(Number.POSITIVE_INFINITY)!, scenario.timeZone);
    printTables(
      format,
      {
        scenario: `${scenario.id}: ${scenario.title}`,
        simulation: `${simulation.file}, seed ${seed}: ${plan.victims} victims, ${ledger.commands} commands`,
        store: url,
        import: `${ledger.events.length} events: ${imported.appended} appended, ${imported.skipped} already stored`,
        refused: refusedLine(ledger),
        money: moneyLine(ledger),
        digest: await digestOf(store),
      },
      format === 'json' ? Object.values(tables) : [tables.summary, tables.bank, tables.day],
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** The scenario's simulation.yaml, or a usage error saying the command needs one. */
export function simulationOf(scenario: Scenario, command: string): Simulation {
  const simulation = loadSimulation(scenario);
  if (simulation === undefined) {
    throw new UsageError(
      `${join(scenario.dir, SIMULATION_FILE)} not found: ${command} needs the scenario's attack generator (see scenarios/docomo-kouza-2020/${SIMULATION_FILE})`,
      command,
    );
  }
  return simulation;
}

/** Attempts the rules refused, by rule, most first. */
function refusedLine(ledger: Ledger): string {
  const byRule = [...ledger.rejections].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  const total = byRule.reduce((n, [, count]) => n + count, 0);
  return total === 0
    ? 'nothing'
    : `${total} commands: ${byRule.map(([rule, count]) => `${count} ${rule}`).join(', ')}`;
}

function moneyLine(ledger: Ledger): string {
  let balances = 0;
  for (const w of ledger.state.wallets.values()) balances += w.balanceYen;
  const charged = ledger.state.chargedYen;
  return `charged ${formatYen(charged)} yen: spent ${formatYen(charged - balances)}, still in wallets ${formatYen(balances)}`;
}
