import {
  attemptsOf,
  AUTH_POLICIES,
  KNOWLEDGE_FACTORS,
  Rng,
  SECOND_FACTORS,
  type AuthFactor,
  type Command,
  type EventDataMap,
  type LedgerEvent,
  type Reaction,
} from '@incident-ledger/core';
import type { Scenario } from './scenario';
import type { Range, Simulation } from './simulation';

/** What a simulation runs: the commands known in advance, and the reactions that send the rest. */
export interface AttackPlan {
  /**
   * Event ids are nameUuid(`${namespace}/${key}`): the same scenario and seed give the same ids.
   */
  namespace: string;
  commands: Command[];
  /** Fresh reactions for one run: attackers, victims and the operator, each following its plan. */
  reactions(): Reaction[];
  victims: number;
}

interface VictimPlan {
  key: string;
  walletId: string;
  bankCode: string;
  accountId: string;
  caseId: string;
  attempts: { afterMinutes: number; factors: AuthFactor[] }[];
  charges: {
    afterMinutes: number;
    amountYen: number;
    spendYen: number;
    spendAfterMinutes: number;
    merchantCategory: string;
  }[];
  reportAfterHours: number;
  lockAfterHours: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The seeded attack generator. Everything random is drawn up front, victim by victim, in a fixed
 * order, so the same seed gives the same intentions whatever the controls make of them: under
 * other controls (what-if) the same attackers try the same things. The run itself follows the
 * outcomes: an attacker retries a refused link while attempts remain, charges only a linked
 * account and stops at the first refused charge; a victim reports after the first charge; the
 * operator locks the wallet after the report. Targeted, not mass: a few attempts per victim.
 */
export function planAttacks(scenario: Scenario, sim: Simulation, seed: number): AttackPlan {
  const rng = new Rng(seed);
  const a = sim.attack;
  const draw = (r: Range) => rng.int(r.min, r.max);
  const chance = (percent: number) => rng.int(1, 100) <= percent;
  const commands = bankPolicies(scenario, Math.min(...a.waves.map((w) => w.from)));
  sim.controls.forEach((c, i) => commands.push(controlCommand(c, `control-${i + 1}`)));

  const victims: VictimPlan[] = [];
  for (const { bankCode, count } of sim.victims) {
    for (let v = 0; v < count; v++) {
      const n = String(victims.length + 1).padStart(4, '0');
      let pick = rng.int(1, 100);
      const wave = a.waves.find((w) => (pick -= w.percent) <= 0)!;
      const openedAt =
        wave.from + rng.int(0, Math.floor((wave.to - wave.from) / MINUTE) - 1) * MINUTE;
      const attempts = Array.from({ length: draw(a.linkAttempts) }, () => {
        const known = chance(a.knowsCredentialsPercent)
          ? [...KNOWLEDGE_FACTORS]
          : dropOne([...KNOWLEDGE_FACTORS], rng);
        return {
          afterMinutes: draw(a.minutesBetweenAttempts),
          factors: chance(a.hasSecondFactorPercent) ? [...known, rng.pick(SECOND_FACTORS)] : known,
        };
      });
      const charges = Array.from({ length: draw(a.chargesPerAccount) }, () => {
        const amountYen =
          a.chargeYen.min +
          a.chargeYen.step *
            rng.int(0, Math.floor((a.chargeYen.max - a.chargeYen.min) / a.chargeYen.step));
        return {
          afterMinutes: draw(a.minutesBetweenCharges),
          amountYen,
          // Most of each charge is spent soon after, to the hundred yen.
          spendYen: Math.floor((amountYen * draw(a.spendPercent)) / 100 / 100) * 100,
          spendAfterMinutes: draw(a.minutesToSpend),
          merchantCategory: rng.pick(a.merchants),
        };
      });
      const plan = {
        key: `V${n}`,
        walletId: `sim-W${n}`,
        bankCode,
        accountId: `sim-ACC-${n}`,
        caseId: `sim-C${n}`,
        attempts,
        charges,
        reportAfterHours: draw(sim.reportAfterHours),
        lockAfterHours: draw(sim.lockAfterHours),
      };
      victims.push(plan);
      commands.push({
        type: 'OpenWallet',
        key: `${plan.key}/open`,
        at: openedAt,
        walletId: plan.walletId,
        openedBy: 'third-party',
      });
    }
  }
  return {
    namespace: `${scenario.id}/simulation/seed-${seed}`,
    commands,
    reactions: () => [followPlans(victims)],
    victims: victims.length,
  };
}

/** Each declared bank's auth policy (scenario.yaml), set at `at`: what the rules start from. */
function bankPolicies(scenario: Scenario, at: number): Command[] {
  return scenario.banks.map((b) => ({
    type: 'SetLinkPolicy',
    key: `policy/${b.code}`,
    at,
    bankCode: b.code,
    requiredFactors: [...AUTH_POLICIES[b.auth]],
  }));
}

/**
 * The attacks a scenario records, as commands: its banks' policies, then every recorded attempt,
 * control, report and lock (core's attemptsOf), each at the time it occurred.
 */
export function recordedAttempts(scenario: Scenario): Command[] {
  const attempts = attemptsOf(scenario.events);
  return [
    ...bankPolicies(
      scenario,
      attempts.reduce((t, c) => Math.min(t, c.at), Number.POSITIVE_INFINITY),
    ),
    ...attempts,
  ];
}

function dropOne(factors: AuthFactor[], rng: Rng): AuthFactor[] {
  const wrong = rng.int(0, factors.length - 1);
  return factors.filter((_, i) => i !== wrong);
}

function controlCommand(c: Simulation['controls'][number], key: string): Command {
  const base = { key, at: c.at };
  switch (c.control) {
    case 'suspend-linking':
      return { ...base, type: 'SuspendLinking', reason: c.reason };
    case 'resume-linking':
      return { ...base, type: 'ResumeLinking', reason: c.reason };
    case 'stop-charges':
      return { ...base, type: 'StopCharges', bankCode: c.bank! };
    case 'resume-charges':
      return { ...base, type: 'ResumeCharges', bankCode: c.bank! };
    case 'require-ekyc':
      return { ...base, type: 'RequireEkyc', reason: c.reason };
  }
}

/** Attackers, victims and the operator, each acting on what happened to its own wallet or case. */
function followPlans(victims: readonly VictimPlan[]): Reaction {
  const byWallet = new Map(victims.map((v) => [v.walletId, v]));
  const byCase = new Map(victims.map((v) => [v.caseId, v]));
  const attemptsMade = new Map<string, number>();
  const chargesMade = new Map<string, number>();
  return (e: LedgerEvent) => {
    const t = e.occurredAt;
    const data = e.data as Partial<EventDataMap['ChargeExecuted'] & EventDataMap['CaseReported']>;
    const v = e.type === 'CaseReported' ? byCase.get(data.caseId!) : byWallet.get(data.walletId!);
    if (v === undefined) return [];
    const linkAttempt = (i: number): Command[] => {
      const attempt = v.attempts[i];
      if (attempt === undefined) return [];
      attemptsMade.set(v.walletId, i + 1);
      const { walletId, bankCode, accountId } = v;
      return [
        {
          type: 'LinkBankAccount',
          key: `${v.key}/link-${i + 1}`,
          at: t + attempt.afterMinutes * MINUTE,
          walletId,
          bankCode,
          accountId,
          factors: attempt.factors,
        },
      ];
    };
    const charge = (i: number): Command[] => {
      const c = v.charges[i];
      if (c === undefined) return [];
      const { walletId, bankCode, accountId } = v;
      return [
        {
          type: 'Charge',
          key: `${v.key}/charge-${i + 1}`,
          at: t + c.afterMinutes * MINUTE,
          walletId,
          bankCode,
          accountId,
          amountYen: c.amountYen,
        },
      ];
    };
    switch (e.type) {
      case 'WalletOpened':
        return linkAttempt(0);
      case 'BankLinkRejected':
        return linkAttempt(attemptsMade.get(v.walletId) ?? 0);
      case 'BankAccountLinked':
        return charge(0);
      case 'ChargeExecuted': {
        const i = chargesMade.get(v.walletId) ?? 0;
        chargesMade.set(v.walletId, i + 1);
        const c = v.charges[i];
        if (c === undefined) return [];
        const out: Command[] = charge(i + 1);
        if (c.spendYen > 0) {
          out.push({
            type: 'Purchase',
            key: `${v.key}/purchase-${i + 1}`,
            at: t + c.spendAfterMinutes * MINUTE,
            walletId: v.walletId,
            amountYen: c.spendYen,
            merchantCategory: c.merchantCategory,
          });
        }
        if (i === 0) {
          out.push({
            type: 'ReportCase',
            key: `${v.key}/report`,
            at: t + v.reportAfterHours * HOUR,
            caseId: v.caseId,
            bankCode: v.bankCode,
            accountId: v.accountId,
            status: 'confirmed',
          });
        }
        return out;
      }
      case 'CaseReported':
        return [
          {
            type: 'LockWallet',
            key: `${v.key}/lock`,
            at: t + v.lockAfterHours * HOUR,
            walletId: v.walletId,
            reason: 'suspected unauthorized use',
          },
        ];
      default:
        return [];
    }
  };
}
