import { rulesSpec, type Fact } from '@incident-ledger/testkit';
import type { AuthFactor } from '../events/types';
import { AUTH_POLICIES, type CommandBody } from './commands';
import { decider, type Rejection } from './decide';

/**
 * Given events, when a command, then events (or a rejection): the rules one at a time, with the
 * test kit's spec (testkit's rulesSpec, in the manner of Emmett's DeciderSpecification).
 */
const { given } = rulesSpec();

const WEAK: AuthFactor[] = [...AUTH_POLICIES.weak];
const account = { walletId: 'W1', bankCode: 'BANK-A', accountId: 'ACC-1' };
const opened: Fact = { type: 'WalletOpened', data: { walletId: 'W1', openedBy: 'third-party' } };
const linked: Fact = { type: 'BankAccountLinked', data: { ...account, factors: WEAK } };
const charged = (amountYen: number): Fact => ({
  type: 'ChargeExecuted',
  data: { ...account, amountYen },
});
const link = (factors: AuthFactor[] = WEAK): CommandBody => ({
  type: 'LinkBankAccount',
  ...account,
  factors,
});
const charge = (amountYen: number): CommandBody => ({ type: 'Charge', ...account, amountYen });
const purchase = (amountYen: number): CommandBody => ({
  type: 'Purchase',
  walletId: 'W1',
  amountYen,
  merchantCategory: 'convenience-store:cigarettes',
});
const linkRejected = (reason: Rejection, factors: AuthFactor[] = WEAK): Fact => ({
  type: 'BankLinkRejected',
  data: { ...account, factors, reason },
});
const chargeRejected = (amountYen: number, reason: Rejection): Fact => ({
  type: 'ChargeRejected',
  data: { ...account, amountYen, reason },
});
const purchaseRejected = (amountYen: number, reason: Rejection): Fact => ({
  type: 'PurchaseRejected',
  data: { walletId: 'W1', amountYen, merchantCategory: 'convenience-store:cigarettes', reason },
});

describe('rules: opening a wallet', () => {
  it('opens a wallet under a new id', () => {
    given().when({ type: 'OpenWallet', walletId: 'W1', openedBy: 'third-party' }).then(opened);
  });
  it('refuses an id already in use, without an event (there is no rejection event for openings)', () => {
    given(opened)
      .when({ type: 'OpenWallet', walletId: 'W1', openedBy: 'holder' })
      .thenRejects('wallet-exists');
  });
});

describe('rules: linking a bank account', () => {
  it('a weak bank links with account number, PIN, name and birth date (the 2020 banks)', () => {
    given(opened).when(link()).then(linked);
  });
  it('a weak bank refuses a link missing any of them, and records the attempt', () => {
    const noPin: AuthFactor[] = ['account-number', 'name', 'birth-date'];
    given(opened)
      .when(link(noPin))
      .thenRejects('missing-factors', linkRejected('missing-factors', noPin));
  });
  it('a strong bank also needs an OTP or eKYC: either one is enough', () => {
    const strong: Fact = {
      type: 'BankLinkPolicySet',
      data: { bankCode: 'BANK-A', requiredFactors: [...AUTH_POLICIES.strong] },
    };
    given(opened, strong)
      .when(link())
      .thenRejects('missing-factors', linkRejected('missing-factors'));
    given(opened, strong)
      .when(link([...WEAK, 'otp']))
      .then({ type: 'BankAccountLinked', data: { ...account, factors: [...WEAK, 'otp'] } });
    given(opened, strong)
      .when(link([...WEAK, 'ekyc']))
      .then({ type: 'BankAccountLinked', data: { ...account, factors: [...WEAK, 'ekyc'] } });
  });
  it('no new link while new linking is suspended; links again once resumed', () => {
    const suspended: Fact = { type: 'NewLinkingSuspended', data: { reason: 'attacks' } };
    given(opened, suspended)
      .when(link())
      .thenRejects('linking-suspended', linkRejected('linking-suspended'));
    given(opened, suspended, { type: 'NewLinkingResumed', data: { reason: 'eKYC in place' } })
      .when(link())
      .then(linked);
  });
  it('an account already linked to the wallet needs nothing new, even while linking is suspended', () => {
    given(opened, linked, { type: 'NewLinkingSuspended', data: { reason: 'attacks' } })
      .when(link())
      .then();
  });
  it('refuses a link to an unknown or locked wallet', () => {
    given().when(link()).thenRejects('unknown-wallet', linkRejected('unknown-wallet'));
    given(opened, { type: 'WalletLocked', data: { walletId: 'W1', reason: 'suspicious' } })
      .when(link())
      .thenRejects('wallet-locked', linkRejected('wallet-locked'));
  });
});

