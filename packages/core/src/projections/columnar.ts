import {
  allocateColumns,
  encodeRow,
  KEY_DOMAIN_COUNT,
  KeyDictionary,
  type ColumnBatch,
  type MutableColumnBatch,
} from '../events/columns';
import type { StoredEvent } from '../events/types';

/**
 * What every state folded from columns keeps besides its tables: whose key numbers it holds, and
 * its own dictionary for events folded one by one.
 */
export interface ColumnarState {
  /** Whose key numbers the state holds (ColumnBatch.keySpace); undefined until the first row. */
  keySpace: string | undefined;
  /** The state's own dictionary and one-row batch, for events folded one by one (evolveByRow). */
  own: { keys: KeyDictionary; row: MutableColumnBatch } | undefined;
}

/** The key space of a state's own dictionary. */
const OWN_KEY_SPACE = 'fold';

/** Takes the batch's key numbering, or refuses one that differs from the state's. */
export function takeKeySpace(s: ColumnarState, b: ColumnBatch, projection: string): void {
  if (s.keySpace === b.keySpace) return;
  if (s.keySpace !== undefined)
    throw new Error(
      `${projection} state holds keys of "${s.keySpace}", cannot fold a batch keyed by "${b.keySpace}"`,
    );
  s.keySpace = b.keySpace;
}

/**
 * Projection.evolve of a columnar fold: encodes the event into a one-row batch numbered by the
 * state's own dictionary and folds that row, so both ways in share one implementation.
 */
export function evolveByRow<S extends ColumnarState>(
  evolveColumns: (s: S, b: ColumnBatch, from: number, to: number) => void,
): (s: S, e: StoredEvent) => void {
  return (s, e) => {
    const own = (s.own ??= ownRow(new KeyDictionary()));
    own.row.position[0] = e.globalPosition;
    encodeRow(own.row, 0, e, own.keys); // rare events carry nothing a columnar fold reads
    own.row.length = 1;
    for (let d = 0; d < own.row.keyCounts.length; d++) own.row.keyCounts[d] = own.keys.size(d);
    evolveColumns(s, own.row, 0, 1);
  };
}

/** The texts of the state's own dictionary by domain, for saving it; null when it has none. */
export function ownKeyTexts(s: ColumnarState): (readonly string[])[] | null {
  const own = s.own;
  return own === undefined
    ? null
    : Array.from({ length: KEY_DOMAIN_COUNT }, (_, d) => own.keys.texts(d));
}

/** Restores a dictionary saved by ownKeyTexts. */
export function restoreOwnKeys(s: ColumnarState, texts: (readonly string[])[] | null): void {
  if (texts === null) return;
  const keys = new KeyDictionary();
  texts.forEach((list, d) => list.forEach((text, id) => keys.learn(d, id, text)));
  s.own = ownRow(keys);
}

function ownRow(keys: KeyDictionary): NonNullable<ColumnarState['own']> {
  return { keys, row: allocateColumns(1, OWN_KEY_SPACE, keys) };
}
