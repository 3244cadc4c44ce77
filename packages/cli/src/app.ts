import {
  AUTH_POLICIES,
  checkHistory,
  figureTimes,
  incidentReport,
  PROJECTIONS,
  reconcile,
  type IncidentReport,
  type IncidentState,
  type LedgerEvent,
  type Projection,
  type Publication,
  type StoredEvent,
  type ViewTable,
} from '@incident-ledger/core';
import { ImportCutShort } from './errors';
import { IMPORTING, type Progress } from './progress';
import {
  assertIndexesAgree,
  ChainVerifier,
  checkColumns,
  MemoryEventStore,
  proveCheckpoints,
  replayFolds,
  storeDigest,
  storeDigestInOrder,
  UnreadableEvent,
  writesInOrder,
  type AppendResult,
  type ChainBreak,
  type CheckpointProof,
  type AuditView,
  type ColumnCheck,
  type EventStore,
  type IndexCheck,
  type ReplayOptions,
} from '@incident-ledger/eventstore';
import type { BankInfo } from '@incident-ledger/scenario';

/** Application services: what the commands do, apart from how they print it. */

export interface ImportResult {
  appended: number;
  skipped: number;
}

/**
 * Events to import: held in memory (one batch), or a streamed scenario's event files, read batch by
 * batch (EventFiles).
 */
export type ImportSource =
  | readonly LedgerEvent[]
  | {
      readonly bytes: number;
      validate(): Promise<void>;
      batches(): AsyncIterable<readonly LedgerEvent[]>;
    };

/**
 * Appends the events; events already stored (same id, same content) are skipped. Memory holds one
 * batch. All or nothing: a bad event anywhere in the files appends nothing.
 * - A store that appends atomically (appendAtomically) takes the files in one pass, every event
 *   validated as it is read, in one transaction: an error, or a crash, leaves the store as it was.
 * - Any other store: every file is validated first, then each batch is one atomic appendMany. An
 *   import cut short then (a crash, a conflict in a later batch) leaves whole batches in order, a
 *   store that verifies, and running it again completes it to the same digest.
 * The progress line counts events as they are appended, in percent of the files read.
 * Refused (IndexDisagrees) before anything is read when the store's index tables disagree with its
 * events: they decide what is skipped, so a damaged event_ids would let stored events be appended
 * again.
 */
export async function importEvents(
  store: EventStore,
  events: ImportSource,
  progress?: Progress,
): Promise<ImportResult> {
  await assertIndexesAgree(store);
  const held = isHeld(events);
  const result = { appended: 0, skipped: 0 };
  const count = (results: readonly AppendResult[]) => {
    let events = 0;
    for (const r of results) {
      result.appended += r.appended;
      result.skipped += r.skipped;
      events += r.appended + r.skipped;
    }
    progress?.tick(events);
  };
  if (!held && store.appendAtomically) {
    progress?.phase(IMPORTING, { bytes: events.bytes });
    try {
      await store.appendAtomically(writeBatches(events.batches()), count);
    } finally {
      progress?.finish();
    }
    return result;
  }
  if (!held) await events.validate();
  progress?.phase(IMPORTING, held ? { events: events.length } : { bytes: events.bytes });
  try {
    for await (const batch of held ? [events] : events.batches())
      count(await store.appendMany(writesInOrder(batch)));
  } catch (e) {
    // A later batch's error (an event id stored with other content, a file changed since it was
    // validated) comes after earlier batches were appended: the message must not say nothing was.
    throw result.appended > 0 ? new ImportCutShort(e, result.appended) : e;
  } finally {
    progress?.finish();
  }
  return result;
}

async function* writeBatches(batches: AsyncIterable<readonly LedgerEvent[]>) {
  for await (const batch of batches) yield writesInOrder(batch);
}

const isHeld = (events: ImportSource): events is readonly LedgerEvent[] => Array.isArray(events);

/**
 * One pass over the store feeds every fold: reports at several as-of cutoffs cost one read.
 * Publications are a fold of the same pass, and so is each projection whose table is asked for
 * (`tables`, by the name `replay --by` takes: PROJECTIONS). Stores that keep columns are read in
 * columns, and folds resume from the store's checkpoints where it has valid ones (replayFolds).
 */
