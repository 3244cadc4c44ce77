import { EVENT_SCHEMAS, EVENT_TYPES, isEventType, type EventType } from '@incident-ledger/core';
import type { RawEvent } from './event-entry';
import { ScenarioError } from './errors';
import { MAX_LINE_CHARS } from './limits';

/** Columns of the envelope; every other column is a data field, named as in the schema. */
export const CSV_ENVELOPE_COLUMNS = ['key', 'type', 'stream', 'occurredAt', 'recordedAt'];
/** Every data field of every type: the columns a CSV file may have besides the envelope. */
export const CSV_DATA_COLUMNS = [
  ...new Set(EVENT_TYPES.flatMap((t) => Object.keys(EVENT_SCHEMAS[t]))),
];
/** Separates the words of a list cell (`factors`: `account-number|pin|name|birth-date`). */
export const CSV_LIST_SEPARATOR = '|';
const WHOLE_NUMBER = /^-?\d+$/;

interface Record_ {
  cells: string[];
  /** The record's text (its lines joined by \n when a quoted cell spans lines) and first line. */
  text: string;
  line: number;
}
type FieldSpec = { kind: string; of?: { kind: string } } | { optional: FieldSpec };

/**
 * The events of a CSV file (RFC 4180: a header row, cells separated by commas, a cell quoted with "
 * when it holds a comma, a quote (doubled) or a line break). Columns are named after the fields:
 * `key`, `type`, `stream`, `occurredAt`, `recordedAt` and the data fields by their names
 * (`walletId`, `amountYen`, ...). An empty cell is a field not given. By the field's type in the
 * schema: amounts and counts are digits, a list of words is separated by `|`, `figures` is a JSON
 * list. `declaredType` (scenario.yaml: `{ path, type }`) is the type of every row, and then there
 * is no `type` column.
 */
export function* csvRawEvents(
  lines: Iterable<{ text: string; line: number }>,
  file: string,
  declaredType?: EventType,
): Generator<RawEvent> {
  let header: string[] | undefined;
  for (const r of records(lines, file)) {
    if (r.text === '') continue;
    if (header === undefined) {
      header = checkHeader(r, file, declaredType);
      continue;
    }
    if (r.cells.length !== header.length)
      throw new ScenarioError(
        file,
        r.line,
        1,
        [],
        `has ${r.cells.length} cells; the header names ${header.length} columns`,
        'give every row one cell per column (an empty cell for a field not given); quote a cell that holds a comma',
      );
    yield rowEvent(r, header, file, declaredType);
  }
}

function rowEvent(r: Record_, header: string[], file: string, declaredType?: EventType): RawEvent {
  const fields: Record<string, unknown> = {};
  const data: Record<string, unknown> = {};
  header.forEach((name, i) => {
    const cell = r.cells[i]!;
    if (cell === '') return;
    if (CSV_ENVELOPE_COLUMNS.includes(name)) fields[name] = cell;
    else data[name] = cell;
  });
  if (declaredType !== undefined) fields.type = declaredType;
  const column = (name: string | number | undefined) => {
    const i = header.indexOf(String(name));
    return i === -1 ? 1 : cellStarts(r.text)[i]! + 1;
  };
  const error = (path: (string | number)[], problem: string, hint?: string) => {
    const inData = path[0] === 'data';
    const shown = inData ? path.slice(1) : path;
    const { line, col } = lineOf(r, column(shown[0]));
    return new ScenarioError(file, line, col, shown, problem, hint);
  };
  const type = fields.type;
  if (isEventType(type)) {
    const shape = EVENT_SCHEMAS[type] as unknown as Record<string, FieldSpec>;
    for (const [name, text] of Object.entries(data)) {
      const spec = shape[name];
      if (spec !== undefined)
        data[name] = decodeCell(text as string, spec, () =>
          error(
            ['data', name],
            'must be a JSON list of figures, e.g. [{"name": "cases", "value": 3}]',
          ),
        );
    }
  }
  fields.data = data;
  return { fields, line: r.line, error };
}

/** A cell's value for a field of the schema: the text, or the number or list the field is. */
function decodeCell(text: string, spec: FieldSpec, notJson: () => ScenarioError): unknown {
  const f = 'optional' in spec ? spec.optional : spec;
  if ('optional' in f) return decodeCell(text, f, notJson);
  switch (f.kind) {
    case 'yen':
    case 'count':
    case 'positive':
      return WHOLE_NUMBER.test(text) ? Number(text) : text;
    case 'list':
      if (f.of?.kind !== 'object') return text.split(CSV_LIST_SEPARATOR);
      try {
        return JSON.parse(text);
      } catch {
        throw notJson();
      }
    default:
      return text;
  }
}

