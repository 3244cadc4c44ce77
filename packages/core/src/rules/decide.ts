import type { EventDataMap, EventType } from '../events/types';
import { satisfiesPolicy, type Command, type CommandType } from './commands';
import { scopeKey, scopeOf } from './scope';
import {
  accountKey,
  chargesStoppedFor,
  linkingSuspendedFor,
  policyFor,
  type LedgerState,
} from './state';

/**
 * The ledger's rules as a decide step: state + command -> the events it causes, or a rejection.
 * Pure: no clock, no randomness, no I/O. Each rule is a named guard, so a newcomer finds every
 * rule of a command in its table below, and a test can build the rules without one of them.
 */

/** An event as decided: the run stamps its id and times (run.ts). */
export type EventDraft = {
  [T in EventType]: { type: T; streamId: string; data: EventDataMap[T] };
}[EventType];

export const REJECTIONS = [
  'unknown-wallet',
  'wallet-exists',
  'wallet-locked',
  'linking-suspended',
  'missing-factors',
  'ekyc-required',
  'account-not-linked',
  'bank-charges-stopped',
  'zero-amount',
  'amount-unrepresentable',
  'insufficient-balance',
  'case-exists',
  'unknown-case',
  'exceeds-charged',
] as const;
export type Rejection = (typeof REJECTIONS)[number];

/**
 * `events` is empty when the command is rejected without a rejection event type (operator
 * commands), or when the ledger is already as the command asks (locking a locked wallet).
 */
export interface Decision {
  events: EventDraft[];
  rejected?: Rejection;
}

export type Decide = (state: LedgerState, command: Command) => Decision;

interface Guard<C> {
  rule: Rejection;
  rejects(s: LedgerState, c: C): boolean;
}

interface Handler<C> {
  /** Already as asked: nothing to record. Checked first. */
  settled?(s: LedgerState, c: C): boolean;
  guards: readonly Guard<C>[];
  /** The event recording a rejection, for commands an attacker sends. */
  rejection?(c: C, rule: Rejection): EventDraft;
  accept(c: C): EventDraft;
}

type Of<T extends CommandType> = Extract<Command, { type: T }>;
type Handlers = { [T in CommandType]: Handler<Of<T>> };

const streams = {
  wallet: (walletId: string) => `wallet-${walletId}`,
  bank: (bankCode: string) => `bank-${bankCode}`,
  case: (caseId: string) => `case-${caseId}`,
  operator: 'operator',
};

const unknownWallet: Guard<{ walletId: string }> = {
  rule: 'unknown-wallet',
  rejects: (s, c) => !s.wallets.has(c.walletId),
};
const walletLocked: Guard<{ walletId: string }> = {
  rule: 'wallet-locked',
  rejects: (s, c) => s.wallets.get(c.walletId)?.locked === true,
};
const zeroAmount: Guard<{ amountYen: number }> = {
  rule: 'zero-amount',
  rejects: (_, c) => c.amountYen === 0,
};
const unknownCase: Guard<{ caseId: string }> = {
  rule: 'unknown-case',
  rejects: (s, c) => !s.cases.has(c.caseId),
};
const isLinked = (s: LedgerState, c: { walletId: string; bankCode: string; accountId: string }) =>
  s.wallets.get(c.walletId)?.links.has(accountKey(c.bankCode, c.accountId)) === true;

