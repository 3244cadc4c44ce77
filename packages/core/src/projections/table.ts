/**
 * Growable parallel typed columns: the storage of projection state on the replay hot path.
 * A row is an integer (a dictionary key, or an entry of a linked list kept in the table), so state
 * costs a few bytes per key instead of an object, a Map entry and a string.
 */

/**
 * 'int' (Pool columns only): integers exact to 2^53, such as yen, held in 32 bits per chunk while
 * they fit, the chunk's column widened to 64-bit floats when one does not; half the bytes of 'f64'
 * for the usual amounts. Written through Pool.set and Pool.add only: they widen, a direct write
 * would wrap.
 */
export type ColumnKind = 'i32' | 'f64' | 'u8' | 'int';
export interface ColumnSpec {
  readonly kind: ColumnKind;
  /** Value of a row never written. */
  readonly fill: number;
}
type ArrayOf<K extends ColumnKind> = K extends 'f64'
  ? Float64Array
  : K extends 'i32'
    ? Int32Array
    : K extends 'int'
      ? Int32Array | Float64Array
      : Uint8Array;
export type TypedColumns<C extends Record<string, ColumnSpec>> = {
  [K in keyof C]: ArrayOf<C[K]['kind']>;
};
/** The names of a spec's 'int' columns. */
type IntColumn<C extends Record<string, ColumnSpec>> = {
  [K in keyof C]: C[K]['kind'] extends 'int' ? K : never;
}[keyof C] &
  string;
type Column = Int32Array | Float64Array | Uint8Array;
/** A column as saved: its own kind, or a narrower integer array holding the same values. */
export type SavedColumn = Column | Int8Array | Int16Array;
/** Gives a saved column's bytes: restore reads them as the width they were saved in. */
export type ReadColumn = (name: string) => Uint8Array;

const CONSTRUCTORS = {
  i32: Int32Array,
  f64: Float64Array,
  u8: Uint8Array,
  int: Int32Array,
} as const;

/**
 * How tables save their columns (columns() and restore()); part of a checkpoint's key
 * (checkpoint.ts), so that state saved in another format is rebuilt, never misread.
 * 2: each column in the narrowest integer width that holds its values exactly, widths in a section.
 */
export const SAVED_FORMAT = 2;
/** Saved widths by code (the `#widths` section, one code per column in spec order). */
const SAVED_WIDTHS = [Int8Array, Int16Array, Int32Array, Float64Array, Uint8Array] as const;
type Width = (typeof SAVED_WIDTHS)[number];
const WIDTHS_NAME = '#widths';

function allocate(spec: ColumnSpec, capacity: number): Column {
  const a = new CONSTRUCTORS[spec.kind](capacity);
  if (spec.fill !== 0) a.fill(spec.fill);
  return a;
}

/** Whether 32 bits hold v exactly (-0 included: they do not). */
function fitsInt32(v: number): boolean {
  return (v | 0) === v && (v !== 0 || 1 / v > 0);
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
    // Table rows are written directly, which could wrap an 'int' column.
    for (const [k, s] of columnList(spec))
      if (s.kind === 'int') throw new Error(`column ${k}: 'int' columns are for Pools`);
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

  /** Column names in a fixed order, with their rows in use (SAVED_FORMAT): for saving state. */
  columns(): [string, SavedColumn][] {
    const cols = this.cols as Record<string, Column>;
    return saveColumns(
      this.spec,
      (k) => [cols[k]!.subarray(0, this.size)],
      (k, saved) => [[k, saved[0]!]],
      narrowest,
    );
  }

  /**
   * Restores rows saved by columns(): `read(name)` gives each column's saved bytes, which the table
   * then owns where it can.
   */
  restore(size: number, read: ReadColumn): void {
    const widths = savedWidths(this.spec, read);
    const cols: Record<string, Column> = {};
    for (const [k, spec] of columnList(this.spec))
      cols[k] = restoreColumn(spec, widths.get(k)!, read(k), size, size, k);
    this.cols = cols as TypedColumns<C>;
    this.capacity = size;
    this.size = size;
  }

  private resize(capacity: number): void {
    const old = this.cols as Record<string, Column>;
    const next = this.make(capacity) as Record<string, Column>;
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

/**
 * Saves each column (as one or more parts: a Pool's chunks) in the width `choose` gives for all of
 * its parts, and the widths chosen as `#widths`.
 */
function saveColumns(
  spec: Record<string, ColumnSpec>,
  parts: (name: string) => Column[],
  named: (name: string, saved: SavedColumn[]) => [string, SavedColumn][],
  choose: (kind: ColumnKind, parts: Column[]) => Width,
): [string, SavedColumn][] {
  const names = Object.keys(spec);
  const widths = new Uint8Array(names.length);
  const out: [string, SavedColumn][] = [];
  names.forEach((name, c) => {
    const values = parts(name);
    const width = choose(spec[name]!.kind, values);
    widths[c] = SAVED_WIDTHS.indexOf(width);
    out.push(
      ...named(
        name,
        values.map((v) => (v.constructor === width ? v : narrowed(v, width))),
      ),
    );
  });
  return [[WIDTHS_NAME, widths], ...out];
}

function narrowed(values: Column, width: Width): SavedColumn {
  const out = new width(values.length);
  out.set(values); // exact: every value is an integer in the width's range
  return out;
}

/**
 * The widest of the parts' own widths: an 'int' column's chunks are 32 bits until one was widened
 * to 64.
 */
function widest(kind: ColumnKind, parts: Column[]): Width {
  for (const values of parts) if (values instanceof Float64Array) return Float64Array;
  return CONSTRUCTORS[kind];
}

/**
 * The narrowest saved width holding every value of the parts exactly (yen and days fit 32 or 16
 * bits, banks 8).
 */
function narrowest(kind: ColumnKind, parts: Column[]): Width {
  if (kind === 'u8') return Uint8Array;
  let min = 0;
  let max = 0;
  for (const values of parts) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      // Fractions, infinities, NaN and -0 have no integer width.
      if (!Number.isInteger(v) || Object.is(v, -0)) return Float64Array;
      if (v < min) min = v;
      else if (v > max) max = v;
    }
  }
  if (min >= -128 && max <= 127) return Int8Array;
  if (min >= -32768 && max <= 32767) return Int16Array;
  if (min >= -(2 ** 31) && max < 2 ** 31) return Int32Array;
  return Float64Array;
}

