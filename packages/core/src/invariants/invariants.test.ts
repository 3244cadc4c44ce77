import type { EventDataMap, EventType, StoredEvent } from '../events/types';
import type { Projection } from '../projections/projection';
import { AUTH_POLICIES } from '../rules/commands';
import {
  checkHistory,
  conservation,
  damageSums,
  duplicateDelivery,
  replayEquivalence,
  Replays,
  rulesHold,
  type History,
} from './index';

/** Each invariant on hand-written histories: it holds where it should, and names what breaks it. */
const ZONE = 'Asia/Tokyo';
const T = Date.parse('2020-09-01T10:00:00+09:00');
const MIN = 60_000;

function history(...events: [EventType, unknown, number?, number?][]): History {
  return {
    zone: ZONE,
    events: events.map(([type, data, occurred = 0, recorded = occurred], i) => ({
      eventId: `e${i}`,
      streamId: 's',
      type,
      occurredAt: T + occurred * MIN,
      recordedAt: T + recorded * MIN,
      data,
      revision: i,
      globalPosition: i + 1,
      hash: '',
    })) as StoredEvent[],
  };
}
const account = { walletId: 'W1', bankCode: 'BANK-A', accountId: 'A1' };
const opened: [EventType, EventDataMap['WalletOpened']] = [
  'WalletOpened',
  { walletId: 'W1', openedBy: 'third-party' },
];
const linked: [EventType, EventDataMap['BankAccountLinked'], number] = [
  'BankAccountLinked',
  { ...account, factors: [...AUTH_POLICIES.weak] },
  1,
];
const charged = (
  amountYen: number,
  at: number,
  recorded = at,
): [EventType, EventDataMap['ChargeExecuted'], number, number] => [
  'ChargeExecuted',
  { ...account, amountYen },
  at,
  recorded,
];
const reported: [EventType, EventDataMap['CaseReported'], number] = [
  'CaseReported',
  { caseId: 'C1', bankCode: 'BANK-A', accountId: 'A1', status: 'confirmed' },
  50,
];
const check = (h: History) =>
  Object.fromEntries(
    checkHistory(h).map(({ invariant, violation }) => [invariant.name, violation]),
  );

