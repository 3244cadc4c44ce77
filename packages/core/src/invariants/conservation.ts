import { walletLedgerProjection } from '../projections/wallets';
import { ledgerRules } from '../rules/state';
import { inWorldOrder, where, type Invariant } from './history';

export const conservation: Invariant = {
  name: 'conservation',
  statement: 'total charged = balances + spent, per wallet and overall; no balance below zero',
  check({ history: h }) {
    const rules = ledgerRules.init();
    const flows = walletLedgerProjection.init();
    for (const e of inWorldOrder(h.events)) {
      ledgerRules.evolve(rules, e);
      walletLedgerProjection.evolve(flows, e);
      if (e.type !== 'ChargeExecuted' && e.type !== 'PurchaseMade') continue;
      const walletId = (e.data as { walletId: string }).walletId;
      const balance = rules.wallets.get(walletId)!.balanceYen;
      const { chargedYen, spentYen } = flows.wallets.get(walletId)!;
      if (balance < 0) return `wallet ${walletId} holds ${balance} yen after ${where(e, h.zone)}`;
      if (balance !== chargedYen - spentYen)
        return `wallet ${walletId} holds ${balance} yen but was charged ${chargedYen} and spent ${spentYen} (${where(e, h.zone)})`;
    }
    let balances = 0;
    for (const w of rules.wallets.values()) balances += w.balanceYen;
    if (!Number.isSafeInteger(flows.chargedYen) || balances + flows.spentYen !== flows.chargedYen) {
      return `overall: charged ${flows.chargedYen} yen, but balances hold ${balances} and ${flows.spentYen} was spent`;
    }
    return undefined;
  },
};
