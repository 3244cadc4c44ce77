import { PROJECTIONS, type ViewTable } from '@incident-ledger/core';
import type { Table } from './output';
import { topRows } from './periods';
import { RANKED_TABLES, REPORT_TABLES, type BankNames } from './render';

/** Every table `replay --by` takes: the incident report's, then those of other projections. */
export const BY_TABLES: readonly string[] = [...REPORT_TABLES, ...PROJECTIONS.tables];

/** Every table --top ranks: the report's, then those projections rank (PROJECTIONS.rankedBy). */
export const RANKED_BY_TABLES: readonly string[] = [...RANKED_TABLES, ...PROJECTIONS.rankedTables];

/** Whether a table comes from a registered projection rather than the incident report. */
export const isProjectionTable = (name: string) => PROJECTIONS.tables.includes(name);

/**
 * A projection's table (core's ViewTable) as the output contract prints it. Core knows banks by
 * code only: a bank code column is followed by the bank's name from scenario.yaml (or null), as
 * in every table about banks.
 */
export function viewTable(t: ViewTable, names: BankNames, top?: number): Table {
  const named = t.columns.some((c) => c.key === 'bankCode');
  const rankedBy = PROJECTIONS.table(t.name).rankedBy;
  const rows = rankedBy === undefined ? t.rows : topRows(t.rows, (r) => Number(r[rankedBy]), top);
  return {
    name: t.name,
    title:
      top === undefined || rankedBy === undefined
        ? t.title
        : `${t.title}, the ${top} largest by ${t.columns.find((c) => c.key === rankedBy)!.header}`,
    columns: t.columns.flatMap((c) => [
      { key: c.key, header: c.header, kind: c.kind },
      ...(c.key === 'bankCode' ? [{ key: 'bankName', header: 'name' }] : []),
    ]),
    rows: named
      ? rows.map((r) =>
          Object.fromEntries(
            Object.entries(r).flatMap(([k, v]) => [
              [k, v],
              ...(k === 'bankCode' ? [['bankName', names.get(String(v)) ?? null]] : []),
            ]),
          ),
        )
      : rows,
  };
}
