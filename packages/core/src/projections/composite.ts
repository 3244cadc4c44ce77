import type { BatchColumn, Projection, StateCodec } from './projection';

export type PartStates<P extends Record<string, Projection<unknown>>> = {
  [K in keyof P]: P[K] extends Projection<infer S> ? S : never;
};

/**
 * A projection made of parts: its state is one state per part, by name; each event goes to every
 * part. A part is a projection like any other (its own fold, version and codec), so the replay
 * folds and saves each part apart (eventstore's replay module): changing one part's version
 * rebuilds that part only, and a view reading several parts (the incident report) shares them
 * with other views of the same replay. Folded as one (Fold), it folds each part in turn.
 */
export function composite<P extends Record<string, Projection<any>>>(
  name: string,
  parts: P,
): Projection<PartStates<P>> {
  const list = Object.entries(parts) as [string, Projection<unknown>][];
  type S = Record<string, unknown>;
  const columnar = list.every(([, p]) => p.evolveColumns !== undefined);
  const saved = list.every(([, p]) => p.codec !== undefined);
  const reads = new Set<BatchColumn>(list.flatMap(([, p]) => p.reads ?? []));
  const projection: Projection<S> = {
    name,
    version: 0,
    parts,
    init: () => Object.fromEntries(list.map(([k, p]) => [k, p.init()])),
    evolve(s, e) {
      for (const [k, p] of list) p.evolve(s[k], e);
    },
    ...(columnar && {
      evolveColumns(s: S, b, from, to) {
        for (const [k, p] of list) p.evolveColumns!(s[k], b, from, to);
      },
    }),
    reads: [...reads],
    ...(saved && { codec: compositeCodec(list) }),
  };
  return projection as unknown as Projection<PartStates<P>>;
}

/** Each part's sections under `part/`. */
function compositeCodec(
  list: [string, Projection<unknown>][],
): StateCodec<Record<string, unknown>> {
  return {
    format: list.map(([k, p]) => `${k}:${p.codec!.format}`).join(','),
    encode(s) {
      const sections = new Map<string, Uint8Array>();
      for (const [k, p] of list)
        for (const [name, bytes] of p.codec!.encode(s[k])) sections.set(`${k}/${name}`, bytes);
      return sections;
    },
    decode(sections) {
      const s: Record<string, unknown> = {};
      for (const [k, p] of list) {
        const own = new Map<string, Uint8Array>();
        const prefix = `${k}/`;
        for (const [name, bytes] of sections)
          if (name.startsWith(prefix)) own.set(name.slice(prefix.length), bytes);
        s[k] = p.codec!.decode(own);
      }
      return s;
    },
  };
}
