import {
  columnList,
  fitsInt32,
  copied,
  makeColumns,
  restoreColumn,
  saveColumns,
  savedWidths,
  widest,
  type Column,
  type ColumnSpec,
  type IntColumn,
  type ReadColumn,
  type SavedColumn,
  type TypedColumns,
  type Width,
} from './table';

const CHUNK_BITS = 16;
/** Rows per chunk of a Pool. */
const CHUNK_ROWS = 1 << CHUNK_BITS;
/** Row e lives at index e & CHUNK_MASK of chunk e >>> CHUNK_BITS (Pool.at). */
export const CHUNK_MASK = CHUNK_ROWS - 1;
/** Rows of a Pool's first chunk when it is made; it doubles from there up to CHUNK_ROWS. */
const FIRST_CHUNK_ROWS = 16;

/**
 * Parallel typed columns that only grow by pushing rows (list entries), in chunks of CHUNK_ROWS:
 * past the first chunk, growing never copies, so memory never holds an old and a new array at once
 * (a table growing by 1.5x briefly needs 2.5x its size, which at ten million events decided the
 * peak RSS). The first chunk starts small and doubles, copied while it is small: a pool of a few
 * rows (a fuzzed sequence, a fresh fold, a restored snapshot) does not pay for whole chunks.
 */
export class Pool<C extends Record<string, ColumnSpec>> {
  size = 0;
  private chunks: TypedColumns<C>[] = [];
  /** Rows the chunks hold: the first chunk's, then CHUNK_ROWS for each other. */
  private capacity = 0;

  constructor(readonly spec: C) {}

  /** A new row at the end; its index. */
  push(): number {
    if (this.size === this.capacity) this.grow();
    return this.size++;
  }

  private grow(): void {
    if (this.chunks.length === 0) {
      this.chunks.push(makeColumns(this.spec, FIRST_CHUNK_ROWS));
      this.capacity = FIRST_CHUNK_ROWS;
    } else if (this.capacity < CHUNK_ROWS) {
      const capacity = Math.min(CHUNK_ROWS, this.capacity * 2);
      const first = this.chunks[0] as Record<string, Column>;
      const chunk: Record<string, Column> = {};
      // Each column at its own width: an 'int' column widened to 64 bits stays widened.
      for (const [name, spec] of columnList(this.spec))
        chunk[name] = copied(spec, first[name]!, first[name]!.constructor as Width, capacity);
      this.chunks[0] = chunk as TypedColumns<C>;
      this.capacity = capacity;
    } else {
      this.chunks.push(makeColumns(this.spec, CHUNK_ROWS));
      this.capacity += CHUNK_ROWS;
    }
  }

  /** The columns of the chunk holding row e; the row is at e & CHUNK_MASK. */
  at(e: number): TypedColumns<C> {
    return this.chunks[e >>> CHUNK_BITS]!;
  }

  /**
   * Sets row e of an 'int' column to v, exactly: the chunk's column is widened to 64 bits first
   * when 32 do not hold v.
   */
  set(e: number, name: IntColumn<C>, v: number): void {
    const chunk = this.chunks[e >>> CHUNK_BITS] as Record<string, Column>;
    let column = chunk[name]!;
    if (!fitsInt32(v) && column instanceof Int32Array)
      column = chunk[name] = Float64Array.from(column);
    column[e & CHUNK_MASK] = v;
  }

  /** Adds v to row e of an 'int' column, exactly (set). */
  add(e: number, name: IntColumn<C>, v: number): void {
    this.set(
      e,
      name,
      (this.chunks[e >>> CHUNK_BITS] as Record<string, Column>)[name]![e & CHUNK_MASK]! + v,
    );
  }

  /**
   * Each column of each chunk, its rows in use, named column.chunk (SAVED_FORMAT, one width per
   * column): for saving state. At the chunks' own width, not narrowed as a Table's columns are: a
   * pool's chunks are most of a large state, and narrowed copies of them all, alive at once while a
   * checkpoint is written, were the replay's peak RSS (248-254 against 236-248 MiB at 10M events),
   * while restoring whole chunks at their own width takes the saved bytes over without widening
   * copies (a re-report's checkpoint load 0.255-0.271 against 0.231-0.242 s, 16 MB more read).
   */
  columns(): [string, SavedColumn][] {
    const chunks = this.chunks as Record<string, Column>[];
    return saveColumns(
      this.spec,
      (name) =>
        chunks.map((chunk, k) =>
          chunk[name]!.subarray(0, Math.min(CHUNK_ROWS, this.size - k * CHUNK_ROWS)),
        ),
      (name, saved) => saved.map((values, k): [string, SavedColumn] => [partName(name, k), values]),
      widest,
    );
  }

  /**
   * Restores rows saved by columns(). A first chunk that is the only one holds just its rows (push
   * doubles it); later chunks are whole. Chunks saved at their own width and of that size are taken
   * over as they are, others are copied.
   */
  restore(size: number, read: ReadColumn): void {
    const widths = savedWidths(this.spec, read);
    this.chunks = [];
    const first = Math.min(size, CHUNK_ROWS);
    for (let k = 0; k * CHUNK_ROWS < size; k++) {
      const rows = Math.min(CHUNK_ROWS, size - k * CHUNK_ROWS);
      const capacity = k === 0 ? first : CHUNK_ROWS;
      const chunk: Record<string, Column> = {};
      for (const [name, spec] of columnList(this.spec))
        chunk[name] = restoreColumn(
          spec,
          widths.get(name)!,
          read(partName(name, k)),
          rows,
          capacity,
          partName(name, k),
        );
      this.chunks.push(chunk as TypedColumns<C>);
    }
    this.capacity = size === 0 ? 0 : first + (this.chunks.length - 1) * CHUNK_ROWS;
    this.size = size;
  }
}

/**
 * The saved name of chunk k of a Pool column (column.chunk), made once: a name built afresh for
 * every save and restore costs a string hash at each section lookup (snapshots of fuzzed states).
 */
const PART_NAMES = new Map<string, string[]>();
function partName(name: string, k: number): string {
  let names = PART_NAMES.get(name);
  if (names === undefined) PART_NAMES.set(name, (names = []));
  return (names[k] ??= `${name}.${k}`);
}
