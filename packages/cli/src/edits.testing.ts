import type { Rng } from '@incident-ledger/core';

/** A copy of `bytes` with one random byte changed (never to itself). */
export function withOneByteEdited(rng: Rng, bytes: Uint8Array): Buffer {
  const edited = Buffer.from(bytes);
  const i = rng.int(0, edited.length - 1);
  edited[i] = (edited[i]! + rng.int(1, 255)) % 256;
  return edited;
}

/**
 * One byte of a stored value changed: a text's UTF-8 bytes (returned as bytes: the store decides
 * whether they are text), or an integer's 48-bit big-endian form.
 */
export function editOneByte(rng: Rng, value: string | number): Buffer | number {
  if (typeof value === 'string') return withOneByteEdited(rng, Buffer.from(value, 'utf8'));
  const bytes = Buffer.alloc(6);
  bytes.writeUIntBE(value, 0, 6);
  return withOneByteEdited(rng, bytes).readUIntBE(0, 6);
}
