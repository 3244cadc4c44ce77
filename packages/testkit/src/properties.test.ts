import { checkProperty, LEDGER_PROPERTIES } from './properties';

/**
 * The ledger's invariants, each its own property, on fuzzed attack sequences through the rules
 * and the in-memory store. Fixed seed and run count: the same sequences on every CI run.
 */
const SEED = 20200914;
const RUNS = 1000;

describe.each(LEDGER_PROPERTIES.map((p) => [p.name, p] as const))('property %s (in-memory store)', (_, property) => {
  it(`holds on ${RUNS} attack sequences: ${property.statement}`, async () => {
    const result = await checkProperty(property, { runs: RUNS, seed: SEED });
    expect(result.failure?.violation).toBeUndefined();
    expect(result.runs).toBe(RUNS);
  });
});
