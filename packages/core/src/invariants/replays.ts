import { encodeEvents, KeyDictionary, type ColumnBatch } from '../events/columns';
import type { StoredEvent } from '../events/types';
import {
  incidentDamage,
  incidentProjection,
  incidentReport,
  type IncidentState,
} from '../projections/incident';
import { Fold, type Projection } from '../projections/projection';
import { walletLedgerProjection } from '../projections/wallets';
import { ledgerRules } from '../rules/state';
import { formatInstant } from '../time/instant';
import { sumsDisagree } from './damage-sums';
import { recordedInOrder, type History } from './history';

/** A projection the invariants rebuild, with the plain data two builds are compared by. */
export interface Compared {
  projection: Projection<unknown>;
  /**
   * The data two builds are compared by. For a projection with a codec it must share nothing
   * mutable
   * with the state: the fold resumed from a snapshot goes on folding after its view is taken.
   */
  view(s: unknown): unknown;
  /** What must hold of its state as of every time (the incident's damage sums). */
  atEachAsOf?(s: unknown): string | undefined;
}

interface Snapshot {
  /** Events it covers, the position it was taken at, and its sections as a store keeps them. */
  events: number;
  position: number;
  sections: Map<string, Uint8Array>;
  /** Index of the first batch after it. */
  next: number;
}

/** Views of a projection resumed from its snapshots, and after a redelivered catch-up. */
interface Resumed {
  /** From each snapshot (in the order of Replay.snapshots) plus the tail. */
  fromSnapshots: unknown[];
  /**
   * A fold's view before and after a redelivered catch-up: every batch delivered twice, then all of
   * them once more.
   */
  redelivery: { before: unknown; after: unknown };
}

interface Replay {
  view: unknown;
  /**
   * The batches the history was replayed in: columns where the projection folds them (the replay
   * hot path), else events.
   */
  batches: (ColumnBatch | readonly StoredEvent[])[];
  snapshots: Snapshot[];
}

export const KEY_SPACE = 'invariants';

/**
 * What the invariants rebuild by default: the incident (`incident`: the ledger's own unless told),
 * the wallet ledger and the rules' own state.
 */
export function comparedProjections(
  zone: string,
  incident: Projection<IncidentState> = incidentProjection(zone),
): Compared[] {
  const same = (s: unknown) => s;
  return [
    {
      projection: incident as Projection<unknown>,
      view: incidentReport as (s: unknown) => unknown,
      atEachAsOf: (s) => sumsDisagree(incidentDamage((s as IncidentState).cases)),
    },
    { projection: walletLedgerProjection as Projection<unknown>, view: same },
    { projection: ledgerRules as Projection<unknown>, view: same },
  ];
}

/**
 * The builds the invariants compare, made once per history and shared by every invariant that
 * needs them (checking all of them costs about what the dearest does alone).
 */
export class Replays {
  /** By default the incident, the wallet ledger and the rules' own state. */
  readonly compared: readonly Compared[];
  private readonly replays: Replay[] = [];
  private readonly incrementals: { view: unknown; asOfProblem: string | undefined }[] = [];
  private readonly resumes: Resumed[] = [];

  constructor(
    readonly history: History,
    compared: readonly Compared[] = comparedProjections(history.zone),
  ) {
    this.compared = compared;
  }

  /**
   * A full replay, in batches cut where the snapshots are taken; a projection that can be saved
   * (it has a codec) is snapshotted there, as a store saves checkpoints.
   */
  replay(i: number): Replay {
    const done = this.replays[i];
    if (done !== undefined) return done;
    const { projection, view } = this.compared[i]!;
    const events = this.history.events;
    const at = snapshotPositions(events.length);
    const cuts = [0, ...at.filter((k) => k > 0 && k < events.length), events.length];
    const keys = new KeyDictionary();
    const batches = cuts.slice(1).map((end, j) => {
      const slice = events.slice(cuts[j]!, end);
      return projection.evolveColumns === undefined ? slice : encodeEvents(slice, keys, KEY_SPACE);
    });
    const fold = new Fold(projection);
    const snapshots: Snapshot[] = [];
    batches.forEach((batch, j) => {
      if (projection.codec !== undefined && at.includes(cuts[j]!)) {
        snapshots.push({
          events: cuts[j]!,
          position: fold.position,
          sections: saved(projection.codec.encode(fold.state)),
          next: j,
        });
      }
      apply(fold, batch);
    });
    if (projection.codec !== undefined && at.includes(events.length)) {
      snapshots.push({
        events: events.length,
        position: fold.position,
        sections: saved(projection.codec.encode(fold.state)),
        next: batches.length,
      });
    }
    return (this.replays[i] = { view: view(fold.state), batches, snapshots });
  }

