import type { EventDataMap, EventType, LedgerEvent } from '../events/types';
import type { Command, CommandBody } from './commands';
import { scopeOf } from './scope';

/** The operator an event names, as a command's field; none when it names none. */
const operator = (d: { operatorCode?: string }) =>
  d.operatorCode === undefined ? {} : { operatorCode: d.operatorCode };

/**
 * The command each recorded event answered: what was attempted, whatever the outcome. A recorded
 * link, charge or purchase is an attempt whether it was executed or rejected, so replaying a
 * history through the rules under other controls lets each attempt succeed or fail anew.
 * Facts that are neither attempts nor controls (inquiries, publications, the announcement that
 * compensation begins) stand for no command.
 */
const ATTEMPTED: { [T in EventType]?: (d: EventDataMap[T]) => CommandBody } = {
  WalletOpened: (d) => ({ type: 'OpenWallet', walletId: d.walletId, openedBy: d.openedBy }),
  BankAccountLinked: (d) => ({
    type: 'LinkBankAccount',
    walletId: d.walletId,
    bankCode: d.bankCode,
    accountId: d.accountId,
    factors: d.factors,
    ...operator(d),
  }),
  BankLinkRejected: (d) => ({
    type: 'LinkBankAccount',
    walletId: d.walletId,
    bankCode: d.bankCode,
    accountId: d.accountId,
    factors: d.factors,
    ...operator(d),
  }),
  ChargeExecuted: (d) => ({
    type: 'Charge',
    walletId: d.walletId,
    bankCode: d.bankCode,
    accountId: d.accountId,
    amountYen: d.amountYen,
    ...operator(d),
  }),
  ChargeRejected: (d) => ({
    type: 'Charge',
    walletId: d.walletId,
    bankCode: d.bankCode,
    accountId: d.accountId,
    amountYen: d.amountYen,
    ...operator(d),
  }),
  PurchaseMade: (d) => ({
    type: 'Purchase',
    walletId: d.walletId,
    amountYen: d.amountYen,
    merchantCategory: d.merchantCategory,
  }),
  PurchaseRejected: (d) => ({
    type: 'Purchase',
    walletId: d.walletId,
    amountYen: d.amountYen,
    merchantCategory: d.merchantCategory,
  }),
  WalletLocked: (d) => ({ type: 'LockWallet', walletId: d.walletId, reason: d.reason }),
  NewLinkingSuspended: (d) => ({ type: 'SuspendLinking', reason: d.reason, ...scopeOf(d) }),
  NewLinkingResumed: (d) => ({ type: 'ResumeLinking', reason: d.reason, ...scopeOf(d) }),
  BankLinkPolicySet: (d) => ({
    type: 'SetLinkPolicy',
    bankCode: d.bankCode,
    requiredFactors: d.requiredFactors,
    ...operator(d),
  }),
  BankChargesStopped: (d) => ({ type: 'StopCharges', ...scopeOf(d) }),
  BankChargesResumed: (d) => ({ type: 'ResumeCharges', ...scopeOf(d) }),
  EkycRequired: (d) => ({ type: 'RequireEkyc', reason: d.reason }),
  EkycCompleted: (d) => ({ type: 'CompleteEkyc', walletId: d.walletId }),
  CaseReported: (d) => ({
    type: 'ReportCase',
    caseId: d.caseId,
    bankCode: d.bankCode,
    accountId: d.accountId,
    status: d.status,
    ...operator(d),
  }),
  CaseReclassified: (d) => ({
    type: 'ReclassifyCase',
    caseId: d.caseId,
    status: d.status,
    reason: d.reason,
  }),
  CompensationPaid: (d) => ({
    type: 'Compensate',
    caseId: d.caseId,
    amountYen: d.amountYen,
    paidBy: d.paidBy,
  }),
};

/** Recorded events as the commands they answered, at the time each occurred, keyed by event id. */
export function attemptsOf(events: readonly LedgerEvent[]): Command[] {
  const out: Command[] = [];
  for (const e of events) {
    const toCommand = ATTEMPTED[e.type] as ((d: unknown) => CommandBody) | undefined;
    if (toCommand) out.push({ ...toCommand(e.data), key: e.eventId, at: e.occurredAt } as Command);
  }
  return out;
}
