import {
  KEY_DOMAIN_COUNT,
  type ColumnBatch,
  type KeyNames,
  type MutableColumnBatch,
  type StoredEvent,
} from '@incident-ledger/core';

/**
 * A block: the columns (core's events/columns.ts) of consecutive events, packed in one BLOB so that
 * a
 * replay reads tens of thousands of events per row and decodes them with typed-array views, no
 * parse.
 *
 * Layout, little-endian (the store refuses big-endian machines), every section 8-byte aligned:
 *   u32 format, u32 n, u32 keyCounts[5] (keys per domain after the block), u32 padding
 *   f64 occurredAt[n], f64 recordedAt[n], f64 amount[n]
 *   i32 wallet[n], bank[n], account[n], case[n], category[n]   (-1: none)
 *   u8 type[n], u8 status[n]
 * Positions are not stored: a block holds positions first_position .. first_position + n - 1.
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
const F64_COLUMNS = ['occurredAt', 'recordedAt', 'amount'] as const;
const I32_COLUMNS = ['wallet', 'bank', 'account', 'case', 'category'] as const;
const U8_COLUMNS = ['type', 'status'] as const;

const align8 = (n: number) => (n + 7) & ~7;

export function blockBytes(n: number): number {
  return (
    HEADER_BYTES +
    align8(n * 8) * F64_COLUMNS.length +
    align8(n * 4) * I32_COLUMNS.length +
    align8(n) * U8_COLUMNS.length
  );
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
  let at = out.byteOffset + HEADER_BYTES;
  for (const c of F64_COLUMNS) {
    new Float64Array(out.buffer, at, n).set(b[c].subarray(from, to));
    at += align8(n * 8);
  }
  for (const c of I32_COLUMNS) {
    new Int32Array(out.buffer, at, n).set(b[c].subarray(from, to));
    at += align8(n * 4);
  }
  for (const c of U8_COLUMNS) {
    new Uint8Array(out.buffer, at, n).set(b[c].subarray(from, to));
    at += align8(n);
  }
  return out;
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
  const n = header[1]!;
  if (bytes.byteLength !== blockBytes(n))
    throw new Error(
      `block at position ${firstPosition} has ${bytes.byteLength} bytes, expected ${blockBytes(n)} for ${n} events`,
    );
  const position = new Float64Array(n);
  for (let i = 0; i < n; i++) position[i] = firstPosition + i;
  let at = bytes.byteOffset + HEADER_BYTES;
  const f64 = () => {
    const a = new Float64Array(bytes.buffer, at, n);
    at += align8(n * 8);
    return a;
  };
  const i32 = () => {
    const a = new Int32Array(bytes.buffer, at, n);
    at += align8(n * 4);
    return a;
  };
  const u8 = () => {
    const a = new Uint8Array(bytes.buffer, at, n);
    at += align8(n);
    return a;
  };
  const [occurredAt, recordedAt, amount] = [f64(), f64(), f64()];
  const [wallet, bank, account, caseKey, category] = [i32(), i32(), i32(), i32(), i32()];
  const [type, status] = [u8(), u8()];
  return {
    length: n,
    position,
    type,
    occurredAt,
    recordedAt,
    wallet,
    bank,
    account,
    case: caseKey,
    category,
    amount,
    status,
    rare: [] as StoredEvent[],
    keySpace,
    names,
    keyCounts: Array.from(header.subarray(2, 2 + KEY_DOMAIN_COUNT)),
  };
}

/** Rows [start, length) of a batch, as views. */
export function sliceBatch(b: MutableColumnBatch, start: number): MutableColumnBatch {
  return {
    ...b,
    length: b.length - start,
    position: b.position.subarray(start),
    type: b.type.subarray(start),
    occurredAt: b.occurredAt.subarray(start),
    recordedAt: b.recordedAt.subarray(start),
    wallet: b.wallet.subarray(start),
    bank: b.bank.subarray(start),
    account: b.account.subarray(start),
    case: b.case.subarray(start),
    category: b.category.subarray(start),
    amount: b.amount.subarray(start),
    status: b.status.subarray(start),
  };
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
  return { ...batch, keyCountsFinal: final };
}
