import { UsageError } from './errors';
import { table } from './table';

/** One table of a report, kept as raw values so that text, CSV and JSON all come from it. */
export interface Table {
  name: string;
  title: string;
  columns: Column[];
  rows: Record<string, string | number | null>[];
}
export interface Column {
  key: string;
  header: string;
  /** How the text format shows a value (the raw value goes to CSV and JSON). */
  show?: (row: Record<string, string | number | null>) => string;
}

export const FORMATS = ['table', 'json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

export function formatOption(value: string | undefined): Format {
  if (value === undefined) return 'table';
  if (!(FORMATS as readonly string[]).includes(value))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${value}"`);
  return value as Format;
}

const plain = (v: string | number | null) =>
  v === null ? '' : typeof v === 'number' ? v.toLocaleString('en-US') : v;

export function tableText(t: Table): string {
  return [
    t.title,
    table(
      t.columns.map((c) => c.header),
      t.rows.map((r) => t.columns.map((c) => (c.show ? c.show(r) : plain(r[c.key] ?? null)))),
    ),
  ].join('\n');
}

/** RFC 4180: fields with commas, quotes or line breaks are quoted, quotes doubled. */
export function tableCsv(t: Table): string {
  const cell = (v: string | number | null) => {
    const s = v === null ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [
    t.columns.map((c) => cell(c.key)).join(','),
    ...t.rows.map((r) => t.columns.map((c) => cell(r[c.key] ?? null)).join(',')),
  ].join('\n');
}

/** JSON: the header fields and every table's rows under its name. */
export function tablesJson(header: Record<string, unknown>, tables: readonly Table[]): string {
  return JSON.stringify(
    { ...header, ...Object.fromEntries(tables.map((t) => [t.name, t.rows])) },
    null,
    2,
  );
}

/**
 * Prints tables in the chosen format. Text: the header lines, then each table. JSON: one
 * document. CSV: exactly one table (CSV has no room for more), so the caller must pick it.
 */
export function printTables(
  format: Format,
  header: Record<string, string>,
  tables: readonly Table[],
): void {
  if (format === 'json') return console.log(tablesJson(header, tables));
  if (format === 'csv') {
    if (tables.length !== 1)
      throw new UsageError(
        `--format csv prints one table; choose it with --by (${tables.map((t) => t.name).join(', ')})`,
      );
    return console.log(tableCsv(tables[0]!));
  }
  for (const [k, v] of Object.entries(header)) console.log(`${k.padEnd(9)} ${v}`);
  for (const t of tables) console.log(`\n${tableText(t)}`);
}
