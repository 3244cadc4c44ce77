import {
  figureDef,
  formatFigure,
  formatInstant,
  type FigureName,
  type IncidentReport,
  type ReconciliationRow,
} from '@incident-ledger/core';
import { loadScenario } from '@incident-ledger/scenario';
import { LOAD_HELP, LOAD_OPTION, loadOptions, parse, QUIET_HELP, QUIET_OPTION } from '../args';
import { digestOf, importEvents, storedEvents, verifyFigures } from '../app';
import { EXIT } from '../errors';
import { formatOption, printTables, type Table } from '../output';
import { openStore, STORE_URL_HELP } from '../stores';
import { onePositional } from './replay';
import { progressFor } from './verify';

export const TIMELINE_HELP = `usage: incident-ledger timeline <scenario-dir> [--store <url>] [--format table|json|csv]

Shows how each published figure evolved: one row per publication (FiguresPublished), in the
order they were published, with each headline figure as "published / replayed" at that
publication's as-of time ("- / n" where the publication did not state it: the replay says
what the ledger knew then). Figures stated for another time, a bank or a window are listed by
verify.

options:
  --store <url>   ${STORE_URL_HELP}
                  default: memory: (a fresh replay of the scenario files)
  --format <f>    table (default), json or csv
${LOAD_HELP}
${QUIET_HELP}
  -h, --help      show this help

exit codes: 0 every published figure reproduced, 1 a figure not reproduced, 2 bad input, 3 internal error`;

export async function timelineCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('timeline', argv, {
    store: { type: 'string' },
    format: { type: 'string' },
    ...LOAD_OPTION,
    ...QUIET_OPTION,
  });
  if (values.help) return (console.log(TIMELINE_HELP), EXIT.ok);
  const format = formatOption(values.format);
  const scenario = loadScenario(onePositional('timeline', positionals), loadOptions(values));
  const url = values.store ?? 'memory:';
  const store = await openStore(url);
  try {
    await importEvents(store, scenario.events);
    const { rows, reportAt } = await verifyFigures(
      store,
      scenario.timeZone,
      progressFor(values.quiet, await storedEvents(store)),
    );
    printTables(format, { scenario: scenario.id, store: url, digest: await digestOf(store) }, [
      timelineTable(rows, reportAt, scenario.timeZone),
    ]);
    return rows.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
  } finally {
    await store.close();
  }
}

/** A publication's headline figures: stated at its own as-of time, for no bank and no window. */
const isHeadline = (r: ReconciliationRow) =>
  r.asOf === r.publicationAsOf && r.bank === undefined && r.since === undefined;

function timelineTable(
  rows: readonly ReconciliationRow[],
  reportAt: (asOf: number) => IncidentReport,
  zone: string,
): Table {
  const headline = rows.filter(isHeadline);
  const publications = [...new Map(rows.map((r) => [r.publicationId, r])).values()].sort(
    (a, b) => a.publishedAt - b.publishedAt,
  );
  const figures = [...new Set(headline.map((r) => r.figure))];
  const cell = (f: FigureName) => (row: Record<string, string | number | null>) => {
    const published = row[`${f}.published`];
    return `${published === null ? '-' : formatFigure(f, Number(published))} / ${formatFigure(f, Number(row[`${f}.replayed`]))}`;
  };
  return {
    name: 'timeline',
    title: "Published figures over time (published / replayed, at each publication's as-of time)",
    columns: [
      { key: 'publication', header: 'publication' },
      { key: 'asOf', header: 'as of', show: (row) => formatInstant(Number(row.asOf), zone) },
      ...figures.map((f) => ({ key: `${f}.published`, header: f, show: cell(f) })),
    ],
    rows: publications.map((p) => {
      const row: Record<string, string | number | null> = {
        publication: p.publicationId,
        asOf: p.publicationAsOf,
      };
      for (const f of figures) {
        row[`${f}.published`] =
          headline.find((r) => r.publicationId === p.publicationId && r.figure === f)?.published ??
          null;
        row[`${f}.replayed`] = figureDef(f).of(reportAt(p.publicationAsOf), {});
      }
      return row;
    }),
  };
}
