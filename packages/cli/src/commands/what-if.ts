import {
  changeControls,
  describe,
  damageAvoided,
  formatYen,
  parseInstant,
  runCommands,
  ValidationError,
  type Command,
  type ControlChanges,
  type Reaction,
} from '@incident-ledger/core';
import {
  loadScenario,
  planAttacks,
  recordedAttempts,
  SIMULATION_FILE,
  type Scenario,
} from '@incident-ledger/scenario';
import { parse, wholeNumber } from '../args';
import { reportOf } from '../app';
import { EXIT, UsageError } from '../errors';
import {
  fact,
  OUTPUT_HELP,
  OUTPUT_OPTIONS,
  outputOption,
  printDocument,
  type Fact,
  type Table,
} from '../output';
import { bankNames } from '../render';
import { whatIfPage } from '../report/data';
import { scenarioFact } from './facts';
import { writePage } from './report';
import { byOption, onePositional } from './replay';
import { simulationOf } from './simulate';

const WHAT_IF_TABLES = ['changes', 'damage', 'operator', 'refused'] as const;
type WhatIfTable = (typeof WHAT_IF_TABLES)[number];

export const WHAT_IF_HELP = `usage: incident-ledger what-if <scenario-dir> [changes] [--seed N] [--by <table>] [--format text|json|csv]
         [--report <file.html>]

Replays the same attacks through the ledger's rules twice: with the controls as they were (the
baseline) and with the changes given (the counterfactual). Prints damage per bank and in total
for both, and the damage avoided. The attacks are the scenario's recorded attempts (every
wallet opening, link, charge and purchase, executed or refused, with the controls, reports and
locks around them), or with --seed N those generated from its ${SIMULATION_FILE}. A change
replaces what the attacks' own controls say about the same thing; several may be given at once,
and the run says exactly what each one changed.

changes (at least one):
  --suspend-linking-at <time>    new linking is suspended at this time instead, e.g.
                                 2020-09-03T00:00:00+09:00 (the zone or offset is required)
  --suspend-linking <operator>@<time>
                                 that operator's new linking is suspended at this time instead
                                 of its own suspensions (repeatable)
  --strong-auth <bank>           the bank requires an OTP or eKYC besides account number, PIN,
                                 name and birth date, from the start (repeatable)
  --stop-charges <bank>@<time>   the bank stops charges at this time instead (repeatable)
  --lock-after <n>               the operator locks a wallet on its n-th executed charge
options:
  --seed N         the attacks generated with this seed instead of the recorded ones
  --by <table>     print one table: ${WHAT_IF_TABLES.join(', ')} (default: all, operator
                   only when scenario.yaml declares operators)
${OUTPUT_HELP}
                   (csv needs --by)
  --report <file>  also write the comparison as a self-contained HTML page: damage avoided per
                   bank, cumulative damage with and without the changes (docs/report.md)
  -h, --help       show this help

Damage is what the replay reports: charges from accounts with a counted case, as of everything
recorded. exit codes: 0 done, 2 bad input (scenario, options), 3 internal error`;

/** The yen columns of every damage-avoided table (by bank, by operator). */
const AVOIDED_COLUMNS: Table['columns'] = [
  { key: 'baselineYen', header: 'baseline', kind: 'yen' },
  { key: 'counterfactualYen', header: 'counterfactual', kind: 'yen' },
  { key: 'avoidedYen', header: 'avoided', kind: 'yen' },
];

