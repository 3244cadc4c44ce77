import { openScenario } from '@incident-ledger/scenario';
import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LOAD_HELP, LOAD_OPTION, loadOptions, parse, QUIET_HELP, QUIET_OPTION } from '../args';
import { progressOf } from '../progress';
import { digestOf } from '../app';
import { EXIT } from '../errors';
import { fact, OUTPUT_OPTIONS, outputOption, printDocument, type Fact } from '../output';
import { incidentPage } from '../report/data';
import { reportHtml } from '../report/html';
import type { PageData } from '../report/model';
import { openImported, STORE_ENV, STORE_URL_HELP, storeUrl } from '../stores';
import { asOfFact, importFact, scenarioFact } from './facts';
import { asOfOption, onePositional } from './replay';

export const REPORT_HELP = `usage: incident-ledger report <scenario-dir> [--store <url>] [--as-of <time>] [--out <file.html>]

Appends the scenario's events to the store (as replay does), replays it and writes one
self-contained HTML page that opens offline, in any browser: damage per calendar day stacked by
bank; cumulative damage by when it occurred beside damage as the ledger knew it at each instant
it was recorded; the controls on one time axis over the damage curve; each published figure
over time, published beside replayed, failures marked; the bank table with names, the summary,
and in the footer the scenario id, store digest, as-of time and tool version (docs/report.md).

options:
  --store <url>    ${STORE_URL_HELP}
                   default: $${STORE_ENV}, else sqlite:<scenario-dir>/ledger.sqlite
                   (created if missing); a store named must exist: replay creates one
  --as-of <time>   the page as the ledger knew it at this time (a recordedAt cutoff), e.g.
                   2020-09-14T00:00:00+09:00. default: everything recorded
  --out <file>     where to write the page (default: report.html)
  --format <f>     text (default) or json: what was written (the file, its size, the digest)
${LOAD_HELP}
${QUIET_HELP}
  -h, --help       show this help

exit codes: 0 written, 2 bad input (scenario, options, store), 3 internal error`;

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('report', argv, {
    store: { type: 'string' },
    'as-of': { type: 'string' },
    out: { type: 'string' },
    ...OUTPUT_OPTIONS,
    ...LOAD_OPTION,
    ...QUIET_OPTION,
  });
  if (values.help) return (console.log(REPORT_HELP), EXIT.ok);
  const dir = onePositional('report', positionals);
  const asOf = asOfOption(values['as-of']);
  const out = outputOption(values, ['text', 'json']);
  const progress = progressOf(values.quiet);
  const scenario = openScenario(dir, { ...loadOptions(values), progress: progress.loading() });
  const own = `sqlite:${join(dir, 'ledger.sqlite')}`;
  const url = storeUrl(values.store, own);
  // The scenario's own store is made as replay makes it; a store named by the user must exist.
  const access = url === own ? 'create' : 'write';
  const { store, imported } = await openImported(url, access, scenario.eventFiles, progress);
  try {
    const page = await incidentPage(store, scenario, asOf, progress);
    const file = values.out ?? 'report.html';
    const zone = scenario.timeZone;
    printDocument(
      {
        command: 'report',
        zone,
        facts: [
          scenarioFact(scenario),
          fact('store', url),
          importFact(imported),
          asOfFact(asOf, zone),
          fact('digest', await digestOf(store)),
          writePage(file, page),
        ],
        tables: [],
      },
      out,
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

/**
 * Writes a report page whole or not at all (a temporary file renamed over the target), and says
 * what it wrote.
 */
export function writePage(file: string, page: PageData): Fact {
  const html = reportHtml(page);
  const path = resolve(file);
  const partial = join(dirname(path), `.${Date.now().toString(36)}-${process.pid}.html.partial`);
  writeFileSync(partial, html);
  renameSync(partial, path);
  const bytes = Buffer.byteLength(html);
  return fact('out', { file, bytes }, `${file} (${Math.round(bytes / 1024)} KiB)`, 'wrote');
}
