import {
  allocateColumns,
  encodeRow,
  KEY_DOMAINS,
  type ColumnSource,
  type KeyDictionary,
  type MutableColumnBatch,
} from '@incident-ledger/core';
import { BLOCK_EVENTS, encodeBlock } from './blocks';

/** A block ready to store: the events at first..last, packed by encodeBlock. */
export interface StoredBlock {
  first: number;
  last: number;
  columns: Buffer;
}

/** Keys numbered by a writer, new in its dictionary: texts of ids first, first + 1, ... */
export interface NewKeys {
  domain: number;
  first: number;
  texts: readonly string[];
}

/**
 * The one block writer of every store that keeps blocks: derives the columns of events appended at
 * consecutive positions, numbering new keys in the store's dictionary, and cuts them into blocks of
 * BLOCK_EVENTS counted from the first event it is given (so the same appends give the same blocks
 * in every store).
 */
export class BlockWriter {
  readonly blocks: StoredBlock[] = [];
  private readonly known: number[];
  private batch: MutableColumnBatch | undefined;
  private blockFirst = 0;

  /**
   * `next`: the position of the first event; `bound`: at most how many events will come (sizes the
   * last block's arrays, so a small append allocates a small block).
   */
  constructor(
    private readonly keys: KeyDictionary,
    private readonly keySpace: string,
    private next: number,
    private bound: number,
  ) {
    this.known = KEY_DOMAINS.map((_, d) => keys.size(d));
  }

  add(e: ColumnSource): void {
    if (this.bound === 0)
      throw new RangeError('a block writer was given more events than its bound');
    if (this.batch === undefined) {
      this.blockFirst = this.next;
      this.batch = allocateColumns(Math.min(BLOCK_EVENTS, this.bound), this.keySpace, this.keys);
    }
    encodeRow(this.batch, this.next - this.blockFirst, e, this.keys);
    this.next++;
    this.bound--;
    if (this.next - this.blockFirst === BLOCK_EVENTS) this.cut();
  }

  /** Cuts the last block and gives the blocks and the keys numbered since the writer began. */
  finish(): { blocks: StoredBlock[]; keys: NewKeys[] } {
    if (this.batch !== undefined) this.cut();
    const keys = KEY_DOMAINS.flatMap((_, d) =>
      this.keys.size(d) > this.known[d]!
        ? [{ domain: d, first: this.known[d]!, texts: this.keys.texts(d).slice(this.known[d]) }]
        : [],
    );
    return { blocks: this.blocks, keys };
  }

  private cut(): void {
    const counts = KEY_DOMAINS.map((_, d) => this.keys.size(d));
    const n = this.next - this.blockFirst;
    this.blocks.push({
      first: this.blockFirst,
      last: this.next - 1,
      columns: encodeBlock(this.batch!, 0, n, counts),
    });
    this.batch = undefined;
  }
}
