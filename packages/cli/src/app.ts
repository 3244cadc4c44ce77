import {
  AUTH_POLICIES,
  figureTimes,
  incidentProjection,
  incidentReport,
  publicationsProjection,
  reconcile,
  type IncidentReport,
  type LedgerEvent,
  type StoredEvent,
} from '@incident-ledger/core';
import type { Progress } from './progress';
import {
  ChainVerifier,
  checkColumns,
  MemoryEventStore,
  replayFolds,
  storeDigest,
  UnreadableEvent,
  writesInOrder,
  type ChainBreak,
  type ColumnCheck,
  type EventStore,
  type ReplayOptions,
} from '@incident-ledger/eventstore';
import type { BankInfo } from '@incident-ledger/scenario';
import { checkHistory } from '@incident-ledger/testkit';

/** Application services: what the commands do, apart from how they print it. */

export interface ImportResult {
  appended: number;
  skipped: number;
}

/** Appends events as one atomic unit; events already stored (same id, same content) are skipped. */
export async function importEvents(
  store: EventStore,
  events: readonly LedgerEvent[],
): Promise<ImportResult> {
  const results = await store.appendMany(writesInOrder(events));
  return {
    appended: results.reduce((n, r) => n + r.appended, 0),
    skipped: results.reduce((n, r) => n + r.skipped, 0),
  };
}

/**
 * One pass over the store feeds every fold: reports at several as-of cutoffs cost one read.
 * Publications are a fold of the same pass. Stores that keep columns are read in columns, and
 * folds resume from the store's checkpoints where it has valid ones (replayFolds).
 */
export async function replay(
  store: EventStore,
  zone: string,
  asOfs: readonly number[],
  progress?: Progress,
  checkpoints?: ReplayOptions['checkpoints'],
) {
  const incident = incidentProjection(zone);
  const requests = [
    { projection: publicationsProjection },
    ...asOfs.map((asOf) => ({ projection: incident, asOf })),
  ] as const;
  const { folds, events } = await replayFolds(store, requests, {
    onBatch: (n) => progress?.tick(n),
    ...(checkpoints && { checkpoints }),
  });
  progress?.finish();
  const [publications, ...incidents] = folds;
  const reports = new Map<number, IncidentReport>(
    incidents.map((f) => [f.asOf, incidentReport(f.state)]),
  );
  return { reports, publications: publications.state, events };
}

export async function digestOf(store: EventStore): Promise<string> {
  return `sha256:${storeDigest(await store.heads())}`;
}

/**
 * Replays the store and checks every published figure at its own as-of time. From the record, never
 * from checkpoints: an auditor's figures must not rest on saved state the hash chains do not cover.
 */
export async function verifyFigures(
  store: EventStore,
  zone: string,
  progress?: (label: string) => Progress,
) {
  const { publications } = await replay(store, zone, [], progress?.('reading publications'), 'off');
  const { reports } = await replay(
    store,
    zone,
    figureTimes(publications),
    progress?.('replaying'),
    'off',
  );
  const reportAt = (asOf: number) => reports.get(asOf)!;
  return { rows: reconcile(publications, reportAt), publications, reportAt };
}

export interface IntegrityResult {
  checked: number;
  streams: number;
  firstBreak?: ChainBreak;
  digest: string;
  /**
   * The replay columns re-derived from the events, when the chains hold and the store keeps
   * columns.
   */
  columns?: ColumnCheck;
}

/** Recomputes every hash chain in global order and names the first altered event, if any. */
export async function checkIntegrity(store: EventStore): Promise<IntegrityResult> {
  const verifier = new ChainVerifier();
  const heads = await store.heads();
  const digest = `sha256:${storeDigest(heads)}`;
  try {
    for await (const batch of store.readAll()) {
      verifier.check(batch);
      if (verifier.firstBreak) break;
    }
  } catch (e) {
    if (!(e instanceof UnreadableEvent)) throw e;
    const { streamId, revision, globalPosition, reason } = e;
    return {
      checked: verifier.checked,
      streams: heads.length,
      digest,
      firstBreak: { streamId, revision, globalPosition, eventId: '', problem: reason },
    };
  }
  const firstBreak = verifier.finish(heads);
  if (firstBreak) return { checked: verifier.checked, streams: heads.length, digest, firstBreak };
  const columns = store.columns ? await checkColumns(store) : undefined;
  return { checked: verifier.checked, streams: heads.length, digest, ...(columns && { columns }) };
}

/** How many events a store holds, from its stream heads: the total for a progress line. */
export async function storedEvents(store: EventStore): Promise<number> {
  return (await store.heads()).reduce((n, h) => n + h.revision + 1, 0);
}

/**
 * The report of everything recorded and the digest, for events replayed into a fresh in-memory
 * store.
 */
export async function reportOf(
  events: readonly LedgerEvent[],
  zone: string,
): Promise<{ report: IncidentReport; digest: string }> {
  const store = new MemoryEventStore();
  try {
    await importEvents(store, events);
    const { reports } = await replay(store, zone, [Number.POSITIVE_INFINITY]);
    return { report: reports.get(Number.POSITIVE_INFINITY)!, digest: await digestOf(store) };
  } finally {
    await store.close();
  }
}

/**
 * Checks the ledger's invariants (the fuzzer's checks, testkit) over every event in the store;
 * each declared bank starts from its auth policy, as simulate and what-if set it.
 */
export async function checkInvariants(store: EventStore, zone: string, banks: readonly BankInfo[]) {
  const events: StoredEvent[] = [];
  for await (const batch of store.readAll()) for (const e of batch) events.push(e);
  return checkHistory({
    zone,
    events,
    policies: new Map(banks.map((b) => [b.code, AUTH_POLICIES[b.auth]])),
  });
}
