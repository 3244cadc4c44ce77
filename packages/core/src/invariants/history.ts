import type { AuthFactor, StoredEvent } from '../events/types';
import { formatInstant } from '../time/instant';
import type { Replays } from './replays';

/**
 * The ledger's invariants, each checked over a history: events in global order, as a store
 * returns them. Pure checks: the same run on fuzzed sequences (testkit's properties) and on any
 * scenario (`incident-ledger verify`), so a counterexample written as a scenario fails verify the
 * same way.
 */
export interface History {
  zone: string;
  events: readonly StoredEvent[];
  /** What each bank required to link before the history begins (a scenario's declared banks). */
  policies?: ReadonlyMap<string, readonly AuthFactor[]>;
}

export interface Invariant {
  name: string;
  statement: string;
  /** The first violation, said plainly, or undefined. */
  check(r: Replays): string | undefined;
}

/**
 * The rules follow what occurred when; a store's order is what was learned when. Stable: ties keep
 * store order.
 */
export function inWorldOrder(events: readonly StoredEvent[]): readonly StoredEvent[] {
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.occurredAt < events[i - 1]!.occurredAt)
      return [...events].sort((a, b) => a.occurredAt - b.occurredAt);
  }
  return events;
}

export function recordedInOrder(events: readonly StoredEvent[]): boolean {
  for (let i = 1; i < events.length; i++)
    if (events[i]!.recordedAt < events[i - 1]!.recordedAt) return false;
  return true;
}

export function where(e: StoredEvent, zone: string): string {
  return `${e.type} at position ${e.globalPosition}, ${formatInstant(e.occurredAt, zone)}`;
}
