/**
 * Canonical JSON: object keys sorted, no spaces. The same value always gives the same text,
 * whatever order its keys were built in: the basis of event hashes and content comparison.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string') return jsonString(value);
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new Error(`cannot encode ${value} canonically`);
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
  const keys = Object.keys(obj);
  // Keys built in order (most data) are already sorted: a check is cheaper than a sort.
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      keys.sort();
      break;
    }
  }
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = obj[k];
    if (v === undefined) continue;
    out += out.length > 1 ? `,${keyText(k)}` : keyText(k);
    out += canonicalJson(v);
  }
  return `${out}}`;
}

/**
 * Anything JSON.stringify would escape in a string: quotes, backslashes, controls, lone surrogate
 * halves.
 */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(s), exactly: a string with nothing to escape (ids, codes, names) is only quoted,
 * which costs a fraction of the general path (every event's hash text has six or more).
 */
export function jsonString(s: string): string {
  return ESCAPED.test(s) ? JSON.stringify(s) : `"${s}"`;
}

// Keys repeat from event to event: each key's `"key":` is made once.
const KEY_TEXTS = new Map<string, string>();
const MAX_KEY_TEXTS = 10_000;

function keyText(k: string): string {
  let text = KEY_TEXTS.get(k);
  if (text === undefined) {
    text = `${jsonString(k)}:`;
    if (KEY_TEXTS.size < MAX_KEY_TEXTS) KEY_TEXTS.set(k, text); // bounded: data with ever new keys must not grow it
  }
  return text;
}
