import { MinHeap } from '../collections/heap';
import { nameUuid } from '../determinism/ids';
import type { LedgerEvent } from '../events/types';
import type { Command } from './commands';
import { decide as rules, type Decide, type Rejection } from './decide';
import { evolveLedger, ledgerRules, type LedgerState } from './state';

export interface LedgerOptions {
  /** Event ids are nameUuid(`${namespace}/${eventKey}`): the same run gives the same ids. */
  namespace: string;
  decide?: Decide;
}

/**
 * Commands through the rules, one at a time, synchronously: decide, stamp, fold into the state.
 * The events it keeps are in the order decided, which is the order recorded.
 */
export class Ledger {
  readonly state: LedgerState = ledgerRules.init();
  readonly events: LedgerEvent[] = [];
  /** Each event's key (see eventKey), beside it. */
  readonly keys: string[] = [];
  /** Every rejection by rule, recorded as an event or not. */
  readonly rejections = new Map<Rejection, number>();
  commands = 0;
  private readonly decide: Decide;

  /** This namespace's cached ids (see eventId), looked up once per ledger rather than per event. */
  private readonly ids: Map<string, string>;

  constructor(readonly options: LedgerOptions) {
    this.decide = options.decide ?? rules;
    this.ids = idsOf(options.namespace);
  }

  /** Decides one command and returns the events it caused (a rejection event included). */
  execute(command: Command): LedgerEvent[] {
    this.commands++;
    const decision = this.decide(this.state, command);
    if (decision.rejected !== undefined)
      this.rejections.set(decision.rejected, (this.rejections.get(decision.rejected) ?? 0) + 1);
    const out: LedgerEvent[] = [];
    for (let i = 0; i < decision.events.length; i++) {
      const draft = decision.events[i]!;
      const key = eventKey(command, i);
      const event = {
        eventId: eventId(this.ids, this.options.namespace, key),
        streamId: draft.streamId,
        type: draft.type,
        occurredAt: command.at,
        recordedAt: command.at,
        data: draft.data,
      } as LedgerEvent;
      evolveLedger(this.state, event);
      this.events.push(event);
      this.keys.push(key);
      out.push(event);
    }
    return out;
  }
}

/**
 * Ids already made, by namespace and event key. Keys repeat across runs of the same namespace
 * (fuzzed sequences are keyed n/Type, so thousands of runs share a few hundred keys), and each id
 * costs a SHA-1; looked up by the key itself, not the joined name, so no string is built to find
 * one. A namespace's cache is emptied when full (a long run of unique keys pays only the lookups),
 * and the whole cache when too many namespaces come, so it stays bounded (a ledger keeps its
 * namespace's map until it is done: at most one more map per live ledger).
 */
const ids = new Map<string, Map<string, string>>();
const MAX_CACHED_IDS = 1 << 14;
const MAX_CACHED_NAMESPACES = 64;

function idsOf(namespace: string): Map<string, string> {
  let byKey = ids.get(namespace);
  if (byKey === undefined) {
    if (ids.size === MAX_CACHED_NAMESPACES) ids.clear();
    ids.set(namespace, (byKey = new Map()));
  }
  return byKey;
}

function eventId(byKey: Map<string, string>, namespace: string, key: string): string {
  let id = byKey.get(key);
  if (id === undefined) {
    if (byKey.size === MAX_CACHED_IDS) byKey.clear();
    byKey.set(key, (id = nameUuid(`${namespace}/${key}`)));
  }
  return id;
}

/**
 * The key of the i-th event a command causes: scenario files written from a run use it, so their
 * ids match.
 */
function eventKey(command: Command, i: number): string {
  return i === 0 ? command.key : `${command.key}#${i}`;
}

/**
 * Reacts to an event with commands to send later (or at the same instant, after what is already
 * due then): victims reporting, operators locking, attackers trying again.
 */
export type Reaction = (event: LedgerEvent, ledger: Ledger) => readonly Command[];

/**
 * Runs commands in time order (ties in the order given) with reactions to the events they cause.
 * Deterministic: the same commands and reactions give the same events.
 */
export function runCommands(
  commands: readonly Command[],
  options: LedgerOptions & { reactions?: readonly Reaction[] },
): Ledger {
  const ledger = new Ledger(options);
  const agenda = new Agenda();
  for (const c of commands) agenda.push(c);
  const reactions = options.reactions ?? [];
  for (let c = agenda.pop(); c !== undefined; c = agenda.pop()) {
    for (const event of ledger.execute(c)) {
      for (const react of reactions) {
        for (const next of react(event, ledger)) {
          if (next.at < c.at)
            throw new Error(`reaction to ${c.key} scheduled ${next.key} before it`);
          agenda.push(next);
        }
      }
    }
  }
  return ledger;
}

/** The commands still to run, by (at, arrival): the run's clock never goes back. */
class Agenda {
  private readonly heap = new MinHeap(before);
  private seq = 0;

  push(c: Command): void {
    this.heap.push({ c, seq: this.seq++ });
  }

  pop(): Command | undefined {
    return this.heap.pop()?.c;
  }
}

function before(a: { c: Command; seq: number }, b: { c: Command; seq: number }): boolean {
  return a.c.at < b.c.at || (a.c.at === b.c.at && a.seq < b.seq);
}
