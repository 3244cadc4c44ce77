import { PROJECTIONS, type ViewTable } from '@incident-ledger/core';
import type { Table } from './output';
import { REPORT_TABLES } from './render';

/** Every table `replay --by` takes: the incident report's, then those of other projections. */
export const BY_TABLES: readonly string[] = [...REPORT_TABLES, ...PROJECTIONS.tables];

/** Whether a table comes from a registered projection rather than the incident report. */
export const isProjectionTable = (name: string) => PROJECTIONS.tables.includes(name);

/** A projection's table (core's ViewTable) as the output contract prints it. */
export function viewTable(t: ViewTable): Table {
  return {
    name: t.name,
    title: t.title,
    columns: t.columns.map((c) => ({ key: c.key, header: c.header, kind: c.kind })),
    rows: t.rows,
  };
}
