import { projectionSpec, storedHistory } from '@incident-ledger/testkit';
import type { EventDataMap, EventType, LedgerEvent } from '../events/types';
import { parseInstant } from '../time/instant';
import { incidentProjection, incidentReport } from './incident';
import { merchantDayProjection, merchantDayTable } from './merchant-day';
import { Fold } from './projection';

const ZONE = 'Asia/Tokyo';
const event = <T extends EventType>(type: T, at: string, data: EventDataMap[T]) =>
  ({
    eventId: `${type}-${at}`,
    type,
    occurredAt: parseInstant(at),
    recordedAt: parseInstant(at),
    data,
  }) as Omit<LedgerEvent, 'streamId'>;
const charge = (at: string, walletId: string, accountId: string, amountYen: number) =>
  event('ChargeExecuted', at, { walletId, bankCode: 'BANK-A', accountId, amountYen });
const purchase = (at: string, walletId: string, amountYen: number, merchantCategory: string) =>
  event('PurchaseMade', at, { walletId, amountYen, merchantCategory });
const report = (at: string, caseId: string, accountId: string) =>
  event('CaseReported', at, { caseId, bankCode: 'BANK-A', accountId, status: 'confirmed' });

const spec = projectionSpec(
  merchantDayProjection(ZONE),
  (s) => merchantDayTable(s, { zone: ZONE }).rows,
);

describe('damage per merchant category per calendar day', () => {
  it("puts a wallet's spending on the day of each purchase, in the scenario's zone", () => {
    spec
      .given(
        ...storedHistory([
          charge('2020-09-01T10:00:00+09:00', 'w1', 'a1', 50_000),
          purchase('2020-09-01T23:30:00+09:00', 'w1', 10_000, 'cigarettes'),
          purchase('2020-09-01T15:30:00Z', 'w1', 20_000, 'cigarettes'), // 09-02 00:30 in Tokyo
          purchase('2020-09-02T12:00:00+09:00', 'w1', 5_000, 'appliances'),
          charge('2020-09-01T10:00:00+09:00', 'w2', 'own', 9_000), // no case: not damage
          purchase('2020-09-03T12:00:00+09:00', 'w2', 9_000, 'cigarettes'),
          report('2020-09-08T10:00:00+09:00', 'c1', 'a1'),
        ]),
      )
      .then([
        { merchantCategory: 'appliances', date: '2020-09-02', spentYen: 5_000 },
        { merchantCategory: 'cigarettes', date: '2020-09-01', spentYen: 10_000 },
        { merchantCategory: 'cigarettes', date: '2020-09-02', spentYen: 20_000 },
      ]);
  });

  it('attributes as the merchant table does, up to the damage charged in, rounded down per row', () => {
    const events = storedHistory([
      charge('2020-09-01T10:00:00+09:00', 'w1', 'a1', 10_000), // damage
      charge('2020-09-01T10:00:00+09:00', 'w1', 'own', 90_000), // the holder's own money
      purchase('2020-09-02T11:00:00+09:00', 'w1', 30_000, 'cigarettes'),
      purchase('2020-09-03T11:00:00+09:00', 'w1', 30_000, 'cigarettes'),
      purchase('2020-09-02T12:00:00+09:00', 'w1', 40_000, 'appliances'),
      report('2020-09-08T10:00:00+09:00', 'c1', 'a1'),
    ]);
    const rows = spec.given(...events).view();
    expect(rows).toEqual([
      { merchantCategory: 'appliances', date: '2020-09-02', spentYen: 4_000 },
      { merchantCategory: 'cigarettes', date: '2020-09-02', spentYen: 3_000 },
      { merchantCategory: 'cigarettes', date: '2020-09-03', spentYen: 3_000 },
    ]);
    const merchant = incidentReport(new Fold(incidentProjection(ZONE)).apply(events).state);
    for (const { merchantCategory, spentYen } of merchant.byMerchant) {
      const days = rows.filter((r) => r.merchantCategory === merchantCategory);
      expect(days.reduce((n, r) => n + Number(r.spentYen), 0)).toBeLessThanOrEqual(spentYen);
    }
    // As of before the report: no case, no damage, no rows.
    expect(spec.given(...events).view(parseInstant('2020-09-07T00:00:00+09:00'))).toEqual([]);
  });

  it('folds on from a saved state as from the state it saved', () => {
    const events = storedHistory([
      purchase('2020-09-02T11:00:00+09:00', 'w1', 30_000, 'cigarettes'),
      charge('2020-09-01T10:00:00+09:00', 'w1', 'a1', 10_000),
      report('2020-09-08T10:00:00+09:00', 'c1', 'a1'),
      purchase('2020-09-04T11:00:00+09:00', 'w1', 10_000, 'cigarettes'),
    ]);
    const projection = merchantDayProjection(ZONE);
    const first = new Fold(projection).apply(events.slice(0, 2));
    const resumed = new Fold(projection, Number.POSITIVE_INFINITY, {
      state: projection.codec!.decode(projection.codec!.encode(first.state)),
      position: first.position,
    }).apply(events);
    const whole = new Fold(projection).apply(events);
    expect(merchantDayTable(resumed.state, { zone: ZONE })).toEqual(
      merchantDayTable(whole.state, { zone: ZONE }),
    );
    expect(projection.codec!.encode(resumed.state)).toEqual(projection.codec!.encode(whole.state));
  });
});
