import type { LedgerEvent } from '../events/types';
import type { Projection } from './projection';

/** Money in and out of one wallet. */
export interface WalletFlows {
  chargedYen: number;
  spentYen: number;
}

export interface WalletLedgerState {
  wallets: Map<string, WalletFlows>;
  chargedYen: number;
  spentYen: number;
}

/**
 * The wallet ledger: what was charged into and spent from each wallet. A wallet's balance is
 * charged minus spent; conservation (every yen charged is in a balance or spent) is checked by
 * comparing it with the balances the rules keep (rules/state.ts), and neither may go negative.
 */
export const walletLedgerProjection: Projection<WalletLedgerState> = {
  name: 'wallet-ledger',
  version: 1,
  init: () => ({ wallets: new Map(), chargedYen: 0, spentYen: 0 }),
  evolve: evolveWalletLedger,
};

function evolveWalletLedger(s: WalletLedgerState, e: LedgerEvent): void {
  if (e.type === 'ChargeExecuted') {
    const { walletId, amountYen } = (e as LedgerEvent<'ChargeExecuted'>).data;
    flows(s, walletId).chargedYen += amountYen;
    s.chargedYen += amountYen;
  } else if (e.type === 'PurchaseMade') {
    const { walletId, amountYen } = (e as LedgerEvent<'PurchaseMade'>).data;
    flows(s, walletId).spentYen += amountYen;
    s.spentYen += amountYen;
  }
}

function flows(s: WalletLedgerState, walletId: string): WalletFlows {
  let w = s.wallets.get(walletId);
  if (w === undefined) s.wallets.set(walletId, (w = { chargedYen: 0, spentYen: 0 }));
  return w;
}
