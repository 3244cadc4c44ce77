import type { LedgerEvent } from '../events/types';
import { nameUuid } from '../determinism/ids';
import { attemptsOf } from './attempts';
import { AUTH_POLICIES, type Command } from './commands';
import { Ledger, runCommands, type Reaction } from './run';

const T0 = Date.parse('2020-09-01T10:00:00+09:00');
const MIN = 60_000;
const open = (at: number): Command => ({
  type: 'OpenWallet',
  key: 'open',
  at,
  walletId: 'W1',
  openedBy: 'third-party',
});
const link = (at: number): Command => ({
  type: 'LinkBankAccount',
  key: 'link',
  at,
  walletId: 'W1',
  bankCode: 'BANK-A',
  accountId: 'A1',
  factors: [...AUTH_POLICIES.weak],
});
const charge = (key: string, at: number, amountYen = 10_000): Command => ({
  type: 'Charge',
  key,
  at,
  walletId: 'W1',
  bankCode: 'BANK-A',
  accountId: 'A1',
  amountYen,
});

describe('Ledger', () => {
  it('stamps each event with the command time and an id derived from the namespace and the command key', () => {
    const ledger = new Ledger({ namespace: 'sim/seed-1' });
    const [opened] = ledger.execute(open(T0));
    expect(opened).toEqual({
      eventId: nameUuid('sim/seed-1/open'),
      streamId: 'wallet-W1',
      type: 'WalletOpened',
      occurredAt: T0,
      recordedAt: T0,
      data: { walletId: 'W1', openedBy: 'third-party' },
    });
    expect(ledger.keys).toEqual(['open']);
  });
  it('records rejections, with or without an event, and folds only what was decided', () => {
    const ledger = new Ledger({ namespace: 'n' });
    ledger.execute(charge('c1', T0));
    ledger.execute(open(T0));
    ledger.execute(open(T0 + MIN));
    expect(ledger.events.map((e) => e.type)).toEqual(['ChargeRejected', 'WalletOpened']);
    expect(Object.fromEntries(ledger.rejections)).toEqual({
      'unknown-wallet': 1,
      'wallet-exists': 1,
    });
    expect(ledger.state.wallets.get('W1')?.balanceYen).toBe(0);
  });
  it('gives the id of its namespace and key to every event, also when ids are reused across runs and after the id cache fills', () => {
    const run = (namespace: string, keys: string[]) => {
      const ledger = new Ledger({ namespace });
      keys.forEach((key, i) =>
        ledger.execute({ type: 'OpenWallet', key, at: T0, walletId: `W${i}`, openedBy: 'holder' }),
      );
      expect(ledger.events.map((e) => e.eventId)).toEqual(
        keys.map((key) => nameUuid(`${namespace}/${key}`)),
      );
    };
    // More keys than a namespace's cache holds, in two namespaces sharing keys, then the first one
    // again.
    const keys = Array.from({ length: (1 << 14) + 100 }, (_, i) => `${i + 1}/OpenWallet`);
    for (const namespace of ['fuzz-a', 'fuzz-b', 'fuzz-a']) run(namespace, keys);
    // More namespaces than the cache holds, then the first of them again.
    for (let n = 0; n < 70; n++) run(`sim/seed-${n}`, keys.slice(0, 3));
    run('sim/seed-0', keys.slice(0, 3));
  });
});

describe('runCommands', () => {
  it('runs commands in time order, ties in the order given', () => {
    const ledger = runCommands(
      [charge('late', T0 + 2 * MIN), link(T0 + MIN), open(T0), charge('tie-1', T0 + 2 * MIN)],
      { namespace: 'n' },
    );
    expect(ledger.keys).toEqual(['open', 'link', 'late', 'tie-1']);
  });
  it('feeds reactions the events, and runs what they send at its time', () => {
    const chargeOnLink: Reaction = (e) =>
      e.type === 'BankAccountLinked' ? [charge('reaction', e.occurredAt + 5 * MIN)] : [];
    const ledger = runCommands([open(T0), link(T0 + MIN), charge('planned', T0 + 10 * MIN)], {
      namespace: 'n',
      reactions: [chargeOnLink],
    });
    expect(ledger.keys).toEqual(['open', 'link', 'reaction', 'planned']);
    expect(ledger.state.wallets.get('W1')?.balanceYen).toBe(20_000);
  });
  it('refuses a reaction that would go back in time', () => {
    const backwards: Reaction = (e) => [charge('past', e.occurredAt - MIN)];
    expect(() => runCommands([open(T0)], { namespace: 'n', reactions: [backwards] })).toThrow(
      /before it/,
    );
  });
});

describe('attemptsOf', () => {
  it('turns recorded events into the commands they answered, rejected attempts included', () => {
    const e = (type: LedgerEvent['type'], data: unknown, at = T0): LedgerEvent =>
      ({
        eventId: `id-${type}`,
        streamId: 's',
        type,
        occurredAt: at,
        recordedAt: at + MIN,
        data,
      }) as LedgerEvent;
    const commands = attemptsOf([
      e('WalletOpened', { walletId: 'W1', openedBy: 'holder' }),
      e('ChargeRejected', {
        walletId: 'W1',
        bankCode: 'BANK-A',
        accountId: 'A1',
        amountYen: 5,
        reason: 'account-not-linked',
      }),
      e('InquiriesReceived', { channel: 'call', count: 3, periodStart: T0, periodEnd: T0 }),
      e('CaseReported', { caseId: 'C1', bankCode: 'BANK-A', accountId: 'A1', status: 'confirmed' }),
    ]);
    expect(commands).toEqual([
      { type: 'OpenWallet', key: 'id-WalletOpened', at: T0, walletId: 'W1', openedBy: 'holder' },
      {
        type: 'Charge',
        key: 'id-ChargeRejected',
        at: T0,
        walletId: 'W1',
        bankCode: 'BANK-A',
        accountId: 'A1',
        amountYen: 5,
      },
      {
        type: 'ReportCase',
        key: 'id-CaseReported',
        at: T0,
        caseId: 'C1',
        bankCode: 'BANK-A',
        accountId: 'A1',
        status: 'confirmed',
      },
    ]);
  });
});
