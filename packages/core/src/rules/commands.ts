import type { AuthFactor, CaseStatus, EventDataMap } from '../events/types';

/**
 * What someone asks the ledger to do. The decide step (decide.ts) answers each command with the
 * events it causes, or with a rejection. Every command carries the instant it arrives (`at`, epoch
 * ms: the events it causes occur and are recorded then) and a key, unique within a run, from which
 * the ids of its events are derived (run.ts).
 */
interface Meta {
  key: string;
  at: number;
}

export type OpenWallet = Meta & { type: 'OpenWallet' } & EventDataMap['WalletOpened'];
/** `factors`: what the requester presented and the bank verified. */
export type LinkBankAccount = Meta & {
  type: 'LinkBankAccount';
  walletId: string;
  bankCode: string;
  accountId: string;
  factors: AuthFactor[];
  operatorCode?: string;
};
export type Charge = Meta & { type: 'Charge' } & EventDataMap['ChargeExecuted'];
export type Purchase = Meta & { type: 'Purchase' } & EventDataMap['PurchaseMade'];
export type LockWallet = Meta & { type: 'LockWallet' } & EventDataMap['WalletLocked'];
export type SuspendLinking = Meta & {
  type: 'SuspendLinking';
} & EventDataMap['NewLinkingSuspended'];
export type ResumeLinking = Meta & { type: 'ResumeLinking' } & EventDataMap['NewLinkingResumed'];
export type SetLinkPolicy = Meta & { type: 'SetLinkPolicy' } & EventDataMap['BankLinkPolicySet'];
export type StopCharges = Meta & { type: 'StopCharges' } & EventDataMap['BankChargesStopped'];
export type ResumeCharges = Meta & { type: 'ResumeCharges' } & EventDataMap['BankChargesResumed'];
export type RequireEkyc = Meta & { type: 'RequireEkyc' } & EventDataMap['EkycRequired'];
export type CompleteEkyc = Meta & { type: 'CompleteEkyc' } & EventDataMap['EkycCompleted'];
export type ReportCase = Meta & { type: 'ReportCase' } & EventDataMap['CaseReported'];
export type ReclassifyCase = Meta & {
  type: 'ReclassifyCase';
  caseId: string;
  status: CaseStatus;
  reason: string;
};
export type Compensate = Meta & { type: 'Compensate' } & EventDataMap['CompensationPaid'];

export type Command =
  | OpenWallet
  | LinkBankAccount
  | Charge
  | Purchase
  | LockWallet
  | SuspendLinking
  | ResumeLinking
  | SetLinkPolicy
  | StopCharges
  | ResumeCharges
  | RequireEkyc
  | CompleteEkyc
  | ReportCase
  | ReclassifyCase
  | Compensate;

export type CommandType = Command['type'];

/** A command without its key and time: what generators produce before a run stamps them. */
export type CommandBody = Unstamped<Command>;
type Unstamped<C> = C extends unknown ? Omit<C, 'key' | 'at'> : never;

/** Factors a person knows: a link needs every one its bank lists. */
export const KNOWLEDGE_FACTORS: readonly AuthFactor[] = [
  'account-number',
  'pin',
  'name',
  'birth-date',
];
/** Second factors: when a bank lists any, one of those it lists is enough ("an OTP or eKYC"). */
export const SECOND_FACTORS: readonly AuthFactor[] = ['otp', 'ekyc'];

/**
 * The two policies the briefing describes. A bank never given a policy is weak, as the banks of
 * 2020 were.
 */
export const AUTH_POLICIES = {
  weak: KNOWLEDGE_FACTORS,
  strong: [...KNOWLEDGE_FACTORS, ...SECOND_FACTORS],
} as const satisfies Record<string, readonly AuthFactor[]>;
export type AuthPolicy = keyof typeof AUTH_POLICIES;

/**
 * Whether presented factors satisfy a bank's required factors (knowledge: all; second: any one
 * listed).
 */
export function satisfiesPolicy(
  required: readonly AuthFactor[],
  presented: readonly AuthFactor[],
): boolean {
  let secondRequired = false;
  let secondPresented = false;
  for (const f of required) {
    if (SECOND_FACTORS.includes(f)) {
      secondRequired = true;
      if (presented.includes(f)) secondPresented = true;
    } else if (!presented.includes(f)) {
      return false;
    }
  }
  return !secondRequired || secondPresented;
}
