import { CHUNK_MASK, Pool } from './pool';

/** No row, no key, end of a list. */
export const NONE = -1;

/**
 * An entry of a list of yen added up by key (an account's charges per day, a wallet's spending per
 * merchant category), threaded through a Pool, newest first: charges arrive roughly in time order,
 * so the entry a charge adds to is almost always the first one looked at.
 */
export const entrySpec = {
  key: { kind: 'i32', fill: 0 },
  yen: { kind: 'int', fill: 0 },
  next: { kind: 'i32', fill: NONE },
} as const;
export type Entries = Pool<typeof entrySpec>;

export const newEntries = (): Entries => new Pool(entrySpec);

/**
 * Adds yen to the entry for `key` in the list starting at `head`, or puts a new entry first;
 * returns the list's head.
 */
export function accumulate(pool: Entries, head: number, key: number, yen: number): number {
  for (let e = head; e !== NONE;) {
    const c = pool.at(e);
    const i = e & CHUNK_MASK;
    if (c.key[i] === key) {
      pool.add(e, 'yen', yen);
      return head;
    }
    e = c.next[i]!;
  }
  const e = pool.push();
  const c = pool.at(e);
  const i = e & CHUNK_MASK;
  c.key[i] = key;
  pool.set(e, 'yen', yen);
  c.next[i] = head;
  return e;
}

/** Each entry of the list starting at `head`, newest first. */
export function forEachEntry(
  pool: Entries,
  head: number,
  f: (key: number, yen: number) => void,
): void {
  for (let e = head; e !== NONE;) {
    const c = pool.at(e);
    const i = e & CHUNK_MASK;
    f(c.key[i]!, c.yen[i]!);
    e = c.next[i]!;
  }
}
