import type { Projection } from '@incident-ledger/core';
import type { EventStore } from '../port';
import { checkpointKey } from './key';
import { checkpointSections } from './seal';

/**
 * When a replay saves its folds' states: once it read at least `minEvents` events and `share` of
 * the events they cover, so that re-reports of a small tail never pay for a save. The store keeps
 * one checkpoint per key and drops those of a part's other versions (CheckpointStore).
 */
export const SAVE_POLICY = { minEvents: 100_000, share: 0.1 } as const;

export function saveIsDue(
  read: number,
  events: number,
  policy: { minEvents?: number; share?: number },
): boolean {
  return (
    read >= (policy.minEvents ?? SAVE_POLICY.minEvents) &&
    read >= (policy.share ?? SAVE_POLICY.share) * events
  );
}

/** A state to save: a part's (a Fold), or a composite's, saved part by part (a replayed request). */
export interface FoldToSave {
  readonly projection: Projection<unknown>;
  readonly asOf: number;
  readonly state: unknown;
  /** Global position of the last event it covers. */
  readonly position: number;
}

function partsToSave(f: FoldToSave): FoldToSave[] {
  const parts = f.projection.parts;
  if (parts === undefined) return [f];
  return Object.entries(parts).flatMap(([name, projection]) =>
    partsToSave({ ...f, projection, state: (f.state as Record<string, unknown>)[name] }),
  );
}

/**
 * Saves each fold's state (each part with a codec, once per key) where the store can vouch for the
 * history it covers; returns how many it saved. `events`: how many events the folds cover.
 */
export async function saveCheckpoints(
  store: EventStore,
  folds: readonly FoldToSave[],
  at: { keySpace: string; events: number },
): Promise<number> {
  const checkpoints = store.checkpoints;
  const keys = new Set<string>();
  let saved = 0;
  for (const f of folds.flatMap(partsToSave)) {
    const { codec, name, version } = f.projection;
    const history = checkpoints && codec ? await checkpoints.historyAt(f.position) : undefined;
    if (codec === undefined || history === undefined) continue;
    const key = checkpointKey(f.projection, f.asOf, at.keySpace);
    if (keys.has(key)) continue;
    keys.add(key);
    const checkpoint = {
      key,
      projection: name,
      version,
      position: f.position,
      events: at.events,
      history,
    };
    const sections = checkpointSections(f.projection, f.state, checkpoint);
    await checkpoints!.saveCheckpoint({ ...checkpoint, sections });
    saved++;
  }
  return saved;
}
