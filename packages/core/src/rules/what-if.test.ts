import type { StoredEvent } from '../events/types';
import { incidentProjection, incidentReport } from '../projections/incident';
import { Fold } from '../projections/projection';
import { AUTH_POLICIES, type Command } from './commands';
import { runCommands } from './run';
import { changeControls, damageAvoided } from './what-if';

const ZONE = 'Asia/Tokyo';
const at = (iso: string) => Date.parse(iso);
const DAY = 86_400_000;

/** Two victims at two banks: each wallet opened, linked, charged twice a day apart, reported. */
function attacks(): Command[] {
  return ['BANK-A', 'BANK-B'].flatMap((bankCode, v): Command[] => {
    const walletId = `W${v}`;
    const accountId = `A${v}`;
    const t = at('2020-09-01T10:00:00+09:00') + v * DAY;
    return [
      { type: 'OpenWallet', key: `${v}/open`, at: t, walletId, openedBy: 'third-party' },
      {
        type: 'LinkBankAccount',
        key: `${v}/link`,
        at: t + 60_000,
        walletId,
        bankCode,
        accountId,
        factors: [...AUTH_POLICIES.weak],
      },
      {
        type: 'Charge',
        key: `${v}/charge-1`,
        at: t + 2 * 60_000,
        walletId,
        bankCode,
        accountId,
        amountYen: 100_000,
      },
      {
        type: 'Charge',
        key: `${v}/charge-2`,
        at: t + DAY,
        walletId,
        bankCode,
        accountId,
        amountYen: 50_000,
      },
      {
        type: 'ReportCase',
        key: `${v}/report`,
        at: t + 5 * DAY,
        caseId: `C${v}`,
        bankCode,
        accountId,
        status: 'confirmed',
      },
    ];
  });
}
const suspended: Command = {
  type: 'SuspendLinking',
  key: 'suspend',
  at: at('2020-09-10T00:00:00+09:00'),
  reason: 'recorded',
};

function damage(commands: Command[], reactions = changeControls([], {}, ZONE).reactions) {
  const ledger = runCommands(commands, { namespace: 'w', reactions });
  const fold = new Fold(incidentProjection(ZONE)).apply(
    ledger.events.map(
      (e, i) => ({ ...e, revision: i, globalPosition: i + 1, hash: '' }) as StoredEvent,
    ),
  );
  return incidentReport(fold.state);
}

describe('changeControls', () => {
  it('an earlier suspension replaces the recorded one, and says what it replaced', () => {
    const changed = changeControls(
      [...attacks(), suspended],
      { suspendLinkingAt: at('2020-09-02T00:00:00+09:00') },
      ZONE,
    );
    expect(changed.commands.filter((c) => c.type === 'SuspendLinking').map((c) => c.at)).toEqual([
      at('2020-09-02T00:00:00+09:00'),
    ]);
    expect(changed.described).toEqual([
      'new linking suspended at 2020-09-02T00:00:00+09:00 (instead of 2020-09-10T00:00:00+09:00)',
    ]);
    const { byBank, total } = damageAvoided(
      damage([...attacks(), suspended]),
      damage(changed.commands),
    );
    // BANK-B's victim linked on 09-02 10:01, after the earlier suspension: all of it avoided.
    expect(byBank).toEqual([
      { bankCode: 'BANK-A', baselineYen: 150_000, counterfactualYen: 150_000, avoidedYen: 0 },
      { bankCode: 'BANK-B', baselineYen: 150_000, counterfactualYen: 0, avoidedYen: 150_000 },
    ]);
    expect(total).toEqual({
      bankCode: 'total',
      baselineYen: 300_000,
      counterfactualYen: 150_000,
      avoidedYen: 150_000,
    });
  });
  it("one operator's earlier suspension replaces its own, and keeps the others'", () => {
    // The two victims' links go through two services; each service suspends on its own date.
    const through = (c: Command): Command =>
      c.type === 'LinkBankAccount' || c.type === 'Charge' || c.type === 'ReportCase'
        ? { ...c, operatorCode: c.bankCode === 'BANK-A' ? 'kyash' : 'paypay' }
        : c;
    const own = (operatorCode: string, iso: string): Command => ({
      type: 'SuspendLinking',
      key: `suspend/${operatorCode}`,
      at: at(iso),
      reason: 'recorded',
      operatorCode,
    });
    const recorded = [
      ...attacks().map(through),
      own('kyash', '2020-09-10T00:00:00+09:00'),
      own('paypay', '2020-09-11T00:00:00+09:00'),
    ];
    const changed = changeControls(
      recorded,
      { suspendOperatorLinking: [{ operatorCode: 'paypay', at: at('2020-09-02T00:00:00+09:00') }] },
      ZONE,
    );
    expect(changed.described).toEqual([
      'new linking through paypay suspended at 2020-09-02T00:00:00+09:00 (instead of 2020-09-11T00:00:00+09:00)',
    ]);
    expect(
      changed.commands
        .filter((c) => c.type === 'SuspendLinking')
        .map((c) => [c.operatorCode, c.at]),
    ).toEqual([
      ['kyash', at('2020-09-10T00:00:00+09:00')],
      ['paypay', at('2020-09-02T00:00:00+09:00')],
    ]);
    // BANK-B's victim linked through paypay on 09-02 10:01: refused; kyash's link stands.
    const { byBank } = damageAvoided(damage(recorded), damage(changed.commands));
    expect(byBank.map((b) => [b.bankCode, b.avoidedYen])).toEqual([
      ['BANK-A', 0],
      ['BANK-B', 150_000],
    ]);
  });
  it('strong auth at a bank refuses its weak-factor links from the start', () => {
    const changed = changeControls(attacks(), { strongAuth: ['BANK-A'] }, ZONE);
    expect(changed.described).toEqual([
      'BANK-A requires an OTP or eKYC besides number, PIN, name and birth date, from the start (instead of weak: never set)',
    ]);
    expect(damage(changed.commands).byBank.map((b) => [b.bankCode, b.damageYen])).toEqual([
      ['BANK-A', 0],
      ['BANK-B', 150_000],
    ]);
  });
  it('a bank stopping charges earlier keeps the charges before the stop', () => {
    const stop = at('2020-09-01T12:00:00+09:00');
    const changed = changeControls(
      attacks(),
      { stopCharges: [{ bankCode: 'BANK-A', at: stop }] },
      ZONE,
    );
    expect(changed.described).toEqual([
      'BANK-A stops charges at 2020-09-01T12:00:00+09:00 (instead of never)',
    ]);
    expect(damage(changed.commands).byBank.find((b) => b.bankCode === 'BANK-A')?.damageYen).toBe(
      100_000,
    );
  });
  it('locking a wallet on its n-th charge blocks the charges after it; several changes combine', () => {
    const changed = changeControls(
      attacks(),
      { lockAfterCharges: 1, strongAuth: ['BANK-B'] },
      ZONE,
    );
    expect(changed.described).toEqual([
      'BANK-B requires an OTP or eKYC besides number, PIN, name and birth date, from the start (instead of weak: never set)',
      'the operator locks a wallet on its 1st executed charge (besides the locks already there)',
    ]);
    expect(damage(changed.commands, changed.reactions).damageYen).toBe(100_000);
  });
});
