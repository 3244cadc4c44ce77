import { canonicalJson, Fold, partsOf, type Projection } from '@incident-ledger/core';
import type { EventStore } from '../port';
import { checkpointKey } from './key';
import { saveCheckpoints, saveIsDue } from './save';
import { unsealed } from './seal';

/** A fold to run: a projection as of a recordedAt cutoff (default: everything recorded). */
export interface FoldRequest<S> {
  projection: Projection<S>;
  asOf?: number;
}
type StateOf<R> = R extends FoldRequest<infer S> ? S : never;

/** A projection's state after the replay, as of its cutoff. */
export interface Replayed<S> {
  readonly projection: Projection<S>;
  readonly asOf: number;
  readonly state: S;
  /** Global position of the last event it covers. */
  readonly position: number;
}

export interface ReplayOptions {
  batchSize?: number;
  /** Called after each batch read, with its number of events (progress). */
  onBatch?: (events: number) => void;
  /**
   * Called once when the replay reads events rather than the store's columns because a fold has
   * no columnar fold (the object path), and with progress lines when the store rebuilds blocks
   * derived under another column declaration: what to tell the user.
   */
  onNotice?: (notice: string) => void;
  /**
   * 'use' (default): resume from valid checkpoints and save new ones; 'read': resume only; 'off':
   * neither.
   */
  checkpoints?: 'use' | 'read' | 'off';
  /** Save the folds' states once the events read reach this many (SAVE_POLICY) ... */
  checkpointMinEvents?: number;
  /** ... and this share of the events they cover (SAVE_POLICY). */
  checkpointShare?: number;
}

export interface ReplayResult<R extends readonly FoldRequest<unknown>[]> {
  folds: { [K in keyof R]: Replayed<StateOf<R[K]>> };
  /** Events the folds cover, read now or earlier (from a checkpoint). */
  events: number;
  /** Events read now. */
  read: number;
  /** Parts that resumed from a checkpoint, and checkpoints saved. */
  resumed: number;
  saved: number;
  /** The numbering the folds' keys follow: what their checkpoints are saved under. */
  keySpace: string;
}

/** The key numbering of folds that read events rather than a store's columns. */
export const EVENTS_KEY_SPACE = 'events';

/**
 * One pass over the store feeds every fold. A composite projection (composite.ts) is folded part
 * by part, each part once per as-of time however many requests need it, and each resumes from and
 * saves its own checkpoint. Columns when the store keeps them and every part folds columns; events
 * otherwise (onNotice says why, once). Each part starts from its checkpoint when the store still
 * vouches for the history it covers (CheckpointStore.historyAt), so only the tail is read; the
 * folds' own position check keeps each from folding what its checkpoint already covers.
 */
export async function replayFolds<R extends readonly FoldRequest<unknown>[]>(
  store: EventStore,
  requests: R,
  options: ReplayOptions = {},
): Promise<ReplayResult<R>> {
  const mode = options.checkpoints ?? 'use';
  const plan = planParts(requests);
  const objectPath = plan.parts.filter((p) => p.projection.evolveColumns === undefined);
  const columns = objectPath.length === 0 ? store.columns : undefined;
  if (store.columns !== undefined && objectPath.length > 0) {
    const names = [...new Set(objectPath.map((p) => p.projection.name))].join(', ');
    options.onNotice?.(
      `${names} cannot fold columns: this replay reads and decodes every event instead of the store's replay columns (slower)`,
    );
  }
  // Before any checkpoint is looked for: a rebuild drops those in the old key numbering.
  await columns?.rebuildStale?.(options.onNotice);
  const keySpace = columns?.keySpace ?? EVENTS_KEY_SPACE;
  const checkpoints = mode === 'off' ? undefined : store.checkpoints;
  const folds: Fold<unknown>[] = [];
  const covered: number[] = [];
  let resumed = 0;
  for (const { projection, asOf } of plan.parts) {
    const saved =
      checkpoints && projection.codec
        ? await checkpoints.loadCheckpoint(checkpointKey(projection, asOf, keySpace))
        : undefined;
    const state =
      saved !== undefined && (await checkpoints!.historyAt(saved.position)) === saved.history
        ? unsealed(projection, saved)
        : undefined;
    if (saved !== undefined && state !== undefined) {
      folds.push(new Fold(projection, asOf, { state: state.value, position: saved.position }));
      covered.push(saved.events);
      resumed++;
    } else {
      folds.push(new Fold(projection, asOf));
      covered.push(0);
    }
  }
  const start = folds.length === 0 ? 0 : Math.min(...folds.map((f) => f.position));
  const base = covered[folds.findIndex((f) => f.position === start)] ?? 0;
  const read = {
    from: start + 1,
    ...(options.batchSize !== undefined && { batchSize: options.batchSize }),
  };
  let n = 0;
  if (columns !== undefined) {
    for await (const batch of columns.readColumns(read)) {
      for (const f of folds) f.applyColumns(batch);
      n += batch.length;
      options.onBatch?.(batch.length);
    }
  } else {
    for await (const batch of store.readAll(read)) {
      for (const f of folds) f.apply(batch);
      n += batch.length;
      options.onBatch?.(batch.length);
    }
  }
  const events = base + n;
  const due =
    mode === 'use' &&
    saveIsDue(n, events, {
      minEvents: options.checkpointMinEvents,
      share: options.checkpointShare,
    });
  const saved = due ? await saveCheckpoints(store, folds, { keySpace, events }) : 0;
  return {
    folds: plan.assemble(folds) as ReplayResult<R>['folds'],
    events,
    read: n,
    resumed,
    saved,
    keySpace,
  };
}

/**
 * The folds a set of requests needs: each part of each request's projection, once per as-of time;
 * and how to put the requested states back together from them.
 */
function planParts(requests: readonly FoldRequest<unknown>[]) {
  const parts: { projection: Projection<unknown>; asOf: number }[] = [];
  const index = new Map<string, number>();
  const partIndex = (part: Projection<unknown>, asOf: number) => {
    const id = canonicalJson([part.name, part.version, part.parameters ?? {}, String(asOf)]);
    let i = index.get(id);
    if (i === undefined) {
      index.set(id, (i = parts.length));
      parts.push({ projection: part, asOf });
    }
    return i;
  };
  const asOfs = requests.map((r) => r.asOf ?? Number.POSITIVE_INFINITY);
  // Each request's parts, depth first, as partsOf lists them.
  const wanted = requests.map((r, k) => partsOf(r.projection).map((p) => partIndex(p, asOfs[k]!)));
  return {
    parts,
    assemble(folds: readonly Fold<unknown>[]): Replayed<unknown>[] {
      return requests.map((r, k) => {
        const own = wanted[k]!.map((i) => folds[i]!);
        let next = 0;
        const stateOf = (p: Projection<unknown>): unknown =>
          p.parts === undefined
            ? own[next++]!.state
            : Object.fromEntries(Object.entries(p.parts).map(([name, q]) => [name, stateOf(q)]));
        return {
          projection: r.projection,
          asOf: asOfs[k]!,
          state: stateOf(r.projection),
          position: Math.min(...own.map((f) => f.position)),
        };
      });
    },
  };
}
