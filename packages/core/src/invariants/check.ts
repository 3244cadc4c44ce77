import { conservation } from './conservation';
import { damageSums } from './damage-sums';
import type { History, Invariant } from './history';
import { duplicateDelivery, replayEquivalence } from './replay-checks';
import { Replays } from './replays';
import { rulesHold } from './rules';

/**
 * The invariants a history alone can be checked for (the store digests need stores: testkit's
 * properties).
 */
export const HISTORY_INVARIANTS: readonly Invariant[] = [
  conservation,
  rulesHold,
  damageSums,
  replayEquivalence,
  duplicateDelivery,
];

/** Checks every invariant given; the first violation of each, by name. */
export function checkHistory(
  h: History,
  invariants: readonly Invariant[] = HISTORY_INVARIANTS,
): { invariant: Invariant; violation: string | undefined }[] {
  const r = new Replays(h);
  return invariants.map((invariant) => ({ invariant, violation: invariant.check(r) }));
}
