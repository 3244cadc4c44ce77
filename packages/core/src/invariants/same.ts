import { isDeepStrictEqual } from 'node:util';

/**
 * isDeepStrictEqual(a, b), for the plain data the invariants compare (views and states made of
 * objects, arrays, Maps and Sets keyed by strings): the same answer at a fraction of the cost,
 * since it is asked several times per fuzzed sequence. Anything else (a Map or Set keyed by
 * objects, a Date, a typed array, a class instance) is left to isDeepStrictEqual itself.
 */
export function sameData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const proto = Object.getPrototypeOf(a);
  if (proto !== Object.getPrototypeOf(b)) return false;
  if (proto === Array.prototype) return sameArrays(a as unknown[], b as unknown[]);
  if (proto === Object.prototype || proto === null)
    return sameObjects(a as Record<string, unknown>, b as Record<string, unknown>);
  if (proto === Map.prototype)
    return sameMaps(a as Map<unknown, unknown>, b as Map<unknown, unknown>);
  if (proto === Set.prototype) return sameSets(a as Set<unknown>, b as Set<unknown>);
  return isDeepStrictEqual(a, b);
}

function sameArrays(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  if (ownSymbols(a, b)) return isDeepStrictEqual(a, b);
  for (let i = 0; i < a.length; i++) {
    if (!(i in a) || !(i in b)) return isDeepStrictEqual(a, b); // holes: compared as isDeepStrictEqual compares them
    if (!sameData(a[i], b[i])) return false;
  }
  // Extra own keys on an array (rare) count too.
  return Object.keys(a).length === a.length && Object.keys(b).length === b.length
    ? true
    : isDeepStrictEqual(a, b);
}

function sameObjects(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  if (ownSymbols(a, b)) return isDeepStrictEqual(a, b);
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) {
    if (!Object.prototype.hasOwnProperty.call(b, k) || !sameData(a[k], b[k])) return false;
  }
  return true;
}

// A primitive key or member missing from b, or a value that differs, is a difference under strict
// comparison: Map and Set look keys up as isDeepStrictEqual does (NaN equal to NaN, -0 to 0).
function sameMaps(a: Map<unknown, unknown>, b: Map<unknown, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    if (typeof k === 'object' && k !== null) return isDeepStrictEqual(a, b);
    if (!b.has(k) || !sameData(v, b.get(k))) return false;
  }
  return !ownSymbols(a, b) && Object.keys(a).length === 0 && Object.keys(b).length === 0
    ? true
    : isDeepStrictEqual(a, b);
}

function sameSets(a: Set<unknown>, b: Set<unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const v of a) {
    if (typeof v === 'object' && v !== null) return isDeepStrictEqual(a, b);
    if (!b.has(v)) return false;
  }
  return !ownSymbols(a, b) && Object.keys(a).length === 0 && Object.keys(b).length === 0
    ? true
    : isDeepStrictEqual(a, b);
}

function ownSymbols(a: object, b: object): boolean {
  return Object.getOwnPropertySymbols(a).length > 0 || Object.getOwnPropertySymbols(b).length > 0;
}
