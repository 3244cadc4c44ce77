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

/** The columns a code column is followed by, with the name scenario.yaml gives the code. */
const NAMED: Record<string, string> = { bankCode: 'bankName', operatorCode: 'operatorName' };

/**
 * A projection's table (core's ViewTable) as the output contract prints it. Core knows banks and
 * operators by code only: a bank or operator code column is followed by its name from
 * scenario.yaml (or null), as in every table about banks.
 */
export function viewTable(
  t: ViewTable,
  names: { bank: BankNames; operator: BankNames },
  top?: number,
): Table {
  const named = t.columns.some((c) => NAMED[c.key] !== undefined);
  const nameOf = (key: string, code: string) =>
    (key === 'bankCode' ? names.bank : names.operator).get(code) ?? null;
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
      ...(NAMED[c.key] !== undefined ? [{ key: NAMED[c.key]!, header: 'name' }] : []),
    ]),
    rows: named
      ? rows.map((r) =>
          Object.fromEntries(
            Object.entries(r).flatMap(([k, v]) => [
              [k, v],
              ...(NAMED[k] !== undefined ? [[NAMED[k]!, nameOf(k, String(v))]] : []),
            ]),
          ),
        )
      : rows,
  };
}
