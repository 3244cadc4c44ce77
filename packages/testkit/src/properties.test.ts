import { decide, type Decide, type EventDraft } from '@incident-ledger/core';
import { GENESIS_HASH, MemoryEventStore } from '@incident-ledger/eventstore';
import { checkProperty, LEDGER_PROPERTIES, memoryStore } from './properties';
import type { StoreUnderTest } from './run';

/**
 * The ledger's invariants, each its own property, on fuzzed attack sequences through the rules
 * and the in-memory store. Fixed seed and run count: the same sequences on every CI run.
 */
const SEED = 20200914;
const RUNS = 1000;

describe.each(LEDGER_PROPERTIES.map((p) => [p.name, p] as const))(
  'property %s (in-memory store)',
  (_, property) => {
    it(`holds on ${RUNS} attack sequences: ${property.statement}`, async () => {
      const result = await checkProperty(property, { runs: RUNS, seed: SEED });
      expect(result.failure?.violation).toBeUndefined();
      expect(result.runs).toBe(RUNS);
    });
  },
);

describe('property same-digest, on a ledger and a store that break it', () => {
  const property = LEDGER_PROPERTIES.find((p) => p.name === 'same-digest')!;

  it('finds rules that decide otherwise when run again', async () => {
    // Opens wallets for the holder once a command key has been seen: a run again decides otherwise.
    const seen = new Set<string>();
    const forgetful: Decide = (state, command) => {
      const decision = decide(state, command);
      if (command.type !== 'OpenWallet') return decision;
      const openedBy = seen.has(command.key) ? 'holder' : 'third-party';
      seen.add(command.key);
      return {
        ...decision,
        events: decision.events.map((e) => ({ ...e, data: { ...e.data, openedBy } }) as EventDraft),
      };
    };
    const result = await checkProperty(property, { seed: SEED, runs: 20, decide: forgetful });
    expect(result.failure?.violation).toBe('running the same commands again gives other events');
  });

  it('finds a store whose digest is not the hash chains of what it was given', async () => {
    const tampered: StoreUnderTest = {
      name: 'tampered',
      open: () => {
        const store = new MemoryEventStore();
        const heads = store.heads.bind(store);
        store.heads = async () =>
          (await heads()).map((h, i) => (i === 0 ? { ...h, hash: GENESIS_HASH } : h));
        return store;
      },
    };
    const result = await checkProperty(property, {
      seed: SEED,
      runs: 20,
      stores: [memoryStore, tampered],
    });
    expect(result.failure?.violation).toMatch(
      /^store tampered has digest [0-9a-f]{64}; the events' own hash chains give [0-9a-f]{64}$/,
    );
  });
});
