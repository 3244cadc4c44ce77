/**
 * The domain events of an incident, in the incident's own words.
 * Times are epoch milliseconds (integers): zone-free, cheap to compare on the replay hot path.
 * Inputs must carry a zone or offset; display converts to the scenario's zone at the edge.
 */

export const AUTH_FACTORS = ['account-number', 'pin', 'name', 'birth-date', 'otp', 'ekyc'] as const;
export type AuthFactor = (typeof AUTH_FACTORS)[number];

/** A case counts toward published figures while its status is one of COUNTED_STATUSES. */
export const CASE_STATUSES = [
  'suspected',
  'confirmed',
  'excluded-separate-matter',
  'excluded-own-use',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const ROUNDINGS = ['exact', 'floor', 'round', 'ceil'] as const;
export type Rounding = (typeof ROUNDINGS)[number];

export interface PublishedFigure {
  /** A figure name known to the figure registry (see figures.ts). */
  name: string;
  value: number;
  /** The unit the value is stated to: 10000 for 2,542万円. 1 means exact. */
  precision: number;
  /** How the publisher rounded to that precision. */
  rounding: Rounding;
  /** The figure's own as-of time, when it differs from the publication's. */
  asOf?: number;
  /** For a change since an earlier time ("749 more by 09-13 17:00"): the start of the window. */
  since?: number;
  /** For a figure about one bank ("十六銀行 had stopped charges"): its code. */
  bank?: string;
  /** For a figure about one operator ("PayPay: 17 cases"): its code. */
  operator?: string;
  /** For a figure about the cases of one status ("confirmed: 80 cases"). */
  status?: CaseStatus;
  note?: string;
}

export interface EventDataMap {
  WalletOpened: { walletId: string; openedBy: 'holder' | 'third-party' };
  /**
   * `operatorCode` names the payment service (a declared operator) on the link, charge, rejection,
   * case and policy events; a scenario with at most one operator may omit it everywhere, and an
   * omitted field leaves the event's content, and so its hash, as it was before operators.
   */
  BankAccountLinked: {
    walletId: string;
    bankCode: string;
    accountId: string;
    factors: AuthFactor[];
    operatorCode?: string;
  };
  BankLinkRejected: {
    walletId: string;
    bankCode: string;
    accountId: string;
    factors: AuthFactor[];
    reason: string;
    operatorCode?: string;
  };
  ChargeExecuted: {
    walletId: string;
    bankCode: string;
    accountId: string;
    amountYen: number;
    operatorCode?: string;
  };
  ChargeRejected: {
    walletId: string;
    bankCode: string;
    accountId: string;
    amountYen: number;
    reason: string;
    operatorCode?: string;
  };
  PurchaseMade: { walletId: string; amountYen: number; merchantCategory: string };
  WalletLocked: { walletId: string; reason: string };
  PurchaseRejected: {
    walletId: string;
    amountYen: number;
    merchantCategory: string;
    reason: string;
  };
  /**
   * New links stopped (resumed) for one bank, one operator, the pair, or all links when neither is
   * named; each scope on its own.
   */
  NewLinkingSuspended: { reason: string; bankCode?: string; operatorCode?: string };
  NewLinkingResumed: { reason: string; bankCode?: string; operatorCode?: string };
  /** The factors a bank requires to link an account (weak: number, PIN, name, birth date). */
  BankLinkPolicySet: { bankCode: string; requiredFactors: AuthFactor[]; operatorCode?: string };
  /**
   * Charges stopped (resumed) from one bank through every operator, through one operator from
   * every bank, for the pair, or all charges when neither is named; each scope on its own.
   */
  BankChargesStopped: { bankCode?: string; operatorCode?: string };
  BankChargesResumed: { bankCode?: string; operatorCode?: string };
  /**
   * Operator-wide: wallets must complete eKYC before new charges; balances already charged stay
   * usable.
   */
  EkycRequired: { reason: string };
  EkycCompleted: { walletId: string };
  CaseReported: {
    caseId: string;
    bankCode: string;
    accountId: string;
    status: 'suspected' | 'confirmed';
    operatorCode?: string;
  };
  CaseReclassified: { caseId: string; status: CaseStatus; reason: string };
  /** Compensation never reduces damage: it is tracked beside it. */
  CompensationStarted: { reason: string };
  CompensationPaid: { caseId: string; amountYen: number; paidBy: 'operator' | 'bank' };
  /** Inquiries received on a channel over a period (recorded when counted). */
  InquiriesReceived: { channel: string; count: number; periodStart: number; periodEnd: number };
  FiguresPublished: {
    publicationId: string;
    source: string;
    asOf: number;
    figures: PublishedFigure[];
  };
}

export type EventType = keyof EventDataMap;

/** An event as written by its author: what happened, when, and when the ledger learned it. */
export interface LedgerEvent<T extends EventType = EventType> {
  eventId: string;
  streamId: string;
  type: T;
  occurredAt: number;
  recordedAt: number;
  data: EventDataMap[T];
}

/**
 * An event as the store holds it: its place in its stream, in the global order, and in its hash
 * chain.
 */
export type StoredEvent<T extends EventType = EventType> = LedgerEvent<T> & {
  revision: number;
  globalPosition: number;
  hash: string;
};

/** Narrowing helper: `isType(e, 'ChargeExecuted')` gives a typed `e.data`. */
export function isType<T extends EventType>(e: LedgerEvent, type: T): e is LedgerEvent<T> {
  return e.type === type;
}
