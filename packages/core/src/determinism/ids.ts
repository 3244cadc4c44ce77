import { createHash } from 'node:crypto';

/** Namespace of incident-ledger's name-based ids (a fixed, random UUID). */
const NAMESPACE = Buffer.from('6f1c3c1e9b5a4d0e8a61f2d4b7e9c305', 'hex');

/**
 * A name-based UUID (RFC 9562 version 5): the same name always gives the same id, on every
 * machine and store. Event ids are UUIDs because KurrentDB requires them.
 */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
