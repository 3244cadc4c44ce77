import { formatInstant } from '@incident-ledger/core';
import { UsageError } from '../errors';
import { table } from '../table';
import type { Output } from './format';
import { isoInstant, yenText, type Row, type Value } from './values';

/**
 * How a column's values are shown as text and written as data: counts and yen are numbers (yen
 * shown with 億 from 1億 up), instants are epoch ms shown and written in the scenario's zone, ok
 * is a boolean shown as ok / MISMATCH.
 */
export type Kind = 'text' | 'count' | 'yen' | 'instant' | 'ok';

export interface Column {
  key: string;
  header: string;
  kind?: Kind;
  /** How text shows a value, when its kind does not say enough (the raw value goes to data). */
  show?: (row: Row) => string;
  /** A column for text only (a combined cell) or for data only (CSV and JSON). */
  only?: 'text' | 'data';
}

/** One table of a command's output, kept as raw values so that text, CSV and JSON all come from it. */
export interface Table {
  /** The name --by takes; its JSON key is the camelCase of it. */
  name: string;
  title: string;
  columns: Column[];
  rows: Row[];
  /** Totals: the last line in text, `totals.<key>` in JSON, never a row of the data. */
  total?: Row;
  /** A table of name/value pairs, written to JSON as one object keyed by name. */
  keyed?: { key: string; value: string };
  /** The JSON shape of a row, where it is not the flat row (nested figures). */
  json?: (row: Row, zone: string) => unknown;
}

/** A header fact: one line in text, one field in JSON. */
export interface Fact {
  key: string;
  label: string;
  text: string;
  value: unknown;
}

export const fact = (key: string, value: unknown, text = String(value), label = key): Fact => ({
  key,
  label,
  text,
  value,
});

/** Everything a command prints: its header facts, its tables, and fields for JSON only. */
export interface Document {
  command: string;
  /** The scenario's zone, in which instants are shown and written. */
  zone: string;
  facts: Fact[];
  tables: Table[];
  /** Fields JSON carries besides the facts and tables (a verdict, counts). */
  fields?: Record<string, unknown>;
  /** What --by offers, for the message when CSV is asked of several tables. */
  choose?: string;
}

/** The version of the JSON documents' shape (docs/output.md); raised on any breaking change. */
export const SCHEMA_VERSION = 1;

export const camelCase = (name: string) =>
  name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function printDocument(doc: Document, out: Output): void {
  if (out.format === 'json') return void console.log(documentJson(doc));
  if (out.format === 'csv') return void writeCsv(doc, out);
  console.log(documentText(doc));
}

/** The text format: the header facts, one a line, then each table. */
export function documentText(doc: Document): string {
  return [
    ...doc.facts.map((f) => `${f.label.padEnd(9)} ${f.text}`),
    ...doc.tables.map((t) => `\n${tableText(t, doc.zone)}`),
  ].join('\n');
}

/**
 * A check's verdict, after its document: below the tables in text, on stderr for JSON and CSV so
 * that their stdout stays one clean document.
 */
export function printVerdict(out: Output, lines: readonly string[]): void {
  if (lines.length === 0) return;
  if (out.format === 'text') console.log(['', ...lines].join('\n'));
  else for (const line of lines) console.error(line);
}

function writeCsv(doc: Document, out: Output): void {
  if (doc.tables.length !== 1)
    throw new UsageError(
      `--format csv prints one table; choose it with --by (${doc.choose ?? doc.tables.map((t) => t.name).join(', ')})`,
    );
  const text = tableCsv(doc.tables[0]!, doc.zone, out.excel ? '\r\n' : '\n');
  // Excel on Japanese Windows reads CSV as Shift_JIS unless it starts with a byte order mark;
  // console.log ends the last line with \n, after the \r.
  console.log(out.excel ? `\ufeff${text}\r` : text);
}

const dataColumns = (t: Table) => t.columns.filter((c) => c.only !== 'text');

/** A value as CSV and JSON write it: instants as ISO 8601 in the zone, the rest as they are. */
function dataValue(c: Column, v: Value, zone: string): Value {
  return c.kind === 'instant' && typeof v === 'number' ? isoInstant(v, zone) : v;
}

function textValue(c: Column, row: Row, zone: string): string {
  if (c.show) return c.show(row);
  const v = row[c.key] ?? null;
  if (v === null) return '';
  if (c.kind === 'ok') return v === true ? 'ok' : 'MISMATCH';
  if (typeof v !== 'number') return String(v);
  if (c.kind === 'instant') return Number.isFinite(v) ? formatInstant(v, zone) : '';
  return c.kind === 'yen' ? yenText(v) : v.toLocaleString('en-US');
}

export function tableText(t: Table, zone: string): string {
  const columns = t.columns.filter((c) => c.only !== 'data');
  const rows = t.rows.map((r) => columns.map((c) => textValue(c, r, zone)));
  if (t.total) rows.push(columns.map((c, i) => (i === 0 ? 'total' : textValue(c, t.total!, zone))));
  return [
    t.title,
    table(
      columns.map((c) => c.header),
      rows,
    ),
  ].join('\n');
}

/** RFC 4180: fields with commas, quotes or line breaks are quoted, quotes doubled. */
export function tableCsv(t: Table, zone: string, eol = '\n'): string {
  const cell = (v: Value) => {
    const s = v === null ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const columns = dataColumns(t);
  return [
    columns.map((c) => cell(c.key)).join(','),
    ...t.rows.map((r) => columns.map((c) => cell(dataValue(c, r[c.key] ?? null, zone))).join(',')),
  ].join(eol);
}

function rowJson(t: Table, row: Row, zone: string): unknown {
  if (t.json) return t.json(row, zone);
  return Object.fromEntries(
    dataColumns(t)
      .filter((c) => c.key in row)
      .map((c) => [c.key, dataValue(c, row[c.key] ?? null, zone)]),
  );
}

/**
 * JSON: schemaVersion and command, the header facts and the fields, every table under the
 * camelCase of its name, and the tables' totals under `totals`.
 */
export function documentValue(doc: Document): Record<string, unknown> {
  const value: Record<string, unknown> = { schemaVersion: SCHEMA_VERSION, command: doc.command };
  for (const f of doc.facts) value[f.key] = f.value;
  Object.assign(value, doc.fields);
  const totals: Record<string, unknown> = {};
  for (const t of doc.tables) {
    value[camelCase(t.name)] = t.keyed
      ? Object.fromEntries(t.rows.map((r) => [String(r[t.keyed!.key]), r[t.keyed!.value] ?? null]))
      : t.rows.map((r) => rowJson(t, r, doc.zone));
    if (t.total) totals[camelCase(t.name)] = rowJson(t, t.total, doc.zone);
  }
  if (Object.keys(totals).length > 0) value.totals = totals;
  return value;
}

export const documentJson = (doc: Document) => JSON.stringify(documentValue(doc), null, 2);