export async function whatIfCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('what-if', argv, {
    'suspend-linking-at': { type: 'string' },
    'suspend-linking': { type: 'string', multiple: true },
    'strong-auth': { type: 'string', multiple: true },
    'stop-charges': { type: 'string', multiple: true },
    'lock-after': { type: 'string' },
    seed: { type: 'string' },
    by: { type: 'string' },
    report: { type: 'string' },
    ...OUTPUT_OPTIONS,
  });
  if (values.help) return (console.log(WHAT_IF_HELP), EXIT.ok);
  const dir = onePositional('what-if', positionals);
  const out = outputOption(values);
  const by = byOption('what-if', values.by, WHAT_IF_TABLES);
  const scenario = loadScenario(dir);
  const changes = changesOf(values, scenario);
  const attacks = attacksOf(scenario, values.seed);

  const baseline = runCommands(attacks.commands, {
    namespace: attacks.namespace,
    reactions: attacks.reactions(),
  });
  const changed = changeControls(attacks.commands, changes, scenario.timeZone);
  const counterfactual = runCommands(changed.commands, {
    namespace: attacks.namespace,
    reactions: [...attacks.reactions(), ...changed.reactions],
  });
  const [before, after] = [
    await reportOf(baseline.events, scenario.timeZone),
    await reportOf(counterfactual.events, scenario.timeZone),
  ];
  const { byBank, byOperator, total } = damageAvoided(before.report, after.report);

  const names = bankNames(scenario.banks);
  const operatorNames = bankNames(scenario.operators);
  const facts = [scenarioFact(scenario), attacks.fact];
  if (values.seed === undefined)
    facts.push(await baselineAgainstRecorded(scenario, before.report.damageYen));
  facts.push(
    fact(
      'digests',
      { baseline: before.digest, counterfactual: after.digest },
      `baseline ${before.digest}, counterfactual ${after.digest}`,
    ),
  );
  const tables: Record<WhatIfTable, Table> = {
    changes: {
      name: 'changes',
      title: 'What the counterfactual changed',
      columns: [{ key: 'change', header: 'change' }],
      rows: changed.described.map((change) => ({ change })),
    },
    damage: {
      name: 'damage',
      title:
        'Damage by bank (yen): baseline (the controls as they were), counterfactual (with the changes), avoided',
      columns: [
        { key: 'bankCode', header: 'bank' },
        { key: 'bankName', header: 'name' },
        ...AVOIDED_COLUMNS,
      ],
      rows: byBank.map((r) => ({ ...r, bankName: names.get(r.bankCode) ?? null })),
      total: {
        baselineYen: total.baselineYen,
        counterfactualYen: total.counterfactualYen,
        avoidedYen: total.avoidedYen,
      },
    },
    operator: {
      name: 'operator',
      title:
        'Damage by operator (payment service; yen charged through it): baseline, counterfactual, avoided',
      columns: [
        { key: 'operatorCode', header: 'operator' },
        { key: 'operatorName', header: 'name' },
        ...AVOIDED_COLUMNS,
      ],
      rows: byOperator.map((r) => ({
        ...r,
        operatorName: operatorNames.get(r.operatorCode) ?? null,
      })),
    },
    refused: {
      name: 'refused',
      title: 'Commands the rules refused, by rule',
      columns: [
        { key: 'rule', header: 'rule' },
        { key: 'baseline', header: 'baseline', kind: 'count' },
        { key: 'counterfactual', header: 'counterfactual', kind: 'count' },
      ],
      rows: [...new Set([...baseline.rejections.keys(), ...counterfactual.rejections.keys()])]
        .sort()
        .map((rule) => ({
          rule,
          baseline: baseline.rejections.get(rule) ?? 0,
          counterfactual: counterfactual.rejections.get(rule) ?? 0,
        })),
    },
  };
  if (values.report !== undefined)
    facts.push(
      writePage(
        values.report,
        whatIfPage({
          scenario,
          attacks: attacks.fact.text,
          changes: changed.described,
          baseline: before,
          counterfactual: after,
          byBank,
          byOperator,
          total,
        }),
      ),
    );
  printDocument(
    {
      command: 'what-if',
      zone: scenario.timeZone,
      facts,
      tables: by
        ? [tables[by]]
        : Object.values(tables).filter(
            (t) => t.name !== 'operator' || scenario.operators.length > 0,
          ),
      choose: WHAT_IF_TABLES.join(', '),
    },
    out,
  );
  return EXIT.ok;
}

interface Attacks {
  commands: Command[];
  reactions(): Reaction[];
  namespace: string;
  /** Where the attacks came from, said as a header fact. */
  fact: Fact;
}

