import type { ColumnBatch } from '../events/columns';
import type { StoredEvent } from '../events/types';

/**
 * A projection is a pure fold: `init` makes empty state, `evolve` folds one event into it.
 * `evolve` may update the state it is given in place (the state belongs to the fold), but reads
 * nothing else: no clock, no I/O, no randomness. `version` changes whenever the fold's meaning or
 * the layout its codec saves changes, so that saved state built by an older version is never
 * reused.
 */
export interface Projection<S> {
  readonly name: string;
  readonly version: number;
  init(): S;
  evolve(state: S, event: StoredEvent): void;
  /**
   * Folds rows [from, to) of a columnar batch: what `evolve` does with each row's event, without
   * the event objects (the replay hot path). Optional: a fold without it reads events.
   */
  evolveColumns?(state: S, batch: ColumnBatch, from: number, to: number): void;
  /** The batch columns evolveColumns reads, besides position and recordedAt (every fold's). */
  readonly reads?: readonly BatchColumn[];
  /**
   * Saves and restores state, for checkpoints (eventstore's replay module). Optional: state without
   * it is never saved.
   */
  readonly codec?: StateCodec<S>;
  /**
   * What else the fold's meaning depends on (the incident's time zone): part of a checkpoint's key.
   */
  readonly parameters?: Readonly<Record<string, string>>;
  /**
   * Set for a composite (composite.ts): its state is one state per part, by name, and each part
   * folds, is versioned and is saved on its own. A composite's own version is 0.
   */
  readonly parts?: Readonly<Record<string, Projection<unknown>>>;
}

/** The per-row columns of a ColumnBatch a fold may read. */
export type BatchColumn =
  | 'type'
  | 'occurredAt'
  | 'wallet'
  | 'bank'
  | 'account'
  | 'case'
  | 'category'
  | 'amount'
  | 'status'
  | 'rare';

/**
 * State as named byte sections (typed arrays stay binary) and back. `format` names how the bytes
 * are laid out, apart from the fold's version (a checkpoint's key holds both).
 */
export interface StateCodec<S> {
  readonly format: string;
  encode(state: S): Map<string, Uint8Array>;
  decode(sections: ReadonlyMap<string, Uint8Array>): S;
}

/**
 * Runs a projection over batches of stored events, as of a recordedAt cutoff.
 *
 * Idempotent by global position: an event at or below the last position seen is skipped, so
 * a batch delivered twice (a retry, an at-least-once subscription) changes nothing.
 * Events recorded after `asOf` are passed over: the state is what the ledger knew at `asOf`.
 */
export class Fold<S> {
  readonly state: S;
  /** Global position of the last event seen (folded or passed over). */
  position = 0;

  constructor(
    readonly projection: Projection<S>,
    readonly asOf: number = Number.POSITIVE_INFINITY,
    /** A saved state to continue from, and the position it covers. */
    from?: { state: S; position: number },
  ) {
    this.state = from?.state ?? projection.init();
    this.position = from?.position ?? 0;
  }

  apply(batch: readonly StoredEvent[]): this {
    const { projection, state, asOf } = this;
    let position = this.position;
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]!;
      if (e.globalPosition <= position) continue;
      position = e.globalPosition;
      if (e.recordedAt > asOf) continue;
      projection.evolve(state, e);
    }
    this.position = position;
    return this;
  }

  /** `apply` for a columnar batch: the same rows skipped and passed over, folded in runs. */
  applyColumns(batch: ColumnBatch): this {
    const { projection, state, asOf } = this;
    const evolveColumns = projection.evolveColumns;
    if (evolveColumns === undefined)
      throw new Error(`projection ${projection.name} cannot fold columns`);
    const { position: positions, recordedAt } = batch;
    let position = this.position;
    let start = -1;
    for (let i = 0; i < batch.length; i++) {
      const p = positions[i]!;
      const folds = p > position && recordedAt[i]! <= asOf;
      if (p > position) position = p;
      if (folds) {
        if (start < 0) start = i;
      } else if (start >= 0) {
        evolveColumns(state, batch, start, i);
        start = -1;
      }
    }
    if (start >= 0) evolveColumns(state, batch, start, batch.length);
    this.position = position;
    return this;
  }
}
