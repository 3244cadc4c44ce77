import type { Projection } from '@incident-ledger/core';
import { crc32 } from 'node:zlib';
import type { SavedCheckpoint } from '../port';

/**
 * The seal saved beside a checkpoint's sections: a CRC-32 of everything a resume trusts.
 * Checkpoints are derived data the hash chains do not cover; the seal turns a torn, corrupted or
 * carelessly edited checkpoint into a rebuild instead of wrong figures. It is a checksum, not a
 * signature (a forger recomputes it), which is why `verify` replays from the record, never from
 * checkpoints, and `verify --integrity` proves each one by folding its events (prove.ts). A checksum rather than a SHA-256 because every resume pays for it over the whole
 * state (about 110 MB at 10M events: 60 ms for SHA-256, 30 for CRC-32, of a re-report's 5% budget).
 */
export const SEAL_SECTION = 'seal:crc32';

function sealOf(
  c: Omit<SavedCheckpoint, 'sections'>,
  sections: ReadonlyMap<string, Uint8Array>,
): Uint8Array {
  let crc = crc32(
    JSON.stringify([c.key, c.projection, c.version, c.position, c.events, c.history]),
  );
  for (const name of [...sections.keys()].sort()) {
    const bytes = sections.get(name)!;
    crc = crc32(bytes, crc32(JSON.stringify([name, bytes.byteLength]), crc));
  }
  const seal = new Uint8Array(4);
  new DataView(seal.buffer).setUint32(0, crc);
  return seal;
}

/**
 * The sections saved for a part's state under a checkpoint's key, position and history: its
 * codec's encoding (canonical: the same history gives the same bytes) and the seal.
 */
export function checkpointSections<S>(
  part: Projection<S>,
  state: S,
  checkpoint: Omit<SavedCheckpoint, 'sections'>,
): Map<string, Uint8Array> {
  const sections = new Map(part.codec!.encode(state));
  sections.set(SEAL_SECTION, sealOf(checkpoint, sections));
  return sections;
}

/**
 * A checkpoint's state, or undefined when its seal does not match or it does not decode: a cache is
 * rebuilt, never trusted half-read or edited.
 */
export function unsealed<S>(part: Projection<S>, saved: SavedCheckpoint): { value: S } | undefined {
  const sections = new Map(saved.sections);
  const seal = sections.get(SEAL_SECTION);
  sections.delete(SEAL_SECTION);
  if (seal === undefined || Buffer.compare(seal, sealOf(saved, sections)) !== 0) return undefined;
  try {
    return { value: part.codec!.decode(sections) };
  } catch {
    return undefined;
  }
}
