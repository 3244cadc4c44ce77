import {
  sliceBatch,
  isRareCode,
  KEY_DOMAINS,
  type ColumnBatch,
  type MutableColumnBatch,
} from '@incident-ledger/core';
import {
  BLOCKS_PER_READ,
  decodeBlock,
  withKnownKeyCounts,
  type ColumnReader,
  type ReadAllOptions,
} from '@incident-ledger/eventstore';
import { copyOut, int8At } from './copy';
import { KEY_SPACE, keyRows, StoredKeyNames } from './keys';
import { eventsAt, type ReadFrom } from './read';

/**
 * The replay columns (keys and blocks tables) that `source` reads; `rebuild` (an opening that may
 * write) first rebuilds blocks derived under another column declaration, else they fail to decode.
 */
export function columnReader(
  source: ReadFrom,
  rebuild?: (onNotice?: (notice: string) => void) => Promise<boolean>,
): ColumnReader {
  return {
    keySpace: KEY_SPACE,
    async *readColumns(options = {}) {
      await rebuild?.();
      yield* readColumns(source, options);
    },
    ...(rebuild && { rebuildStale: rebuild }),
  };
}

/**
 * Blocks from `from` on, one batch each; the rows of rare types are read in full from `events`.
 */
async function* readColumns(
  source: ReadFrom,
  options: ReadAllOptions = {},
): AsyncIterable<ColumnBatch> {
  const { t, withClient } = source;
  const names = new StoredKeyNames();
  for (const row of await withClient((c) => keyRows(c, t, names))) names.add(row);
  // Every batch tells the store's key counts at the start of the read: a fold sizes its keyed
  // tables once.
  const known = KEY_DOMAINS.map((_, d) => names.size(d));
  const start = options.from ?? 1;
  if (!Number.isSafeInteger(start))
    throw new RangeError(`from must be a whole number, got ${start}`);
  for (let from = start; ;) {
    const page: { first: number; last: number; columns: Buffer }[] = [];
    // COPY out, binary: the blocks as bytes, neither hex text nor UTF-8 to decode. (COPY takes no
    // parameters: from is our number.)
    await withClient((client) =>
      copyOut(
        client,
        `COPY (SELECT first_position, last_position, columns FROM ${t.blocks} WHERE last_position >= ${from} ORDER BY last_position LIMIT ${BLOCKS_PER_READ}) TO STDOUT (FORMAT binary)`,
        ([first, last, columns]) =>
          page.push({
            first: int8At(first!),
            last: int8At(last!),
            columns: Buffer.from(columns!),
          }),
      ),
    );
    if (page.length === 0) return;
    const batches = page.map(({ first, columns }) => {
      const block = decodeBlock(columns, first, KEY_SPACE, names);
      return first < from ? sliceBatch(block, from - first) : block;
    });
    // Keys another writer stored after the read began: learn them before these blocks are named.
    if (batches.some((b) => b.keyCounts.some((n, d) => n > names.size(d)))) {
      for (const row of await withClient((c) => keyRows(c, t, names))) names.add(row);
    }
    await attachRare(source, batches);
    for (const batch of batches) yield withKnownKeyCounts(batch, known);
    from = page[page.length - 1]!.last + 1;
  }
}

/**
 * Reads the events of rare types (whose data the columns do not hold) of a page of batches, in
 * one query.
 */
async function attachRare(source: ReadFrom, batches: MutableColumnBatch[]): Promise<void> {
  const positions: number[] = [];
  for (const { type, position, length } of batches) {
    for (let i = 0; i < length; i++) if (isRareCode(type[i]!)) positions.push(position[i]!);
  }
  if (positions.length === 0) return;
  let b = 0;
  for (const e of await eventsAt(source, positions)) {
    while (e.globalPosition > batches[b]!.position[batches[b]!.length - 1]!) b++;
    batches[b]!.rare.push(e);
  }
}
