import { describe, formatInstant, parseInstant, ValidationError } from '@incident-ledger/core';
import { loadScenario } from '@incident-ledger/scenario';
import { join } from 'node:path';
import { LOAD_HELP, LOAD_OPTION, loadOptions, parse, QUIET_HELP, QUIET_OPTION } from '../args';
import { Progress } from '../progress';
import { digestOf, importEvents, replay, storedEvents } from '../app';
import { EXIT, UsageError } from '../errors';
import { formatOption, printTables } from '../output';
import { REPORT_TABLES, reportTables, type ReportTable } from '../render';
import { openStore, STORE_URL_HELP } from '../stores';

export const REPLAY_HELP = `usage: incident-ledger replay <scenario-dir> [--store <url>] [--as-of <time>] [--by <table>] [--format table|json|csv]

Appends the scenario's events to the store (events already stored are skipped, so replaying
twice never duplicates; the import is all or nothing), then replays the store and prints the
summary, damage per bank and damage per calendar day, with the store digest.

options:
  --store <url>    ${STORE_URL_HELP}
                   default: sqlite:<scenario-dir>/ledger.sqlite
  --as-of <time>   report what the ledger knew at this time (a recordedAt cutoff), e.g.
                   2020-09-14T00:00:00+09:00; the zone or offset is required.
                   default: everything recorded
  --by <table>     print one table: ${REPORT_TABLES.join(', ')}
                   default: summary, bank and day (json: every table)
  --format <f>     table (default), json, or csv (csv needs --by)
${LOAD_HELP}
${QUIET_HELP}
  -h, --help       show this help

exit codes: 0 done, 2 bad input (scenario, options, store), 3 internal error`;

export async function replayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('replay', argv, {
    store: { type: 'string' },
    'as-of': { type: 'string' },
    by: { type: 'string' },
    format: { type: 'string' },
    ...LOAD_OPTION,
    ...QUIET_OPTION,
  });
  if (values.help) return (console.log(REPLAY_HELP), EXIT.ok);
  const dir = onePositional('replay', positionals);
  const asOf =
    values['as-of'] === undefined ? Number.POSITIVE_INFINITY : asOfOption(values['as-of']);
  const format = formatOption(values.format);
  const by = byOption(values.by);
  const scenario = loadScenario(dir, loadOptions(values));
  const url = values.store ?? `sqlite:${join(dir, 'ledger.sqlite')}`;
  const store = await openStore(url);
  try {
    const imported = await importEvents(store, scenario.events);
    const progress = values.quiet
      ? undefined
      : new Progress('replaying', await storedEvents(store));
    const { reports, events } = await replay(store, scenario.timeZone, [asOf], progress);
    const tables = reportTables(reports.get(asOf)!, scenario.timeZone);
    const chosen = by
      ? [tables[by]]
      : format === 'json'
        ? Object.values(tables)
        : [tables.summary, tables.bank, tables.day];
    printTables(
      format,
      {
        scenario: `${scenario.id}: ${scenario.title}`,
        store: url,
        import: `${scenario.events.length} events: ${imported.appended} appended, ${imported.skipped} already stored`,
        replayed: `${events} events`,
        'as of': Number.isFinite(asOf)
          ? `${formatInstant(asOf, scenario.timeZone)} (recordedAt cutoff)`
          : 'everything recorded',
        digest: await digestOf(store),
      },
      chosen,
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
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

export function asOfOption(text: string): number {
  try {
    return parseInstant(text, ['--as-of']);
  } catch (e) {
    if (e instanceof ValidationError) throw new UsageError(e.message);
    throw e;
  }
}

function byOption(value: string | undefined): ReportTable | undefined {
  if (value === undefined) return undefined;
  if (!(REPORT_TABLES as readonly string[]).includes(value))
    throw new UsageError(
      `--by must be one of ${REPORT_TABLES.join(', ')}, got ${describe(value)}`,
      'replay',
    );
  return value as ReportTable;
}
