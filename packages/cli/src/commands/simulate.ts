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
import { fact, OUTPUT_HELP, OUTPUT_OPTIONS, outputOption, printDocument } from '../output';
import { bankNames, chosenTables, REPORT_TABLES, reportTables } from '../render';
import { openStore, STORE_ENV, STORE_URL_HELP, storeUrl } from '../stores';
import { importFact, scenarioFact } from './facts';
import { byOption, onePositional } from './replay';

export const SIMULATE_HELP = `usage: incident-ledger simulate <scenario-dir> --seed N [--store <url>] [--by <table>] [--format text|json|csv]

Generates attacks from the scenario's ${SIMULATION_FILE} (victims per bank, the attack pattern,
amounts, when victims report and the operator locks wallets, the controls timeline; each bank's
auth policy is its auth in scenario.yaml) with seed N, runs them through the ledger's rules,
appends the events to the store (events already stored are skipped) and prints the reports with
the store digest. The same scenario and seed give the same events, ids and digest on every store.

options:
  --seed N         the generator's seed (required)
  --store <url>    ${STORE_URL_HELP}
                   default: $${STORE_ENV}, else memory:
  --by <table>     print one table: ${REPORT_TABLES.join(', ')}
                   default: summary, bank and day (json: every table)
${OUTPUT_HELP}
                   (csv needs --by)
  -h, --help       show this help

exit codes: 0 done, 2 bad input (scenario, simulation.yaml, options, store), 3 internal error`;

export async function simulateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('simulate', argv, {
    seed: { type: 'string' },
    store: { type: 'string' },
    by: { type: 'string' },
    ...OUTPUT_OPTIONS,
  });
  if (values.help) return (console.log(SIMULATE_HELP), EXIT.ok);
  const dir = onePositional('simulate', positionals);
  if (values.seed === undefined)
    throw new UsageError('missing --seed N: the same seed gives the same simulation', 'simulate');
  const seed = wholeNumber('--seed', values.seed);
  const out = outputOption(values);
  const by = byOption('simulate', values.by, REPORT_TABLES);
  const scenario = loadScenario(dir);
  const simulation = simulationOf(scenario, 'simulate');
  const plan = planAttacks(scenario, simulation, seed);
  const ledger = runCommands(plan.commands, {
    namespace: plan.namespace,
    reactions: plan.reactions(),
  });

  const url = storeUrl(values.store, 'memory:');
  const store = await openStore(url, 'create');
  try {
    const imported = await importEvents(store, ledger.events);
    const { reports } = await replay(store, scenario.timeZone, [Number.POSITIVE_INFINITY]);
    const tables = reportTables(
      reports.get(Number.POSITIVE_INFINITY)!,
      scenario.timeZone,
      bankNames(scenario.banks),
    );
    printDocument(
      {
        command: 'simulate',
        zone: scenario.timeZone,
        facts: [
          scenarioFact(scenario),
          fact(
            'simulation',
            { file: simulation.file, seed, victims: plan.victims, commands: ledger.commands },
            `${simulation.file}, seed ${seed}: ${plan.victims} victims, ${ledger.commands} commands`,
          ),
          fact('store', url),
          importFact(imported),
          refusedFact(ledger),
          moneyFact(ledger),
          fact('digest', await digestOf(store)),
        ],
        tables: chosenTables(tables, by, out.format),
        choose: REPORT_TABLES.join(', '),
      },
      out,
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
function refusedFact(ledger: Ledger) {
  const byRule = [...ledger.rejections].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  const total = byRule.reduce((n, [, count]) => n + count, 0);
  return fact(
    'refused',
    { commands: total, byRule: Object.fromEntries(byRule) },
    total === 0
      ? 'nothing'
      : `${total} commands: ${byRule.map(([rule, count]) => `${count} ${rule}`).join(', ')}`,
  );
}

function moneyFact(ledger: Ledger) {
  let balances = 0;
  for (const w of ledger.state.wallets.values()) balances += w.balanceYen;
  const charged = ledger.state.chargedYen;
  const spent = charged - balances;
  return fact(
    'money',
    { chargedYen: charged, spentYen: spent, inWalletsYen: balances },
    `charged ${formatYen(charged)} yen: spent ${formatYen(spent)}, still in wallets ${formatYen(balances)}`,
  );
}