describe('rules: charging', () => {
  it('charges from a linked account', () => {
    given(opened, linked).when(charge(50_000)).then(charged(50_000));
  });
  it('no charge from a bank that stopped charges; charges again once it resumes', () => {
    const stopped: Fact = { type: 'BankChargesStopped', data: { bankCode: 'BANK-A' } };
    given(opened, linked, stopped)
      .when(charge(50_000))
      .thenRejects('bank-charges-stopped', chargeRejected(50_000, 'bank-charges-stopped'));
    given(opened, linked, stopped, { type: 'BankChargesResumed', data: { bankCode: 'BANK-A' } })
      .when(charge(50_000))
      .then(charged(50_000));
  });
  it('no charge from an account not linked to this wallet (linked to another is not enough)', () => {
    const other: Fact = {
      type: 'BankAccountLinked',
      data: { ...account, walletId: 'W2', factors: WEAK },
    };
    given(opened, other)
      .when(charge(1_000))
      .thenRejects('account-not-linked', chargeRejected(1_000, 'account-not-linked'));
  });
  it('no charge into a locked wallet', () => {
    given(opened, linked, { type: 'WalletLocked', data: { walletId: 'W1', reason: 'suspicious' } })
      .when(charge(1_000))
      .thenRejects('wallet-locked', chargeRejected(1_000, 'wallet-locked'));
  });
  it('once eKYC is required, no charge until the wallet completes it', () => {
    const required: Fact = { type: 'EkycRequired', data: { reason: 'new charges need eKYC' } };
    given(opened, linked, required)
      .when(charge(1_000))
      .thenRejects('ekyc-required', chargeRejected(1_000, 'ekyc-required'));
    given(opened, linked, required, { type: 'EkycCompleted', data: { walletId: 'W1' } })
      .when(charge(1_000))
      .then(charged(1_000));
  });
  it('refuses a charge of nothing, and any that would take the ledger past exact integers', () => {
    given(opened, linked)
      .when(charge(0))
      .thenRejects('zero-amount', chargeRejected(0, 'zero-amount'));
    given(opened, linked, charged(1))
      .when(charge(Number.MAX_SAFE_INTEGER))
      .thenRejects(
        'amount-unrepresentable',
        chargeRejected(Number.MAX_SAFE_INTEGER, 'amount-unrepresentable'),
      );
    given(opened, linked)
      .when(charge(Number.MAX_SAFE_INTEGER))
      .then(charged(Number.MAX_SAFE_INTEGER));
  });
});

describe('rules: purchasing', () => {
  it('spends up to the balance, not a yen more', () => {
    given(opened, linked, charged(10_000))
      .when(purchase(10_000))
      .then({
        type: 'PurchaseMade',
        data: {
          walletId: 'W1',
          amountYen: 10_000,
          merchantCategory: 'convenience-store:cigarettes',
        },
      });
    given(opened, linked, charged(10_000))
      .when(purchase(10_001))
      .thenRejects('insufficient-balance', purchaseRejected(10_001, 'insufficient-balance'));
  });
  it('no purchase from a locked wallet; eKYC does not block spending what is already charged', () => {
    given(opened, linked, charged(10_000), {
      type: 'WalletLocked',
      data: { walletId: 'W1', reason: 'suspicious' },
    })
      .when(purchase(5_000))
      .thenRejects('wallet-locked', purchaseRejected(5_000, 'wallet-locked'));
    given(opened, linked, charged(10_000), { type: 'EkycRequired', data: { reason: 'eKYC' } })
      .when(purchase(5_000))
      .then({
        type: 'PurchaseMade',
        data: {
          walletId: 'W1',
          amountYen: 5_000,
          merchantCategory: 'convenience-store:cigarettes',
        },
      });
  });
});

