import {
  decide as ledgerDecide,
  encodeEvents,
  evolveLedger,
  Fold,
  KeyDictionary,
  ledgerRules,
  type Command,
  type CommandBody,
  type Decide,
  type EventDraft,
  type LedgerEvent,
  type Projection,
  type Rejection,
  type StoredEvent,
} from '@incident-ledger/core';
import assert from 'node:assert/strict';

/**
 * Given/when/then specs for the ledger's rules and for projections, in the manner of Emmett's
 * DeciderSpecification: a rule or a figure stated as one small history and what must follow.
 * Failures throw assertion errors (node:assert), so any test runner reports them.
 */

/** An event as a spec states it: its type and data. */
export type Fact = Pick<EventDraft, 'type' | 'data'>;

const SPEC_AT = Date.parse('2020-09-01T10:00:00+09:00');

/**
 * The rules: given events, when a command, then the events it records (or a rejection). Every
 * event and the command happen at `at`; `decide` is the ledger's own unless given (a test-only
 * build of the rules, decider()).
 */
export function rulesSpec(options: { decide?: Decide; at?: number } = {}) {
  const at = options.at ?? SPEC_AT;
  return {
    given(...history: Fact[]) {
      const state = ledgerRules.init();
      history.forEach((f, i) =>
        evolveLedger(state, {
          eventId: `given-${i}`,
          streamId: 'spec',
          occurredAt: at,
          recordedAt: at,
          ...f,
        } as LedgerEvent),
      );
      return {
        when(body: CommandBody, decide: Decide = options.decide ?? ledgerDecide) {
          const decision = decide(state, { ...body, key: 'spec', at } as Command);
          const facts = decision.events.map(({ type, data }) => ({ type, data }));
          return {
            then(...expected: Fact[]) {
              assert.equal(decision.rejected, undefined, `rejected: ${decision.rejected}`);
              assert.deepStrictEqual(facts, expected);
            },
            /** Rejected by `rule`; `recorded` is the rejection event, for commands that have one. */
            thenRejects(rule: Rejection, ...recorded: Fact[]) {
              assert.equal(decision.rejected, rule);
              assert.deepStrictEqual(facts, recorded);
            },
          };
        },
      };
    },
  };
}

/**
 * A projection: given stored events (as of a recordedAt cutoff, if given), then a view of its
 * state. The view is taken of the events folded one by one; the same history folded with every
 * event delivered twice and then all of it again, and (for a projection that folds columns) as
 * one columnar batch, must give the same view.
 */
export function projectionSpec<S, V>(projection: Projection<S>, view: (state: S) => V) {
  return {
    given(...events: StoredEvent[]) {
      const viewAsOf = (asOf = Number.POSITIVE_INFINITY): V => {
        const once = new Fold(projection, asOf);
        for (const e of events) once.apply([e]);
        const twice = new Fold(projection, asOf);
        for (const e of events) twice.apply([e, e]);
        twice.apply(events);
        const seen = view(once.state);
        assert.deepStrictEqual(view(twice.state), seen, 'events delivered twice change the view');
        if (projection.evolveColumns !== undefined) {
          const columns = new Fold(projection, asOf).applyColumns(
            encodeEvents(events, new KeyDictionary(), 'spec'),
          );
          assert.deepStrictEqual(view(columns.state), seen, 'folded as columns, the view differs');
        }
        return seen;
      };
      return {
        /** The view as of a recordedAt cutoff (default: everything), for checks of its parts. */
        view: viewAsOf,
        then(expected: V, asOf?: number) {
          assert.deepStrictEqual(viewAsOf(asOf), expected);
        },
      };
    },
  };
}

/** Stored events from events as written: positions and revisions in the order given. */
export function storedHistory(events: readonly Omit<LedgerEvent, 'streamId'>[]): StoredEvent[] {
  return events.map((e, i) => ({
    streamId: 'spec',
    ...e,
    revision: i,
    globalPosition: i + 1,
    hash: '',
  }));
}
