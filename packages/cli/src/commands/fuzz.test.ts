import { checkProperty, LEDGER_PROPERTIES, memoryStore } from '@incident-ledger/testkit';
import { sqliteStore } from './fuzz';

/**
 * The ledger's properties with every sequence also run against a fresh SQLite file, the store
 * factory `fuzz --sqlite` passes to the test kit: fewer runs, each costs a file.
 */
const SEED = 20200915;
const RUNS = 50;

describe.each(LEDGER_PROPERTIES.map((p) => [p.name, p] as const))(
  'property %s (in-memory and SQLite stores)',
  (_, property) => {
    it(`holds on ${RUNS} attack sequences`, async () => {
      const result = await checkProperty(property, {
        runs: RUNS,
        seed: SEED,
        stores: [memoryStore, sqliteStore()],
      });
      expect(result.failure?.violation).toBeUndefined();
    });
  },
);
