import { endianness } from 'node:os';
import { canonicalJson } from '../determinism/canonical';
import type { Projection } from './projection';
import { SAVED_FORMAT } from './table';

/**
 * The key of a saved projection state. State means nothing to another projection, version, set of
 * parameters (time zone), as-of cutoff or key numbering, nor to another format of its saved tables
 * (table.ts), nor (its typed arrays are saved as they lie in memory) to a machine of the other byte
 * order: each is part of the key, so any change misses.
 */
export function checkpointKey(
  projection: Projection<unknown>,
  asOf: number,
  keySpace: string,
): string {
  return canonicalJson({
    projection: projection.name,
    version: projection.version,
    parameters: projection.parameters ?? {},
    asOf: Number.isFinite(asOf) ? asOf : 'everything',
    keySpace,
    tables: SAVED_FORMAT,
    byteOrder: endianness(),
  });
}
