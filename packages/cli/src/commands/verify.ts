import { openScenario } from '@incident-ledger/scenario';
import { LOAD_HELP, LOAD_OPTION, loadOptions, parse, QUIET_HELP, QUIET_OPTION } from '../args';
import { progressOf } from '../progress';
import { checkIntegrity, checkInvariants, digestOf, verifyFigures } from '../app';
import { EXIT, UsageError } from '../errors';
import {
  fact,
  OUTPUT_HELP,
  OUTPUT_OPTIONS,
  outputOption,
  printDocument,
  printVerdict,
  type Output,
} from '../output';
import { bankNames, mismatchLine, reconciliationTable } from '../render';
import { openImported, openStore, STORE_ENV, STORE_URL_HELP, storeUrl } from '../stores';
import { printIntegrityData } from './integrity';
import { scenarioFact } from './facts';
import { onePositional } from './replay';

export const VERIFY_HELP = `usage: incident-ledger verify <scenario-dir> [--store <url>] [--format text|json|csv] [--skip-invariants]
       incident-ledger verify --integrity [--store <url>] [--format text|json|csv]

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
and names the first position where the stored ones differ; then proves every stored checkpoint
(saved projection state a replay resumes from) by folding the events it covers again and comparing
its bytes, and names the first that differs. Checkpoints under keys no current projection makes
are counted as stale: never resumed from, so not proven and not a failure. Figures (verify
without --integrity) are always replayed from the record, never from checkpoints.

options:
  --store <url>   ${STORE_URL_HELP}
                  default: $${STORE_ENV}, else memory: (a fresh replay of the scenario
                  files); --integrity needs one of the two
                  A store named must exist: replay creates one.
  --integrity     check the store's hash chains instead of published figures
${OUTPUT_HELP}
  --skip-invariants  check the figures only (the invariant checks hold the whole history in
                  memory: for very large stores)
${LOAD_HELP}
${QUIET_HELP}
  -h, --help      show this help

exit codes: 0 every figure reproduced and every invariant held (or the store intact), 1 a figure
            not reproduced, an invariant broken (or an altered event, replay column or
            checkpoint), 2 bad input, 3 internal error`;

export async function verifyCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('verify', argv, {
    store: { type: 'string' },
    integrity: { type: 'boolean' },
    'skip-invariants': { type: 'boolean' },
    ...LOAD_OPTION,
    ...OUTPUT_OPTIONS,
    ...QUIET_OPTION,
  });
  if (values.help) return (console.log(VERIFY_HELP), EXIT.ok);
  const out = outputOption(values);
  if (values.integrity) {
    const url = storeUrl(values.store);
    if (url === undefined)
      throw new UsageError(
        `--integrity needs --store <url> (or $${STORE_ENV}): the store whose history to check`,
        'verify',
      );
    if (positionals.length > 0)
      throw new UsageError(
        '--integrity checks a store, not a scenario: drop the <scenario-dir>',
        'verify',
      );
    return verifyIntegrity(url, out);
  }
  const progress = progressOf(values.quiet);
  const scenario = openScenario(onePositional('verify', positionals), {
    ...loadOptions(values),
    progress: progress.loading(),
  });
  const url = storeUrl(values.store, 'memory:');
  const { store } = await openImported(url, 'write', scenario.eventFiles, progress);
  try {
    const { rows } = await verifyFigures(store, scenario.timeZone, progress);
    const invariants = values['skip-invariants']
      ? undefined
      : await checkInvariants(store, scenario.timeZone, scenario.banks);
    const failed = rows.filter((r) => !r.ok);
    const broken = (invariants ?? []).filter((c) => c.violation !== undefined);
    const ok = failed.length === 0 && rows.length > 0 && broken.length === 0;
    const names = bankNames(scenario.banks);
    const operatorNames = bankNames(scenario.operators);
    printDocument(
      {
        command: 'verify',
        zone: scenario.timeZone,
        facts: [
          scenarioFact(scenario, scenario.id),
          fact('store', url),
          fact('digest', await digestOf(store)),
        ],
        fields: {
          ok,
          checked: rows.length,
          reproduced: rows.length - failed.length,
          invariants:
            invariants?.map(({ invariant, violation }) => ({
              invariant: invariant.name,
              ok: violation === undefined,
              violation: violation ?? null,
            })) ?? null,
        },
        tables: [reconciliationTable(rows, scenario.timeZone, names, operatorNames)],
      },
      out,
    );
    printVerdict(out, [
      ...failed.map((r) => mismatchLine(r, scenario.timeZone, names, operatorNames)),
      rows.length === 0
        ? 'no published figures to verify: add FiguresPublished events to the scenario'
        : `${rows.length - failed.length} of ${rows.length} published figures reproduced`,
      ...broken.map(
        ({ invariant, violation }) => `INVARIANT ${invariant.name} broken: ${violation}`,
      ),
      ...(invariants !== undefined && broken.length === 0 ? ['every ledger invariant holds'] : []),
    ]);
    return ok ? EXIT.ok : EXIT.failed;
  } finally {
    await store.close();
  }
}

async function verifyIntegrity(url: string, out: Output): Promise<number> {
  const store = await openStore(url, 'read');
  try {
    const r = await checkIntegrity(store);
    if (out.format !== 'text') return printIntegrityData(url, r, out);
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
    let code: number = EXIT.ok;
    const x = r.indexes;
    if (x?.firstBreak) {
      const b = x.firstBreak;
      console.log(
        `ALTERED   ${b.table} at ${b.key}: stored ${b.stored}, the events say ${b.expected}; restore the store from a copy (the index is derived from events, this store's history cannot be trusted)`,
      );
      code = EXIT.failed;
    } else if (x) {
      const { eventIds, streams, previous, blocks } = x.checked;
      console.log(
        `indexes   match the events: ${eventIds} event ids, ${streams} stream heads, ${previous} stream links, ${blocks} blocks`,
      );
    }
    const c = r.columns;
    if (c?.firstBreak) {
      const b = c.firstBreak;
      console.log(
        `ALTERED   replay columns at position ${b.position}: ${b.column} is ${b.stored}, the event says ${b.expected}`,
      );
      code = EXIT.failed;
    } else if (c) {
      console.log(
        `columns   ${c.checked} rows of replay columns match the events they derive from`,
      );
    }
    const k = r.checkpoints;
    if (k?.firstBreak) {
      const b = k.firstBreak;
      console.log(
        `ALTERED   checkpoint of ${b.projection} at position ${b.position}, ${b.section}: ${b.problem}\n          key ${b.key}`,
      );
      code = EXIT.failed;
    } else if (k) {
      console.log(
        `proven    ${checkpoints(k.checked)}: folding the events each covers gives its bytes again`,
      );
      if (k.stale > 0)
        console.log(
          `stale     ${checkpoints(k.stale)} under keys no current part makes: never resumed from, not proven`,
        );
    }
    return code;
  } finally {
    await store.close();
  }
}

const checkpoints = (n: number) => `${n} checkpoint${n === 1 ? '' : 's'}`;
