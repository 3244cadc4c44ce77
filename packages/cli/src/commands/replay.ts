import { describe, didYouMean, parseInstant, ValidationError } from '@incident-ledger/core';
import { openScenario } from '@incident-ledger/scenario';
import { join } from 'node:path';
import {
  LOAD_HELP,
  LOAD_OPTION,
  loadOptions,
  parse,
  QUIET_HELP,
  QUIET_OPTION,
  wholeNumber,
} from '../args';
import { progressOf } from '../progress';
import { digestOf, replay, storedEvents } from '../app';
import { EXIT, UsageError } from '../errors';
import { fact, OUTPUT_HELP, OUTPUT_OPTIONS, outputOption, printDocument } from '../output';
import { dateOption, type Selection } from '../periods';
import {
  bankNames,
  DATED_TABLES,
  chosenTables,
  REPORT_TABLES,
  reportTables,
  type ReportTable,
} from '../render';
import { openImported, STORE_ENV, STORE_URL_HELP, storeUrl } from '../stores';
import { asOfFact, importFact, scenarioFact } from './facts';
import { BY_TABLES, isProjectionTable, RANKED_BY_TABLES, viewTable } from '../views';

export const REPLAY_HELP = `usage: incident-ledger replay <scenario-dir> [--store <url>] [--as-of <time>] [--by <table>]
         [--from <date>] [--to <date>] [--top N] [--format text|json|csv] [--excel]

Validates every event file, then appends the scenario's events to the store batch by batch
(events already stored are skipped, so replaying twice never duplicates: a bad event appends
nothing, and an import cut short is completed by running it again), then replays the store and
prints the summary, damage per bank and damage per calendar day, with the store digest.

options:
  --store <url>    ${STORE_URL_HELP}
                   default: $${STORE_ENV}, else sqlite:<scenario-dir>/ledger.sqlite
                   Created if missing; another application's file is refused, unchanged.
  --as-of <time>   report what the ledger knew at this time (a recordedAt cutoff), e.g.
                   2020-09-14T00:00:00+09:00; the zone or offset is required.
                   default: everything recorded
  --by <table>     print one table: ${BY_TABLES.join(', ')}
                   default: summary, bank and day (json: every table)
  --from <date>    keep the rows of occurred days from this date (YYYY-MM-DD, in the
                   scenario's zone): day, week, month and bank-day
  --to <date>      ... up to and including this date
  --top N          the N rows with the largest amounts, largest first: ${RANKED_BY_TABLES.join(', ')}
${OUTPUT_HELP}
                   (csv needs --by)
${LOAD_HELP}
${QUIET_HELP}
  -h, --help       show this help

Running totals (day, week, month) count from the incident's first day, whatever --from says.
exit codes: 0 done, 2 bad input (scenario, options, store), 3 internal error`;

export async function replayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('replay', argv, {
    store: { type: 'string' },
    'as-of': { type: 'string' },
    by: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    top: { type: 'string' },
    ...OUTPUT_OPTIONS,
    ...LOAD_OPTION,
    ...QUIET_OPTION,
  });
  if (values.help) return (console.log(REPLAY_HELP), EXIT.ok);
  const dir = onePositional('replay', positionals);
  const asOf = asOfOption(values['as-of']);
  const out = outputOption(values);
  const by = byOption('replay', values.by, BY_TABLES);
  const selection = selectionOf(values, by);
  const progress = progressOf(values.quiet);
  const scenario = openScenario(dir, { ...loadOptions(values), progress: progress.loading() });
  const url = storeUrl(values.store, `sqlite:${join(dir, 'ledger.sqlite')}`);
  const { store, imported } = await openImported(url, 'create', scenario.eventFiles, progress);
  try {
    progress.phase('replaying', { events: await storedEvents(store) });
    const shown = by !== undefined && isProjectionTable(by) ? [by] : [];
    const {
      reports,
      tables: shownTables,
      events,
    } = await replay(store, scenario.timeZone, [asOf], progress, undefined, {
      tables: shown,
      onNotice: (notice) => console.error(`note      ${notice}`),
    });
    const names = bankNames(scenario.banks);
    const tables = reportTables(reports.get(asOf)!, scenario.timeZone, names, selection);
    printDocument(
      {
        command: 'replay',
        zone: scenario.timeZone,
        facts: [
          scenarioFact(scenario),
          fact('store', url),
          importFact(imported),
          fact('replayed', { events }, `${events} events`),
          asOfFact(asOf, scenario.timeZone),
          fact('digest', await digestOf(store)),
        ],
        fields: {
          select: {
            from: selection.from ?? null,
            to: selection.to ?? null,
            top: selection.top ?? null,
          },
        },
        tables:
          shown.length > 0
            ? [
                viewTable(
                  shownTables.get(asOf)![0]!,
                  { bank: names, operator: bankNames(scenario.operators) },
                  selection.top,
                ),
              ]
            : chosenTables(tables, by as ReportTable | undefined, out.format),
        choose: BY_TABLES.join(', '),
      },
      out,
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** --from, --to and --top, refused where the table asked for has no dates or no amounts. */
function selectionOf(
  values: { from?: string; to?: string; top?: string },
  by: string | undefined,
): Selection {
  const from = dateOption('--from', values.from);
  const to = dateOption('--to', values.to);
  if (from !== undefined && to !== undefined && from > to)
    throw new UsageError(`--from ${from} is after --to ${to}`, 'replay');
  if (
    (from ?? to) !== undefined &&
    by !== undefined &&
    !(DATED_TABLES as readonly string[]).includes(by)
  )
    throw new UsageError(
      `--from and --to select occurred days: use them with --by ${DATED_TABLES.join(', ')}`,
      'replay',
    );
  const top = values.top === undefined ? undefined : wholeNumber('--top', values.top, 1);
  if (top !== undefined && by !== undefined && !RANKED_BY_TABLES.includes(by))
    throw new UsageError(
      `--top ranks rows by amount: use it with --by ${RANKED_BY_TABLES.join(', ')}`,
      'replay',
    );
  return {
    ...(from !== undefined && { from }),
    ...(to !== undefined && { to }),
    ...(top !== undefined && { top }),
  };
}

export function onePositional(command: string, positionals: string[]): string {
  if (positionals.length === 0) throw new UsageError('missing <scenario-dir>', command);
  if (positionals.length > 1)
    throw new UsageError(
      `expected one <scenario-dir>, got ${positionals.length}: ${positionals.join(' ')}`,
      command,
    );
  return positionals[0]!;
}

/** --as-of: a recordedAt cutoff, or everything recorded when not given. */
export function asOfOption(text: string | undefined): number {
  if (text === undefined) return Number.POSITIVE_INFINITY;
  try {
    return parseInstant(text, ['--as-of']);
  } catch (e) {
    if (e instanceof ValidationError) throw new UsageError(e.message);
    throw e;
  }
}

/** --by: one of `tables`, or a usage error with the closest. */
export function byOption<T extends string>(
  command: string,
  value: string | undefined,
  tables: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(tables as readonly string[]).includes(value))
    throw new UsageError(
      `--by must be one of ${tables.join(', ')}, got ${describe(value)}${didYouMean(value, tables)}`,
      command,
    );
  return value as T;
}
