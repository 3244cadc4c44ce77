import {
  figureDef,
  type FigureName,
  type IncidentReport,
  type ReconciliationRow,
} from '@incident-ledger/core';
import { openScenario } from '@incident-ledger/scenario';
import { LOAD_HELP, LOAD_OPTION, loadOptions, parse, QUIET_HELP, QUIET_OPTION } from '../args';
import { digestOf, verifyFigures } from '../app';
import { EXIT } from '../errors';
import {
  fact,
  isoInstant,
  OUTPUT_HELP,
  OUTPUT_OPTIONS,
  outputOption,
  printDocument,
  printVerdict,
  type Column,
  type Row,
  type Table,
} from '../output';
import { bankNames, figureText, mismatchLine } from '../render';
import { openImported, STORE_ENV, STORE_URL_HELP, storeUrl } from '../stores';
import { scenarioFact } from './facts';
import { onePositional } from './replay';
import { progressOf } from '../progress';

export const TIMELINE_HELP = `usage: incident-ledger timeline <scenario-dir> [--store <url>] [--format text|json|csv] [--excel]

Shows how each published figure evolved: one row per publication (FiguresPublished), in the
order they were published, with each headline figure as "published / replayed" at that
publication's as-of time ("- / n" where the publication did not state it: the replay says
what the ledger knew then), and ok when every figure the publication states is reproduced.
Figures stated for another time, a bank, a status or a window are listed by verify; every figure that
failed is named below the table.

options:
  --store <url>   ${STORE_URL_HELP}
                  default: $${STORE_ENV}, else memory: (a fresh replay of the scenario files)
                  A store named must exist: replay creates one.
${OUTPUT_HELP}
${LOAD_HELP}
${QUIET_HELP}
  -h, --help      show this help

exit codes: 0 every published figure reproduced, 1 a figure not reproduced, 2 bad input, 3 internal error`;

export async function timelineCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('timeline', argv, {
    store: { type: 'string' },
    ...OUTPUT_OPTIONS,
    ...LOAD_OPTION,
    ...QUIET_OPTION,
  });
  if (values.help) return (console.log(TIMELINE_HELP), EXIT.ok);
  const out = outputOption(values);
  const progress = progressOf(values.quiet);
  const scenario = openScenario(onePositional('timeline', positionals), {
    ...loadOptions(values),
    progress: progress.loading(),
  });
  const url = storeUrl(values.store, 'memory:');
  const { store } = await openImported(url, 'write', scenario.eventFiles, progress);
  try {
    const { rows, reportAt } = await verifyFigures(store, scenario.timeZone, progress);
    const ok = rows.every((r) => r.ok);
    printDocument(
      {
        command: 'timeline',
        zone: scenario.timeZone,
        facts: [
          scenarioFact(scenario, scenario.id),
          fact('store', url),
          fact('digest', await digestOf(store)),
        ],
        fields: { ok },
        tables: [timelineTable(rows, reportAt)],
      },
      out,
    );
    const names = bankNames(scenario.banks);
    const operatorNames = bankNames(scenario.operators);
    printVerdict(
      out,
      rows
        .filter((r) => !r.ok)
        .map((r) => mismatchLine(r, scenario.timeZone, names, operatorNames)),
    );
    return ok ? EXIT.ok : EXIT.failed;
  } finally {
    await store.close();
  }
}

/**
 * A publication's headline figures: stated at its own as-of time, for no bank, no operator, no
 * status and no window.
 */
const isHeadline = (r: ReconciliationRow) =>
  r.asOf === r.publicationAsOf &&
  r.bank === undefined &&
  r.operator === undefined &&
  r.status === undefined &&
  r.since === undefined;

function timelineTable(
  rows: readonly ReconciliationRow[],
  reportAt: (asOf: number) => IncidentReport,
): Table {
  const headline = rows.filter(isHeadline);
  const publications = [...new Map(rows.map((r) => [r.publicationId, r])).values()].sort(
    (a, b) => a.publishedAt - b.publishedAt,
  );
  const figures = [...new Set(headline.map((r) => r.figure))];
  const cell = (f: FigureName) => (row: Row) => {
    const published = row[`${f}.published`];
    return `${published === null ? '-' : figureText(f, Number(published))} / ${figureText(f, Number(row[`${f}.replayed`]))}`;
  };
  return {
    name: 'timeline',
    title: "Published figures over time (published / replayed, at each publication's as-of time)",
    columns: [
      { key: 'publicationId', header: 'publication' },
      { key: 'asOf', header: 'as of', kind: 'instant' },
      ...figures.flatMap((f): Column[] => [
        { key: f, header: f, show: cell(f), only: 'text' },
        { key: `${f}.published`, header: `${f} published`, only: 'data' },
        { key: `${f}.replayed`, header: `${f} replayed`, only: 'data' },
        { key: `${f}.ok`, header: `${f} ok`, only: 'data' },
      ]),
      { key: 'ok', header: 'ok', kind: 'ok' },
    ],
    json: (row, zone) => ({
      publicationId: row.publicationId,
      asOf: isoInstant(Number(row.asOf), zone),
      ok: row.ok,
      figures: Object.fromEntries(
        figures.map((f) => [
          f,
          {
            published: row[`${f}.published`],
            replayed: row[`${f}.replayed`],
            ok: row[`${f}.ok`],
          },
        ]),
      ),
    }),
    rows: publications.map((p) => {
      const own = rows.filter((r) => r.publicationId === p.publicationId);
      const row: Row = {
        publicationId: p.publicationId,
        asOf: p.publicationAsOf,
        ok: own.every((r) => r.ok),
      };
      for (const f of figures) {
        const stated = headline.find((r) => r.publicationId === p.publicationId && r.figure === f);
        row[`${f}.published`] = stated?.published ?? null;
        row[`${f}.replayed`] = figureDef(f).of(reportAt(p.publicationAsOf), {});
        row[`${f}.ok`] = stated?.ok ?? null;
      }
      return row;
    }),
  };
}
