/**
 * Growable parallel typed columns: the storage of projection state on the replay hot path.
 * A row is an integer (a dictionary key, or an entry of a linked list kept in the table), so state
 * costs a few bytes per key instead of an object, a Map entry and a string.
 */

export type ColumnKind = 'i32' | 'f64' | 'u8';
export interface ColumnSpec {
  readonly kind: ColumnKind;
  /** Value of a row never written. */
  readonly fill: number;
}
type ArrayOf<K extends ColumnKind> = K extends 'f64' ? Float64Array : K extends 'i32' ? Int32Array : Uint8Array;
export type TypedColumns<C extends Record<string, ColumnSpec>> = { [K in keyof C]: ArrayOf<C[K]['kind']> };

const CONSTRUCTORS = { i32: Int32Array, f64: Float64Array, u8: Uint8Array } as const;

function allocate(spec: ColumnSpec, capacity: number): Int32Array | Float64Array | Uint8Array {
  const a = new CONSTRUCTORS[spec.kind](capacity);
  if (spec.fill !== 0) a.fill(spec.fill);
  return a;
}

export class Table<C extends Record<string, ColumnSpec>> {
  /** Rows in use: [0, size). */
  size = 0;
  cols: TypedColumns<C>;
  private capacity: number;

  constructor(
    readonly spec: C,
    capacity = 64,
  ) {
    this.capacity = capacity;
    this.cols = this.make(capacity);
  }

  /**
   * Makes rows [0, n) usable (keyed tables: n is the number of keys). Grows by half again, so that
   * keys met one by one cost amortised O(1); `final` says n is all there will be (a store's key
   * count), so exactly n rows are allocated.
   */
  reserve(n: number, final = false): void {
    if (n > this.capacity) this.resize(final ? n : Math.max(n, Math.ceil(this.capacity * 1.5)));
    if (n > this.size) this.size = n;
  }

  /** A new row at the end (list entries); its index. */
  push(): number {
    if (this.size === this.capacity) this.resize(Math.ceil(this.capacity * 1.5) + 16);
    return this.size++;
  }

  /** Column names in a fixed order, with their arrays cut to the rows in use: for saving state. */
  columns(): [string, Int32Array | Float64Array | Uint8Array][] {
    return Object.keys(this.spec).map((k) => [k, (this.cols as Record<string, Int32Array | Float64Array | Uint8Array>)[k]!.subarray(0, this.size)]);
  }

  /** Restores rows saved by columns(): `read(name, kind)` gives each column's saved values, which the table then owns. */
  restore(size: number, read: (name: string, kind: ColumnKind) => Int32Array | Float64Array | Uint8Array): void {
    const cols: Record<string, Int32Array | Float64Array | Uint8Array> = {};
    for (const [k, spec] of Object.entries(this.spec)) {
      const saved = read(k, spec.kind);
      if (saved.length !== size) throw new Error(`saved column ${k} has ${saved.length} rows, expected ${size}`);
      cols[k] = saved;
    }
    this.cols = cols as TypedColumns<C>;
    this.capacity = size;
    this.size = size;
  }

  private resize(capacity: number): void {
    const old = this.cols as Record<string, Int32Array | Float64Array | Uint8Array>;
    const next = this.make(capacity) as Record<string, Int32Array | Float64Array | Uint8Array>;
    for (const k of Object.keys(this.spec)) next[k]!.set(old[k]!.subarray(0, this.size));
    this.cols = next as TypedColumns<C>;
    this.capacity = capacity;
  }

  private make(capacity: number): TypedColumns<C> {
    return makeColumns(this.spec, capacity);
  }
}

const CHUNK_BITS = 16;
/** Rows per chunk of a Pool. */
const CHUNK_ROWS = 1 << CHUNK_BITS;
/** Row e lives at index e & CHUNK_MASK of chunk e >>> CHUNK_BITS (Pool.at). */
export const CHUNK_MASK = CHUNK_ROWS - 1;

/**
 * Parallel typed columns that only grow by pushing rows (list entries), in fixed chunks: growing
 * never copies, so memory never holds an old and a new array at once (a table growing by 1.5x
 * briefly needs 2.5x its size, which at ten million events decided the peak RSS).
 */
export class Pool<C extends Record<string, ColumnSpec>> {
  size = 0;
  private chunks: TypedColumns<C>[] = [];

  constructor(readonly spec: C) {}

  /** A new row at the end; its index. */
  push(): number {
    if (this.size === this.chunks.length * CHUNK_ROWS) this.chunks.push(makeColumns(this.spec, CHUNK_ROWS));
    return this.size++;
  }

  /** The columns of the chunk holding row e; the row is at e & CHUNK_MASK. */
  at(e: number): TypedColumns<C> {
    return this.chunks[e >>> CHUNK_BITS]!;
  }

  /** Each column of each chunk, cut to the rows in use, named column.chunk: for saving state. */
  columns(): [string, Int32Array | Float64Array | Uint8Array][] {
    return this.chunks.flatMap((chunk, k) =>
      Object.keys(this.spec).map((name): [string, Int32Array | Float64Array | Uint8Array] => {
        const rows = Math.min(CHUNK_ROWS, this.size - k * CHUNK_ROWS);
        return [`${name}.${k}`, (chunk as Record<string, Int32Array | Float64Array | Uint8Array>)[name]!.subarray(0, rows)];
      }),
    );
  }

  /** Restores rows saved by columns(); full chunks are taken over as they are, the last is copied into a whole chunk. */
  restore(size: number, read: (name: string, kind: ColumnKind) => Int32Array | Float64Array | Uint8Array): void {
    this.chunks = [];
    for (let k = 0; k * CHUNK_ROWS < size; k++) {
      const rows = Math.min(CHUNK_ROWS, size - k * CHUNK_ROWS);
      const chunk: Record<string, Int32Array | Float64Array | Uint8Array> = {};
      for (const [name, spec] of Object.entries(this.spec)) {
        const saved = read(`${name}.${k}`, spec.kind);
        if (saved.length !== rows) throw new Error(`saved column ${name}.${k} has ${saved.length} rows, expected ${rows}`);
        chunk[name] = rows === CHUNK_ROWS ? saved : allocate(spec, CHUNK_ROWS);
        if (rows !== CHUNK_ROWS) chunk[name]!.set(saved);
      }
      this.chunks.push(chunk as TypedColumns<C>);
    }
    this.size = size;
  }
}

function makeColumns<C extends Record<string, ColumnSpec>>(spec: C, capacity: number): TypedColumns<C> {
  const cols: Record<string, Int32Array | Float64Array | Uint8Array> = {};
  for (const [k, s] of Object.entries(spec)) cols[k] = allocate(s, capacity);
  return cols as TypedColumns<C>;
}
