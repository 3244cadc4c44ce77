import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { sameData } from './same';

const anything = fc.anything({
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withSparseArray: true,
  withBoxedValues: true,
  withTypedArray: true,
  withDate: true,
  maxDepth: 3,
});

/** A copy with one leaf changed (or none), so that pairs are often equal and often nearly so. */
function nearly(v: unknown, change: number): unknown {
  return JSON.parse(JSON.stringify(v ?? null), (_k, x) =>
    typeof x === 'number' && change-- === 0 ? x + 1 : x,
  );
}

describe('sameData', () => {
  it('answers as isDeepStrictEqual does, for equal, nearly equal and unrelated values', () => {
    fc.assert(
      fc.property(anything, anything, fc.jsonValue(), fc.nat(5), (a, b, json, change) => {
        expect(sameData(a, b)).toBe(isDeepStrictEqual(a, b));
        const copy = structuredCloneOrSelf(a);
        expect(sameData(a, copy)).toBe(isDeepStrictEqual(a, copy));
        const near = nearly(json, change);
        expect(sameData(json, near)).toBe(isDeepStrictEqual(json, near));
      }),
      { seed: 11, numRuns: 400 },
    );
  });

  it('tells apart what the invariants compare: Maps, Sets, -0, NaN, holes, missing and undefined members', () => {
    const cases: [unknown, unknown, boolean][] = [
      [new Map([['a', { x: 1 }]]), new Map([['a', { x: 1 }]]), true],
      [new Map([['a', { x: 1 }]]), new Map([['a', { x: 2 }]]), false],
      [new Map([['a', 1]]), new Map([['b', 1]]), false],
      [new Set(['a', 'b']), new Set(['b', 'a']), true],
      [new Set(['a']), new Set(['b']), false],
      [{ a: 0 }, { a: -0 }, false],
      [[Number.NaN], [Number.NaN], true],
      [{ a: undefined }, {}, false],
      [[1, , 3], [1, undefined, 3], false], // eslint-disable-line no-sparse-arrays
      [{ a: 1 }, Object.assign(Object.create(null), { a: 1 }), false],
      [[1, 2], [1, 2, 3], false],
      [{ a: 1 }, { a: 1, b: 2 }, false],
      [
        new Map([['a', 1]]),
        new Map([
          ['a', 1],
          ['b', 2],
        ]),
        false,
      ],
      [new Set(['a']), new Set(['a', 'b']), false],
      [new Map([[{ k: 1 }, 1]]), new Map([[{ k: 1 }, 1]]), true],
    ];
    for (const [a, b, same] of cases) {
      expect(isDeepStrictEqual(a, b)).toBe(same);
      expect(sameData(a, b)).toBe(same);
    }
  });
});

function structuredCloneOrSelf(v: unknown): unknown {
  try {
    return structuredClone(v);
  } catch {
    return v;
  }
}
