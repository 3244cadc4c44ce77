import { Rng } from '../../determinism/rng';
import { encodeEvents, KeyDictionary } from '../../events/columns';
import type { EventDataMap, EventType, StoredEvent } from '../../events/types';
import { Fold } from '../projection';
import { incidentProjection } from './projection';
import { incidentReport } from './report';

/** Random events over few keys, so cases, charges, reclassifications and controls meet often. */
function randomEvents(seed: number, n: number): StoredEvent[] {
  const rng = new Rng(seed);
  const banks = ['BANK-A', 'BANK-B', 'BANK-C'];
  const t0 = Date.parse('2020-07-01T00:00:00+09:00');
  const events: StoredEvent[] = [];
  for (let i = 1; i <= n; i++) {
    const bankCode = rng.pick(banks);
    const accountId = `a${rng.int(0, 9)}`;
    const walletId = `w${rng.int(0, 9)}`;
    const caseId = `c${rng.int(0, 5)}`;
    const kinds: [EventType, EventDataMap[EventType]][] = [
      ['ChargeExecuted', { walletId, bankCode, accountId, amountYen: rng.int(1, 99) * 1000 }],
      ['BankAccountLinked', { walletId, bankCode, accountId, factors: ['pin'] }],
      [
        'PurchaseMade',
        { walletId, amountYen: rng.int(1, 99) * 100, merchantCategory: rng.pick(['x', 'y']) },
      ],
      [
        'CaseReported',
        { caseId, bankCode, accountId, status: rng.pick(['suspected', 'confirmed'] as const) },
      ],
      [
        'CaseReclassified',
        {
          caseId,
          status: rng.pick(['confirmed', 'excluded-own-use', 'excluded-separate-matter'] as const),
          reason: 'r',
        },
      ],
      ['CompensationPaid', { caseId, amountYen: 1000, paidBy: 'bank' }],
      ['BankChargesStopped', { bankCode }],
      ['BankChargesResumed', { bankCode }],
      ['NewLinkingSuspended', { reason: 'r' }],
      ['NewLinkingResumed', { reason: 'r' }],
      ['BankLinkPolicySet', { bankCode, requiredFactors: ['pin'] }],
      ['WalletLocked', { walletId, reason: 'r' }],
      ['InquiriesReceived', { channel: 'c', count: rng.int(1, 9), periodStart: 0, periodEnd: 1 }],
    ];
    const [type, data] = rng.pick(kinds);
    const occurredAt = t0 + rng.int(0, 60) * 86_400_000 + rng.int(0, 86_399_999);
    const recordedAt = occurredAt + rng.int(0, 5) * 86_400_000;
    events.push({
      eventId: `e${i}`,
      streamId: `s${i % 7}`,
      type,
      occurredAt,
      recordedAt,
      data,
      revision: 0,
      globalPosition: i,
      hash: '',
    } as StoredEvent);
  }
  return events;
}

describe('folding columns', () => {
  it.each([1, 2, 3, 4, 5])(
    'gives the report folding events gives, as of any time, with batches redelivered (seed %i)',
    (seed) => {
      const events = randomEvents(seed, 600);
      const rng = new Rng(seed);
      for (const asOf of [
        Number.POSITIVE_INFINITY,
        events[rng.int(0, 599)]!.recordedAt,
        events[rng.int(0, 599)]!.recordedAt,
      ]) {
        const plain = new Fold(incidentProjection('Asia/Tokyo'), asOf);
        for (let i = 0; i < events.length; i += 50) plain.apply(events.slice(i, i + 50));
        const keys = new KeyDictionary();
        const columns = new Fold(incidentProjection('Asia/Tokyo'), asOf);
        for (let i = 0; i < events.length; i += 37) {
          const batch = encodeEvents(events.slice(i, i + 37), keys, 'test');
          columns.applyColumns(batch).applyColumns(batch); // a redelivered batch changes nothing
        }
        expect(columns.position).toBe(plain.position);
        const report = incidentReport(plain.state);
        expect(incidentReport(columns.state)).toEqual(report);
        expect(report.byMerchant.reduce((n, m) => n + m.spentYen, 0)).toBeLessThanOrEqual(
          report.damageYen,
        );
      }
    },
  );

  it.each([1, 2, 3, 4, 5])(
    'gives a store built in steps the report a fresh replay gives, as of any time (seed %i)',
    (seed) => {
      const events = randomEvents(seed, 600);
      expect(new Set(events.map((e) => e.recordedAt)).size).toBe(events.length); // no tie for store positions to break
      const renumber = (list: StoredEvent[]) =>
        list.map((e, i) => ({ ...e, globalPosition: i + 1 }));
      const fresh = renumber([...events].sort((x, y) => x.recordedAt - y.recordedAt));
      const rng = new Rng(seed);
      const steps = renumber(rng.shuffle([...events]));
      for (const asOf of [
        Number.POSITIVE_INFINITY,
        events[rng.int(0, events.length - 1)]!.recordedAt,
        events[rng.int(0, events.length - 1)]!.recordedAt,
      ]) {
        const report = (list: StoredEvent[]) =>
          incidentReport(new Fold(incidentProjection('Asia/Tokyo'), asOf).apply(list).state);
        expect(report(steps)).toEqual(report(fresh));
      }
    },
  );

  it('refuses to mix key numberings in one state', () => {
    const events = randomEvents(9, 20);
    const fold = new Fold(incidentProjection('Asia/Tokyo')).apply(events.slice(0, 10));
    expect(() =>
      fold.applyColumns(encodeEvents(events.slice(10), new KeyDictionary(), 'other')),
    ).toThrow(/keys of "fold"/);
  });

  it('saves and restores its state: restored, it goes on as if never stopped', () => {
    const events = randomEvents(11, 800);
    const projection = incidentProjection('Asia/Tokyo');
    const whole = new Fold(projection).apply(events);
    const first = new Fold(projection).apply(events.slice(0, 400));
    const restored = new Fold(projection, Number.POSITIVE_INFINITY, {
      state: projection.codec!.decode(projection.codec!.encode(first.state)),
      position: first.position,
    });
    expect(incidentReport(restored.state)).toEqual(incidentReport(first.state));
    restored.apply(events); // the first 400 are skipped by position
    expect(incidentReport(restored.state)).toEqual(incidentReport(whole.state));
  });
});
