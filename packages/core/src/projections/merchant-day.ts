import type { ColumnBatch } from '../events/columns';
import { DayCalendar } from '../time/calendar';
import type { ColumnarState } from './columnar';
import { columnarPart } from './columnar-part';
import { composite } from './composite';
import {
  attributed,
  casesPart,
  countedCases,
  damageInWallets,
  spendingPart,
  type CasesState,
  type SpendingState,
} from './incident';
import { TYPE } from './incident/codes';
import { accumulate, forEachEntry, NONE, newEntries, type Entries } from './lists';
import type { Projection } from './projection';
import type { ProjectionParameters, ViewTable } from './registry';
import { restoredNames, savedNames } from './table-codec';
import { Table } from './table';

/*
 * Damage per merchant category per calendar day: where the damage went (the incident's merchant
 * attribution, reference.ts), by the day of each purchase (occurredAt, in the scenario's zone).
 * A part of its own keeps each wallet's spending per (category, day); the incident's cases and
 * spending parts give the damage charged into each wallet.
 */
const walletSpec = { head: { kind: 'i32', fill: NONE } } as const;
const pairSpec = { category: { kind: 'i32', fill: 0 }, day: { kind: 'i32', fill: 0 } } as const;

interface MerchantDaysState extends ColumnarState {
  readonly calendar: DayCalendar;
  /** Per wallet, the first entry of its spending per (category, day) pair. */
  wallets: Table<typeof walletSpec>;
  spending: Entries;
  /** The (category, day) pairs seen, numbered in order of first purchase. */
  pairs: Table<typeof pairSpec>;
  pairIds: Map<number, number>;
  categoryNames: string[];
}

const DAY_BITS = 2 ** 21; // days of the pair's number: ±2,800 years around 1970
const pairNumber = (category: number, day: number) => category * DAY_BITS + day + DAY_BITS / 2;

const init = (zone: string): MerchantDaysState => ({
  keySpace: undefined,
  own: undefined,
  calendar: new DayCalendar(zone),
  wallets: new Table(walletSpec, 8),
  spending: newEntries(),
  pairs: new Table(pairSpec, 8),
  pairIds: new Map(),
  categoryNames: [],
});

const PART = 'merchant-days';

function merchantDaysPart(zone: string): Projection<MerchantDaysState> {
  return columnarPart({
    name: PART,
    version: 1,
    parameters: { zone },
    reads: ['type', 'occurredAt', 'wallet', 'category', 'amount'],
    init: () => init(zone),
    keyed: { wallets: 'wallet' },
    lists: ['spending', 'pairs'],
    document: (s) => ({ categoryNames: savedNames(s.categoryNames) }),
    restore(s, doc) {
      s.categoryNames = restoredNames(doc.categoryNames);
      for (let p = 0; p < s.pairs.size; p++)
        s.pairIds.set(pairNumber(s.pairs.cols.category[p]!, s.pairs.cols.day[p]!), p);
    },
    fold: foldDays,
  });
}

function foldDays(s: MerchantDaysState, b: ColumnBatch, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const w = b.wallet[i]!;
    const category = b.category[i]!;
    if (b.type[i] !== TYPE.purchase || w < 0 || category < 0) continue;
    s.categoryNames[category] ??= b.names.name('category', category);
    const day = s.calendar.dayOf(b.occurredAt[i]!);
    let pair = s.pairIds.get(pairNumber(category, day));
    if (pair === undefined) {
      s.pairIds.set(pairNumber(category, day), (pair = s.pairs.push()));
      s.pairs.cols.category[pair] = category;
      s.pairs.cols.day[pair] = day;
    }
    const heads = s.wallets.cols.head;
    heads[w] = accumulate(s.spending, heads[w]!, pair, b.amount[i]!);
  }
}

export interface MerchantDayState {
  cases: CasesState;
  spending: SpendingState;
  days: MerchantDaysState;
}

export function merchantDayProjection(zone: string): Projection<MerchantDayState> {
  return composite('merchant-day', {
    cases: casesPart(zone),
    spending: spendingPart,
    days: merchantDaysPart(zone),
  });
}

/**
 * The table: each wallet's spending per category and day, attributed to damage as the incident's
 * merchant table attributes it, rounded down per row (so a category's days may sum to a few yen
 * less than its row in `--by merchant`).
 */
export function merchantDayTable(s: MerchantDayState, { zone }: ProjectionParameters): ViewTable {
  const spent = new Map<number, number>();
  for (const [wallet, damage] of damageInWallets(s, countedCases(s.cases))) {
    const head = s.days.wallets.get('head', wallet);
    let total = 0;
    forEachEntry(s.days.spending, head, (_, yen) => (total += yen));
    forEachEntry(s.days.spending, head, (pair, yen) =>
      spent.set(pair, (spent.get(pair) ?? 0) + attributed(yen, damage, total)),
    );
  }
  const { category, day } = s.days.pairs.cols;
  const rows = [...spent]
    .map(([pair, spentYen]) => ({
      merchantCategory: s.days.categoryNames[category[pair]!]!,
      day: day[pair]!,
      spentYen,
    }))
    .sort((x, y) =>
      x.merchantCategory < y.merchantCategory
        ? -1
        : x.merchantCategory > y.merchantCategory
          ? 1
          : x.day - y.day,
    );
  return {
    name: 'merchant-day',
    title: `Where the damage went, by merchant category and calendar day of the purchase (${zone})`,
    columns: [
      { key: 'merchantCategory', header: 'merchant category', kind: 'text' },
      { key: 'date', header: 'date', kind: 'text' },
      { key: 'spentYen', header: 'spent (yen)', kind: 'yen' },
    ],
    rows: rows.map((r) => ({
      merchantCategory: r.merchantCategory,
      date: DayCalendar.isoDate(r.day),
      spentYen: r.spentYen,
    })),
  };
}