  /**
   * Resumes from each snapshot and replays the batches after it. The fold resumed from the earliest
   * snapshot then takes a redelivered catch-up, so duplicate delivery is checked on a state that
   * exists anyway instead of on a fourth build; it is compared with that fold's own view before, so
   * a codec that loses state fails replay equivalence only. A projection that cannot be saved takes
   * the catch-up on a fresh fold, compared with the full replay.
   */
  resumed(i: number): Resumed {
    const done = this.resumes[i];
    if (done !== undefined) return done;
    const { projection, view } = this.compared[i]!;
    const { batches, snapshots, view: replayed } = this.replay(i);
    const fromSnapshots: unknown[] = [];
    let earliest: { fold: Fold<unknown>; view: unknown } | undefined;
    for (const s of snapshots) {
      const fold = new Fold(projection, Number.POSITIVE_INFINITY, {
        state: projection.codec!.decode(s.sections),
        position: s.position,
      });
      for (let j = s.next; j < batches.length; j++) apply(fold, batches[j]!);
      const resumed = view(fold.state);
      fromSnapshots.push(resumed);
      earliest ??= { fold, view: resumed };
    }
    const { fold, view: before } = earliest ?? { fold: new Fold(projection), view: replayed };
    for (const batch of batches) {
      apply(fold, batch);
      apply(fold, batch);
    }
    for (const batch of batches) apply(fold, batch);
    return (this.resumes[i] = { fromSnapshots, redelivery: { before, after: view(fold.state) } });
  }

  /**
   * Built event by event (Projection.evolve, not the columns). For a history appended in the
   * order learned, what must hold as of every time is checked after each recordedAt step: the
   * state then is the state as of that time.
   */
  incremental(i: number): { view: unknown; asOfProblem: string | undefined } {
    const done = this.incrementals[i];
    if (done !== undefined) return done;
    const { projection, view, atEachAsOf } = this.compared[i]!;
    const { events, zone } = this.history;
    const fold = new Fold(projection);
    const checked = recordedInOrder(events) ? atEachAsOf : undefined;
    let asOfProblem: string | undefined;
    for (let j = 0; j < events.length; j++) {
      fold.apply([events[j]!]);
      const stepEnds =
        j + 1 === events.length || events[j + 1]!.recordedAt !== events[j]!.recordedAt;
      if (checked !== undefined && asOfProblem === undefined && stepEnds) {
        const problem = checked(fold.state);
        if (problem !== undefined)
          asOfProblem = `as of ${formatInstant(events[j]!.recordedAt, zone)}: ${problem}`;
      }
    }
    return (this.incrementals[i] = { view: view(fold.state), asOfProblem });
  }
}

function apply(fold: Fold<unknown>, batch: ColumnBatch | readonly StoredEvent[]): void {
  if (Array.isArray(batch)) fold.apply(batch);
  else fold.applyColumns(batch as ColumnBatch);
}

/**
 * Sections copied as a store writes them: an encoding may be views of the live state, which folding
 * goes on changing. Copied into one buffer, as a store reads them back (slices of what it read), at
 * offsets aligned for any column: one allocation, not one per section.
 */
function saved(sections: Map<string, Uint8Array>): Map<string, Uint8Array> {
  const align = (n: number) => (n + 7) & ~7;
  let size = 0;
  for (const bytes of sections.values()) size += align(bytes.byteLength);
  const copy = new Uint8Array(size);
  const out = new Map<string, Uint8Array>();
  let at = 0;
  for (const [name, bytes] of sections) {
    copy.set(bytes, at);
    out.set(name, copy.subarray(at, at + bytes.byteLength));
    at += align(bytes.byteLength);
  }
  return out;
}

/**
 * After how many events snapshots are taken: after each in a short history (a shrunk
 * counterexample), half way through a long one. Positions depend only on the length, so verify
 * takes the same snapshots of a counterexample as the fuzzer did.
 */
function snapshotPositions(n: number): number[] {
  if (n <= 8) return Array.from({ length: n + 1 }, (_, k) => k);
  return [Math.floor(n / 2)];
}
