import type { EventType, LedgerEvent } from '../events/types';
import type { Projection } from './projection';

/** Money in and out of each wallet, and the attempts the rules blocked. */
export interface WalletFlows {
  chargedYen: number;
  spentYen: number;
}

export interface WalletLedgerState {
  wallets: Map<string, WalletFlows>;
  chargedYen: number;
  spentYen: number;
  /** Rejection events by type, then by reason. */
  blocked: Map<EventType, Map<string, number>>;
}

const REJECTION_TYPES: ReadonlySet<EventType> = new Set<EventType>(['BankLinkRejected', 'ChargeRejected', 'PurchaseRejected']);

/**
 * The wallet ledger: what was charged into and spent from each wallet. A wallet's balance is
 * charged minus spent; conservation (every yen charged is in a balance or spent) is checked by
 * comparing it with the balances the rules keep (rules/state.ts), and neither may go negative.
 */
export const walletLedgerProjection: Projection<WalletLedgerState> = {
  name: 'wallet-ledger',
  version: 1,
  init: () => ({ wallets: new Map(), chargedYen: 0, spentYen: 0, blocked: new Map() }),
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
  } else if (REJECTION_TYPES.has(e.type)) {
    const { reason } = (e as LedgerEvent<'ChargeRejected'>).data;
    let byReason = s.blocked.get(e.type);
    if (byReason === undefined) s.blocked.set(e.type, (byReason = new Map()));
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
}

function flows(s: WalletLedgerState, walletId: string): WalletFlows {
  let w = s.wallets.get(walletId);
  if (w === undefined) s.wallets.set(walletId, (w = { chargedYen: 0, spentYen: 0 }));
  return w;
}

export interface WalletLedgerReport {
  wallets: number;
  chargedYen: number;
  spentYen: number;
  /** Still in balances: charged less spent. */
  balanceYen: number;
  blocked: { attempt: EventType; reason: string; count: number }[];
}

export function walletLedgerReport(s: WalletLedgerState): WalletLedgerReport {
  const blocked = [...s.blocked.entries()].flatMap(([attempt, byReason]) => [...byReason.entries()].map(([reason, count]) => ({ attempt, reason, count })));
  blocked.sort((a, b) => (a.attempt < b.attempt ? -1 : a.attempt > b.attempt ? 1 : a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
  return { wallets: s.wallets.size, chargedYen: s.chargedYen, spentYen: s.spentYen, balanceYen: s.chargedYen - s.spentYen, blocked };
}
