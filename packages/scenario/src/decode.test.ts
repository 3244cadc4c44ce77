import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLines, readText } from './decode';
import { ScenarioError } from './errors';
import { READ_CHUNK_BYTES } from './limits';
import { openInside } from './open-file';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'decode-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = (bytes: Buffer) => {
  writeFileSync(join(dir, 'f.txt'), bytes);
  return openInside(dir, 'f.txt', 1 << 30, 'a test file');
};
const refusal = (f: () => unknown): ScenarioError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('accepted');
};
/** Lines of `n` ASCII characters (the last without its line break) reaching `bytes` bytes. */
const padding = (bytes: number, n = 99) =>
  Buffer.from(
    `${'a'.repeat(n)}\n`.repeat(Math.floor(bytes / (n + 1))) + 'b'.repeat(bytes % (n + 1)),
  );

describe('decoding a file as UTF-8', () => {
  it('reads a character cut in two by a chunk boundary whole', () => {
    for (let cut = 1; cut <= 3; cut++) {
      const bytes = Buffer.concat([padding(READ_CHUNK_BYTES - cut), Buffer.from('𠮷x\n')]);
      const text = readText(open(bytes), 'f.txt');
      expect(text.endsWith('𠮷x\n')).toBe(true);
      expect(Buffer.byteLength(text)).toBe(bytes.length);
    }
  });

  it('locates the first byte that is not UTF-8 by line and column, across chunks', () => {
    const before = padding(READ_CHUNK_BYTES + 5); // 10,485 full lines of 100 bytes, then "bbbbb..."
    const bytes = Buffer.concat([
      before,
      Buffer.from('é'),
      Buffer.from([0xe3, 0x81]),
      Buffer.from('z\n'),
    ]);
    const e = refusal(() => readText(open(bytes), 'f.txt'));
    const lines = before.toString().split('\n');
    expect(e).toMatchObject({ line: lines.length, column: lines[lines.length - 1]!.length + 2 });
    expect(e.message).toMatch(/f\.txt:\d+:\d+: is not valid UTF-8 \(byte 0xE3\)/);
  });

  it.each([
    ['an overlong encoding', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a lone continuation byte', [0x80]],
    ['a sequence cut by the end of the file', [0xe3, 0x81]],
  ])('refuses %s, never replacing it', (_, seq) => {
    const e = refusal(() =>
      readText(open(Buffer.concat([Buffer.from('ok\nab'), Buffer.from(seq)])), 'f.txt'),
    );
    expect(e).toMatchObject({ line: 2, column: 3 });
  });

  it('drops a BOM at the start, splits lines on LF and CRLF', () => {
    const lines = [...readLines(open(Buffer.from('\ufeffa\r\nb\nc')), 'f.txt', 10)];
    expect(lines).toEqual([
      { text: 'a', line: 1 },
      { text: 'b', line: 2 },
      { text: 'c', line: 3 },
    ]);
  });

  it('refuses a line longer than the limit at its line, without reading on', () => {
    const e = refusal(() => [
      ...readLines(open(Buffer.from(`ok\n${'x'.repeat(50)}\n`)), 'f.txt', 20),
    ]);
    expect(e.message).toMatch(/f\.txt:2:1: line is longer than 20 characters/);
  });
});
