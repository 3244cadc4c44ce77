import { ownKeyTexts, restoreOwnKeys, type ColumnarState } from './columnar';
import type { Pool } from './pool';
import type { StateCodec } from './projection';
import { SAVED_FORMAT, type ColumnSpec, type SavedColumn, type Table } from './table';

type Rows = Table<Record<string, ColumnSpec>> | Pool<Record<string, ColumnSpec>>;

/** How a columnar state is laid out for saving: its tables, and a document of everything else. */
export interface TableLayout<S extends ColumnarState, D> {
  /** Names the state in errors ("saved incident-cases state has no ... section"). */
  readonly what: string;
  readonly init: () => S;
  /**
   * Tables with a row per dictionary key. Saved up to their last written row: a table's size
   * follows the key counts of the batches folded (the store's dictionary), its content only what
   * was folded.
   */
  readonly keyed: readonly (keyof S & string)[];
  /** Tables and Pools grown row by row (list entries), saved whole. */
  readonly lists: readonly (keyof S & string)[];
  /**
   * Everything else, as JSON. Canonical: the same state gives the same text (Maps as entries
   * sorted by key, never in insertion order, which depends on how the fold was cut).
   */
  document(s: S): D;
  restore(s: S, doc: D): void;
}

/** The format of the bytes a table codec writes: part of a checkpoint's key. */
export const TABLE_CODEC_FORMAT = `tables-${SAVED_FORMAT}`;

interface Envelope {
  keySpace: string | null;
  /** The state's own dictionary (events folded one by one), key texts per domain. */
  ownKeys: (readonly string[])[] | null;
  tableSizes: Record<string, number>;
}

/**
 * Saves a state as one JSON section (`state`) and one section per column of each table in use
 * (`table.column`), and reads it back. Canonical: the same history folded gives the same bytes,
 * whatever batches it came in, whatever key counts the store gave and whether the fold resumed
 * from a checkpoint, so that a saved state can be proved by folding its events again.
 */
export function tableCodec<S extends ColumnarState, D>(layout: TableLayout<S, D>): StateCodec<S> {
  const rowsOf = (s: S, t: string) => s[t as keyof S] as unknown as Rows;
  return {
    format: TABLE_CODEC_FORMAT,
    encode(s) {
      const tableSizes: Record<string, number> = {};
      const columns: [string, SavedColumn][] = [];
      const save = (t: string, saved: [string, SavedColumn][]) => {
        for (const [column, values] of saved) columns.push([sectionName(t, column), values]);
      };
      for (const t of layout.keyed) {
        const table = rowsOf(s, t) as Table<Record<string, ColumnSpec>>;
        const rows = (tableSizes[t] = table.usedRows());
        if (rows > 0) save(t, table.columns(rows)); // a table with no rows is saved by its size alone
      }
      for (const t of layout.lists) {
        const list = rowsOf(s, t);
        if ((tableSizes[t] = list.size) > 0) save(t, list.columns());
      }
      const envelope: Envelope = {
        keySpace: s.keySpace ?? null,
        ownKeys: ownKeyTexts(s),
        tableSizes,
      };
      const doc = { ...envelope, ...layout.document(s) };
      const sections = new Map<string, Uint8Array>([['state', Buffer.from(JSON.stringify(doc))]]);
      // Bytes as they are; other widths viewed as bytes.
      for (const [name, values] of columns)
        sections.set(
          name,
          values instanceof Uint8Array
            ? values
            : new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
        );
      return sections;
    },
    decode(sections) {
      const json = sections.get('state');
      if (json === undefined) throw new Error(`saved ${layout.what} state has no state section`);
      const doc = JSON.parse(Buffer.from(json).toString()) as Envelope & D;
      const s = layout.init();
      s.keySpace = doc.keySpace ?? undefined;
      for (const t of [...layout.keyed, ...layout.lists]) {
        const size = doc.tableSizes[t] ?? 0;
        if (size > 0)
          rowsOf(s, t).restore(size, (column) => section(sections, sectionName(t, column), layout));
      }
      restoreOwnKeys(s, doc.ownKeys);
      layout.restore(s, doc);
      return s;
    },
  };
}

/** A Map's entries sorted by key: its canonical form in a saved document. */
export function sortedEntries<V>(m: ReadonlyMap<number, V>): [number, V][] {
  return [...m].sort((a, b) => a[0] - b[0]);
}

/** Names by key as saved (holes as null), and back. */
export const savedNames = (names: readonly (string | undefined)[]) =>
  Array.from(names, (n) => n ?? null);
export function restoredNames(saved: readonly (string | null)[]): string[] {
  const names: string[] = [];
  saved.forEach((n, i) => n !== null && (names[i] = n));
  return names;
}

/**
 * Section names (table.column) by table and column, made once: a fresh name per save and restore
 * costs a string hash at each lookup.
 */
const SECTION_NAMES = new Map<string, Map<string, string>>();
function sectionName(table: string, column: string): string {
  let names = SECTION_NAMES.get(table);
  if (names === undefined) SECTION_NAMES.set(table, (names = new Map()));
  let name = names.get(column);
  if (name === undefined) names.set(column, (name = `${table}.${column}`));
  return name;
}

/**
 * A saved column's bytes, as they were saved: tables read them at the width saved beside them
 * (table.ts).
 */
function section(
  sections: ReadonlyMap<string, Uint8Array>,
  name: string,
  layout: { what: string },
): Uint8Array {
  const bytes = sections.get(name);
  if (bytes === undefined) throw new Error(`saved ${layout.what} state has no ${name} section`);
  return bytes;
}
