import {
  encodeEvents,
  Fold,
  formatInstant,
  incidentDamage,
  incidentProjection,
  incidentReport,
  KeyDictionary,
  ledgerRules,
  walletLedgerProjection,
  type AuthFactor,
  type ColumnBatch,
  type IncidentDamage,
  type IncidentState,
  type Projection,
  type StoredEvent,
} from '@incident-ledger/core';
import { sameData } from './same';
import { RulesModel } from './model';

/**
 * The ledger's invariants, each checked over a history: events in global order, as a store
 * returns them. The same checks run on fuzzed sequences (properties.ts) and on any scenario
 * (`incident-ledger verify`), so a counterexample written as a scenario fails verify the same way.
 */
export interface History {
  zone: string;
  events: readonly StoredEvent[];
  /** What each bank required to link before the history begins (a scenario's declared banks). */
  policies?: ReadonlyMap<string, readonly AuthFactor[]>;
}

export interface Invariant {
  name: string;
  statement: string;
  /** The first violation, said plainly, or undefined. */
  check(r: Replays): string | undefined;
}

/** Checks every invariant given; the first violation of each, by name. */
export function checkHistory(
  h: History,
  invariants: readonly Invariant[] = HISTORY_INVARIANTS,
): { invariant: Invariant; violation: string | undefined }[] {
  const r = new Replays(h);
  return invariants.map((invariant) => ({ invariant, violation: invariant.check(r) }));
}

export const conservation: Invariant = {
  name: 'conservation',
  statement: 'total charged = balances + spent, per wallet and overall; no balance below zero',
  check({ history: h }) {
    const rules = ledgerRules.init();
    const flows = walletLedgerProjection.init();
    for (const e of inWorldOrder(h.events)) {
      ledgerRules.evolve(rules, e);
      walletLedgerProjection.evolve(flows, e);
      if (e.type !== 'ChargeExecuted' && e.type !== 'PurchaseMade') continue;
      const walletId = (e.data as { walletId: string }).walletId;
      const balance = rules.wallets.get(walletId)!.balanceYen;
      const { chargedYen, spentYen } = flows.wallets.get(walletId)!;
      if (balance < 0) return `wallet ${walletId} holds ${balance} yen after ${where(e, h.zone)}`;
      if (balance !== chargedYen - spentYen)
        return `wallet ${walletId} holds ${balance} yen but was charged ${chargedYen} and spent ${spentYen} (${where(e, h.zone)})`;
    }
    let balances = 0;
    for (const w of rules.wallets.values()) balances += w.balanceYen;
    if (!Number.isSafeInteger(flows.chargedYen) || balances + flows.spentYen !== flows.chargedYen) {
      return `overall: charged ${flows.chargedYen} yen, but balances hold ${balances} and ${flows.spentYen} was spent`;
    }
    return undefined;
  },
};

export const rulesHold: Invariant = {
  name: 'rules',
  statement:
    'no charge from a stopped bank, an unlinked account, a locked wallet or one that needs eKYC; no link while linking is suspended or without the factors the bank requires; no purchase from a locked wallet',
  check({ history: h }) {
    const model = new RulesModel(h.policies);
    for (const e of inWorldOrder(h.events)) {
      const problem = model.step(e);
      if (problem !== undefined) return `${problem} (${where(e, h.zone)})`;
    }
    return undefined;
  },
};

export const damageSums: Invariant = {
  name: 'damage-sums',
  statement:
    'damage per bank summed = total = damage per day summed (and per bank and day), at every as-of time',
  check(r) {
    const { zone, events } = r.history;
    const incident = r.compared.findIndex((c) => c.atEachAsOf !== undefined);
    if (incident < 0) return undefined;
    if (recordedInOrder(events)) return r.incremental(incident).asOfProblem;
    for (const asOf of [...new Set(events.map((e) => e.recordedAt))].sort((a, b) => a - b)) {
      const fold = new Fold(incidentProjection(zone), asOf).applyColumns(
        encodeEvents(events, new KeyDictionary(), KEY_SPACE),
      );
      const problem = sumsDisagree(incidentDamage(fold.state));
      if (problem !== undefined) return `as of ${formatInstant(asOf, zone)}: ${problem}`;
    }
    return undefined;
  },
};

// Checked after every step of a history: a plain loop, not a closure made per call.
function sum(rows: readonly { damageYen: number }[]): number {
  let n = 0;
  for (const row of rows) n += row.damageYen;
  return n;
}

function sumsDisagree(r: IncidentDamage): string | undefined {
  const byBank = sum(r.byBank);
  const byDay = sum(r.byDay);
  const byBankDay = sum(r.byBankDay);
  if (byBank === r.damageYen && byDay === r.damageYen && byBankDay === r.damageYen)
    return undefined;
  return `total damage ${r.damageYen} yen, but per bank it sums to ${byBank}, per day to ${byDay}, per bank and day to ${byBankDay}`;
}

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

const KEY_SPACE = 'invariants';

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
    compared?: readonly Compared[],
  ) {
    const same = (s: unknown) => s;
    this.compared = compared ?? [
      {
        projection: incidentProjection(history.zone) as Projection<unknown>,
        view: incidentReport as (s: unknown) => unknown,
        atEachAsOf: (s) => sumsDisagree(incidentDamage(s as IncidentState)),
      },
      { projection: walletLedgerProjection as Projection<unknown>, view: same },
      { projection: ledgerRules as Projection<unknown>, view: same },
    ];
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

/**
 * The invariants a history alone can be checked for (the store digests need stores: properties.ts).
 */
export const HISTORY_INVARIANTS: readonly Invariant[] = [
  conservation,
  rulesHold,
  damageSums,
  replayEquivalence,
  duplicateDelivery,
];

/**
 * The rules follow what occurred when; a store's order is what was learned when. Stable: ties keep
 * store order.
 */
function inWorldOrder(events: readonly StoredEvent[]): readonly StoredEvent[] {
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.occurredAt < events[i - 1]!.occurredAt)
      return [...events].sort((a, b) => a.occurredAt - b.occurredAt);
  }
  return events;
}

function recordedInOrder(events: readonly StoredEvent[]): boolean {
  for (let i = 1; i < events.length; i++)
    if (events[i]!.recordedAt < events[i - 1]!.recordedAt) return false;
  return true;
}

function where(e: StoredEvent, zone: string): string {
  return `${e.type} at position ${e.globalPosition}, ${formatInstant(e.occurredAt, zone)}`;
}
