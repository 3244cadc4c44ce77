import { PROJECTIONS, type ViewTable } from '@incident-ledger/core';
import type { Table } from './output';
import { REPORT_TABLES, type BankNames } from './render';

/** Every table `replay --by` takes: the incident report's, then those of other projections. */
export const BY_TABLES: readonly string[] = [...REPORT_TABLES, ...PROJECTIONS.tables];

/** Whether a table comes from a registered projection rather than the incident report. */
export const isProjectionTable = (name: string) => PROJECTIONS.tables.includes(name);

/**
 * A projection's table (core's ViewTable) as the output contract prints it. Core knows banks by
 * code only: a bank code column is followed by the bank's name from scenario.yaml (or null), as
 * in every table about banks.
 */
export function viewTable(t: ViewTable, names: BankNames): Table {
  const named = t.columns.some((c) => c.key === 'bankCode');
  return {
    name: t.name,
    title: t.title,
    columns: t.columns.flatMap((c) => [
      { key: c.key, header: c.header, kind: c.kind },
      ...(c.key === 'bankCode' ? [{ key: 'bankName', header: 'name' }] : []),
    ]),
    rows: named
      ? t.rows.map((r) =>
          Object.fromEntries(
            Object.entries(r).flatMap(([k, v]) => [
              [k, v],
              ...(k === 'bankCode' ? [['bankName', names.get(String(v)) ?? null]] : []),
            ]),
          ),
        )
      : t.rows,
  };
}