describe('rules: controls are idempotent', () => {
  it('locking a locked wallet, suspending a suspended linking, stopping a stopped bank record nothing', () => {
    given(opened, { type: 'WalletLocked', data: { walletId: 'W1', reason: 'x' } })
      .when({ type: 'LockWallet', walletId: 'W1', reason: 'again' })
      .then();
    given({ type: 'NewLinkingSuspended', data: { reason: 'x' } })
      .when({ type: 'SuspendLinking', reason: 'again' })
      .then();
    given().when({ type: 'ResumeLinking', reason: 'not suspended' }).then();
    given({ type: 'BankChargesStopped', data: { bankCode: 'BANK-A' } })
      .when({ type: 'StopCharges', bankCode: 'BANK-A' })
      .then();
    given().when({ type: 'ResumeCharges', bankCode: 'BANK-A' }).then();
    given({ type: 'EkycRequired', data: { reason: 'x' } })
      .when({ type: 'RequireEkyc', reason: 'again' })
      .then();
  });
  it('refuses to lock or verify a wallet that does not exist', () => {
    given().when({ type: 'LockWallet', walletId: 'W1', reason: 'x' }).thenRejects('unknown-wallet');
    given().when({ type: 'CompleteEkyc', walletId: 'W1' }).thenRejects('unknown-wallet');
  });
  it('sets a link policy once; the same policy again records nothing', () => {
    const policy = { bankCode: 'BANK-A', requiredFactors: [...AUTH_POLICIES.strong] };
    given()
      .when({ type: 'SetLinkPolicy', ...policy })
      .then({ type: 'BankLinkPolicySet', data: policy });
    given({ type: 'BankLinkPolicySet', data: policy })
      .when({ type: 'SetLinkPolicy', ...policy })
      .then();
  });
});

describe('rules: cases and compensation', () => {
  const reported: Fact = {
    type: 'CaseReported',
    data: { caseId: 'C1', ...account, status: 'confirmed' },
  };
  const { walletId: _, ...caseAccount } = account;
  it('reports a case once; a second report of the same case is refused (reclassify it instead)', () => {
    given()
      .when({ type: 'ReportCase', caseId: 'C1', ...caseAccount, status: 'suspected' })
      .then({ type: 'CaseReported', data: { caseId: 'C1', ...caseAccount, status: 'suspected' } });
    given(reported)
      .when({ type: 'ReportCase', caseId: 'C1', ...caseAccount, status: 'confirmed' })
      .thenRejects('case-exists');
  });
  it('reclassifies a known case; the same status records nothing', () => {
    given(reported)
      .when({ type: 'ReclassifyCase', caseId: 'C1', status: 'excluded-own-use', reason: 'holder' })
      .then({
        type: 'CaseReclassified',
        data: { caseId: 'C1', status: 'excluded-own-use', reason: 'holder' },
      });
    given(reported)
      .when({ type: 'ReclassifyCase', caseId: 'C1', status: 'confirmed', reason: 'again' })
      .then();
    given()
      .when({ type: 'ReclassifyCase', caseId: 'C1', status: 'confirmed', reason: 'x' })
      .thenRejects('unknown-case');
  });
  it("compensates up to what was charged from the case's account", () => {
    const history = [opened, linked, charged(30_000), reported];
    given(...history)
      .when({ type: 'Compensate', caseId: 'C1', amountYen: 30_000, paidBy: 'operator' })
      .then({
        type: 'CompensationPaid',
        data: { caseId: 'C1', amountYen: 30_000, paidBy: 'operator' },
      });
    given(...history, {
      type: 'CompensationPaid',
      data: { caseId: 'C1', amountYen: 20_000, paidBy: 'bank' },
    })
      .when({ type: 'Compensate', caseId: 'C1', amountYen: 10_001, paidBy: 'operator' })
      .thenRejects('exceeds-charged');
    given()
      .when({ type: 'Compensate', caseId: 'C1', amountYen: 1, paidBy: 'operator' })
      .thenRejects('unknown-case');
  });
});

describe('decider: rules can be left out, one by one', () => {
  it('without bank-charges-stopped, a stopped bank is charged (what the fuzzer must catch)', () => {
    const broken = decider({ without: ['bank-charges-stopped'] });
    given(opened, linked, { type: 'BankChargesStopped', data: { bankCode: 'BANK-A' } })
      .when(charge(1_000), broken)
      .then(charged(1_000));
  });
});