const HANDLERS: Handlers = {
  OpenWallet: {
    guards: [{ rule: 'wallet-exists', rejects: (s, c) => s.wallets.has(c.walletId) }],
    accept: (c) => ({
      type: 'WalletOpened',
      streamId: streams.wallet(c.walletId),
      data: { walletId: c.walletId, openedBy: c.openedBy },
    }),
  },
  LinkBankAccount: {
    settled: isLinked,
    guards: [
      unknownWallet,
      walletLocked,
      {
        rule: 'linking-suspended',
        rejects: (s, c) => linkingSuspendedFor(s, c.bankCode, c.operatorCode),
      },
      {
        rule: 'missing-factors',
        rejects: (s, c) => !satisfiesPolicy(policyFor(s, c.bankCode, c.operatorCode), c.factors),
      },
    ],
    rejection: (c, reason) => ({
      type: 'BankLinkRejected',
      streamId: streams.wallet(c.walletId),
      data: withOperator(
        {
          walletId: c.walletId,
          bankCode: c.bankCode,
          accountId: c.accountId,
          factors: c.factors,
          reason,
        },
        c.operatorCode,
      ),
    }),
    accept: (c) => ({
      type: 'BankAccountLinked',
      streamId: streams.wallet(c.walletId),
      data: withOperator(
        {
          walletId: c.walletId,
          bankCode: c.bankCode,
          accountId: c.accountId,
          factors: c.factors,
        },
        c.operatorCode,
      ),
    }),
  },
  Charge: {
    guards: [
      unknownWallet,
      walletLocked,
      {
        rule: 'ekyc-required',
        rejects: (s, c) => s.ekycRequired && s.wallets.get(c.walletId)?.ekycCompleted !== true,
      },
      { rule: 'account-not-linked', rejects: (s, c) => !isLinked(s, c) },
      {
        rule: 'bank-charges-stopped',
        rejects: (s, c) => chargesStoppedFor(s, c.bankCode, c.operatorCode),
      },
      zeroAmount,
      {
        rule: 'amount-unrepresentable',
        rejects: (s, c) => !Number.isSafeInteger(s.chargedYen + c.amountYen),
      },
    ],
    rejection: (c, reason) => ({
      type: 'ChargeRejected',
      streamId: streams.wallet(c.walletId),
      data: withReason(chargeData(c), reason),
    }),
    accept: (c) => ({
      type: 'ChargeExecuted',
      streamId: streams.wallet(c.walletId),
      data: chargeData(c),
    }),
  },
  Purchase: {
    guards: [
      unknownWallet,
      walletLocked,
      zeroAmount,
      {
        rule: 'insufficient-balance',
        rejects: (s, c) => (s.wallets.get(c.walletId)?.balanceYen ?? 0) < c.amountYen,
      },
    ],
    rejection: (c, reason) => ({
      type: 'PurchaseRejected',
      streamId: streams.wallet(c.walletId),
      data: withReason(purchaseData(c), reason),
    }),
    accept: (c) => ({
      type: 'PurchaseMade',
      streamId: streams.wallet(c.walletId),
      data: purchaseData(c),
    }),
  },
  LockWallet: {
    settled: (s, c) => s.wallets.get(c.walletId)?.locked === true,
    guards: [unknownWallet],
    accept: (c) => ({
      type: 'WalletLocked',
      streamId: streams.wallet(c.walletId),
      data: { walletId: c.walletId, reason: c.reason },
    }),
  },
  SuspendLinking: {
    settled: (s, c) => s.linkingSuspended.has(scopeKey(c.bankCode, c.operatorCode)),
    guards: [],
    accept: (c) => ({
      type: 'NewLinkingSuspended',
      streamId: streams.operator,
      data: { reason: c.reason, ...scopeOf(c) },
    }),
  },
  ResumeLinking: {
    settled: (s, c) => !s.linkingSuspended.has(scopeKey(c.bankCode, c.operatorCode)),
    guards: [],
    accept: (c) => ({
      type: 'NewLinkingResumed',
      streamId: streams.operator,
      data: { reason: c.reason, ...scopeOf(c) },
    }),
  },
  SetLinkPolicy: {
    settled: (s, c) =>
      sameFactors(s.linkPolicies.get(scopeKey(c.bankCode, c.operatorCode)), c.requiredFactors),
    guards: [],
    accept: (c) => ({
      type: 'BankLinkPolicySet',
      streamId: streams.bank(c.bankCode),
      data: withOperator(
        { bankCode: c.bankCode, requiredFactors: c.requiredFactors },
        c.operatorCode,
      ),
    }),
  },
  StopCharges: {
    settled: (s, c) => s.chargesStopped.has(scopeKey(c.bankCode, c.operatorCode)),
    guards: [],
    accept: (c) => ({
      type: 'BankChargesStopped',
      streamId: c.bankCode === undefined ? streams.operator : streams.bank(c.bankCode),
      data: scopeOf(c),
    }),
  },
  ResumeCharges: {
    settled: (s, c) => !s.chargesStopped.has(scopeKey(c.bankCode, c.operatorCode)),
    guards: [],
    accept: (c) => ({
      type: 'BankChargesResumed',
      streamId: c.bankCode === undefined ? streams.operator : streams.bank(c.bankCode),
      data: scopeOf(c),
    }),
  },
  RequireEkyc: {
    settled: (s) => s.ekycRequired,
    guards: [],
    accept: (c) => ({
      type: 'EkycRequired',
      streamId: streams.operator,
      data: { reason: c.reason },
    }),
  },
  CompleteEkyc: {
    settled: (s, c) => s.wallets.get(c.walletId)?.ekycCompleted === true,
    guards: [unknownWallet],
    accept: (c) => ({
      type: 'EkycCompleted',
      streamId: streams.wallet(c.walletId),
      data: { walletId: c.walletId },
    }),
  },
  ReportCase: {
    guards: [{ rule: 'case-exists', rejects: (s, c) => s.cases.has(c.caseId) }],
    accept: (c) => ({
      type: 'CaseReported',
      streamId: streams.case(c.caseId),
      data: withOperator(
        { caseId: c.caseId, bankCode: c.bankCode, accountId: c.accountId, status: c.status },
        c.operatorCode,
      ),
    }),
  },
  ReclassifyCase: {
    settled: (s, c) => s.cases.get(c.caseId)?.status === c.status,
    guards: [unknownCase],
    accept: (c) => ({
      type: 'CaseReclassified',
      streamId: streams.case(c.caseId),
      data: { caseId: c.caseId, status: c.status, reason: c.reason },
    }),
  },
  Compensate: {
    guards: [
      unknownCase,
      zeroAmount,
      {
        rule: 'exceeds-charged',
        rejects: (s, c) => {
          const k = s.cases.get(c.caseId)!;
          return k.compensatedYen + c.amountYen > (s.chargedByAccount.get(k.accountKey) ?? 0);
        },
      },
    ],
    accept: (c) => ({
      type: 'CompensationPaid',
      streamId: streams.case(c.caseId),
      data: { caseId: c.caseId, amountYen: c.amountYen, paidBy: c.paidBy },
    }),
  },
};