describe('the invariants over a history', () => {
  it('all hold for an attack the rules allow', () => {
    const h = history(
      opened,
      linked,
      charged(30_000, 2),
      ['PurchaseMade', { walletId: 'W1', amountYen: 30_000, merchantCategory: 'x' }, 3],
      reported,
    );
    expect(check(h)).toEqual({
      conservation: undefined,
      rules: undefined,
      'damage-sums': undefined,
      'replay-equivalence': undefined,
      'duplicate-delivery': undefined,
    });
  });

  it('conservation: spending more than was charged leaves a balance below zero', () => {
    const h = history(opened, linked, charged(10_000, 2), [
      'PurchaseMade',
      { walletId: 'W1', amountYen: 10_001, merchantCategory: 'x' },
      3,
    ]);
    expect(conservation.check(new Replays(h))).toMatch(
      /^wallet W1 holds -1 yen after PurchaseMade at position 4, 2020-09-01T10:03:00\+09:00$/,
    );
  });

  it('rules: in the order things occurred, whatever order they were recorded in', () => {
    // The link was recorded late, but occurred before the charge: allowed.
    const linkedLate: [EventType, EventDataMap['BankAccountLinked'], number, number] = [
      'BankAccountLinked',
      { ...account, factors: [...AUTH_POLICIES.weak] },
      1,
      9,
    ];
    expect(
      rulesHold.check(new Replays(history(opened, charged(1_000, 5), linkedLate))),
    ).toBeUndefined();
    expect(rulesHold.check(new Replays(history(opened, charged(1_000, 5))))).toMatch(
      /^charge from account A1 at BANK-A, not linked to wallet W1/,
    );
    const strong: History = {
      ...history(opened, linked),
      policies: new Map([['BANK-A', AUTH_POLICIES.strong]]),
    };
    expect(rulesHold.check(new Replays(strong))).toMatch(
      /^link to BANK-A with account-number\+pin\+name\+birth-date; it requires .*otp\+ekyc/,
    );
  });

  it('rules: a control applies to the links and charges of its bank, its operator, or the pair', () => {
    const through = (operatorCode: string) => ({ ...account, operatorCode });
    const link = (operatorCode: string, at: number): [EventType, unknown, number] => [
      'BankAccountLinked',
      { ...through(operatorCode), factors: [...AUTH_POLICIES.weak] },
      at,
    ];
    const kyashSuspended: [EventType, unknown, number] = [
      'NewLinkingSuspended',
      { reason: 'r', operatorCode: 'kyash' },
      0,
    ];
    expect(
      rulesHold.check(new Replays(history(opened, kyashSuspended, link('paypay', 1)))),
    ).toBeUndefined();
    expect(rulesHold.check(new Replays(history(opened, kyashSuspended, link('kyash', 1))))).toMatch(
      /^link of wallet W1 to BANK-A through kyash while new linking was suspended for it/,
    );
    const pairStopped: [EventType, unknown, number] = [
      'BankChargesStopped',
      { bankCode: 'BANK-A', operatorCode: 'paypay' },
      2,
    ];
    const charge = (operatorCode: string): [EventType, unknown, number] => [
      'ChargeExecuted',
      { ...through(operatorCode), amountYen: 1_000 },
      3,
    ];
    expect(
      rulesHold.check(new Replays(history(opened, link('kyash', 1), pairStopped, charge('kyash')))),
    ).toBeUndefined();
    expect(
      rulesHold.check(
        new Replays(history(opened, link('paypay', 1), pairStopped, charge('paypay'))),
      ),
    ).toMatch(/^charge from BANK-A through paypay while charges were stopped for it/);
  });

  it('damage sums hold at every as-of time, also when events were recorded out of order', () => {
    const late = history(opened, linked, reported, charged(7_000, 60, 100), charged(5_000, 51, 70));
    expect(damageSums.check(new Replays(late))).toBeUndefined();
  });

  describe('replay equivalence and duplicate delivery, on projections that break them', () => {
    const h = history(opened, linked, charged(1_000, 2), charged(2_000, 3), reported);
    const counting = (
      name: string,
      overrides: Partial<Projection<{ n: number }>>,
    ): Projection<{ n: number }> => ({
      name,
      version: 1,
      init: () => ({ n: 0 }),
      evolve: (s) => void s.n++,
      ...overrides,
    });
    // A copy: the view of a resumed fold must not change as that fold goes on (Compared.view).
    const view = (s: unknown) => ({ ...(s as object) });

    it('a saved state that loses what it counted differs from a full replay once resumed', () => {
      const forgetful = counting('forgetful', {
        codec: { format: 'none', encode: () => new Map(), decode: () => ({ n: 0 }) },
      });
      const r = new Replays(h, [{ projection: forgetful as Projection<unknown>, view }]);
      expect(replayEquivalence.check(r)).toBe(
        'forgetful: from a snapshot after 1 events (position 1) plus the tail, it differs from a full replay',
      );
    });

    it('duplicate delivery, checked on the fold resumed from a snapshot, does not blame redelivery for a saved state that loses counts', () => {
      // Ten events: one snapshot, half way; the forgetful fold resumes from it with 5 counts lost.
      const long = history(
        opened,
        linked,
        ...Array.from({ length: 8 }, (_, k) => charged(1_000, 2 + k)),
      );
      const forgetful = counting('forgetful', {
        codec: { format: 'none', encode: () => new Map(), decode: () => ({ n: 0 }) },
      });
      const r = new Replays(long, [{ projection: forgetful as Projection<unknown>, view }]);
      expect(replayEquivalence.check(r)).toBe(
        'forgetful: from a snapshot after 5 events (position 5) plus the tail, it differs from a full replay',
      );
      expect(duplicateDelivery.check(r)).toBeUndefined();
    });

    it('a fold that keeps a count outside its state differs when built again, event by event or delivered twice', () => {
      let builds = 0;
      const leaky = counting('leaky', {
        evolve: (s, e) => void (s.n = e.globalPosition === 1 ? ++builds : builds),
      });
      const r = new Replays(h, [{ projection: leaky as Projection<unknown>, view }]);
      expect(replayEquivalence.check(r)).toBe(
        'leaky: built event by event, it differs from a full replay',
      );
      expect(duplicateDelivery.check(r)).toBe(
        'leaky: events delivered twice give another state than once',
      );
    });
  });
});
