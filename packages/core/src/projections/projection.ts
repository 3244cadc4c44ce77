import type { StoredEvent } from '../events/types';

/**
 * A projection is a pure fold: `init` makes empty state, `evolve` folds one event into it.
 * `evolve` may update the state it is given in place (the state belongs to the fold), but reads
 * nothing else: no clock, no I/O, no randomness. `version` changes whenever the fold's meaning
 * changes, so that saved state built by an older version is never reused.
 */
export interface Projection<S> {
  readonly name: string;
  readonly version: number;
  init(): S;
  evolve(state: S, event: StoredEvent): void;
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
  ) {
    this.state = projection.init();
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
}
