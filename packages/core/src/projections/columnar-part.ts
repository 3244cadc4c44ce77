import { DOMAIN, type ColumnBatch, type KeyDomain } from '../events/columns';
import { evolveByRow, takeKeySpace, type ColumnarState } from './columnar';
import type { BatchColumn, Projection } from './projection';
import { tableCodec, type TableLayout } from './table-codec';
import type { ColumnSpec, Table } from './table';

/** A part folded from columns, its state in tables (a part: composite.ts). */
export interface ColumnarPart<S extends ColumnarState, D> {
  readonly name: string;
  readonly version: number;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly reads: readonly BatchColumn[];
  readonly init: () => S;
  /**
   * Its tables with a row per dictionary key, by the domain of the key: reserved for each batch
   * (sized by the batch's key counts), and saved up to their last written row.
   */
  readonly keyed: Readonly<Partial<Record<keyof S & string, KeyDomain>>>;
  /** Its tables and Pools grown row by row (list entries), saved whole. */
  readonly lists: TableLayout<S, D>['lists'];
  readonly document: TableLayout<S, D>['document'];
  readonly restore: TableLayout<S, D>['restore'];
  /** Folds rows [from, to) of a batch, its keyed tables reserved: the part's own loop. */
  fold(s: S, b: ColumnBatch, from: number, to: number): void;
}

/**
 * The projection of a columnar part: its columnar fold (the key numbering checked, the keyed tables
 * reserved, then its loop), the same fold for events one by one, and its canonical codec.
 */
export function columnarPart<S extends ColumnarState, D>(part: ColumnarPart<S, D>): Projection<S> {
  const keyed = Object.entries(part.keyed) as [keyof S & string, KeyDomain][];
  const evolveColumns = (s: S, b: ColumnBatch, from: number, to: number): void => {
    takeKeySpace(s, b, part.name);
    // A batch's key counts bound its keys; a store's bound the whole read (keyCountsFinal).
    const final = b.keyCountsFinal === true;
    for (const [table, domain] of keyed)
      (s[table] as Table<Record<string, ColumnSpec>>).reserve(b.keyCounts[DOMAIN[domain]]!, final);
    part.fold(s, b, from, to);
  };
  return {
    name: part.name,
    version: part.version,
    ...(part.parameters && { parameters: part.parameters }),
    reads: part.reads,
    init: part.init,
    evolve: evolveByRow(evolveColumns),
    evolveColumns,
    codec: tableCodec({
      what: part.name,
      init: part.init,
      keyed: keyed.map(([table]) => table),
      lists: part.lists,
      document: part.document,
      restore: part.restore,
    }),
  };
}