/** The widths saved beside a table's columns, checked against the spec. */
function savedWidths(spec: Record<string, ColumnSpec>, read: ReadColumn): Map<string, Width> {
  const names = Object.keys(spec);
  const codes = read(WIDTHS_NAME);
  if (codes.length !== names.length)
    throw new Error(`saved widths name ${codes.length} columns, expected ${names.length}`);
  return new Map(
    names.map((name, c) => {
      const width = SAVED_WIDTHS[codes[c]!];
      const kind = spec[name]!.kind;
      // Saved at its own width or a narrower integer one: bytes as bytes, integers never as floats.
      const valid =
        width !== undefined &&
        (kind === 'u8'
          ? width === Uint8Array
          : width !== Uint8Array && (kind !== 'i32' || width !== Float64Array));
      if (!valid)
        throw new Error(`saved column ${name} has width code ${codes[c]}, not one of ${kind}`);
      return [name, width];
    }),
  );
}

/**
 * The width a column of `kind` saved at `width` is restored to: its own, except that an 'int'
 * column
 * saved at 64 bits (a value did not fit 32) stays at 64. Any other saved width is a narrower one.
 */
function ownWidth(kind: ColumnKind, width: Width): Width {
  return kind === 'int' && width === Float64Array ? Float64Array : CONSTRUCTORS[kind];
}

/**
 * A column of `capacity` rows from the bytes of its `rows` saved values: the saved array itself
 * when
 * it is already that (its own width, whole, aligned), else a new column filled from it.
 */
function restoreColumn(
  spec: ColumnSpec,
  width: Width,
  bytes: Uint8Array,
  rows: number,
  capacity: number,
  name: string,
): Column {
  if (bytes.byteLength !== rows * width.BYTES_PER_ELEMENT)
    throw new Error(
      `saved column ${name} has ${bytes.byteLength} bytes, expected ${rows} values of ${width.BYTES_PER_ELEMENT}`,
    );
  const aligned = bytes.byteOffset % width.BYTES_PER_ELEMENT === 0 ? bytes : bytes.slice();
  const saved = new width(aligned.buffer as ArrayBuffer, aligned.byteOffset, rows);
  const own = ownWidth(spec.kind, width);
  if (width === own && rows === capacity) return saved as Column;
  return copied(spec, saved, own, capacity);
}

/**
 * A column of `capacity` rows at `width` holding `values` first, filled only past them (the rows
 * never written).
 */
function copied(spec: ColumnSpec, values: SavedColumn, width: Width, capacity: number): Column {
  const column = new width(capacity) as Column;
  column.set(values);
  if (spec.fill !== 0) column.fill(spec.fill, values.length);
  return column;
}

/**
 * A spec's columns as [name, spec] pairs, listed once per spec (specs are constants): tables of a
 * few rows are made by the thousand (fuzzed sequences, as-of folds, restored snapshots), and
 * listing the spec's entries at each cost more than allocating the columns.
 */
const COLUMN_LISTS = new WeakMap<Record<string, ColumnSpec>, [string, ColumnSpec][]>();
function columnList(spec: Record<string, ColumnSpec>): [string, ColumnSpec][] {
  let list = COLUMN_LISTS.get(spec);
  if (list === undefined) COLUMN_LISTS.set(spec, (list = Object.entries(spec)));
  return list;
}

function makeColumns<C extends Record<string, ColumnSpec>>(
  spec: C,
  capacity: number,
): TypedColumns<C> {
  const cols: Record<string, Column> = {};
  for (const [k, s] of columnList(spec)) cols[k] = allocate(s, capacity);
  return cols as TypedColumns<C>;
}
