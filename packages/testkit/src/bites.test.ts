import { decider, type Rejection } from '@incident-ledger/core';
import { commandsOf } from './commands-of';
import { incidentDroppingChargesUnder } from './mutants';
import { checkProperty, DEFAULT_RUNS, LEDGER_PROPERTIES } from './properties';

/**
 * Proof that the fuzzer bites: with one rule left out of a test-only build of the rules, the
 * property that guards it finds a counterexample within the default number of runs, and shrinks
 * it to a handful of commands. Three seeds, so that finding it is no accident of one.
 */
const property = (name: string) => LEDGER_PROPERTIES.find((p) => p.name === name)!;
/** The runs `incident-ledger fuzz --runs 300` makes: the bound issue 12 sets for this mutation. */
const FIGURES_RUNS = 300;

describe.each([
  ['bank-charges-stopped', 'rules', /charge from .+ while charges were stopped for it/],
  ['insufficient-balance', 'conservation', /wallet .+ holds -\d+ yen/],
  ['linking-suspended', 'rules', /link of wallet .+ while new linking was suspended/],
] as const)('without the rule %s', (rule, guardedBy, violation) => {
  it.each([1, 2, 3])(
    `the ${guardedBy} property finds it within ${DEFAULT_RUNS} runs (seed %d)`,
    async (seed) => {
      const result = await checkProperty(property(guardedBy), {
        seed,
        decide: decider({ without: [rule as Rejection] }),
      });
      expect(result.failure?.violation).toMatch(violation);
      expect(result.runs).toBeLessThanOrEqual(DEFAULT_RUNS);
      expect(commandsOf(result.failure!.sequence).length).toBeLessThanOrEqual(12);
    },
  );
});

it('with every rule in place, the same properties hold on the same seeds', async () => {
  for (const seed of [1, 2, 3]) {
    for (const name of ['rules', 'conservation'])
      expect((await checkProperty(property(name), { seed })).failure).toBeUndefined();
  }
});

describe('with the incident projection silently dropping charges under 20,000 yen from damage', () => {
  const mutant = incidentDroppingChargesUnder(20_000);

  it.each([1, 2, 3])(
    `the figures property finds it within ${FIGURES_RUNS} runs, against the independent model (seed %d)`,
    async (seed) => {
      const result = await checkProperty(property('figures'), {
        seed,
        runs: FIGURES_RUNS,
        incident: mutant,
      });
      expect(result.failure?.violation).toMatch(/damageYen|figure damageYen|byBank|byDay/);
      expect(result.runs).toBeLessThanOrEqual(FIGURES_RUNS);
    },
  );

  it('while the properties that compare the projection only with itself pass it', async () => {
    for (const name of ['damage-sums', 'replay-equivalence', 'duplicate-delivery'])
      expect(
        (await checkProperty(property(name), { seed: 1, runs: FIGURES_RUNS, incident: mutant }))
          .failure,
      ).toBeUndefined();
  });
});
