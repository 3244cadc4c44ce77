import type { Invariant } from './history';
import { sameData } from './same';

export const replayEquivalence: Invariant = {
  name: 'replay-equivalence',
  statement:
    'projections from a full replay = built incrementally event by event = from a snapshot (a saved checkpoint) plus the tail',
  check(r) {
    for (let i = 0; i < r.compared.length; i++) {
      const { projection } = r.compared[i]!;
      const full = r.replay(i);
      if (!sameData(r.incremental(i).view, full.view))
        return `${projection.name}: built event by event, it differs from a full replay`;
      const resumed = r.resumed(i).fromSnapshots;
      for (let k = 0; k < resumed.length; k++) {
        const s = full.snapshots[k]!;
        if (!sameData(resumed[k], full.view))
          return `${projection.name}: from a snapshot after ${s.events} events (position ${s.position}) plus the tail, it differs from a full replay`;
      }
    }
    return undefined;
  },
};

export const duplicateDelivery: Invariant = {
  name: 'duplicate-delivery',
  statement: 'delivering any event again changes no projection',
  check(r) {
    for (let i = 0; i < r.compared.length; i++) {
      const { before, after } = r.resumed(i).redelivery;
      if (!sameData(after, before))
        return `${r.compared[i]!.projection.name}: events delivered twice give another state than once`;
    }
    return undefined;
  },
};
