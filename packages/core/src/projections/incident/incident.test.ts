import { projectionSpec } from '@incident-ledger/testkit';
import type { CaseStatus, EventDataMap, EventType, StoredEvent } from '../../events/types';
import { DayCalendar } from '../../time/calendar';
import { parseInstant } from '../../time/instant';
import { reconcile } from '../figures';
import { Fold } from '../projection';
import { incidentProjection } from './projection';
import { incidentDamage, incidentReport } from './report';
import type { BankRow, IncidentReport } from './types';

/**
 * Given events, then the report (testkit's projectionSpec): every spec also runs with each event
 * fed twice, and folded as columns.
 */
let position = 0;
function ev<T extends EventType>(
  type: T,
  at: string,
  data: EventDataMap[T],
  recorded = at,
): StoredEvent {
  position++;
  return {
    eventId: `e-${position}`,
    streamId: 's',
    type,
    occurredAt: parseInstant(at),
    recordedAt: parseInstant(recorded),
    data,
    revision: position,
    globalPosition: position,
    hash: '',
  } as StoredEvent;
}
const charge = (
  at: string,
  bankCode: string,
  accountId: string,
  amountYen: number,
  recorded = at,
) => ev('ChargeExecuted', at, { walletId: 'w', bankCode, accountId, amountYen }, recorded);
const report = (
  at: string,
  caseId: string,
  bankCode: string,
  accountId: string,
  status: 'confirmed' | 'suspected' = 'confirmed',
) => ev('CaseReported', at, { caseId, bankCode, accountId, status });
const reclassify = (
  at: string,
  caseId: string,
  status: EventDataMap['CaseReclassified']['status'],
) => ev('CaseReclassified', at, { caseId, status, reason: 'test' });

const spec = projectionSpec(incidentProjection('Asia/Tokyo'), incidentReport);
const when = (events: StoredEvent[], asOf?: string): IncidentReport =>
  spec.given(...events).view(asOf ? parseInstant(asOf) : undefined);

