import { incidentDroppingChargesUnder } from '@incident-ledger/testkit';
import fc from 'fast-check';
import { encodeEvents, KeyDictionary, type ColumnBatch } from '../../events/columns';
import type { EventDataMap, EventType, StoredEvent } from '../../events/types';
import { Fold, type Projection } from '../projection';
import { incidentProjection } from './projection';
import { caseRows, caseTableProjection } from '../case-table';
import { referenceIncidentProjection } from './reference';
import { referenceCaseRows, referenceReport } from './reference-report';
import { incidentReport, type IncidentState } from './report';

/**
 * The columnar fold equals the reference fold (the meaning of every figure) on random histories:
 * stores built in steps (store order unrelated to recordedAt), ties in recordedAt, reclassifications
 * and compensation before the report, controls at any time and of any scope (a bank, an operator,
 * both, neither), operators named or not, charges under and over 20,000 yen, as
 * of random cutoffs; folded in random batches, some delivered twice, resumed from a saved state, and
 * event by event. Fixed seed: the same histories on every CI run.
 */
const SEED = 20200914;
const RUNS = 300;

const DAY = 86_400_000;
const T0 = Date.parse('2020-10-20T00:00:00Z'); // three weeks across New York's DST change
const ZONES = ['Asia/Tokyo', 'America/New_York', 'Australia/Lord_Howe'];

const bankCode = fc.constantFrom('B1', 'B2', 'B3');
const accountId = fc.constantFrom('a1', 'a2');
const walletId = fc.constantFrom('w1', 'w2', 'w3');
const caseId = fc.constantFrom('c1', 'c2', 'c3');
const reason = fc.constant('r');
/** Operators; 'x' is also a merchant category: the two share the category column's dictionary. */
const operatorCode = fc.constantFrom('O1', 'O2', 'x');
/** A record whose operatorCode (and bankCode, where `optional` says) may be absent. */
const withScope = <T extends Record<string, unknown>>(
  fields: { [K in keyof T]: fc.Arbitrary<T[K]> },
  optional: readonly (keyof T & string)[] = ['operatorCode'],
) =>
  fc.record(fields, {
    requiredKeys: Object.keys(fields).filter((k) => !optional.includes(k)) as (keyof T)[],
  }) as fc.Arbitrary<T>;
const amountYen = fc.oneof(
  fc.integer({ min: 0, max: 19_999 }),
  fc.integer({ min: 20_000, max: 500_000 }),
  fc.constantFrom(0, 1e12),
);
const data: { [T in EventType]?: fc.Arbitrary<EventDataMap[T]> } = {
  ChargeExecuted: withScope({ walletId, bankCode, accountId, amountYen, operatorCode }),
  BankAccountLinked: withScope({
    walletId,
    bankCode,
    accountId,
    factors: fc.constant([]),
    operatorCode,
  }),
  PurchaseMade: fc.record({
    walletId,
    amountYen,
    merchantCategory: fc.constantFrom('x', 'y', 'z'),
  }),
  CaseReported: withScope({
    caseId,
    bankCode,
    accountId,
    status: fc.constantFrom('suspected' as const, 'confirmed' as const),
    operatorCode,
  }),
  CaseReclassified: fc.record({
    caseId,
    status: fc.constantFrom(
      'suspected' as const,
      'confirmed' as const,
      'excluded-own-use' as const,
      'excluded-separate-matter' as const,
    ),
    reason,
  }),
  CompensationPaid: fc.record({ caseId, amountYen, paidBy: fc.constant('bank' as const) }),
  InquiriesReceived: fc.record({
    channel: fc.constant('c'),
    count: fc.nat(99),
    periodStart: fc.constant(0),
    periodEnd: fc.constant(1),
  }),
  NewLinkingSuspended: withScope({ reason, bankCode, operatorCode }, ['bankCode', 'operatorCode']),
  NewLinkingResumed: withScope({ reason, bankCode, operatorCode }, ['bankCode', 'operatorCode']),
  BankLinkPolicySet: withScope({ bankCode, requiredFactors: fc.constant([]), operatorCode }),
  BankChargesStopped: withScope({ bankCode, operatorCode }, ['bankCode', 'operatorCode']),
  BankChargesResumed: withScope({ bankCode, operatorCode }, ['bankCode', 'operatorCode']),
  WalletLocked: fc.record({ walletId, reason }),
  EkycRequired: fc.record({ reason }),
  CompensationStarted: fc.record({ reason }),
  WalletOpened: fc.record({ walletId, openedBy: fc.constant('third-party' as const) }),
};
/** Charges, reports and reclassifications weigh more: the figures turn on them. */
const WEIGHTS: { [T in EventType]?: number } = {
  ChargeExecuted: 6,
  CaseReported: 3,
  CaseReclassified: 2,
};
const event = fc.oneof(
  ...Object.entries(data).map(([type, d]) => ({
    weight: WEIGHTS[type as EventType] ?? 1,
    arbitrary: fc.record({
      type: fc.constant(type as EventType),
      data: d as fc.Arbitrary<unknown>,
      occurredAt: fc.integer({ min: 0, max: 21 * 24 }).map((h) => T0 + h * 3_600_000),
      // Few distinct times: ties in recordedAt are common.
      recordedAt: fc.integer({ min: 0, max: 24 }).map((k) => T0 + k * DAY),
    }),
  })),
);

