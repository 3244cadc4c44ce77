import {
  encodeEvents,
  figureTimes,
  Fold,
  incidentProjection,
  incidentReport,
  KeyDictionary,
  referenceIncidentProjection,
  referenceReport,
  type StoredEvent,
} from '@incident-ledger/core';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadScenario } from './scenario';

/**
 * Every scenario in scenarios/: the columnar incident fold (the replay's hot path) gives the
 * report of the reference fold (core's incident/reference.ts, the meaning of every figure) as of
 * every figure's time, as of times spread over the history, and as of everything.
 */
const SCENARIOS = resolve(__dirname, '../../../scenarios');
/** As-of times spread evenly over the recordedAt times of a scenario, besides its figure times. */
const SPREAD_TIMES = 24;
const dirs = readdirSync(SCENARIOS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

describe.each(dirs)('scenarios/%s', (dir) => {
  it('folds from columns to the reference report, as of its figure times and times spread over it', () => {
    const scenario = loadScenario(join(SCENARIOS, dir));
    // As a store appends them: positions in the order the scenario gives its events.
    const events = scenario.events.map((e, i): StoredEvent => ({
      ...e,
      revision: 0,
      globalPosition: i + 1,
      hash: '',
    }));
    const batch = encodeEvents(events, new KeyDictionary(), 'scenario');
    const recorded = [...new Set(events.map((e) => e.recordedAt))].sort((a, b) => a - b);
    const spread = Array.from(
      { length: SPREAD_TIMES },
      (_, k) => recorded[Math.floor((k * recorded.length) / SPREAD_TIMES)]!,
    );
    const publications = events.filter((e) => e.type === 'FiguresPublished') as never[];
    const times = new Set([...figureTimes(publications), ...spread, Number.POSITIVE_INFINITY]);
    for (const asOf of times) {
      const columnar = new Fold(incidentProjection(scenario.timeZone), asOf).applyColumns(batch);
      const reference = new Fold(referenceIncidentProjection(scenario.timeZone), asOf).apply(
        events,
      );
      expect(incidentReport(columnar.state)).toEqual(referenceReport(reference.state));
    }
  });
});
