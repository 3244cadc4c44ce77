import fc from 'fast-check';
import { canonicalJson, jsonString } from './canonical';

/** The definition, written the plain way: what the fast paths must give, text for text. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('not finite');
    if (value === undefined) throw new Error('undefined');
    return JSON.stringify(value);
  }
  if (Array.isArray(value))
    return `[${Array.from(value.keys(), (i) => (i in value ? reference(value[i]) : '')).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const entries = Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`);
  return `{${entries.join(',')}}`;
}

describe('canonicalJson', () => {
  it('sorts keys and drops undefined members, whatever order they were built in', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 'x', c: null }], u: undefined })).toBe(
      '{"a":[2,{"c":null,"d":"x"}],"b":1}',
    );
  });

  it('escapes strings exactly as JSON.stringify does', () => {
    for (const s of [
      '',
      'plain',
      'q"uote',
      'back\\slash',
      'tab\there',
      '\u0000\u001f',
      'ケース',
      '😀',
      '\ud800',
      'x\udfff',
      '\u007f\u2028',
    ]) {
      expect(jsonString(s)).toBe(JSON.stringify(s));
      expect(canonicalJson({ [s]: s })).toBe(`{${JSON.stringify(s)}:${JSON.stringify(s)}}`);
    }
  });

  it('gives the reference text for any JSON-like value, keys in any order', () => {
    fc.assert(
      // 'binary' strings: any code unit, lone surrogate halves and controls included.
      fc.property(
        fc.jsonValue({ stringUnit: 'binary' }),
        fc.dictionary(fc.string({ unit: 'binary' }), fc.option(fc.integer(), { nil: undefined })),
        (v, o) => {
          expect(canonicalJson(v)).toBe(reference(v));
          expect(canonicalJson(o)).toBe(reference(o));
        },
      ),
      { seed: 7, numRuns: 500 },
    );
  });

  it('refuses what has no canonical text', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalJson([Number.POSITIVE_INFINITY])).toThrow(/Infinity/);
    expect(() => canonicalJson(undefined)).toThrow(/undefined/);
  });
});
