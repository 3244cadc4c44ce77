import type { AuthFactor, EventDataMap, LedgerEvent } from '../events/types';
import { AUTH_POLICIES, satisfiesPolicy } from '../rules/commands';
import { inWorldOrder, where, type Invariant } from './history';

/**
 * A model of the ledger's rules, written apart from the decide step (rules/decide.ts): it walks a
 * history in the order things occurred and names the first event the rules forbid. It shares only
 * the definition of what a bank policy asks for (satisfiesPolicy).
 */
export class RulesModel {
  private readonly links = new Set<string>();
  /** Charge stops in force, each with what it names. */
  private readonly stops: { bankCode?: string; operatorCode?: string }[] = [];
  private readonly lockedWallets = new Set<string>();
  private readonly verifiedWallets = new Set<string>();
  /** By bank, or by `bank\0operator` for a policy of one operator. */
  private readonly policies: Map<string, readonly AuthFactor[]>;
  /** Linking suspensions in force, each with what it names. */
  private readonly suspensions: { bankCode?: string; operatorCode?: string }[] = [];
  private ekycRequired = false;

  /**
   * `policies`: what each bank required before the history begins (from a scenario's declared
   * banks).
   */
  constructor(policies: ReadonlyMap<string, readonly AuthFactor[]> = new Map()) {
    this.policies = new Map(policies);
  }

  /** Why `e` should not have happened, if it should not; then takes it in. */
  step(e: LedgerEvent): string | undefined {
    const problem = this.forbidden(e);
    this.takeIn(e);
    return problem;
  }

  private forbidden(e: LedgerEvent): string | undefined {
    if (e.type === 'ChargeExecuted') {
      const d = e.data as EventDataMap['ChargeExecuted'];
      if (this.stops.some((s) => names(s, d)))
        return `charge from ${d.bankCode}${d.operatorCode === undefined ? '' : ` through ${d.operatorCode}`} while charges were stopped for it`;
      if (!this.links.has(link(d)))
        return `charge from account ${d.accountId} at ${d.bankCode}, not linked to wallet ${d.walletId}`;
      if (this.lockedWallets.has(d.walletId)) return `charge into locked wallet ${d.walletId}`;
      if (this.ekycRequired && !this.verifiedWallets.has(d.walletId))
        return `charge into wallet ${d.walletId}, which needed eKYC first`;
    } else if (e.type === 'BankAccountLinked') {
      const d = e.data as EventDataMap['BankAccountLinked'];
      if (this.suspensions.some((s) => names(s, d)))
        return `link of wallet ${d.walletId} to ${d.bankCode}${d.operatorCode === undefined ? '' : ` through ${d.operatorCode}`} while new linking was suspended for it`;
      const required =
        (d.operatorCode === undefined
          ? undefined
          : this.policies.get(`${d.bankCode}\u0000${d.operatorCode}`)) ??
        this.policies.get(d.bankCode) ??
        AUTH_POLICIES.weak;
      if (!satisfiesPolicy(required, d.factors))
        return `link to ${d.bankCode} with ${d.factors.join('+') || 'no factors'}; it requires ${required.join('+')}`;
    } else if (e.type === 'PurchaseMade') {
      const d = e.data as EventDataMap['PurchaseMade'];
      if (this.lockedWallets.has(d.walletId)) return `purchase from locked wallet ${d.walletId}`;
    }
    return undefined;
  }

  private takeIn(e: LedgerEvent): void {
    const d = e.data as Partial<
      EventDataMap['BankAccountLinked'] &
        EventDataMap['BankLinkPolicySet'] &
        EventDataMap['NewLinkingSuspended']
    >;
    const same = (s: { bankCode?: string; operatorCode?: string }) =>
      s.bankCode === d.bankCode && s.operatorCode === d.operatorCode;
    switch (e.type) {
      case 'BankAccountLinked':
        this.links.add(link(d as EventDataMap['BankAccountLinked']));
        return;
      case 'BankChargesStopped':
        if (!this.stops.some(same))
          this.stops.push({ bankCode: d.bankCode, operatorCode: d.operatorCode });
        return;
      case 'BankChargesResumed': {
        const i = this.stops.findIndex(same);
        if (i >= 0) this.stops.splice(i, 1);
        return;
      }
      case 'WalletLocked':
        this.lockedWallets.add(d.walletId!);
        return;
      case 'EkycCompleted':
        this.verifiedWallets.add(d.walletId!);
        return;
      case 'EkycRequired':
        this.ekycRequired = true;
        return;
      case 'NewLinkingSuspended':
        if (!this.suspensions.some(same))
          this.suspensions.push({ bankCode: d.bankCode, operatorCode: d.operatorCode });
        return;
      case 'NewLinkingResumed': {
        const i = this.suspensions.findIndex(same);
        if (i >= 0) this.suspensions.splice(i, 1);
        return;
      }
      case 'BankLinkPolicySet':
        this.policies.set(
          d.operatorCode === undefined ? d.bankCode! : `${d.bankCode}\u0000${d.operatorCode}`,
          d.requiredFactors!,
        );
        return;
    }
  }
}

/** Whether a control naming `s` (a bank, an operator, both or neither) names a link or charge. */
const names = (
  s: { bankCode?: string; operatorCode?: string },
  d: { bankCode: string; operatorCode?: string },
) =>
  (s.bankCode === undefined || s.bankCode === d.bankCode) &&
  (s.operatorCode === undefined || s.operatorCode === d.operatorCode);

const link = (d: { walletId: string; bankCode: string; accountId: string }) =>
  `${d.walletId}\u0000${d.bankCode}\u0000${d.accountId}`;

export const rulesHold: Invariant = {
  name: 'rules',
  statement:
    'no charge while a stop naming its bank, operator or both (or neither) is in force, none from an unlinked account, a locked wallet or one that needs eKYC; no link while a suspension naming its bank, operator or both (or neither) is in force, or without the factors its bank (and operator) requires; no purchase from a locked wallet',
  check({ history: h }) {
    const model = new RulesModel(h.policies);
    for (const e of inWorldOrder(h.events)) {
      const problem = model.step(e);
      if (problem !== undefined) return `${problem} (${where(e, h.zone)})`;
    }
    return undefined;
  },
};