function attacksOf(scenario: Scenario, seed: string | undefined): Attacks {
  if (seed !== undefined) {
    const simulation = simulationOf(scenario, 'what-if');
    const n = wholeNumber('--seed', seed);
    const plan = planAttacks(scenario, simulation, n);
    return {
      ...plan,
      fact: fact(
        'attacks',
        { source: 'generated', seed: n, commands: plan.commands.length, victims: plan.victims },
        `generated by ${simulation.file} with seed ${n}: ${plan.victims} victims`,
      ),
    };
  }
  const commands = recordedAttempts(scenario);
  return {
    commands,
    reactions: () => [],
    namespace: `${scenario.id}/what-if`,
    fact: fact(
      'attacks',
      { source: 'recorded', seed: null, commands: commands.length, victims: null },
      `the recorded attempts: ${commands.length} commands from the scenario's events and declared banks`,
    ),
  };
}

/** Whether the rules, under the controls as recorded, give the damage the recorded events give. */
async function baselineAgainstRecorded(scenario: Scenario, baselineYen: number): Promise<Fact> {
  const recordedYen = (await reportOf(scenario.events, scenario.timeZone)).report.damageYen;
  const value = { baselineYen, recordedYen, matchesRecorded: recordedYen === baselineYen };
  return fact(
    'baseline',
    value,
    recordedYen === baselineYen
      ? `the rules under the recorded controls give the recorded damage, ${formatYen(recordedYen)} yen`
      : `the rules under the recorded controls give ${formatYen(baselineYen)} yen, the recorded events ${formatYen(recordedYen)}: the history breaks a rule ('incident-ledger verify' names it)`,
  );
}

function changesOf(
  values: {
    'suspend-linking-at'?: string;
    'suspend-linking'?: string[];
    'strong-auth'?: string[];
    'stop-charges'?: string[];
    'lock-after'?: string;
  },
  scenario: Scenario,
): ControlChanges {
  const banks = new Set(scenario.banks.map((b) => b.code));
  const operators = new Set(scenario.operators.map((o) => o.code));
  const bank = (option: string, code: string) => {
    if (!banks.has(code))
      throw new UsageError(
        `${option}: unknown bank ${describe(code)}; the scenario declares ${[...banks].join(', ')}`,
        'what-if',
      );
    return code;
  };
  const changes: ControlChanges = {
    ...(values['suspend-linking-at'] !== undefined && {
      suspendLinkingAt: instant('--suspend-linking-at', values['suspend-linking-at']),
    }),
    ...(values['suspend-linking'] !== undefined && {
      suspendOperatorLinking: values['suspend-linking'].map((text) => {
        const { code, at } = codeAt('--suspend-linking', '<operator>@<time>', text);
        if (!operators.has(code))
          throw new UsageError(
            `--suspend-linking: unknown operator ${describe(code)}; the scenario declares ${[...operators].join(', ') || 'none'}`,
            'what-if',
          );
        return { operatorCode: code, at };
      }),
    }),
    ...(values['strong-auth'] !== undefined && {
      strongAuth: values['strong-auth'].map((b) => bank('--strong-auth', b)),
    }),
    ...(values['stop-charges'] !== undefined && {
      stopCharges: values['stop-charges'].map((text) => {
        const { code, at } = codeAt('--stop-charges', '<bank>@<time>', text);
        return { bankCode: bank('--stop-charges', code), at };
      }),
    }),
    ...(values['lock-after'] !== undefined && {
      lockAfterCharges: wholeNumber('--lock-after', values['lock-after'], 1),
    }),
  };
  if (Object.keys(changes).length === 0) {
    throw new UsageError(
      'no change given: use --suspend-linking-at, --suspend-linking, --strong-auth, --stop-charges or --lock-after',
      'what-if',
    );
  }
  return changes;
}

/** `<code>@<time>`, as --stop-charges and --suspend-linking take it. */
function codeAt(option: string, form: string, text: string): { code: string; at: number } {
  const at = text.indexOf('@');
  if (at < 0)
    throw new UsageError(
      `${option} takes ${form}, e.g. ${form.startsWith('<bank>') ? 'BANK-A' : 'paypay'}@2020-09-01T00:00:00+09:00; got ${describe(text)}`,
      'what-if',
    );
  return { code: text.slice(0, at), at: instant(option, text.slice(at + 1)) };
}

function instant(option: string, text: string): number {
  try {
    return parseInstant(text, [option]);
  } catch (e) {
    if (e instanceof ValidationError) throw new UsageError(e.message, 'what-if');
    throw e;
  }
}