function checkHeader(r: Record_, file: string, declaredType?: EventType): string[] {
  const allowed = [
    ...CSV_ENVELOPE_COLUMNS.filter((c) => c !== 'type' || declaredType === undefined),
    ...(declaredType === undefined ? CSV_DATA_COLUMNS : Object.keys(EVENT_SCHEMAS[declaredType])),
  ];
  const at = (i: number) => cellStarts(r.text)[i]! + 1;
  r.cells.forEach((name, i) => {
    if (!allowed.includes(name))
      throw new ScenarioError(
        file,
        r.line,
        at(i),
        [name],
        name === 'type'
          ? 'is a column, but scenario.yaml declares the type of this file'
          : 'unknown column',
        name === 'type'
          ? 'drop the type column, or the type: of this file in scenario.yaml'
          : `the header names fields: ${allowed.join(', ')}`,
      );
    if (r.cells.indexOf(name) !== i)
      throw new ScenarioError(
        file,
        r.line,
        at(i),
        [name],
        'is a column twice',
        'name each column once',
      );
  });
  const required = ['key', 'stream', 'occurredAt', ...(declaredType === undefined ? ['type'] : [])];
  const missing = required.find((c) => !r.cells.includes(c));
  if (missing !== undefined)
    throw new ScenarioError(
      file,
      r.line,
      1,
      [],
      `the header has no ${missing} column`,
      `a CSV event file names at least the columns ${required.join(', ')}`,
    );
  return r.cells;
}

/** Records of the file: a line, or several when a quoted cell holds line breaks. */
function* records(
  lines: Iterable<{ text: string; line: number }>,
  file: string,
): Generator<Record_> {
  const it = lines[Symbol.iterator]();
  for (let next = it.next(); !next.done; next = it.next()) {
    let { text } = next.value;
    const { line } = next.value;
    if (!text.includes('"')) {
      yield { cells: text.split(','), text, line };
      continue;
    }
    for (;;) {
      const cells = splitQuoted(text, (at, problem) => {
        const where = lineOf({ text, line, cells: [] }, at + 1);
        return new ScenarioError(
          file,
          where.line,
          where.col,
          [],
          problem,
          'quote a cell that holds a comma, a quote or a line break, and double the quotes inside it: "say ""no"""',
        );
      });
      if (cells !== undefined) {
        yield { cells, text, line };
        break;
      }
      const more = it.next();
      if (more.done || text.length > MAX_LINE_CHARS)
        throw new ScenarioError(
          file,
          line,
          1,
          [],
          `a quoted cell is not closed ${more.done ? 'before the end of the file' : `within ${MAX_LINE_CHARS.toLocaleString('en-US')} characters`}`,
          'close the quote of the cell that starts on this line',
        );
      text += `\n${more.value.text}`;
    }
  }
}

/** The cells of a record with quotes; undefined while a quoted cell is still open. */
function splitQuoted(
  text: string,
  bad: (at: number, problem: string) => ScenarioError,
): string[] | undefined {
  const cells: string[] = [];
  for (let i = 0; ;) {
    if (text.charCodeAt(i) === 34) {
      let value = '';
      for (i++; ;) {
        const q = text.indexOf('"', i);
        if (q === -1) return undefined;
        value += text.slice(i, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      cells.push(value);
      if (i === text.length) return cells;
      if (text.charCodeAt(i) !== 44) throw bad(i, 'a quoted cell goes on after its closing quote');
      i++;
    } else {
      const comma = text.indexOf(',', i);
      const cell = text.slice(i, comma === -1 ? text.length : comma);
      const quote = cell.indexOf('"');
      if (quote !== -1) throw bad(i + quote, 'a cell that is not quoted holds a quote');
      cells.push(cell);
      if (comma === -1) return cells;
      i = comma + 1;
    }
  }
}

/** Where each cell of a record starts (offsets in its text). */
function cellStarts(text: string): number[] {
  const starts = [0];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) quoted = !quoted;
    else if (c === 44 && !quoted) starts.push(i + 1);
  }
  return starts;
}

/** Line and column of a 1-based offset into a record that may span lines. */
function lineOf(r: Record_, offset: number): { line: number; col: number } {
  const before = r.text.slice(0, offset - 1);
  const breaks = before.split('\n').length - 1;
  return { line: r.line + breaks, col: offset - (breaks ? before.lastIndexOf('\n') + 1 : 0) };
}
