import { checkpointKey, Fold, type Projection } from '@incident-ledger/core';
import { crc32 } from 'node:zlib';
import type { EventStore, SavedCheckpoint } from './port';

/** A fold to run: a projection as of a recordedAt cutoff (default: everything recorded). */
export interface FoldRequest<S> {
  projection: Projection<S>;
  asOf?: number;
}
type StateOf<R> = R extends FoldRequest<infer S> ? S : never;

export interface ReplayOptions {
  batchSize?: number;
  /** Called after each batch read, with its number of events (progress). */
  onBatch?: (events: number) => void;
  /**
   * 'use' (default): resume from valid checkpoints and save new ones; 'read': resume only; 'off':
   * neither.
   */
  checkpoints?: 'use' | 'read' | 'off';
  /** Save a fold's state once the events read reach this many (default 100,000) ... */
  checkpointMinEvents?: number;
  /**
   * ... and this share of the events it covers (default 0.1): re-reports of a small tail never pay
   * for a save.
   */
  checkpointShare?: number;
}

export interface ReplayResult<R extends readonly FoldRequest<unknown>[]> {
  folds: { [K in keyof R]: Fold<StateOf<R[K]>> };
  /** Events the folds cover, read now or earlier (from a checkpoint). */
  events: number;
  /** Events read now. */
  read: number;
  /** Folds that resumed from a checkpoint, and checkpoints saved. */
  resumed: number;
  saved: number;
  /** The numbering the folds' keys follow: what their checkpoints are saved under. */
  keySpace: string;
}

const EVENTS_KEY_SPACE = 'events';

/**
 * One pass over the store feeds every fold. Columns when the store keeps them and every projection
 * folds columns; events otherwise. Each fold starts from its projection's checkpoint when the store
 * still vouches for the history it covers (CheckpointStore.historyAt), so only the tail is read;
 * the
 * folds' own position check keeps each from folding what its checkpoint already covers.
 */
export async function replayFolds<R extends readonly FoldRequest<unknown>[]>(
  store: EventStore,
  requests: R,
  options: ReplayOptions = {},
): Promise<ReplayResult<R>> {
  const mode = options.checkpoints ?? 'use';
  const columns = requests.every((r) => r.projection.evolveColumns !== undefined)
    ? store.columns
    : undefined;
  const keySpace = columns?.keySpace ?? EVENTS_KEY_SPACE;
  const checkpoints = mode === 'off' ? undefined : store.checkpoints;
  const folds: Fold<unknown>[] = [];
  const covered: number[] = [];
  let resumed = 0;
  for (const { projection, asOf = Number.POSITIVE_INFINITY } of requests) {
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
    n >= (options.checkpointMinEvents ?? 100_000) &&
    n >= (options.checkpointShare ?? 0.1) * events;
  const saved = due ? await saveCheckpoints(store, folds, { keySpace, events }) : 0;
  return { folds: folds as ReplayResult<R>['folds'], events, read: n, resumed, saved, keySpace };
}

/**
 * A checkpoint's state, or undefined when its seal does not match or it does not decode: a cache is
 * rebuilt, never trusted half-read or edited.
 */
function unsealed<S>(projection: Projection<S>, saved: SavedCheckpoint): { value: S } | undefined {
  const sections = new Map(saved.sections);
  const seal = sections.get(SEAL);
  sections.delete(SEAL);
  if (seal === undefined || Buffer.compare(seal, sealOf(saved, sections)) !== 0) return undefined;
  try {
    return { value: projection.codec!.decode(sections) };
  } catch {
    return undefined;
  }
}

/**
 * The seal saved beside a checkpoint's sections: a CRC-32 of everything a resume trusts.
 * Checkpoints
 * are derived data the hash chains do not cover; the seal turns a torn, corrupted or carelessly
 * edited checkpoint into a rebuild instead of wrong figures. It is a checksum, not a signature (a
 * forger recomputes it), which is why `verify` replays from the record, never from checkpoints. A
 * checksum rather than a SHA-256 because every resume pays for it over the whole state (about
 * 110 MB at 10M events: 60 ms for SHA-256, 30 for CRC-32, of a re-report's 5% budget).
 */
const SEAL = 'seal:crc32';
function sealOf(
  c: Omit<SavedCheckpoint, 'sections'>,
  sections: ReadonlyMap<string, Uint8Array>,
): Uint8Array {
  let crc = crc32(
    JSON.stringify([c.key, c.projection, c.version, c.position, c.events, c.history]),
  );
  for (const name of [...sections.keys()].sort()) {
    const bytes = sections.get(name)!;
    crc = crc32(bytes, crc32(JSON.stringify([name, bytes.byteLength]), crc));
  }
  const seal = new Uint8Array(4);
  new DataView(seal.buffer).setUint32(0, crc);
  return seal;
}

/**
 * Saves each fold's state (projections with a codec) where the store can vouch for the history it
 * covers; returns how many it saved. `events`: how many events the folds cover.
 */
export async function saveCheckpoints(
  store: EventStore,
  folds: readonly Fold<unknown>[],
  at: { keySpace: string; events: number },
): Promise<number> {
  const checkpoints = store.checkpoints;
  let saved = 0;
  for (const f of folds) {
    const { codec, name, version } = f.projection;
    const history = checkpoints && codec ? await checkpoints.historyAt(f.position) : undefined;
    if (codec === undefined || history === undefined) continue;
    const checkpoint = {
      key: checkpointKey(f.projection, f.asOf, at.keySpace),
      projection: name,
      version,
      position: f.position,
      events: at.events,
      history,
    };
    const sections = new Map(codec.encode(f.state));
    sections.set(SEAL, sealOf(checkpoint, sections));
    await checkpoints!.saveCheckpoint({ ...checkpoint, sections });
    saved++;
  }
  return saved;
}