describe('incident projection', () => {
  it('a reported case takes in the charges made before its report', () => {
    const r = when([
      charge('2020-08-01T10:00:00+09:00', 'BANK-A', 'acc-1', 50_000),
      charge('2020-08-02T10:00:00+09:00', 'BANK-A', 'acc-1', 30_000),
      report('2020-09-08T10:00:00+09:00', 'c1', 'BANK-A', 'acc-1'),
    ]);
    expect(r).toMatchObject({ cases: 1, banksWithDamage: 1, damageYen: 80_000 });
    expect(r.byBank).toEqual([
      {
        bankCode: 'BANK-A',
        cases: 1,
        damageYen: 80_000,
        compensatedYen: 0,
        outstandingYen: 80_000,
        compensatedCases: 0,
        partlyCompensatedCases: 0,
        largestCaseYen: 80_000,
      },
    ]);
  });

  it('charges from accounts with no case are not damage', () => {
    const r = when([charge('2020-08-01T10:00:00+09:00', 'BANK-A', 'acc-1', 50_000)]);
    expect(r).toMatchObject({ cases: 0, banksWithDamage: 0, damageYen: 0, byBank: [], byDay: [] });
  });

  it('charges after the report add to the case', () => {
    const r = when([
      report('2020-09-08T10:00:00+09:00', 'c1', 'BANK-A', 'acc-1'),
      charge('2020-09-09T10:00:00+09:00', 'BANK-A', 'acc-1', 7_000),
    ]);
    expect(r.damageYen).toBe(7_000);
  });

  it('buckets damage by calendar day in Tokyo, not by UTC day', () => {
    const r = when([
      // 2020-08-01 23:30 UTC is 2020-08-02 08:30 in Tokyo
      charge('2020-08-01T23:30:00Z', 'BANK-A', 'acc-1', 10_000),
      charge('2020-08-02T14:59:59Z', 'BANK-A', 'acc-1', 20_000), // 23:59:59 JST, still the 2nd
      charge('2020-08-02T15:00:00Z', 'BANK-A', 'acc-1', 40_000), // midnight JST: the 3rd
      report('2020-09-01T00:00:00+09:00', 'c1', 'BANK-A', 'acc-1'),
    ]);
    expect(r.byDay).toEqual([
      { date: '2020-08-02', damageYen: 30_000 },
      { date: '2020-08-03', damageYen: 40_000 },
    ]);
  });

  it('a reclassification takes a case and its damage out, and counts banks again', () => {
    const events = [
      charge('2020-09-01T10:00:00+09:00', 'BANK-A', 'a1', 10_000),
      charge('2020-09-01T11:00:00+09:00', 'BANK-L', 'l1', 99_000),
      report('2020-09-09T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
      report('2020-09-09T11:00:00+09:00', 'c2', 'BANK-L', 'l1'),
      reclassify('2020-09-12T10:00:00+09:00', 'c2', 'excluded-separate-matter'),
    ];
    expect(when(events)).toMatchObject({ cases: 1, banksWithDamage: 1, damageYen: 10_000 });
    expect(when(events, '2020-09-10T00:00:00+09:00')).toMatchObject({
      cases: 2,
      banksWithDamage: 2,
      damageYen: 109_000,
    });
  });

  it('as of a cutoff, what was recorded later is unknown, whenever it occurred', () => {
    const events = [
      charge('2020-08-01T10:00:00+09:00', 'BANK-A', 'a1', 10_000, '2020-09-20T00:00:00+09:00'),
      charge('2020-08-02T10:00:00+09:00', 'BANK-A', 'a1', 5_000),
      report('2020-09-08T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
    ];
    expect(when(events, '2020-09-10T00:00:00+09:00').damageYen).toBe(5_000);
    expect(when(events).damageYen).toBe(15_000);
  });

  it('suspected cases count and are shown apart; confirming them changes no total', () => {
    const events = [
      charge('2020-09-01T10:00:00+09:00', 'BANK-A', 'a1', 10_000),
      report('2020-09-09T10:00:00+09:00', 'c1', 'BANK-A', 'a1', 'suspected'),
    ];
    expect(when(events)).toMatchObject({ cases: 1, suspectedCases: 1, damageYen: 10_000 });
    expect(
      when([...events, reclassify('2020-09-10T10:00:00+09:00', 'c1', 'confirmed')]),
    ).toMatchObject({
      cases: 1,
      suspectedCases: 0,
      damageYen: 10_000,
    });
  });

  it('two cases on one account count twice but its damage once', () => {
    const r = when([
      charge('2020-09-01T10:00:00+09:00', 'BANK-A', 'a1', 10_000),
      report('2020-09-09T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
      report('2020-09-09T11:00:00+09:00', 'c2', 'BANK-A', 'a1'),
      reclassify('2020-09-10T10:00:00+09:00', 'c1', 'excluded-own-use'),
    ]);
    expect(r).toMatchObject({ cases: 1, damageYen: 10_000 });
  });

  it('damage per bank and per day both sum to the total', () => {
    const r = when([
      charge('2020-08-01T10:00:00+09:00', 'BANK-A', 'a1', 11_000),
      charge('2020-08-03T10:00:00+09:00', 'BANK-B', 'b1', 22_000),
      charge('2020-08-03T12:00:00+09:00', 'BANK-B', 'b2', 33_000),
      report('2020-09-08T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
      report('2020-09-08T10:00:00+09:00', 'c2', 'BANK-B', 'b1'),
      report('2020-09-08T10:00:00+09:00', 'c3', 'BANK-B', 'b2'),
    ]);
    const sum = (xs: { damageYen: number }[]) => xs.reduce((n, x) => n + x.damageYen, 0);
    expect(sum(r.byBank)).toBe(r.damageYen);
    expect(sum(r.byDay)).toBe(r.damageYen);
    expect(r.damageYen).toBe(66_000);
  });

  it('the damage view holds the rows the report lists, by key: banks with cases or damage, days and bank-days with damage', () => {
    const fold = new Fold(incidentProjection('Asia/Tokyo'));
    fold.apply([
      charge('2020-08-01T10:00:00+09:00', 'BANK-A', 'a1', 11_000),
      charge('2020-08-03T10:00:00+09:00', 'BANK-B', 'b1', 22_000),
      charge('2020-08-04T10:00:00+09:00', 'BANK-L', 'l1', 99_000),
      report('2020-09-08T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
      report('2020-09-08T10:00:00+09:00', 'c2', 'BANK-B', 'b1'),
      report('2020-09-08T10:00:00+09:00', 'c3', 'BANK-C', 'c1'), // a case with no charges: its bank is listed, with no damage
      report('2020-09-08T10:00:00+09:00', 'c4', 'BANK-L', 'l1'),
      reclassify('2020-09-10T10:00:00+09:00', 'c4', 'excluded-separate-matter'), // its bank and day drop out
    ]);
    const r = incidentReport(fold.state);
    const d = incidentDamage(fold.state.cases);
    const bank = (b: number) => fold.state.cases.bankNames[b];
    expect(d.damageYen).toBe(33_000);
    expect(
      d.byBank.map((x) => ({ bankCode: bank(x.bank), cases: x.cases, damageYen: x.damageYen })),
    ).toEqual(
      expect.arrayContaining(
        r.byBank.map(({ bankCode, cases, damageYen }) => ({ bankCode, cases, damageYen })),
      ),
    );
    expect(d.byBank).toHaveLength(3);
    expect(r.byBank.map((x) => x.bankCode)).toEqual(['BANK-A', 'BANK-B', 'BANK-C']);
    expect(
      d.byDay.map((x) => ({ date: DayCalendar.isoDate(x.day), damageYen: x.damageYen })),
    ).toEqual(expect.arrayContaining(r.byDay));
    expect(d.byDay).toHaveLength(2);
    expect(
      d.byBankDay.map((x) => ({
        bankCode: bank(x.bank),
        date: DayCalendar.isoDate(x.day),
        damageYen: x.damageYen,
      })),
    ).toEqual(expect.arrayContaining(r.byBankDay));
    expect(r.byBankDay).toEqual([
      { bankCode: 'BANK-A', date: '2020-08-01', damageYen: 11_000 },
      { bankCode: 'BANK-B', date: '2020-08-03', damageYen: 22_000 },
    ]);
    expect(d.byBankDay).toHaveLength(2);
  });
});

describe('incident projection: saved state', () => {
  it('saves a table not yet in use by its size alone, each part under its own name, and folds on from it as from the state it saved', () => {
    const events = [
      ev('WalletOpened', '2020-08-01T09:00:00+09:00', { walletId: 'w', openedBy: 'third-party' }),
      ev('BankChargesStopped', '2020-08-01T09:30:00+09:00', { bankCode: 'BANK-S' }),
      charge('2020-08-01T10:00:00+09:00', 'BANK-A', 'a1', 11_000),
      report('2020-09-08T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
    ];
    const projection = incidentProjection('Asia/Tokyo');
    const first = new Fold(projection).apply(events.slice(0, 2)); // no charge, purchase or case yet
    const sections = projection.codec!.encode(first.state);
    expect(
      [...sections.keys()].filter((name) =>
        /^\w+\/(accounts|dayCharges|accountWallets|purchases|cases|reportOrder)\./.test(name),
      ),
    ).toEqual([]);
    expect([...sections.keys()].filter((name) => name.startsWith('controls/banks.'))).not.toEqual(
      [],
    );
    expect([...sections.keys()].filter((name) => name.startsWith('cases/banks.'))).toEqual([]);
    const restored = new Fold(projection, Number.POSITIVE_INFINITY, {
      state: projection.codec!.decode(sections),
      position: first.position,
    });
    expect(incidentReport(restored.state)).toEqual(incidentReport(first.state));
    restored.apply(events);
    expect(incidentReport(restored.state)).toEqual(
      incidentReport(new Fold(projection).apply(events).state),
    );
    expect(incidentReport(restored.state).damageYen).toBe(11_000);
  });
});

describe('incident projection: case status is the last written, whatever the store order', () => {
  it('keeps a reclassification stored before its case is reported, and applies it when the report arrives', () => {
    const events = [
      charge('2020-09-01T10:00:00+09:00', 'BANK-A', 'a1', 10_000),
      reclassify('2020-09-12T10:00:00+09:00', 'c1', 'excluded-own-use'), // stored first, recorded last
      report('2020-09-09T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
    ];
    expect(when(events)).toMatchObject({ cases: 0, banksWithDamage: 0, damageYen: 0, byBank: [] });
    expect(when(events, '2020-09-10T00:00:00+09:00')).toMatchObject({
      cases: 1,
      banksWithDamage: 1,
      damageYen: 10_000,
    });
  });

  it('takes the status recorded last, not the one stored last', () => {
    const events = [
      charge('2020-09-01T10:00:00+09:00', 'BANK-A', 'a1', 10_000),
      report('2020-09-09T10:00:00+09:00', 'c1', 'BANK-A', 'a1', 'suspected'),
      reclassify('2020-09-12T10:00:00+09:00', 'c1', 'confirmed'),
      reclassify('2020-09-11T10:00:00+09:00', 'c1', 'excluded-separate-matter'), // stored after, recorded before
    ];
    expect(when(events)).toMatchObject({ cases: 1, suspectedCases: 0, damageYen: 10_000 });
    expect(when(events, '2020-09-11T12:00:00+09:00')).toMatchObject({
      cases: 0,
      suspectedCases: 0,
      damageYen: 0,
    });
  });

  it('lets a report stored later but recorded earlier neither revive an excluded case nor replace its first report', () => {
    const events = [
      charge('2020-09-01T10:00:00+09:00', 'BANK-A', 'a1', 10_000),
      charge('2020-09-01T10:00:00+09:00', 'BANK-B', 'b1', 20_000),
      report('2020-09-09T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
      reclassify('2020-09-12T10:00:00+09:00', 'c1', 'excluded-own-use'),
      report('2020-09-10T10:00:00+09:00', 'c1', 'BANK-B', 'b1'),
    ];
    expect(when(events)).toMatchObject({ cases: 0, damageYen: 0 });
    expect(when(events, '2020-09-11T00:00:00+09:00')).toMatchObject({
      cases: 1,
      damageYen: 10_000,
      byBank: [expect.objectContaining({ bankCode: 'BANK-A' })],
    });
  });

  it('takes the bank and account of the report recorded first, whichever was stored first', () => {
    const r = when([
      charge('2020-09-01T10:00:00+09:00', 'BANK-A', 'a1', 10_000),
      charge('2020-09-01T10:00:00+09:00', 'BANK-B', 'b1', 20_000),
      report('2020-09-10T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
      report('2020-09-09T10:00:00+09:00', 'c1', 'BANK-B', 'b1'),
    ]);
    expect(r).toMatchObject({
      cases: 1,
      damageYen: 20_000,
      reports: [{ bankCode: 'BANK-B', reportedAt: parseInstant('2020-09-09T10:00:00+09:00') }],
    });
  });

  it('breaks a tie in recordedAt by store position: the later written wins', () => {
    const t = '2020-09-10T10:00:00+09:00';
    const first = when([
      charge('2020-09-01T10:00:00+09:00', 'BANK-A', 'a1', 10_000),
      reclassify(t, 'c1', 'excluded-own-use'),
      report(t, 'c1', 'BANK-A', 'a1'),
    ]);
    expect(first).toMatchObject({ cases: 1, damageYen: 10_000 });
    const second = when([
      charge('2020-09-01T10:00:00+09:00', 'BANK-A', 'a1', 10_000),
      report(t, 'c1', 'BANK-A', 'a1'),
      reclassify(t, 'c1', 'excluded-own-use'),
    ]);
    expect(second).toMatchObject({ cases: 0, damageYen: 0 });
  });

  it("takes a bank's charge control recorded last, not the one stored last", () => {
    const events = [
      ev('BankChargesResumed', '2020-09-20T10:00:00+09:00', { bankCode: 'BANK-A' }),
      ev('BankChargesStopped', '2020-09-09T10:00:00+09:00', { bankCode: 'BANK-A' }), // stored after, recorded before
      ev('BankChargesStopped', '2020-09-11T10:00:00+09:00', { bankCode: 'BANK-B' }),
      ev('BankChargesResumed', '2020-09-10T10:00:00+09:00', { bankCode: 'BANK-B' }), // stored after, recorded before
    ];
    expect(when(events).banksStoppedCharges).toEqual(['BANK-B']);
    expect(when(events, '2020-09-19T00:00:00+09:00').banksStoppedCharges).toEqual([
      'BANK-A',
      'BANK-B',
    ]);
    expect(when(events, '2020-09-10T12:00:00+09:00').banksStoppedCharges).toEqual(['BANK-A']);
  });

  it('keeps a compensation stored before its case is reported', () => {
    const r = when([
      charge('2020-09-01T10:00:00+09:00', 'BANK-A', 'a1', 50_000),
      ev('CompensationPaid', '2020-09-20T10:00:00+09:00', {
        caseId: 'c1',
        amountYen: 30_000,
        paidBy: 'operator',
      }),
      report('2020-09-08T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
    ]);
    expect(r).toMatchObject({ damageYen: 50_000, compensatedYen: 30_000 });
  });
});

describe('incident projection: controls, the linking stop, and where the money went', () => {
  const link = (at: string, walletId: string, bankCode: string, accountId: string) =>
    ev('BankAccountLinked', at, {
      walletId,
      bankCode,
      accountId,
      factors: ['account-number', 'pin', 'name', 'birth-date'],
    });
  const walletCharge = (
    at: string,
    walletId: string,
    bankCode: string,
    accountId: string,
    amountYen: number,
  ) => ev('ChargeExecuted', at, { walletId, bankCode, accountId, amountYen });
  const purchase = (at: string, walletId: string, amountYen: number, merchantCategory: string) =>
    ev('PurchaseMade', at, { walletId, amountYen, merchantCategory });

  it('splits cases by whether any charge came after new linking was suspended, and by when the account was linked', () => {
    const r = when([
      link('2020-08-01T10:00:00+09:00', 'w1', 'BANK-A', 'a1'),
      walletCharge('2020-08-01T11:00:00+09:00', 'w1', 'BANK-A', 'a1', 10_000),
      link('2020-09-05T10:00:00+09:00', 'w2', 'BANK-B', 'b1'),
      walletCharge('2020-09-05T11:00:00+09:00', 'w2', 'BANK-B', 'b1', 20_000),
      ev('NewLinkingSuspended', '2020-09-10T00:00:00+09:00', { reason: 'test' }),
      walletCharge('2020-09-10T09:00:00+09:00', 'w2', 'BANK-B', 'b1', 30_000),
      report('2020-09-11T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
      report('2020-09-11T10:00:00+09:00', 'c2', 'BANK-B', 'b1'),
    ]);
    expect(r).toMatchObject({
      casesChargedBeforeLinkingSuspended: 1,
      casesChargedAfterLinkingSuspended: 1,
      casesChargedAfterLinkingSuspendedViaEarlierLink: 1,
      oldestDamageDate: '2020-08-01',
    });
  });

  it('counts banks that stopped charges, and forgets those that resumed', () => {
    const stop = (at: string, bankCode: string) => ev('BankChargesStopped', at, { bankCode });
    const events = [
      stop('2020-09-09T10:00:00+09:00', 'BANK-A'),
      stop('2020-09-11T10:00:00+09:00', 'BANK-B'),
      stop('2020-09-12T10:00:00+09:00', 'BANK-A'),
    ];
    expect(when(events).banksStoppedCharges).toEqual(['BANK-A', 'BANK-B']);
    expect(when(events, '2020-09-10T00:00:00+09:00').banksStoppedCharges).toEqual(['BANK-A']);
    const resumed = when([
      ...events,
      ev('BankChargesResumed', '2020-09-20T10:00:00+09:00', { bankCode: 'BANK-A' }),
    ]);
    expect(resumed.banksStoppedCharges).toEqual(['BANK-B']);
    expect(resumed.controls.map((c) => c.control)).toEqual([
      'BankChargesStopped',
      'BankChargesStopped',
      'BankChargesStopped',
      'BankChargesResumed',
    ]);
  });

  it('traces spending from wallets charged from counted cases only, by merchant category', () => {
    const r = when([
      walletCharge('2020-09-01T10:00:00+09:00', 'w1', 'BANK-A', 'a1', 50_000),
      purchase('2020-09-01T11:00:00+09:00', 'w1', 40_000, 'cigarettes'),
      walletCharge('2020-09-01T10:00:00+09:00', 'w2', 'BANK-A', 'a2', 50_000),
      purchase('2020-09-01T11:00:00+09:00', 'w2', 45_000, 'appliances'),
      report('2020-09-08T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
    ]);
    expect(r.byMerchant).toEqual([{ merchantCategory: 'cigarettes', spentYen: 40_000 }]);
  });

  it('keeps the first suspension instant after new linking resumes, and after a second suspension', () => {
    const events = [
      link('2020-08-01T10:00:00+09:00', 'w1', 'BANK-A', 'a1'),
      walletCharge('2020-08-01T11:00:00+09:00', 'w1', 'BANK-A', 'a1', 10_000),
      link('2020-09-05T10:00:00+09:00', 'w2', 'BANK-B', 'b1'),
      ev('NewLinkingSuspended', '2020-09-10T00:00:00+09:00', { reason: 'test' }),
      walletCharge('2020-09-12T09:00:00+09:00', 'w2', 'BANK-B', 'b1', 30_000),
      report('2020-09-13T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
      report('2020-09-13T10:00:00+09:00', 'c2', 'BANK-B', 'b1'),
      ev('NewLinkingResumed', '2020-09-20T00:00:00+09:00', { reason: 'test' }),
    ];
    const split = {
      linkingSuspendedAt: parseInstant('2020-09-10T00:00:00+09:00'),
      casesChargedBeforeLinkingSuspended: 1,
      casesChargedAfterLinkingSuspended: 1,
      casesChargedAfterLinkingSuspendedViaEarlierLink: 1,
    };
    expect(when(events)).toMatchObject(split);
    expect(
      when([
        ...events,
        ev('NewLinkingSuspended', '2020-09-25T00:00:00+09:00', { reason: 'again' }),
      ]),
    ).toMatchObject(split);
    expect(when(events).controls.map((c) => c.control)).toEqual([
      'NewLinkingSuspended',
      'NewLinkingResumed',
    ]);
  });

  it('lists bank link policies among the controls, by bank', () => {
    const policy = (at: string, bankCode: string) =>
      ev('BankLinkPolicySet', at, {
        bankCode,
        requiredFactors: ['account-number', 'pin', 'name', 'birth-date', 'otp'],
      });
    const r = when([
      policy('2020-09-01T00:00:00+09:00', 'BANK-A'),
      ev('BankChargesStopped', '2020-09-09T10:00:00+09:00', { bankCode: 'BANK-B' }),
      policy('2020-09-25T00:00:00+09:00', 'BANK-B'),
    ]);
    expect(r.controls).toEqual([
      {
        at: parseInstant('2020-09-01T00:00:00+09:00'),
        control: 'BankLinkPolicySet',
        subject: 'BANK-A',
      },
      {
        at: parseInstant('2020-09-09T10:00:00+09:00'),
        control: 'BankChargesStopped',
        subject: 'BANK-B',
      },
      {
        at: parseInstant('2020-09-25T00:00:00+09:00'),
        control: 'BankLinkPolicySet',
        subject: 'BANK-B',
      },
    ]);
  });

  it('counts a wallet charged from two counted accounts once by merchant', () => {
    const r = when([
      walletCharge('2020-09-01T10:00:00+09:00', 'w1', 'BANK-A', 'a1', 30_000),
      walletCharge('2020-09-01T10:00:00+09:00', 'w1', 'BANK-B', 'b1', 20_000),
      purchase('2020-09-01T11:00:00+09:00', 'w1', 40_000, 'cigarettes'),
      report('2020-09-08T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
      report('2020-09-08T10:00:00+09:00', 'c2', 'BANK-B', 'b1'),
    ]);
    expect(r.byMerchant).toEqual([{ merchantCategory: 'cigarettes', spentYen: 40_000 }]);
  });

  it('attributes to merchants no more than the damage charged into a wallet, split by category, in whole yen', () => {
    const r = when([
      walletCharge('2020-09-01T10:00:00+09:00', 'w1', 'BANK-A', 'a1', 10_000), // damage
      walletCharge('2020-09-01T10:00:00+09:00', 'w1', 'BANK-B', 'own', 90_000), // no case: the holder's own money
      purchase('2020-09-02T11:00:00+09:00', 'w1', 30_000, 'cigarettes'),
      purchase('2020-09-02T12:00:00+09:00', 'w1', 30_000, 'appliances'),
      purchase('2020-09-02T13:00:00+09:00', 'w1', 30_000, 'groceries'),
      report('2020-09-08T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
    ]);
    expect(r.byMerchant).toEqual([
      { merchantCategory: 'appliances', spentYen: 3_333 },
      { merchantCategory: 'cigarettes', spentYen: 3_333 },
      { merchantCategory: 'groceries', spentYen: 3_333 },
    ]);
    expect(r.byMerchant.reduce((n, m) => n + m.spentYen, 0)).toBeLessThanOrEqual(r.damageYen);
    const large = when([
      walletCharge('2020-09-01T10:00:00+09:00', 'w1', 'BANK-A', 'a1', 100_000_000),
      walletCharge('2020-09-01T10:00:00+09:00', 'w1', 'BANK-B', 'own', 100_000_001),
      purchase('2020-09-02T11:00:00+09:00', 'w1', 100_000_001, 'appliances'), // 100,000,001 x 100,000,000 is past 2^53
      purchase('2020-09-02T12:00:00+09:00', 'w1', 100_000_000, 'cigarettes'),
      report('2020-09-08T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
    ]);
    expect(large.byMerchant).toEqual([
      { merchantCategory: 'appliances', spentYen: 50_000_000 },
      { merchantCategory: 'cigarettes', spentYen: 49_999_999 },
    ]);
  });

  it('tracks compensation beside damage, never against it', () => {
    const r = when([
      charge('2020-09-01T10:00:00+09:00', 'BANK-A', 'a1', 50_000),
      report('2020-09-08T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
      ev('CompensationPaid', '2020-09-20T10:00:00+09:00', {
        caseId: 'c1',
        amountYen: 30_000,
        paidBy: 'operator',
      }),
    ]);
    expect(r).toMatchObject({ damageYen: 50_000, compensatedYen: 30_000 });
    expect(r.byBank[0]).toMatchObject({
      damageYen: 50_000,
      compensatedYen: 30_000,
      outstandingYen: 20_000,
    });
  });

  it('keeps damage per bank and day, summing to the bank and day totals', () => {
    const r = when([
      charge('2020-09-01T10:00:00+09:00', 'BANK-A', 'a1', 1_000),
      charge('2020-09-02T10:00:00+09:00', 'BANK-A', 'a1', 2_000),
      charge('2020-09-02T10:00:00+09:00', 'BANK-B', 'b1', 4_000),
      report('2020-09-08T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
      report('2020-09-08T10:00:00+09:00', 'c2', 'BANK-B', 'b1'),
    ]);
    expect(r.byBankDay).toEqual([
      { bankCode: 'BANK-A', date: '2020-09-01', damageYen: 1_000 },
      { bankCode: 'BANK-A', date: '2020-09-02', damageYen: 2_000 },
      { bankCode: 'BANK-B', date: '2020-09-02', damageYen: 4_000 },
    ]);
  });

  it('adds up inquiries and counts locked wallets once', () => {
    const r = when([
      ev('InquiriesReceived', '2020-09-12T17:00:00+09:00', {
        channel: 'call-centre',
        count: 10,
        periodStart: 0,
        periodEnd: 1,
      }),
      ev('InquiriesReceived', '2020-09-13T17:00:00+09:00', {
        channel: 'call-centre',
        count: 5,
        periodStart: 1,
        periodEnd: 2,
      }),
      ev('WalletLocked', '2020-09-10T17:00:00+09:00', { walletId: 'w1', reason: 'r' }),
      ev('WalletLocked', '2020-09-11T17:00:00+09:00', { walletId: 'w1', reason: 'r' }),
    ]);
    expect(r).toMatchObject({ inquiries: 15, walletsLocked: 1 });
  });
});

describe('reconcile', () => {
  // The whole incident's figures sum the bank table: one bank holds them all here.
  const bankRow = (cases: number, damageYen: number): BankRow => ({
    bankCode: 'A',
    cases,
    damageYen,
    compensatedYen: 0,
    outstandingYen: damageYen,
    compensatedCases: 0,
    partlyCompensatedCases: 0,
    largestCaseYen: 0,
  });
  const given: IncidentReport = {
    ...incidentReport(incidentProjection('Asia/Tokyo').init()),
    cases: 120,
    banksWithDamage: 11,
    damageYen: 25_427_000,
    byBank: [bankRow(120, 25_427_000)],
  };
  const pub = (figures: EventDataMap['FiguresPublished']['figures']) =>
    [
      ev('FiguresPublished', '2020-09-14T10:00:00+09:00', {
        publicationId: 'p',
        source: 's',
        asOf: 0,
        figures,
      }),
    ] as never[];

  it('compares within the stated precision, rounded as the publisher rounded', () => {
    const [row] = reconcile(
      pub([{ name: 'damageYen', value: 25_420_000, precision: 10_000, rounding: 'floor' }]),
      () => given,
    );
    expect(row).toMatchObject({ ok: true, replayed: 25_427_000, replayedStated: 25_420_000 });
    const [rounded] = reconcile(
      pub([{ name: 'damageYen', value: 25_420_000, precision: 10_000, rounding: 'round' }]),
      () => given,
    );
    expect(rounded).toMatchObject({ ok: false, replayedStated: 25_430_000 });
  });

  it('reads since as a difference for counts, and as a window for reporting banks', () => {
    const at = (cases: number, reports: { bankCode: string; reportedAt: number }[]) => ({
      ...given,
      cases,
      byBank: [bankRow(cases, 0)],
      reports,
    });
    const reports = new Map([
      [10, at(5, [{ bankCode: 'A', reportedAt: 1 }])],
      [
        20,
        at(9, [
          { bankCode: 'A', reportedAt: 1 },
          { bankCode: 'B', reportedAt: 15 },
          { bankCode: 'C', reportedAt: 16 },
        ]),
      ],
    ]);
    const rows = reconcile(
      pub([
        { name: 'cases', value: 4, precision: 1, rounding: 'exact', asOf: 20, since: 10 },
        { name: 'banksReporting', value: 2, precision: 1, rounding: 'exact', asOf: 20, since: 10 },
      ]),
      (t) => reports.get(t)!,
    );
    expect(rows.map((r) => [r.replayed, r.ok])).toEqual([
      [4, true],
      [2, true],
    ]);
  });

  const paid = (at: string, caseId: string, amountYen: number) =>
    ev('CompensationPaid', at, { caseId, amountYen, paidBy: 'bank' });
  const exact = (
    name: string,
    value: number,
    more: { bank?: string; since?: number; status?: CaseStatus } = {},
  ) => ({
    name,
    value,
    precision: 1,
    rounding: 'exact' as const,
    ...more,
  });
  const compensated = [
    charge('2020-09-01T10:00:00+09:00', 'BANK-A', 'a1', 50_000),
    charge('2020-09-01T11:00:00+09:00', 'BANK-A', 'a2', 40_000),
    charge('2020-09-01T12:00:00+09:00', 'BANK-A', 'a3', 30_000),
    charge('2020-09-01T13:00:00+09:00', 'BANK-B', 'b1', 70_000),
    charge('2020-09-01T14:00:00+09:00', 'BANK-B', 'b2', 90_000),
    report('2020-09-08T10:00:00+09:00', 'c1', 'BANK-A', 'a1'),
    report('2020-09-08T10:00:00+09:00', 'c2', 'BANK-A', 'a2', 'suspected'),
    report('2020-09-08T10:00:00+09:00', 'c3', 'BANK-A', 'a3'),
    report('2020-09-08T10:00:00+09:00', 'c4', 'BANK-B', 'b1'),
    report('2020-09-08T10:00:00+09:00', 'c5', 'BANK-B', 'b2'),
    reclassify('2020-09-09T10:00:00+09:00', 'c5', 'excluded-own-use'),
    paid('2020-09-20T10:00:00+09:00', 'c1', 50_000), // all of its damage: in full
    paid('2020-09-20T10:00:00+09:00', 'c2', 10_000), // in part
    paid('2020-09-20T10:00:00+09:00', 'c4', 80_000), // more than its damage: in full
    paid('2020-09-20T10:00:00+09:00', 'c5', 90_000), // its case does not count
  ];

  it('counts a case compensated in full when paid at least its damage, else in part', () => {
    const r = when(compensated);
    expect(r.byBank).toEqual([
      {
        bankCode: 'BANK-A',
        cases: 3,
        damageYen: 120_000,
        compensatedYen: 60_000,
        outstandingYen: 60_000,
        compensatedCases: 1,
        partlyCompensatedCases: 1,
        largestCaseYen: 50_000,
      },
      {
        bankCode: 'BANK-B',
        cases: 1,
        damageYen: 70_000,
        compensatedYen: 80_000,
        outstandingYen: -10_000,
        compensatedCases: 1,
        partlyCompensatedCases: 0,
        largestCaseYen: 70_000,
      },
    ]);
    // A later charge on a case paid in full leaves it paid in part.
    const later = when([...compensated, charge('2020-09-21T10:00:00+09:00', 'BANK-A', 'a1', 1)]);
    expect(later.byBank[0]).toMatchObject({ compensatedCases: 0, partlyCompensatedCases: 2 });
  });

  it('states cases, damage and compensation of one bank, or of the whole incident', () => {
    const r = when(compensated);
    const figures = [
      exact('cases', 3, { bank: 'BANK-A' }),
      exact('damageYen', 70_000, { bank: 'BANK-B' }),
      exact('compensatedYen', 60_000, { bank: 'BANK-A' }),
      exact('outstandingYen', 60_000, { bank: 'BANK-A' }),
      exact('compensatedCases', 1, { bank: 'BANK-A' }),
      exact('partlyCompensatedCases', 1, { bank: 'BANK-A' }),
      exact('cases', 0, { bank: 'BANK-C' }), // no case: 0
      exact('cases', 4),
      exact('damageYen', 190_000),
      exact('compensatedYen', 140_000),
      exact('outstandingYen', 50_000),
      exact('compensatedCases', 2),
      exact('partlyCompensatedCases', 1),
      exact('largestCaseYen', 50_000, { bank: 'BANK-A' }),
      exact('largestCaseYen', 70_000), // c5's 90,000 does not count
      exact('largestCaseYen', 0, { bank: 'BANK-C' }),
    ];
    const rows = reconcile(pub(figures), () => r);
    expect(rows.filter((row) => !row.ok)).toEqual([]);
    expect(rows.map((row) => row.replayed)).toEqual(figures.map((f) => f.value));
    const [wrong] = reconcile(pub([exact('compensatedCases', 2, { bank: 'BANK-A' })]), () => r);
    expect(wrong).toMatchObject({ ok: false, bank: 'BANK-A', published: 2, replayed: 1 });
    const [largest] = reconcile(pub([exact('largestCaseYen', 90_000)]), () => r);
    expect(largest).toMatchObject({ ok: false, published: 90_000, replayed: 70_000 });
  });

  it('states cases and damage per status, counted or not, once per account', () => {
    const r = when([
      ...compensated,
      // A second case on c1's account, still suspected: the account is in both statuses.
      report('2020-09-08T11:00:00+09:00', 'c6', 'BANK-A', 'a1', 'suspected'),
    ]);
    expect(r.byBankStatus).toEqual([
      { bankCode: 'BANK-A', status: 'suspected', cases: 2, damageYen: 90_000 },
      { bankCode: 'BANK-A', status: 'confirmed', cases: 2, damageYen: 80_000 },
      { bankCode: 'BANK-B', status: 'confirmed', cases: 1, damageYen: 70_000 },
      { bankCode: 'BANK-B', status: 'excluded-own-use', cases: 1, damageYen: 90_000 },
    ]);
    const figures = [
      exact('cases', 2, { status: 'suspected' }),
      exact('cases', 3, { status: 'confirmed' }),
      exact('damageYen', 150_000, { status: 'confirmed' }),
      exact('damageYen', 90_000, { status: 'suspected', bank: 'BANK-A' }),
      exact('cases', 1, { status: 'excluded-own-use' }),
      exact('damageYen', 90_000, { status: 'excluded-own-use' }),
      exact('cases', 0, { status: 'excluded-separate-matter' }),
      exact('cases', 0, { status: 'suspected', bank: 'BANK-B' }),
      exact('cases', 5),
      exact('damageYen', 190_000),
    ];
    const rows = reconcile(pub(figures), () => r);
    expect(rows.map((row) => row.replayed)).toEqual(figures.map((f) => f.value));
    const [wrong] = reconcile(pub([exact('cases', 3, { status: 'suspected' })]), () => r);
    expect(wrong).toMatchObject({ ok: false, status: 'suspected', published: 3, replayed: 2 });
  });

  it('reads a change that went down as below 0', () => {
    const t = (at: string) => parseInstant(at);
    const events = [
      ...compensated,
      reclassify('2020-09-25T10:00:00+09:00', 'c3', 'excluded-separate-matter'),
    ];
    const reportAt = (asOf: number) => when(events, new Date(asOf).toISOString());
    const since = t('2020-09-21T00:00:00+09:00');
    const asOf = t('2020-09-26T00:00:00+09:00');
    const change = (name: string, value: number, bank?: string) =>
      exact(name, value, { since, ...(bank !== undefined && { bank }) });
    const rows = reconcile(
      pub([
        { ...change('cases', -1), asOf },
        { ...change('damageYen', -30_000, 'BANK-A'), asOf },
        { ...change('cases', 0, 'BANK-B'), asOf },
        { ...change('cases', 1), asOf },
        { ...exact('cases', -1, { since, status: 'confirmed' }), asOf },
        { ...exact('cases', 1, { since, status: 'excluded-separate-matter' }), asOf },
      ]),
      reportAt,
    );
    expect(rows.map((r) => [r.published, r.replayed, r.ok])).toEqual([
      [-1, -1, true],
      [-30_000, -30_000, true],
      [0, 0, true],
      [1, -1, false],
      [-1, -1, true],
      [1, 1, true],
    ]);
  });

  it('an exact figure must match exactly', () => {
    const [row] = reconcile(
      pub([{ name: 'cases', value: 121, precision: 1, rounding: 'exact' }]),
      () => given,
    );
    expect(row).toMatchObject({ ok: false, published: 121, replayed: 120 });
  });
});
