import {
  decider,
  incidentProjection,
  incidentReport,
  type Projection,
} from '@incident-ledger/core';
import { projectionSpec, rulesSpec, storedHistory, type Fact } from './specs';

/** The specs fail where they should: a wrong expectation, a fold that redelivery changes. */
const account = { walletId: 'W1', bankCode: 'BANK-A', accountId: 'A1' };
const opened: Fact = { type: 'WalletOpened', data: { walletId: 'W1', openedBy: 'third-party' } };
const linked: Fact = {
  type: 'BankAccountLinked',
  data: { ...account, factors: ['account-number', 'pin', 'name', 'birth-date'] },
};
const stopped: Fact = { type: 'BankChargesStopped', data: { bankCode: 'BANK-A' } };
const charge = { type: 'Charge' as const, ...account, amountYen: 1_000 };

describe('rulesSpec', () => {
  const { given } = rulesSpec();

  it('passes what the rules record, and fails anything else', () => {
    given(opened, linked, stopped)
      .when(charge)
      .thenRejects('bank-charges-stopped', {
        type: 'ChargeRejected',
        data: { ...account, amountYen: 1_000, reason: 'bank-charges-stopped' },
      });
    expect(() => given(opened, linked, stopped).when(charge).then()).toThrow(
      /rejected: bank-charges-stopped/,
    );
    expect(() =>
      given(opened, linked)
        .when(charge)
        .then({ type: 'ChargeExecuted', data: { ...account, amountYen: 2 } }),
    ).toThrow();
  });

  it('runs other rules when given them', () => {
    rulesSpec({ decide: decider({ without: ['bank-charges-stopped'] }) })
      .given(opened, linked, stopped)
      .when(charge)
      .then({ type: 'ChargeExecuted', data: { ...account, amountYen: 1_000 } });
  });
});

describe('projectionSpec', () => {
  const events = storedHistory([
    {
      eventId: 'c',
      type: 'ChargeExecuted',
      occurredAt: 1,
      recordedAt: 1,
      data: { ...account, amountYen: 5_000 },
    },
    {
      eventId: 'r',
      type: 'CaseReported',
      occurredAt: 2,
      recordedAt: 2,
      data: { caseId: 'C1', bankCode: 'BANK-A', accountId: 'A1', status: 'confirmed' },
    },
  ]);

  it('gives the view, and checks it against an expectation, as of a cutoff', () => {
    const spec = projectionSpec(
      incidentProjection('Asia/Tokyo'),
      (s) => incidentReport(s).damageYen,
    );
    spec.given(...events).then(5_000);
    spec.given(...events).then(0, 1); // as of 1: the case was not reported yet
    expect(() => spec.given(...events).then(4_999)).toThrow();
  });

  it('passes a fold of its events alone, and fails one that keeps a count outside its state', () => {
    const counting = (evolve: (s: { n: number }) => void): Projection<{ n: number }> => ({
      name: 'counting',
      version: 1,
      init: () => ({ n: 0 }),
      evolve,
    });
    projectionSpec(
      counting((s) => void s.n++),
      (s) => s.n,
    )
      .given(...events)
      .then(2);
    let calls = 0;
    const leaky = counting((s) => void (s.n = ++calls));
    expect(() =>
      projectionSpec(leaky, (s) => s.n)
        .given(...events)
        .view(),
    ).toThrow(/delivered twice/);
  });
});