export async function replay(
  store: EventStore,
  zone: string,
  asOfs: readonly number[],
  progress?: Progress,
  checkpoints?: ReplayOptions['checkpoints'],
  more: { tables?: readonly string[]; onNotice?: (notice: string) => void } = {},
) {
  const parameters = { zone };
  const made = (name: string) => PROJECTIONS.get(name).make(parameters);
  const incident = made('incident') as Projection<IncidentState>;
  const shown = (more.tables ?? []).map((table) => PROJECTIONS.table(table));
  const requests = [
    { projection: made('publications') as Projection<Publication[]> },
    ...asOfs.map((asOf) => ({ projection: incident, asOf })),
    ...asOfs.flatMap((asOf) =>
      shown.map(({ entry }) => ({ projection: entry.make(parameters), asOf })),
    ),
  ];
  const { folds, events } = await replayFolds(store, requests, {
    onBatch: (n) => progress?.tick(n),
    ...(checkpoints && { checkpoints }),
    ...(more.onNotice && { onNotice: more.onNotice }),
  });
  progress?.finish();
  const [publications, ...rest] = folds;
  const incidents = rest.slice(0, asOfs.length);
  const reports = new Map<number, IncidentReport>(
    incidents.map((f) => [f.asOf, incidentReport(f.state as IncidentState)]),
  );
  const tables = new Map<number, ViewTable[]>(
    asOfs.map((asOf, k) => [
      asOf,
      shown.map(({ show }, j) =>
        show(rest[asOfs.length + k * shown.length + j]!.state, parameters),
      ),
    ]),
  );
  return { reports, tables, publications: publications!.state as Publication[], events };
}

export async function digestOf(store: EventStore): Promise<string> {
  // Read in order without holding every head (3.1M heads held took 527 MiB), where the store can.
  const inOrder = store.readHeads && (await storeDigestInOrder(store.readHeads()));
  return `sha256:${inOrder ?? storeDigest(await store.heads())}`;
}

/**
 * Replays the store and checks every published figure at its own as-of time. From the record, never
 * from checkpoints: an auditor's figures must not rest on saved state the hash chains do not cover.
 */
export async function verifyFigures(store: EventStore, zone: string, progress?: Progress) {
  const events = progress && (await storedEvents(store));
  const phase = (label: string) => progress?.phase(label, { events });
  const { publications } = await replay(store, zone, [], phase('reading publications'), 'off');
  const { reports } = await replay(
    store,
    zone,
    figureTimes(publications),
    phase('replaying'),
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
  /**
   * Every stored checkpoint folded again from the events it covers, when the chains and columns
   * hold and the store keeps checkpoints: a sealed checkpoint is trusted by replay, and a seal is
   * a checksum a forger recomputes.
   */
  checkpoints?: CheckpointProof;
  /** The index tables compared with the events, when the chains hold and the store keeps them. */
  indexes?: IndexCheck;
}

/**
 * Recomputes every hash chain in global order and names the first altered event, if any; then
 * checks what replays read besides the events (the columns, the checkpoints) and what the store
 * derives from them (the index tables). All of it from one snapshot where the store gives one
 * (audit), so that appends made meanwhile cannot pass for a break.
 */
export async function checkIntegrity(store: EventStore): Promise<IntegrityResult> {
  return store.audit ? store.audit.snapshot(checkView) : checkView(store);
}

async function checkView(
  store: Pick<EventStore, 'heads' | 'readAll' | 'columns' | 'checkpoints'> &
    Partial<Pick<AuditView, 'indexes'>>,
): Promise<IntegrityResult> {
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
  const indexes = await store.indexes?.();
  const columns = store.columns ? await checkColumns(store) : undefined;
  // Proved from the columns (the replay's own input) only once they are shown to match the events.
  const checkpoints =
    store.checkpoints && !columns?.firstBreak
      ? await proveCheckpoints(store, PROJECTIONS)
      : undefined;
  return {
    checked: verifier.checked,
    streams: heads.length,
    digest,
    ...(indexes && { indexes }),
    ...(columns && { columns }),
    ...(checkpoints && { checkpoints }),
  };
}

/** How many events a store holds, from its stream heads: the total for a progress line. */
export async function storedEvents(store: EventStore): Promise<number> {
  if (!store.readHeads) return (await store.heads()).reduce((n, h) => n + h.revision + 1, 0);
  let n = 0;
  for await (const batch of store.readHeads()) for (const h of batch) n += h.revision + 1;
  return n;
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
 * Checks the ledger's invariants (core's, which the fuzzer checks too) over every event in the
 * store;
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
