import {
  comparedProjections,
  incidentProjection,
  Ledger,
  Replays,
  type Command,
  type Decide,
  type History,
  type IncidentState,
  type LedgerEvent,
  type Projection,
  type StoredEvent,
} from '@incident-ledger/core';
import {
  chainHash,
  eventContent,
  GENESIS_HASH,
  storeDigest,
  writesInOrder,
  type EventStore,
} from '@incident-ledger/eventstore';
import type { AttackSequence } from './arbitraries';
import { commandsOf } from './commands-of';

/** A store a sequence runs against: opened fresh for each run, then closed and removed. */
export interface StoreUnderTest {
  name: string;
  open(): EventStore | Promise<EventStore>;
  dispose?(): void;
}

export interface SequenceRun {
  commands: Command[];
  /** The rules' run: its state, events, event keys and rejections. */
  ledger: Ledger;
  /** The events as the first store returns them, and the builds the invariants compare. */
  history: History;
  /** The incident projection under test, as made for the sequence's zone. */
  incident: Projection<IncidentState>;
  replays: Replays;
  /** Each store's digest after the append. */
  digests: { store: string; digest: string }[];
}

export interface RunOptions {
  /**
   * Event ids are derived from it (see Ledger): a counterexample written as scenario `namespace`
   * has the same ids.
   */
  namespace: string;
  stores: readonly StoreUnderTest[];
  decide?: Decide;
  /** The incident projection under test; the ledger's own by default. */
  incident?: (zone: string) => Projection<IncidentState>;
}

/**
 * Runs an attack sequence: commands through the rules in one synchronous loop, then the events
 * into each store in one atomic append, and read back. One await per store step, none per
 * command or event.
 */
export async function runSequence(seq: AttackSequence, options: RunOptions): Promise<SequenceRun> {
  const commands = commandsOf(seq);
  const ledger = new Ledger({
    namespace: options.namespace,
    ...(options.decide && { decide: options.decide }),
  });
  for (const c of commands) ledger.execute(c);
  const writes = writesInOrder(ledger.events);
  let stored: StoredEvent[] | undefined;
  const digests: SequenceRun['digests'] = [];
  for (const target of options.stores) {
    const store = await target.open();
    try {
      await store.appendMany(writes);
      if (stored === undefined) {
        stored = [];
        for await (const batch of store.readAll()) for (const e of batch) stored.push(e);
      }
      digests.push({ store: target.name, digest: storeDigest(await store.heads()) });
    } finally {
      await store.close();
      target.dispose?.();
    }
  }
  const history = { zone: seq.zone, events: stored ?? [] };
  const incident = (options.incident ?? incidentProjection)(seq.zone);
  const replays = new Replays(history, comparedProjections(seq.zone, incident));
  return { commands, ledger, history, incident, replays, digests };
}

/**
 * The digest a store must have after appending these events, computed from the events alone
 * (chain.ts).
 */
export function expectedDigest(events: readonly LedgerEvent[]): string {
  const heads = new Map<string, { revision: number; hash: string }>();
  for (const e of events) {
    const prev = heads.get(e.streamId) ?? { revision: -1, hash: GENESIS_HASH };
    const revision = prev.revision + 1;
    heads.set(e.streamId, {
      revision,
      hash: chainHash(prev.hash, revision, eventContent(e.streamId, e)),
    });
  }
  return storeDigest([...heads].map(([streamId, h]) => ({ streamId, ...h })));
}
