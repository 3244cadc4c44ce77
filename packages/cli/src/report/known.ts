import { DayCalendar, type LedgerEvent } from '@incident-ledger/core';
import type { EventStore } from '@incident-ledger/eventstore';
import { replay } from '../app';

/** The events whose recording can change damage: a charge, a case's report or reclassification. */
const CHANGES_DAMAGE: ReadonlySet<LedgerEvent['type']> = new Set([
  'ChargeExecuted',
  'CaseReported',
  'CaseReclassified',
]);

/**
 * Beyond this many instants the known curve is replayed at the last of each recorded day: every
 * instant costs a fold of the whole store.
 */
export const MAX_KNOWN_INSTANTS = 2_000;

export interface KnownDamage {
  /** Damage known at each instant it changed, in time order (epoch ms). */
  points: { at: number; damageYen: number }[];
  basis: 'instant' | 'day';
}

/**
 * Damage as the ledger knew it over time: the replay at every recordedAt, up to `asOf`, at which
 * an event that can change damage was recorded (at most MAX_KNOWN_INSTANTS, else the last such
 * instant of each calendar day in the zone). Each point is exactly what `replay --as-of` says at
 * that instant: the same folds, cut at the same times. Checkpoints are neither read nor written.
 */
export async function knownDamage(
  store: EventStore,
  zone: string,
  asOf: number,
): Promise<KnownDamage> {
  const times = new Set<number>();
  for await (const batch of store.readAll())
    for (const e of batch)
      if (CHANGES_DAMAGE.has(e.type) && e.recordedAt <= asOf) times.add(e.recordedAt);
  let instants = [...times].sort((a, b) => a - b);
  const basis = instants.length > MAX_KNOWN_INSTANTS ? 'day' : 'instant';
  if (basis === 'day') instants = lastOfEachDay(instants, zone);
  const { reports } = await replay(store, zone, instants, undefined, 'off');
  const points: KnownDamage['points'] = [];
  for (const at of instants) {
    const damageYen = reports.get(at)!.damageYen;
    if (points.at(-1)?.damageYen !== damageYen) points.push({ at, damageYen });
  }
  return { points, basis };
}

function lastOfEachDay(sorted: readonly number[], zone: string): number[] {
  const calendar = new DayCalendar(zone);
  return sorted.filter(
    (t, i) => i === sorted.length - 1 || calendar.dayOf(sorted[i + 1]!) !== calendar.dayOf(t),
  );
}
