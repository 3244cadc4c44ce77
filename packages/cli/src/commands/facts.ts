import type { ScenarioInfo } from '@incident-ledger/scenario';
import type { ImportResult } from '../app';
import { formatInstant } from '@incident-ledger/core';
import { fact, isoInstant } from '../output';

/** The header facts several commands print, the same way in each. */

/** The scenario a document is about: its id and title, and the zone its times are in. */
export const scenarioFact = (scenario: ScenarioInfo, text = `${scenario.id}: ${scenario.title}`) =>
  fact('scenario', { id: scenario.id, title: scenario.title, timeZone: scenario.timeZone }, text);

export const importFact = ({ appended, skipped }: ImportResult) =>
  fact(
    'import',
    { events: appended + skipped, appended, skipped },
    `${appended + skipped} events: ${appended} appended, ${skipped} already stored`,
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