/** A history as a store holds it: positions in the order drawn, whatever its recordedAt. */
const history = fc.record({
  zone: fc.constantFrom(...ZONES),
  events: fc.array(event, { maxLength: 60, size: 'medium' }).map((list) =>
    list.map(
      (e, i): StoredEvent =>
        ({
          ...e,
          eventId: `e${i}`,
          streamId: 's',
          revision: i,
          globalPosition: i + 1,
          hash: '',
        }) as StoredEvent,
    ),
  ),
  cuts: fc.array(fc.nat(60), { maxLength: 4 }),
  redelivered: fc.nat(4),
  asOfPick: fc.nat(),
});

/** As of one of the history's recordedAt times, before all, or after all. */
const asOfOf = (events: StoredEvent[], pick: number) => {
  const times = [...new Set(events.map((e) => e.recordedAt))];
  return [Number.POSITIVE_INFINITY, T0 - 1, ...times][pick % (times.length + 2)]!;
};

/**
 * The states a projection folds every way in: from columns, in batches cut at random, one
 * delivered twice, resumed from a saved state half way; and event by event (Projection.evolve).
 */
function foldedEveryWay<S>(
  projection: Projection<S>,
  events: StoredEvent[],
  asOf: number,
  cuts: number[],
  redelivered: number,
): S[] {
  const bounds = [...new Set([0, ...cuts.filter((c) => c < events.length), events.length])].sort(
    (a, b) => a - b,
  );
  const keys = new KeyDictionary();
  const batches: ColumnBatch[] = bounds
    .slice(1)
    .map((end, k) => encodeEvents(events.slice(bounds[k]!, end), keys, 'test'));
  let fold = new Fold(projection, asOf);
  batches.forEach((batch, k) => {
    fold.applyColumns(batch);
    if (k === redelivered) fold.applyColumns(batch);
    if (k === Math.floor(batches.length / 2)) {
      const codec = projection.codec!;
      const state = codec.decode(codec.encode(fold.state));
      fold = new Fold(projection, asOf, { state, position: fold.position });
    }
  });
  const byEvent = new Fold(projection, asOf);
  for (const e of events) byEvent.apply([e]);
  return [fold.state, byEvent.state];
}

/** Whether the incident made by `make` gives the reference's report, every way in. */
function agreesWithReference(make: (zone: string) => Projection<IncidentState>) {
  return fc.property(history, ({ zone, events, cuts, redelivered, asOfPick }) => {
    const asOf = asOfOf(events, asOfPick);
    const expected = referenceReport(
      new Fold(referenceIncidentProjection(zone), asOf).apply(events).state,
    );
    for (const state of foldedEveryWay(make(zone), events, asOf, cuts, redelivered))
      expect(incidentReport(state)).toEqual(expected);
  });
}

describe('the columnar incident fold', () => {
  it(`equals the reference fold on ${RUNS} random histories`, () => {
    fc.assert(agreesWithReference(incidentProjection), { seed: SEED, numRuns: RUNS });
  });

  it('would not, if it silently dropped charges under 20,000 yen from damage', () => {
    const details = fc.check(agreesWithReference(incidentDroppingChargesUnder(20_000)), {
      seed: SEED,
      numRuns: RUNS,
    });
    expect(details.failed).toBe(true);
    const yen = (e: StoredEvent) => (e.data as { amountYen: number }).amountYen;
    const small = details.counterexample![0].events.filter(
      (e) => e.type === 'ChargeExecuted' && yen(e) > 0 && yen(e) < 20_000,
    );
    expect(small).not.toEqual([]); // shrunk to a history with a charge under 20,000 yen
  });

  it('is fed histories with charges on both sides of 20,000 yen, and reports and controls recorded out of store order', () => {
    const drawn = fc.sample(history, { seed: SEED, numRuns: RUNS }).flatMap((h) => h.events);
    const charges = drawn.filter((e) => e.type === 'ChargeExecuted');
    const yen = (e: StoredEvent) => (e.data as { amountYen: number }).amountYen;
    expect(charges.filter((e) => yen(e) > 0 && yen(e) < 20_000).length).toBeGreaterThan(100);
    expect(charges.filter((e) => yen(e) >= 20_000).length).toBeGreaterThan(100);
    expect(drawn.filter((e) => e.type === 'CaseReclassified').length).toBeGreaterThan(100);
  });
});

describe('the case table', () => {
  it(`has the reference's rows on ${RUNS} random histories, every way in`, () => {
    fc.assert(
      fc.property(history, ({ zone, events, cuts, redelivered, asOfPick }) => {
        const asOf = asOfOf(events, asOfPick);
        const expected = referenceCaseRows(
          new Fold(referenceIncidentProjection(zone), asOf).apply(events).state,
        );
        for (const state of foldedEveryWay(
          caseTableProjection(zone),
          events,
          asOf,
          cuts,
          redelivered,
        ))
          expect(caseRows(state)).toEqual(expected);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('is compared on histories with excluded, reclassified and compensated cases', () => {
    const rows = fc
      .sample(history, { seed: SEED, numRuns: RUNS })
      .flatMap(({ zone, events }) =>
        referenceCaseRows(new Fold(referenceIncidentProjection(zone)).apply(events).state),
      );
    expect(rows.filter((r) => r.status.startsWith('excluded')).length).toBeGreaterThan(50);
    expect(rows.filter((r) => r.reclassifiedAt !== null).length).toBeGreaterThan(50);
    expect(
      rows.filter((r) => r.reclassifiedAt !== null && r.reclassifiedAt < r.reportedAt).length,
    ).toBeGreaterThan(10);
    expect(rows.filter((r) => r.compensatedYen > 0).length).toBeGreaterThan(50);
    expect(rows.filter((r) => r.firstChargeAt === null).length).toBeGreaterThan(10);
  });
});