function chargeData(c: Of<'Charge'>): EventDataMap['ChargeExecuted'] {
  return withOperator(
    { walletId: c.walletId, bankCode: c.bankCode, accountId: c.accountId, amountYen: c.amountYen },
    c.operatorCode,
  );
}
/**
 * The event's data with its operator when the command names one: a scenario of one operator
 * records none, and an event's content holds no undefined member. Set on the fresh object, no
 * spread (see withReason).
 */
function withOperator<D extends object>(
  data: D,
  operatorCode: string | undefined,
): D & { operatorCode?: string } {
  if (operatorCode !== undefined)
    (data as D & { operatorCode?: string }).operatorCode = operatorCode;
  return data;
}
function purchaseData(c: Of<'Purchase'>): EventDataMap['PurchaseMade'] {
  return { walletId: c.walletId, amountYen: c.amountYen, merchantCategory: c.merchantCategory };
}
/**
 * The accepted event's data with the rejection's reason last: added to the fresh object, not spread
 * into another (a spread per rejected command cost more than deciding it).
 */
function withReason<D extends object>(data: D, reason: Rejection): D & { reason: Rejection } {
  const rejected = data as D & { reason: Rejection };
  rejected.reason = reason;
  return rejected;
}
function sameFactors(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((f, i) => f === b[i]);
}

/**
 * Builds a decide step from the rule tables. `without` leaves rules out: for tests that prove the
 * invariant checks catch a ledger that breaks a rule. The ledger itself uses `decide`.
 */
export function decider(options: { without?: readonly Rejection[] } = {}): Decide {
  const without = new Set(options.without ?? []);
  const handlers = Object.fromEntries(
    Object.entries(HANDLERS).map(([type, h]) => [
      type,
      { ...h, guards: h.guards.filter((g) => !without.has(g.rule)) },
    ]),
  ) as unknown as Handlers;
  return (state, command) => {
    const h = handlers[command.type] as Handler<Command>;
    if (h.settled?.(state, command)) return { events: [] };
    for (const g of h.guards) {
      if (g.rejects(state, command))
        return { events: h.rejection ? [h.rejection(command, g.rule)] : [], rejected: g.rule };
    }
    return { events: [h.accept(command)] };
  };
}

export const decide: Decide = decider();
