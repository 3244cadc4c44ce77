import { loadScenario } from '@incident-ledger/scenario';
import { LOAD_HELP, LOAD_OPTION, loadOptions, parse, QUIET_HELP, QUIET_OPTION } from '../args';
import { Progress } from '../progress';
import {
  checkIntegrity,
  checkInvariants,
  digestOf,
  importEvents,
  storedEvents,
  verifyFigures,
} from '../app';
import { EXIT, UsageError } from '../errors';
import { formatOption, printTables } from '../output';
import { mismatchLine, reconciliationTable } from '../render';
import { openStore, STORE_URL_HELP } from '../stores';
import { onePositional } from './replay';

export const VERIFY_HELP = `usage: incident-ledger verify <scenario-dir> [--store <url>] [--format table|json|csv] [--skip-invariants]
       incident-ledger verify --integrity --store <url>

Replays the scenario and checks every published figure (each FiguresPublished event) against
the replay at that figure's own as-of time, within the precision it was stated to. Prints a
reconciliation table: publication, figure, as of, published, replayed, how it was stated, ok.
Then checks the ledger's invariants over the history, the checks 'incident-ledger fuzz' runs:
conservation, the rules (no charge from a stopped bank, an unlinked account, a locked wallet or
one that needs eKYC; no link while linking is suspended or without the bank's factors), damage
sums at every as-of time, replay equivalence and duplicate delivery. Each declared bank starts
from its auth policy in scenario.yaml.

With --integrity: recomputes every stream's hash chain in the store and names the first
altered event (stream, revision, position); checks that every stream head matches its events;
then, for stores that keep replay columns (SQLite), derives the columns again from the events
and names the first position where the stored ones differ. Figures are always replayed from the
record: checkpoints (saved projection state) are never read by verify.

options:
  --store <url>   ${STORE_URL_HELP}
                  default: memory: (a fresh replay of the scenario files)
  --integrity     check the store's hash chains instead of published figures
  --format <f>    table (default), json or csv, for the reconciliation
  --skip-invariants  check the figures only (the invariant checks hold the whole history in
                  memory: for very large stores)
${LOAD_HELP}
${QUIET_HELP}
  -h, --help      show this help

exit codes: 0 every figure reproduced and every invariant held (or the store intact), 1 a figure
            not reproduced, an invariant broken (or an altered event), 2 bad input, 3 internal error`;

export async function verifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('verify', argv, {
    store: { type: 'string' },
    integrity: { type: 'boolean' },
    format: { type: 'string' },
    'skip-invariants': { type: 'boolean' },
    ...LOAD_OPTION,
    ...QUIET_OPTION,
  });
  const format = formatOption(values.format);
  if (values.help) return (console.log(VERIFY_HELP), EXIT.ok);
  if (values.integrity) {
    if (values.store === undefined)
      throw new UsageError(
        '--integrity needs --store <url>: the store whose history to check',
        'verify',
      );
    if (positionals.length > 0)
      throw new UsageError(
        '--integrity checks a store, not a scenario: drop the <scenario-dir>',
        'verify',
      );
    return verifyIntegrity(values.store);
  }
  const scenario = loadScenario(onePositional('verify', positionals), loadOptions(values));
  const url = values.store ?? 'memory:';
  const store = await openStore(url);
  try {
    await importEvents(store, scenario.events);
    const { rows } = await verifyFigures(
      store,
      scenario.timeZone,
      progressFor(values.quiet, await storedEvents(store)),
    );
    printTables(format, { scenario: scenario.id, store: url, digest: await digestOf(store) }, [
      reconciliationTable(rows, scenario.timeZone),
    ]);
    const failed = rows.filter((r) => !r.ok);
    // The verdict goes to stderr for json and csv, so their stdout stays one clean document.
    const say = format === 'table' ? console.log : console.error;
    if (format === 'table') console.log('');
    for (const r of failed) say(mismatchLine(r, scenario.timeZone));
    if (rows.length === 0)
      say('no published figures to verify: add FiguresPublished events to the scenario');
    else say(`${rows.length - failed.length} of ${rows.length} published figures reproduced`);
    const broken = values['skip-invariants']
      ? []
      : (await checkInvariants(store, scenario.timeZone, scenario.banks)).filter(
          (c) => c.violation !== undefined,
        );
    for (const { invariant, violation } of broken)
      say(`INVARIANT ${invariant.name} broken: ${violation}`);
    if (!values['skip-invariants'] && broken.length === 0) say('every ledger invariant holds');
    return failed.length === 0 && rows.length > 0 && broken.length === 0 ? EXIT.ok : EXIT.failed;
  } finally {
    await store.close();
  }
}

async function verifyIntegrity(url: string): Promise<number> {
  const store = await openStore(url);
  try {
    const r = await checkIntegrity(store);
    console.log(`store     ${url}`);
    console.log(`checked   ${r.checked} events in ${r.streams} streams`);
    console.log(`digest    ${r.digest}`);
    if (r.firstBreak) {
      const b = r.firstBreak;
      console.log(
        `ALTERED   stream "${b.streamId}", revision ${b.revision}${b.globalPosition ? `, position ${b.globalPosition}` : ''}: ${b.problem}`,
      );
      return EXIT.failed;
    }
    console.log('intact    every hash chain verifies');
    const c = r.columns;
    if (c === undefined) return EXIT.ok;
    if (c.firstBreak) {
      const b = c.firstBreak;
      console.log(
        `ALTERED   replay columns at position ${b.position}: ${b.column} is ${b.stored}, the event says ${b.expected}`,
      );
      return EXIT.failed;
    }
    console.log(`columns   ${c.checked} rows of replay columns match the events they derive from`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/** A progress line per replay pass, unless --quiet. */
export function progressFor(
  quiet: boolean | undefined,
  total: number,
): ((label: string) => Progress) | undefined {
  return quiet ? undefined : (label) => new Progress(label, total);
}
