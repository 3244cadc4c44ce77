import { canonicalJson, type Projection, type ProjectionRegistry } from '@incident-ledger/core';
import { endianness } from 'node:os';

/**
 * The key of a saved projection state: one part (a fold saved on its own, composite.ts) as of a
 * recordedAt cutoff. State means nothing to another part, version, codec format, set of parameters
 * (time zone), as-of cutoff or key numbering, nor (typed arrays are saved as they lie in memory) to
 * a machine of the other byte order: each is part of the key, so any change misses, and a change
 * to one part misses that part's checkpoints only.
 */
export interface CheckpointKey {
  projection: string;
  version: number;
  format: string;
  parameters: Record<string, string>;
  /** 'everything' for no cutoff. */
  asOf: number | 'everything';
  keySpace: string;
  byteOrder: string;
}

export function checkpointKey(part: Projection<unknown>, asOf: number, keySpace: string): string {
  if (part.parts !== undefined)
    throw new Error(`${part.name} is saved part by part, under its parts' keys`);
  if (part.codec === undefined) throw new Error(`${part.name} has no codec: it is never saved`);
  const key: CheckpointKey = {
    projection: part.name,
    version: part.version,
    format: part.codec.format,
    parameters: { ...part.parameters },
    asOf: Number.isFinite(asOf) ? asOf : 'everything',
    keySpace,
    byteOrder: endianness(),
  };
  return canonicalJson(key);
}

/** A key read back, or undefined when it is not one checkpointKey makes. */
export function parseCheckpointKey(text: string): CheckpointKey | undefined {
  let key: Partial<CheckpointKey>;
  try {
    key = JSON.parse(text) as Partial<CheckpointKey>;
  } catch {
    return undefined;
  }
  const isText = (v: unknown) => typeof v === 'string';
  const valid =
    typeof key === 'object' &&
    key !== null &&
    isText(key.projection) &&
    Number.isInteger(key.version) &&
    isText(key.format) &&
    typeof key.parameters === 'object' &&
    key.parameters !== null &&
    Object.values(key.parameters).every(isText) &&
    (key.asOf === 'everything' || Number.isFinite(key.asOf)) &&
    isText(key.keySpace) &&
    isText(key.byteOrder);
  return valid ? (key as CheckpointKey) : undefined;
}

/** The fold that made a checkpoint, and what it folded: as of when, in whose key numbering. */
export interface ResolvedCheckpoint {
  projection: Projection<unknown>;
  asOf: number;
  keySpace: string;
}

/**
 * The part, as the registry makes it now, that saved the checkpoint under `key`; undefined when
 * none does (an older version or codec format, another byte order, a projection no longer
 * registered): a checkpoint a replay would never resume from. Folding the events the checkpoint
 * covers (up to its position, as of `asOf`, keyed as `keySpace`) with the part resolved gives its
 * sections again, byte for byte: the codecs are canonical (checkpointSections).
 */
export function resolveCheckpoint(
  key: string,
  registry: ProjectionRegistry,
): ResolvedCheckpoint | undefined {
  const k = parseCheckpointKey(key);
  if (k === undefined || k.byteOrder !== endianness()) return undefined;
  const projection = registry.part(k.projection, k.version, k.parameters);
  if (projection?.codec?.format !== k.format) return undefined;
  const asOf = k.asOf === 'everything' ? Number.POSITIVE_INFINITY : k.asOf;
  if (checkpointKey(projection, asOf, k.keySpace) !== key) return undefined;
  return { projection, asOf, keySpace: k.keySpace };
}
