import {
  COLUMN_ARRAYS,
  columnBatch,
  COLUMNS,
  COLUMNS_HASH,
  KEY_DOMAIN_COUNT,
  type ColumnBatch,
  type KeyNames,
  type MutableColumnBatch,
} from '@incident-ledger/core';

/**
 * A block: the columns (core's events/columns.ts) of consecutive events, packed in one BLOB so that
 * a replay reads tens of thousands of events per row and decodes them with typed-array views, no
 * parse.
 *
 * Layout, little-endian (the store refuses big-endian machines), every section 8-byte aligned:
 *   u32 format, u32 n, u32 keyCounts[5] (keys per domain after the block), u32 columns hash
 *   then each column of COLUMNS in its order, n values of its kind (i32 keys: -1 none)
 * Positions are not stored: a block holds positions first_position .. first_position + n - 1.
 * The columns hash (core's COLUMNS_HASH) names the declaration the block was derived under: a block
 * of another one is stale (blocks of format 1 before the hash carry 0), and its store rebuilds it.
 */
const FORMAT = 1;
/**
 * Events per block: big enough that a replay pays per-row costs rarely, small enough to build in
 * memory. The same in every store that keeps blocks, so the same appends give the same batches.
 */
export const BLOCK_EVENTS = 16_384;
/** Blocks a replay reads per query. */
export const BLOCKS_PER_READ = 4;
const HEADER_BYTES = 32;
const TAG_BYTE = 28;
const WIDTH = COLUMNS.map((c) => COLUMN_ARRAYS[c.kind].BYTES_PER_ELEMENT);

const align8 = (n: number) => (n + 7) & ~7;

export function blockBytes(n: number): number {
  let bytes = HEADER_BYTES;
  for (const w of WIDTH) bytes += align8(n * w);
  return bytes;
}

/** Packs rows [from, to) of a batch, with the key counts after them. */
export function encodeBlock(
  b: ColumnBatch,
  from: number,
  to: number,
  keyCounts: readonly number[],
): Buffer {
  const n = to - from;
  const out = Buffer.alloc(blockBytes(n));
  const header = new Uint32Array(out.buffer, out.byteOffset, HEADER_BYTES / 4);
  header[0] = FORMAT;
  header[1] = n;
  for (let d = 0; d < KEY_DOMAIN_COUNT; d++) header[2 + d] = keyCounts[d]!;
  header[TAG_BYTE / 4] = COLUMNS_HASH;
  let at = out.byteOffset + HEADER_BYTES;
  for (let c = 0; c < COLUMNS.length; c++) {
    const column = b[COLUMNS[c]!.name];
    // Bytes of the same kind: one copy, no conversion.
    new Uint8Array(out.buffer, at, n * WIDTH[c]!).set(
      new Uint8Array(column.buffer, column.byteOffset + from * WIDTH[c]!, n * WIDTH[c]!),
    );
    at += align8(n * WIDTH[c]!);
  }
  return out;
}

/** The columns hash of a stored block (its header's bytes 28..31), or undefined if it has none. */
export function blockTag(stored: Uint8Array): number | undefined {
  if (stored.byteLength < HEADER_BYTES) return undefined;
  return Buffer.from(stored.buffer, stored.byteOffset, HEADER_BYTES).readUInt32LE(TAG_BYTE);
}

/** Whether a stored block was derived under the current column declaration. */
export const isCurrentBlock = (stored: Uint8Array): boolean => blockTag(stored) === COLUMNS_HASH;

/** A block derived under another column declaration: its store rebuilds it from the events. */
export class StaleBlock extends Error {
  constructor(
    readonly position: number,
    readonly tag: number,
  ) {
    super(
      `block at position ${position} was derived under another column declaration (hash ${tag}, now ${COLUMNS_HASH}): a replay by an opening that may write rebuilds it from the events`,
    );
  }
}

/**
 * Views a stored block as a batch of the events at firstPosition..; `rare` is filled in by the
 * caller.
 */
export function decodeBlock(
  stored: Buffer,
  firstPosition: number,
  keySpace: string,
  names: KeyNames,
): MutableColumnBatch {
  // Buffer.alloc and SQLite reads may hand out a slice of a shared pool at any offset: typed views
  // need alignment.
  const bytes = stored.byteOffset % 8 === 0 ? stored : Buffer.from(stored);
  const header = new Uint32Array(bytes.buffer, bytes.byteOffset, HEADER_BYTES / 4);
  if (header[0] !== FORMAT)
    throw new Error(
      `block at position ${firstPosition} has format ${header[0]}, expected ${FORMAT}`,
    );
  if (header[TAG_BYTE / 4] !== COLUMNS_HASH)
    throw new StaleBlock(firstPosition, header[TAG_BYTE / 4]!);
  const n = header[1]!;
  if (bytes.byteLength !== blockBytes(n))
    throw new Error(
      `block at position ${firstPosition} has ${bytes.byteLength} bytes, expected ${blockBytes(n)} for ${n} events`,
    );
  const position = new Float64Array(n);
  for (let i = 0; i < n; i++) position[i] = firstPosition + i;
  let at = bytes.byteOffset + HEADER_BYTES;
  const arrays = COLUMNS.map((c, i) => {
    const a = new COLUMN_ARRAYS[c.kind](bytes.buffer as ArrayBuffer, at, n);
    at += align8(n * WIDTH[i]!);
    return a;
  });
  return columnBatch(
    n,
    position,
    arrays,
    keySpace,
    names,
    Array.from(header.subarray(2, 2 + KEY_DOMAIN_COUNT)),
  );
}

/**
 * A block's batch as a store's replay yields it: its key counts raised to the store's counts when
 * the
 * read began (`known`), so a fold sizes its keyed tables once. Keys stored after the read began (by
 * another writer) can only appear in later blocks: then the bound is the batch's own, not final.
 */
export function withKnownKeyCounts(
  batch: MutableColumnBatch,
  known: readonly number[],
): ColumnBatch {
  let final = true;
  for (let d = 0; d < KEY_DOMAIN_COUNT; d++) {
    if (batch.keyCounts[d]! > known[d]!) final = false;
    batch.keyCounts[d] = Math.max(batch.keyCounts[d]!, known[d]!);
  }
  // Set in place, never spread into a copy: a spread object gets a map of its own each time, and
  // folds reading batches of ever new shapes go megamorphic (3x slower on a short tail).
  batch.keyCountsFinal = final;
  return batch;
}
