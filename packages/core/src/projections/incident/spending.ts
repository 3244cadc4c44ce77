import type { ColumnBatch } from '../../events/columns';
import type { ColumnarState } from '../columnar';
import { columnarPart } from '../columnar-part';
import { accumulate, NONE, newEntries, type Entries } from '../lists';
import type { Projection } from '../projection';
import { restoredNames, savedNames } from '../table-codec';
import { Table } from '../table';
import { TYPE } from './codes';
import { FIRST_ROWS } from './cases';

/*
 * The spending part of the incident: the yen each account charged into each wallet, and each
 * wallet's spending per merchant category, as lists threaded through pools. The report joins them
 * with the cases part's counted accounts: where the damage went (reference.ts).
 */
const accountSpec = {
  /** First entry of the wallets it was charged into (accountWallets). */
  walletHead: { kind: 'i32', fill: NONE },
} as const;
const walletSpec = {
  /** First entry of its spending per merchant category (purchases). */
  purchaseHead: { kind: 'i32', fill: NONE },
} as const;

export interface SpendingState extends ColumnarState {
  accounts: Table<typeof accountSpec>;
  /** Keyed by wallet: the yen the account charged into it. */
  accountWallets: Entries;
  wallets: Table<typeof walletSpec>;
  /** Keyed by merchant category. */
  purchases: Entries;
  /** Names of the merchant categories seen, by key: reports print them. */
  categoryNames: string[];
}

const initSpending = (): SpendingState => ({
  keySpace: undefined,
  own: undefined,
  accounts: new Table(accountSpec, FIRST_ROWS),
  accountWallets: newEntries(),
  wallets: new Table(walletSpec, FIRST_ROWS),
  purchases: newEntries(),
  categoryNames: [],
});

export const SPENDING_PART = 'incident-spending';

/** The spending part: money from accounts into wallets, and out of wallets by category. */
export const spendingPart: Projection<SpendingState> = columnarPart({
  name: SPENDING_PART,
  version: 1,
  reads: ['type', 'wallet', 'account', 'category', 'amount'],
  init: initSpending,
  keyed: { accounts: 'account', wallets: 'wallet' },
  lists: ['accountWallets', 'purchases'],
  document: (s) => ({ categoryNames: savedNames(s.categoryNames) }),
  restore(s, doc) {
    s.categoryNames = restoredNames(doc.categoryNames);
  },
  fold: foldSpending,
});

function foldSpending(s: SpendingState, b: ColumnBatch, from: number, to: number): void {
  const { type, wallet, amount } = b;
  // Rows missing a key their type carries are passed over: validation never lets such events in.
  for (let i = from; i < to; i++) {
    switch (type[i]) {
      case TYPE.charge: {
        const a = b.account[i]!;
        if (a < 0 || wallet[i]! < 0) break;
        const heads = s.accounts.cols.walletHead;
        heads[a] = accumulate(s.accountWallets, heads[a]!, wallet[i]!, amount[i]!);
        break;
      }
      case TYPE.purchase: {
        const w = wallet[i]!;
        const category = b.category[i]!;
        if (w < 0 || category < 0) break;
        s.categoryNames[category] ??= b.names.name('category', category);
        const heads = s.wallets.cols.purchaseHead;
        heads[w] = accumulate(s.purchases, heads[w]!, category, amount[i]!);
        break;
      }
      default:
        break;
    }
  }
}
