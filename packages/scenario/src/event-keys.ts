/**
 * Whether a scenario's event keys are unique, without a set of every key: 8 bytes per event, 80 MB
 * at 10 million events. Each event id is a SHA-1 name-based UUID of its key; 52 of its bits go into
 * a typed array. At the end the array is sorted: equal neighbours are the only keys that can be
 * used twice (two keys share 52 bits with a chance of about 1 in 90 at 10 million events). Those
 * few are then resolved exactly, by reading the files again for them alone.
 */
export class KeyHashes {
  private hashes = new Float64Array(1024);
  private count = 0;

  add(eventId: string): void {
    if (this.count === this.hashes.length) {
      const grown = new Float64Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.count++] = hashOf(eventId);
  }

  /** Hashes held by more than one event. */
  repeated(): Set<number> {
    const sorted = this.hashes.subarray(0, this.count).sort();
    const out = new Set<number>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) out.add(sorted[i]!);
    return out;
  }
}

/**
 * 52 bits of a version-5 UUID (`xxxxxxxx-xxxx-5xxx-...`), an exact double: its first 12 hex
 * digits and the first after the version digit.
 */
export function hashOf(eventId: string): number {
  let h = 0;
  for (const i of HASHED_DIGITS) {
    const c = eventId.charCodeAt(i);
    h = h * 16 + (c <= 57 ? c - 48 : (c | 32) - 87); // '0'-'9', 'a'-'f' (or 'A'-'F')
  }
  return h;
}
const HASHED_DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 15];
