import { describe } from '@incident-ledger/core';
import type { RawEvent } from './event-entry';
import { ScenarioError } from './errors';
import { YamlFile } from './yaml-file';

const JSON_HINT =
  'write one event per line as a JSON object: {"key": "C1/charge-1", "type": "ChargeExecuted", "stream": "wallet-W1", "occurredAt": "2024-03-04T10:30:00+09:00", "data": {...}}';

/**
 * The events of an NDJSON file: one JSON object per line, with the fields of a YAML event; blank
 * lines are skipped. A key written twice in one object is refused, as YAML refuses it (JSON.parse
 * would keep the last silently). Errors are located by parsing the line again with the yaml package
 * (JSON is YAML), only when there is one.
 */
export function* ndjsonRawEvents(
  lines: Iterable<{ text: string; line: number }>,
  file: string,
): Generator<RawEvent> {
  for (const { text, line } of lines) {
    if (text.trim() === '') continue;
    let fields: unknown;
    try {
      fields = JSON.parse(text);
    } catch (e) {
      throw e instanceof RangeError ? tooDeep(file, line) : notJson(text, line, file);
    }
    const error = (path: (string | number)[], problem: string, hint?: string) =>
      new ScenarioError(file, line, columnOf(text, path), path, problem, hint);
    if (writtenKeys(text) !== keysOf(fields, file, line))
      throw new ScenarioError(
        file,
        line,
        columnOf(text),
        [],
        'holds a key twice in one object',
        'write each key once: JSON.parse would keep the last one silently',
      );
    yield { fields, line, error };
  }
}

/**
 * The column of the value at `path` in a line of JSON, read again by the yaml package (JSON is
 * YAML); without a path, the column of the yaml package's own error, such as a repeated key.
 */
function columnOf(text: string, path: (string | number)[] = []): number {
  try {
    return YamlFile.parse(text, '').locate(path).column ?? 1;
  } catch (e) {
    if (e instanceof ScenarioError) return e.column ?? 1;
    throw e;
  }
}

function notJson(text: string, line: number, file: string): ScenarioError {
  const position = jsonErrorAt(text);
  return new ScenarioError(
    file,
    line,
    position + 1,
    [],
    position >= text.length
      ? 'is not a JSON object: the line ends before the value does'
      : `is not a JSON object: unexpected ${describe(text.charAt(position))}`,
    JSON_HINT,
  );
}

/** Keys in the objects of a parsed value; a value nested too deeply to count is refused. */
function keysOf(v: unknown, file: string, line: number): number {
  try {
    return parsedKeys(v);
  } catch (e) {
    if (e instanceof RangeError) throw tooDeep(file, line);
    throw e;
  }
}

function tooDeep(file: string, line: number): ScenarioError {
  return new ScenarioError(
    file,
    line,
    1,
    [],
    'is nested too deeply to read',
    'an event nests a few levels deep: write its values out flat',
  );
}

function parsedKeys(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  let n = 0;
  if (Array.isArray(v)) for (const x of v) n += parsedKeys(x);
  else for (const x of Object.values(v)) n += 1 + parsedKeys(x);
  return n;
}

/**
 * Keys written in a line of valid JSON. Outside strings, a `"` followed by `:` ends a key; inside
 * one, a `"` is escaped. So without escaped quotes or space before a colon, counting `":` is
 * exact; otherwise every string is tokenized.
 */
function writtenKeys(text: string): number {
  let n = 0;
  if (!text.includes('\\"') && !/"\s+:/.test(text)) {
    for (let i = text.indexOf('":'); i !== -1; i = text.indexOf('":', i + 2)) n++;
    return n;
  }
  for (const m of text.matchAll(/"(?:[^"\\]|\\.)*"(\s*:)?/g)) if (m[1] !== undefined) n++;
  return n;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;
const ESCAPE = /["\\/bfnrt]|u[0-9a-fA-F]{4}/y;

/**
 * Where a line JSON.parse refused stops being JSON (V8's messages do not always say): a small
 * scanner, run only then. Returns the text's length when the line ends too soon.
 */
function jsonErrorAt(text: string): number {
  const open: number[] = []; // char codes of the open containers' closers: } or ]
  let i = 0;
  let expect: 'value' | 'key' | 'colon' | 'next' = 'value';
  const sticky = (re: RegExp) => {
    re.lastIndex = i;
    if (!re.test(text)) return false;
    i = re.lastIndex;
    return true;
  };
  const string = () => {
    for (i++; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) return (i++, true);
      if (c < 32) return false;
      if (c === 92) {
        i++;
        if (!sticky(ESCAPE)) return false;
        i--;
      }
    }
    return false;
  };
  for (;;) {
    while (i < text.length && ' \t\r\n'.includes(text.charAt(i))) i++;
    if (i >= text.length) return text.length;
    const c = text.charCodeAt(i);
    if (expect === 'value') {
      if (c === 123 || c === 91) {
        open.push(c === 123 ? 125 : 93);
        i++;
        expect = c === 123 ? 'key' : 'value';
        while (i < text.length && ' \t\r\n'.includes(text.charAt(i))) i++;
        if (text.charCodeAt(i) === open[open.length - 1]) (open.pop(), i++, (expect = 'next'));
      } else if (c === 34 ? string() : sticky(NUMBER) || sticky(LITERAL)) expect = 'next';
      else return i;
    } else if (expect === 'key') {
      if (c !== 34 || !string()) return i;
      expect = 'colon';
    } else if (expect === 'colon') {
      if (c !== 58) return i;
      i++;
      expect = 'value';
    } else {
      const closer = open[open.length - 1];
      if (closer === undefined) return i; // something after the value
      if (c === 44) expect = closer === 125 ? 'key' : 'value';
      else if (c === closer) open.pop();
      else return i;
      i++;
    }
  }
}
