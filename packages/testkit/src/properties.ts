import {
  conservation,
  damageSums,
  duplicateDelivery,
  Ledger,
  replayEquivalence,
  rulesHold,
  type Decide,
  type IncidentState,
  type Invariant,
  type Projection,
} from '@incident-ledger/core';
import { MemoryEventStore } from '@incident-ledger/eventstore';
import fc from 'fast-check';
import { attackSequence, type AttackSequence } from './arbitraries';
import { figuresDisagree } from './figures';
import { expectedDigest, runSequence, type SequenceRun, type StoreUnderTest } from './run';

/**
 * The ledger's properties: each invariant (core's invariants), checked on every fuzzed attack
 * sequence after it has run through the rules and into the stores, and the figures against an
 * independent model (model.ts). Model-based in the manner of fc.commands: each sequence steps
 * through the real ledger while models walk the events it caused; commands are plain data so that
 * a shrunk counterexample can be written as a scenario.
 */
export interface LedgerProperty {
  name: string;
  statement: string;
  check(run: SequenceRun): string | undefined;
}

const fromHistory = (inv: Invariant): LedgerProperty => ({
  name: inv.name,
  statement: inv.statement,
  check: (run) => inv.check(run.replays),
});

const sameDigest: LedgerProperty = {
  name: 'same-digest',
  statement:
    'the same sequence gives the same events and the same digest on every store, run after run',
  check(run) {
    const again = new Ledger(run.ledger.options);
    for (const c of run.commands) again.execute(c);
    const first = run.ledger.events;
    if (
      again.events.length !== first.length ||
      again.events.some((e, i) => e.eventId !== first[i]!.eventId)
    )
      return 'running the same commands again gives other events';
    // Every store against the hash chains of the events run again: equal digests mean the same
    // content per stream (eventContent, which a store also tells a retry from a conflict by), and
    // the ids above the same order. One hashing pass checks the stores and the rerun together.
    const expected = expectedDigest(again.events);
    const differing = run.digests.find((d) => d.digest !== expected);
    if (differing === undefined && run.digests.length > 0) return undefined;
    // A store differs, or there is none to compare with: the first run's chains tell the rerun
    // apart.
    if (expectedDigest(first) !== expected)
      return 'running the same commands again gives other events';
    return (
      differing &&
      `store ${differing.store} has digest ${differing.digest}; the events' own hash chains give ${expected}`
    );
  },
};

const figuresMatchModel: LedgerProperty = {
  name: 'figures',
  statement:
    "every figure of the replayed projection equals the independent model's, at several as-of times",
  check: figuresDisagree,
};

export const LEDGER_PROPERTIES: readonly LedgerProperty[] = [
  fromHistory(conservation),
  fromHistory(rulesHold),
  fromHistory(damageSums),
  fromHistory(replayEquivalence),
  fromHistory(duplicateDelivery),
  sameDigest,
  figuresMatchModel,
];

/** Every property at once, on one run of each sequence: what the benchmark measures. */
export const ALL_INVARIANTS: LedgerProperty = {
  name: 'all',
  statement: 'every invariant',
  check: (run) => {
    for (const p of LEDGER_PROPERTIES) {
      const problem = p.check(run);
      if (problem !== undefined) return `${p.name}: ${problem}`;
    }
    return undefined;
  },
};

/**
 * The in-memory store of the port's package: the store every sequence runs against unless told
 * otherwise. Others (a SQLite file per run: the CLI's fuzz --sqlite) are passed in as factories.
 */
export const memoryStore: StoreUnderTest = { name: 'memory', open: () => new MemoryEventStore() };

/**
 * Sequences per property unless told otherwise: the runs within which the fuzzer must find a broken
 * rule.
 */
export const DEFAULT_RUNS = 100;

export interface FuzzOptions {
  runs?: number;
  seed: number;
  /** fast-check's counterexample path: replays one failing case at once. */
  path?: string;
  stores?: readonly StoreUnderTest[];
  /** The rules under test; the ledger's own by default. */
  decide?: Decide;
  /** The incident projection under test; the ledger's own by default. */
  incident?: (zone: string) => Projection<IncidentState>;
  maxCommands?: number;
  minCommands?: number;
}

export interface PropertyResult {
  property: LedgerProperty;
  runs: number;
  failure?: {
    seed: number;
    path: string;
    violation: string;
    /** The shrunk counterexample and its run. */
    sequence: AttackSequence;
    run: SequenceRun;
  };
}

class Violation extends Error {}

/** Event ids of a property's runs: a counterexample scenario named so reproduces them. */
export const namespaceOf = (p: LedgerProperty) => `fuzz-${p.name}`;

/**
 * Checks one property on `runs` sequences from `seed`; a failure comes back shrunk, with its run.
 */
export async function checkProperty(
  property: LedgerProperty,
  options: FuzzOptions,
): Promise<PropertyResult> {
  const stores = options.stores ?? [memoryStore];
  const run = (seq: AttackSequence) =>
    runSequence(seq, {
      namespace: namespaceOf(property),
      stores,
      ...(options.decide && { decide: options.decide }),
      ...(options.incident && { incident: options.incident }),
    });
  const details = await fc.check(
    fc.asyncProperty(
      attackSequence({ maxCommands: options.maxCommands, minCommands: options.minCommands }),
      async (seq) => {
        const problem = property.check(await run(seq));
        if (problem !== undefined) throw new Violation(problem);
      },
    ),
    {
      numRuns: options.runs ?? DEFAULT_RUNS,
      seed: options.seed,
      ...(options.path !== undefined && { path: options.path }),
    },
  );
  const counterexample = details.counterexample?.[0];
  if (!details.failed || counterexample === undefined) return { property, runs: details.numRuns };
  if (!(details.errorInstance instanceof Violation)) {
    // A crash is a bug in the ledger or the checks: shown with what reruns it, not written as a
    // scenario.
    throw new Error(
      `property ${property.name} crashed (seed ${details.seed}, path ${details.counterexamplePath}): ${(details.errorInstance as Error)?.stack ?? String(details.errorInstance)}`,
    );
  }
  return {
    property,
    runs: details.numRuns,
    failure: {
      seed: details.seed,
      path: details.counterexamplePath ?? '',
      violation: details.errorInstance.message,
      sequence: counterexample,
      run: await run(counterexample),
    },
  };
}
