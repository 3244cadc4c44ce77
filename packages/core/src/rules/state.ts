import type { AuthFactor, CaseStatus, LedgerEvent } from '../events/types';
import type { Projection } from '../projections/projection';
import { AUTH_POLICIES } from './commands';
import { applies, scopeKey, scopeOf, type Scope } from './scope';

/**
 * What the decide step needs to know, as a fold over the ledger's events. It is a projection like
 * any other, so it is rebuilt by replay and checked by the same replay invariants.
 */
export interface WalletRecord {
  balanceYen: number;
  locked: boolean;
  ekycCompleted: boolean;
  /** Accounts linked to the wallet, by accountKey. */
  links: Set<string>;
}

export interface CaseRecord {
  accountKey: string;
  status: CaseStatus;
  compensatedYen: number;
}

export interface LedgerState {
  wallets: Map<string, WalletRecord>;
  /**
   * Policies by scopeKey of a bank, or of a bank and operator (policyFor): the pair's, else the
   * bank's, else AUTH_POLICIES.weak.
   */
  linkPolicies: Map<string, readonly AuthFactor[]>;
  /** Charge stops in force, by scopeKey: each scope is stopped and resumed on its own. */
  chargesStopped: Map<string, Scope>;
  /** Linking suspensions in force, by scopeKey: each scope is suspended and resumed on its own. */
  linkingSuspended: Map<string, Scope>;
  ekycRequired: boolean;
  /**
   * Charged from each account (accountKey), into any wallet: what its cases can be compensated for.
   */
  chargedByAccount: Map<string, number>;
  cases: Map<string, CaseRecord>;
  /**
   * Every yen ever charged: kept so that no sum the ledger reports can leave the exact integers.
   */
  chargedYen: number;
}

export const accountKey = (bankCode: string, accountId: string) => `${bankCode}\u0000${accountId}`;

export const ledgerRules: Projection<LedgerState> = {
  name: 'ledger-rules',
  version: 1,
  init: () => ({
    wallets: new Map(),
    linkPolicies: new Map(),
    chargesStopped: new Map(),
    linkingSuspended: new Map(),
    ekycRequired: false,
    chargedByAccount: new Map(),
    cases: new Map(),
    chargedYen: 0,
  }),
  evolve: evolveLedger,
};

/** Folds one event into the rules' state. Rejections change nothing. */
export function evolveLedger(s: LedgerState, e: LedgerEvent): void {
  switch (e.type) {
    case 'WalletOpened':
      wallet(s, (e as LedgerEvent<'WalletOpened'>).data.walletId);
      return;
    case 'BankAccountLinked': {
      const { walletId, bankCode, accountId } = (e as LedgerEvent<'BankAccountLinked'>).data;
      wallet(s, walletId).links.add(accountKey(bankCode, accountId));
      return;
    }
    case 'ChargeExecuted': {
      const { walletId, bankCode, accountId, amountYen } = (e as LedgerEvent<'ChargeExecuted'>)
        .data;
      wallet(s, walletId).balanceYen += amountYen;
      const key = accountKey(bankCode, accountId);
      s.chargedByAccount.set(key, (s.chargedByAccount.get(key) ?? 0) + amountYen);
      s.chargedYen += amountYen;
      return;
    }
    case 'PurchaseMade': {
      const { walletId, amountYen } = (e as LedgerEvent<'PurchaseMade'>).data;
      wallet(s, walletId).balanceYen -= amountYen;
      return;
    }
    case 'WalletLocked':
      wallet(s, (e as LedgerEvent<'WalletLocked'>).data.walletId).locked = true;
      return;
    case 'EkycCompleted':
      wallet(s, (e as LedgerEvent<'EkycCompleted'>).data.walletId).ekycCompleted = true;
      return;
    case 'NewLinkingSuspended': {
      const d = (e as LedgerEvent<'NewLinkingSuspended'>).data;
      s.linkingSuspended.set(scopeKey(d.bankCode, d.operatorCode), scopeOf(d));
      return;
    }
    case 'NewLinkingResumed': {
      const d = (e as LedgerEvent<'NewLinkingResumed'>).data;
      s.linkingSuspended.delete(scopeKey(d.bankCode, d.operatorCode));
      return;
    }
    case 'BankLinkPolicySet': {
      const { bankCode, operatorCode, requiredFactors } = (e as LedgerEvent<'BankLinkPolicySet'>)
        .data;
      s.linkPolicies.set(scopeKey(bankCode, operatorCode), requiredFactors);
      return;
    }
    case 'BankChargesStopped': {
      const d = (e as LedgerEvent<'BankChargesStopped'>).data;
      s.chargesStopped.set(scopeKey(d.bankCode, d.operatorCode), scopeOf(d));
      return;
    }
    case 'BankChargesResumed': {
      const d = (e as LedgerEvent<'BankChargesResumed'>).data;
      s.chargesStopped.delete(scopeKey(d.bankCode, d.operatorCode));
      return;
    }
    case 'EkycRequired':
      s.ekycRequired = true;
      return;
    case 'CaseReported': {
      const { caseId, bankCode, accountId, status } = (e as LedgerEvent<'CaseReported'>).data;
      const existing = s.cases.get(caseId);
      if (existing !== undefined)
        existing.status = status; // as the incident projection reads a repeated report
      else
        s.cases.set(caseId, {
          accountKey: accountKey(bankCode, accountId),
          status,
          compensatedYen: 0,
        });
      return;
    }
    case 'CaseReclassified': {
      const { caseId, status } = (e as LedgerEvent<'CaseReclassified'>).data;
      const c = s.cases.get(caseId);
      if (c !== undefined) c.status = status;
      return;
    }
    case 'CompensationPaid': {
      const { caseId, amountYen } = (e as LedgerEvent<'CompensationPaid'>).data;
      const c = s.cases.get(caseId);
      if (c !== undefined) c.compensatedYen += amountYen;
      return;
    }
    default:
      return;
  }
}

/** Whether a suspension in force applies to a link at `bankCode` through `operatorCode`. */
export function linkingSuspendedFor(
  s: LedgerState,
  bankCode: string,
  operatorCode: string | undefined,
): boolean {
  if (s.linkingSuspended.size === 0) return false;
  for (const scope of s.linkingSuspended.values())
    if (applies(scope, bankCode, operatorCode)) return true;
  return false;
}

/** Whether a charge stop in force applies to charges from `bankCode` through `operatorCode`. */
export function chargesStoppedFor(
  s: LedgerState,
  bankCode: string,
  operatorCode: string | undefined,
): boolean {
  if (s.chargesStopped.size === 0) return false;
  for (const scope of s.chargesStopped.values())
    if (applies(scope, bankCode, operatorCode)) return true;
  return false;
}

/** The factors a link at `bankCode` through `operatorCode` needs: the pair's, the bank's, or weak. */
export function policyFor(
  s: LedgerState,
  bankCode: string,
  operatorCode: string | undefined,
): readonly AuthFactor[] {
  return (
    (operatorCode !== undefined
      ? s.linkPolicies.get(scopeKey(bankCode, operatorCode))
      : undefined) ??
    s.linkPolicies.get(scopeKey(bankCode)) ??
    AUTH_POLICIES.weak
  );
}

/**
 * A wallet's record, made on first sight: an imported history may show a wallet before its opening.
 */
function wallet(s: LedgerState, walletId: string): WalletRecord {
  let w = s.wallets.get(walletId);
  if (w === undefined) {
    w = { balanceYen: 0, locked: false, ekycCompleted: false, links: new Set() };
    s.wallets.set(walletId, w);
  }
  return w;
}
