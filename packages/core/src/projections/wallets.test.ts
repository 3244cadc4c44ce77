import { projectionSpec } from '@incident-ledger/testkit';
import type { EventDataMap, EventType, StoredEvent } from '../events/types';
import { walletLedgerProjection } from './wallets';

let position = 0;
const ev = <T extends EventType>(type: T, data: EventDataMap[T]): StoredEvent => {
  position++;
  return {
    eventId: `e${position}`,
    streamId: 's',
    type,
    occurredAt: 0,
    recordedAt: 0,
    data,
    revision: position,
    globalPosition: position,
    hash: '',
  } as StoredEvent;
};

describe('wallet ledger', () => {
  it('keeps what each wallet was charged and spent; refused attempts move no money', () => {
    const events = [
      ev('ChargeExecuted', { walletId: 'W1', bankCode: 'B', accountId: 'A', amountYen: 50_000 }),
      ev('PurchaseMade', { walletId: 'W1', amountYen: 30_000, merchantCategory: 'cigarettes' }),
      ev('ChargeExecuted', { walletId: 'W2', bankCode: 'B', accountId: 'A', amountYen: 7_000 }),
      ev('ChargeRejected', {
        walletId: 'W1',
        bankCode: 'B',
        accountId: 'A',
        amountYen: 1,
        reason: 'bank-charges-stopped',
      }),
      ev('PurchaseRejected', {
        walletId: 'W2',
        amountYen: 9_000,
        merchantCategory: 'x',
        reason: 'insufficient-balance',
      }),
    ];
    // Given these events, then this state: delivered twice, the same (projectionSpec).
    projectionSpec(walletLedgerProjection, (s) => s)
      .given(...events)
      .then({
        wallets: new Map([
          ['W1', { chargedYen: 50_000, spentYen: 30_000 }],
          ['W2', { chargedYen: 7_000, spentYen: 0 }],
        ]),
        chargedYen: 57_000,
        spentYen: 30_000,
      });
  });
});
