import { rulesSpec, type Fact } from '@incident-ledger/testkit';
import type { AuthFactor } from '../events/types';
import { AUTH_POLICIES, type CommandBody } from './commands';

/**
 * Controls per link: a suspension, a charge stop or a policy names a bank, an operator, the pair,
 * or neither, and refuses exactly the links and charges it applies to.
 */
const { given } = rulesSpec();

const WEAK: AuthFactor[] = [...AUTH_POLICIES.weak];
const opened: Fact = { type: 'WalletOpened', data: { walletId: 'W1', openedBy: 'third-party' } };
const at = (bankCode: string, operatorCode?: string) => ({
  walletId: 'W1',
  bankCode,
  accountId: 'ACC-1',
  ...(operatorCode !== undefined && { operatorCode }),
});
const link = (bankCode: string, operatorCode?: string): CommandBody => ({
  type: 'LinkBankAccount',
  ...at(bankCode, operatorCode),
  factors: WEAK,
});
const linked = (bankCode: string, operatorCode?: string): Fact => ({
  type: 'BankAccountLinked',
  data: { ...at(bankCode, operatorCode), factors: WEAK },
});
const suspended = (scope: { bankCode?: string; operatorCode?: string }): Fact => ({
  type: 'NewLinkingSuspended',
  data: { reason: 'r', ...scope },
});
const linkRefused = (bankCode: string, operatorCode: string, reason: string): Fact => ({
  type: 'BankLinkRejected',
  data: { ...at(bankCode, operatorCode), factors: WEAK, reason },
});
const charge = (bankCode: string, operatorCode?: string): CommandBody => ({
  type: 'Charge',
  ...at(bankCode, operatorCode),
  amountYen: 30_000,
});

const chargeRefused = (bankCode: string, operatorCode: string): Fact => ({
  type: 'ChargeRejected',
  data: { ...at(bankCode, operatorCode), amountYen: 30_000, reason: 'bank-charges-stopped' },
});

describe('rules: controls per bank, operator and pair', () => {
  it("one operator's suspension refuses its links only, at any bank", () => {
    const yucho = given(opened, suspended({ operatorCode: 'kyash' }));
    yucho
      .when(link('yucho', 'kyash'))
      .thenRejects('linking-suspended', linkRefused('yucho', 'kyash', 'linking-suspended'));
    yucho
      .when(link('other', 'kyash'))
      .thenRejects('linking-suspended', linkRefused('other', 'kyash', 'linking-suspended'));
    yucho.when(link('yucho', 'paypay')).then(linked('yucho', 'paypay'));
    // A link naming no operator (a scenario of one) is not that operator's.
    yucho.when(link('yucho')).then(linked('yucho'));
  });

  it("a bank's suspension refuses its links through every operator; a pair's that pair only", () => {
    given(opened, suspended({ bankCode: 'yucho' }))
      .when(link('yucho', 'paypay'))
      .thenRejects('linking-suspended', linkRefused('yucho', 'paypay', 'linking-suspended'));
    const pair = given(opened, suspended({ bankCode: 'yucho', operatorCode: 'paypay' }));
    pair
      .when(link('yucho', 'paypay'))
      .thenRejects('linking-suspended', linkRefused('yucho', 'paypay', 'linking-suspended'));
    pair.when(link('yucho', 'kyash')).then(linked('yucho', 'kyash'));
    pair.when(link('other', 'paypay')).then(linked('other', 'paypay'));
  });

  it('a second suspension for another operator is its own, and resumes on its own', () => {
    const two = given(
      opened,
      suspended({ operatorCode: 'kyash' }),
      suspended({ operatorCode: 'paypay' }),
      { type: 'NewLinkingResumed', data: { reason: 'r', operatorCode: 'kyash' } },
    );
    two.when(link('yucho', 'kyash')).then(linked('yucho', 'kyash'));
    two
      .when(link('yucho', 'paypay'))
      .thenRejects('linking-suspended', linkRefused('yucho', 'paypay', 'linking-suspended'));
    // Suspending a scope already suspended records nothing.
    two.when({ type: 'SuspendLinking', reason: 'r', operatorCode: 'paypay' }).then();
    two
      .when({ type: 'SuspendLinking', reason: 'r', operatorCode: 'kyash' })
      .then(suspended({ operatorCode: 'kyash' }));
  });

  it("a pair's charge stop refuses charges through that operator; the bank's through all", () => {
    const pairStopped = given(opened, linked('yucho', 'paypay'), linked('yucho', 'kyash'), {
      type: 'BankChargesStopped',
      data: { bankCode: 'yucho', operatorCode: 'paypay' },
    });
    pairStopped
      .when(charge('yucho', 'paypay'))
      .thenRejects('bank-charges-stopped', chargeRefused('yucho', 'paypay'));
    pairStopped.when(charge('yucho', 'kyash')).then({
      type: 'ChargeExecuted',
      data: { ...at('yucho', 'kyash'), amountYen: 30_000 },
    });
    given(opened, linked('yucho', 'kyash'), {
      type: 'BankChargesStopped',
      data: { bankCode: 'yucho' },
    })
      .when(charge('yucho', 'kyash'))
      .thenRejects('bank-charges-stopped', chargeRefused('yucho', 'kyash'));
  });

  it("an operator's charge stop refuses its charges from every bank, and resumes on its own", () => {
    const stopped = given(opened, linked('yucho', 'paypay'), linked('yucho', 'kyash'), {
      type: 'BankChargesStopped',
      data: { operatorCode: 'paypay' },
    });
    stopped
      .when(charge('yucho', 'paypay'))
      .thenRejects('bank-charges-stopped', chargeRefused('yucho', 'paypay'));
    stopped.when(charge('yucho', 'kyash')).then({
      type: 'ChargeExecuted',
      data: { ...at('yucho', 'kyash'), amountYen: 30_000 },
    });
    given(opened, linked('yucho', 'paypay'))
      .when({ type: 'StopCharges', operatorCode: 'paypay' })
      .then({ type: 'BankChargesStopped', data: { operatorCode: 'paypay' } });
  });

  it("a pair's policy overrides the bank's for that operator only", () => {
    const strong: AuthFactor[] = [...AUTH_POLICIES.strong];
    const policies = given(
      opened,
      { type: 'BankLinkPolicySet', data: { bankCode: 'yucho', requiredFactors: strong } },
      {
        type: 'BankLinkPolicySet',
        data: { bankCode: 'yucho', operatorCode: 'paypay', requiredFactors: WEAK },
      },
    );
    policies.when(link('yucho', 'paypay')).then(linked('yucho', 'paypay'));
    policies
      .when(link('yucho', 'kyash'))
      .thenRejects('missing-factors', linkRefused('yucho', 'kyash', 'missing-factors'));
  });
});
