import type { EventDataMap, EventType, StoredEvent } from '../events/types';
import { Fold } from './projection';
import { walletLedgerProjection, walletLedgerReport } from './wallets';

let position = 0;
const ev = <T extends EventType>(type: T, data: EventDataMap[T]): StoredEvent => {
  position++;
  return { eventId: `e${position}`, streamId: 's', type, occurredAt: 0, recordedAt: 0, data, revision: position, globalPosition: position, hash: '' } as StoredEvent;
};

describe('wallet ledger', () => {
  it('keeps what each wallet was charged and spent, and counts blocked attempts by reason', () => {
    const events = [
      ev('ChargeExecuted', { walletId: 'W1', bankCode: 'B', accountId: 'A', amountYen: 50_000 }),
      ev('PurchaseMade', { walletId: 'W1', amountYen: 30_000, merchantCategory: 'cigarettes' }),
      ev('ChargeExecuted', { walletId: 'W2', bankCode: 'B', accountId: 'A', amountYen: 7_000 }),
      ev('ChargeRejected', { walletId: 'W1', bankCode: 'B', accountId: 'A', amountYen: 1, reason: 'bank-charges-stopped' }),
      ev('ChargeRejected', { walletId: 'W2', bankCode: 'B', accountId: 'A', amountYen: 1, reason: 'bank-charges-stopped' }),
      ev('BankLinkRejected', { walletId: 'W3', bankCode: 'B', accountId: 'A', factors: [], reason: 'missing-factors' }),
    ];
    const fold = new Fold(walletLedgerProjection).apply(events);
    expect(fold.state.wallets.get('W1')).toEqual({ chargedYen: 50_000, spentYen: 30_000 });
    expect(walletLedgerReport(fold.state)).toEqual({
      wallets: 2,
      chargedYen: 57_000,
      spentYen: 30_000,
      balanceYen: 27_000,
      blocked: [
        { attempt: 'BankLinkRejected', reason: 'missing-factors', count: 1 },
        { attempt: 'ChargeRejected', reason: 'bank-charges-stopped', count: 2 },
      ],
    });
    expect(new Fold(walletLedgerProjection).apply([...events, ...events]).state).toEqual(fold.state);
  });
});
