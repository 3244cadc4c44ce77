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
export type IntColumn<C extends Record<string, ColumnSpec>> = {
  [K in keyof C]: C[K]['kind'] extends 'int' ? K : never;
}[keyof C] &
  string;
export type Column = Int32Array | Float64Array | Uint8Array;
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
export type Width = (typeof SAVED_WIDTHS)[number];
const WIDTHS_NAME = '#widths';

function allocate(spec: ColumnSpec, capacity: number): Column {
  const a = new CONSTRUCTORS[spec.kind](capacity);
  if (spec.fill !== 0) a.fill(spec.fill);
  return a;
}

/** Whether 32 bits hold v exactly (-0 included: they do not). */
export function fitsInt32(v: number): boolean {
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

  /**
   * Row `row` of a column, or its fill past the rows in use: for reading a key another table
   * numbered (a restored table holds only the rows it wrote, until the next reserve).
   */
  get<K extends keyof C & string>(column: K, row: number): number {
    return row < this.size ? this.cols[column][row]! : this.spec[column]!.fill;
  }

  /** A new row at the end (list entries); its index. */
  push(): number {
    if (this.size === this.capacity) this.resize(Math.ceil(this.capacity * 1.5) + 16);
    return this.size++;
  }

  /**
   * Rows up to the last one written (a value away from its column's fill): what a keyed table saves,
   * so that its saved bytes depend on what was folded, not on how many keys the store knew.
   */
  usedRows(): number {
    let used = 0;
    const cols = this.cols as Record<string, Column>;
    for (const [k, spec] of columnList(this.spec)) {
      const values = cols[k]!;
      for (let r = this.size - 1; r >= used; r--) {
        if (!Object.is(values[r], spec.fill)) {
          used = r + 1;
          break;
        }
      }
    }
    return used;
  }

  /**
   * Column names in a fixed order, with their first `rows` rows (all in use by default), in
   * SAVED_FORMAT: for saving state.
   */
  columns(rows = this.size): [string, SavedColumn][] {
    const cols = this.cols as Record<string, Column>;
    return saveColumns(
      this.spec,
      (k) => [cols[k]!.subarray(0, rows)],
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

/**
 * Saves each column (as one or more parts: a Pool's chunks) in the width `choose` gives for all of
 * its parts, and the widths chosen as `#widths`.
 */
export function saveColumns(
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
export function widest(kind: ColumnKind, parts: Column[]): Width {
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
export function savedWidths(
  spec: Record<string, ColumnSpec>,
  read: ReadColumn,
): Map<string, Width> {
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
export function restoreColumn(
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
export function copied(
  spec: ColumnSpec,
  values: SavedColumn,
  width: Width,
  capacity: number,
): Column {
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
export function columnList(spec: Record<string, ColumnSpec>): [string, ColumnSpec][] {
  let list = COLUMN_LISTS.get(spec);
  if (list === undefined) COLUMN_LISTS.set(spec, (list = Object.entries(spec)));
  return list;
}

export function makeColumns<C extends Record<string, ColumnSpec>>(
  spec: C,
  capacity: number,
): TypedColumns<C> {
  const cols: Record<string, Column> = {};
  for (const [k, s] of columnList(spec)) cols[k] = allocate(s, capacity);
  return cols as TypedColumns<C>;
}
