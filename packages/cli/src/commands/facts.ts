import type { Scenario } from '@incident-ledger/scenario';
import type { ImportResult } from '../app';
import { formatInstant } from '@incident-ledger/core';
import { fact, isoInstant } from '../output';

/** The header facts several commands print, the same way in each. */

/** The scenario a document is about: its id and title, and the zone its times are in. */
export const scenarioFact = (scenario: Scenario, text = `${scenario.id}: ${scenario.title}`) =>
  fact('scenario', { id: scenario.id, title: scenario.title, timeZone: scenario.timeZone }, text);

export const importFact = (events: number, imported: ImportResult) =>
  fact(
    'import',
    { events, appended: imported.appended, skipped: imported.skipped },
    `${events} events: ${imported.appended} appended, ${imported.skipped} already stored`,
  );

/** The recordedAt cutoff a report is as of: null in JSON for everything recorded. */
export const asOfFact = (asOf: number, zone: string) =>
  fact(
    'asOf',
    isoInstant(asOf, zone),
    Number.isFinite(asOf)
      ? `${formatInstant(asOf, zone)} (recordedAt cutoff)`
      : 'everything recorded',
    'as of',
  );
