import { isUtf8 } from 'node:buffer';
import { ScenarioError } from './errors';
import { FileRefused, readChunks, type OpenFile } from './open-file';

/**
 * A file's text, decoded as UTF-8 a chunk at a time. Bytes that are not UTF-8 are refused at their
 * line and column, never replaced by U+FFFD: a replaced byte would change an id or an amount
 * silently. A BOM at the start is dropped. Each chunk is checked (isUtf8) and then decoded by
 * Buffer.toString, which gives V8's one-byte strings for ASCII text: half the memory of
 * TextDecoder's, and read several times faster by the parsers.
 */
export function* decodeChunks(file: OpenFile, shown: string): Generator<string> {
  let pending: Buffer = Buffer.alloc(0);
  let line = 1;
  let column = 1;
  let first = true;
  try {
    for (const chunk of readChunks(file)) {
      let bytes = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      if (first && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
        bytes = bytes.subarray(3);
      first = false;
      const end = completeLength(bytes);
      pending = Buffer.from(bytes.subarray(end)); // the chunk's buffer is reused by the next read
      const complete = bytes.subarray(0, end);
      if (!isUtf8(complete)) throw invalidAt(complete, shown, line, column);
      const text = complete.toString('utf8');
      ({ line, column } = advance(text, line, column));
      yield text;
    }
  } catch (e) {
    if (e instanceof FileRefused)
      throw new ScenarioError(shown, undefined, undefined, [], e.problem, e.hint);
    throw e;
  }
  if (pending.length > 0) throw invalidAt(pending, shown, line, column);
}

/**
 * The whole text of a file (a YAML file, bounded by its limit), as one flat string: a string
 * concatenated chunk by chunk is a tree that V8 reads several times slower through slices.
 */
export function readText(file: OpenFile, shown: string): string {
  return [...decodeChunks(file, shown)].join('');
}

/** The file's lines (numbered from 1, without their line break), each at most `maxChars` long. */
export function* readLines(
  file: OpenFile,
  shown: string,
  maxChars: number,
): Generator<{ text: string; line: number }> {
  let rest = '';
  let line = 1;
  const tooLong = () =>
    new ScenarioError(
      shown,
      line,
      1,
      [],
      `line is longer than ${maxChars.toLocaleString('en-US')} characters`,
      'write one event per line; an event is far shorter',
    );
  for (const chunk of decodeChunks(file, shown)) {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      if (rest.length + nl - start > maxChars) throw tooLong();
      const text = rest + chunk.slice(start, nl);
      rest = '';
      yield { text: text.endsWith('\r') ? text.slice(0, -1) : text, line: line++ };
      start = nl + 1;
    }
    if (rest.length + chunk.length - start > maxChars) throw tooLong();
    rest += chunk.slice(start);
  }
  if (rest !== '') yield { text: rest.endsWith('\r') ? rest.slice(0, -1) : rest, line };
}

/** Where the text after `text` starts, given where `text` started. */
function advance(text: string, line: number, column: number) {
  let last = -1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, column: last === -1 ? column + text.length : text.length - last };
}

/** Bytes of `b` up to its last complete UTF-8 sequence: a sequence cut by a chunk waits. */
function completeLength(b: Buffer): number {
  let i = b.length - 1;
  while (i >= 0 && i > b.length - 4 && (b[i]! & 0xc0) === 0x80) i--;
  if (i < 0) return b.length;
  const lead = b[i]!;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return i + need > b.length ? i : b.length;
}

/** The error for the first byte of `b` that is not UTF-8, `b` starting at line:column. */
function invalidAt(b: Buffer, shown: string, line: number, column: number): ScenarioError {
  const at = firstInvalid(b);
  const before = advance(b.subarray(0, at).toString('utf8'), line, column);
  return new ScenarioError(
    shown,
    before.line,
    before.column,
    [],
    `is not valid UTF-8 (byte 0x${b[at]!.toString(16).toUpperCase().padStart(2, '0')})`,
    'save the file as UTF-8: the loader neither guesses encodings nor replaces what it cannot read',
  );
}

/** Offset of the first byte of `b` that does not belong to a well-formed UTF-8 sequence. */
function firstInvalid(b: Buffer): number {
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    // Lead byte: sequence length and the allowed range of the second byte (no overlongs, no
    // surrogates, nothing past U+10FFFF).
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + 1 >= b.length || b[i + 1]! < lo || b[i + 1]! > hi) return i;
    for (let k = 2; k < n; k++) if (i + k >= b.length || (b[i + k]! & 0xc0) !== 0x80) return i;
    i += n;
  }
  return b.length;
}
