const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX['0123456789abcdef'.charCodeAt(i)] = i;

/**
 * Writes a lowercase UUID's 16 bytes into `out` at `at`; false if `id` is not one. Stores key event
 * ids by these bytes. By hand: a regex and a hex decode cost a microsecond an event.
 */
export function uuidInto(id: string, out: Uint8Array, at: number): boolean {
  if (id.length !== 36) return false;
  for (let i = 0, b = at; i < 36;) {
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (id.charCodeAt(i++) !== 45) return false; // '-'
      continue;
    }
    const hi = HEX[id.charCodeAt(i)] ?? -1;
    const lo = HEX[id.charCodeAt(i + 1)] ?? -1;
    if (hi < 0 || lo < 0) return false;
    out[b++] = (hi << 4) | lo;
    i += 2;
  }
  return true;
}
