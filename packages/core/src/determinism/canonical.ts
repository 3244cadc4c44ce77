/**
 * Canonical JSON: object keys sorted, no spaces. The same value always gives the same text,
 * whatever order its keys were built in: the basis of event hashes and content comparison.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`cannot encode ${value} canonically`);
    if (value === undefined) throw new Error('cannot encode undefined canonically');
    return JSON.stringify(value);
  }
  // Plain loops and string appends: this runs twice per event appended (hash, same-content check).
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      if (i in value) out += canonicalJson(value[i]); // a hole prints as nothing, as join() prints it
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}
