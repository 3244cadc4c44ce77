import type { IncidentReport } from '../projections/incident';
import { formatInstant } from '../time/instant';
import { AUTH_POLICIES, type Command, type SetLinkPolicy } from './commands';
import type { Reaction } from './run';

/**
 * What-if: the same attempts through the rules under other controls. Each change replaces what
 * the attempts' own controls say about the same thing (an earlier suspension replaces the
 * recorded one, it does not add a second), so a run changes exactly what it says it changes.
 */
export interface ControlChanges {
  /** All new linking suspended at this time, instead of the suspensions naming no bank or operator. */
  suspendLinkingAt?: number;
  /** One operator's new linking suspended at a time, instead of the suspensions naming it alone. */
  suspendOperatorLinking?: readonly { operatorCode: string; at: number }[];
  /** Banks that require an OTP or eKYC besides number, PIN, name and birth date, from the start. */
  strongAuth?: readonly string[];
  stopCharges?: readonly { bankCode: string; at: number }[];
  /** The operator locks a wallet on its n-th executed charge. */
  lockAfterCharges?: number;
}

export interface ChangedControls {
  commands: Command[];
  reactions: Reaction[];
  /** One line per change, saying what it replaced. */
  described: string[];
}

export function changeControls(
  commands: readonly Command[],
  changes: ControlChanges,
  zone: string,
): ChangedControls {
  const at = (ms: number) => formatInstant(ms, zone);
  const instead = (times: number[]) =>
    `instead of ${times.length === 0 ? 'never' : times.map(at).join(', ')}`;
  let out = [...commands];
  const described: string[] = [];
  const reactions: Reaction[] = [];

  const suspend = (t: number, operatorCode: string | undefined) => {
    const same = (c: Command) =>
      c.type === 'SuspendLinking' && c.bankCode === undefined && c.operatorCode === operatorCode;
    const was = out.filter(same).map((c) => c.at);
    out = out.filter((c) => !same(c));
    out.push({
      type: 'SuspendLinking',
      key: `what-if/suspend-linking${operatorCode === undefined ? '' : `/${operatorCode}`}`,
      at: t,
      reason: 'what-if',
      ...(operatorCode !== undefined && { operatorCode }),
    });
    const through = operatorCode === undefined ? '' : ` through ${operatorCode}`;
    described.push(`new linking${through} suspended at ${at(t)} (${instead(was)})`);
  };
  if (changes.suspendLinkingAt !== undefined) suspend(changes.suspendLinkingAt, undefined);
  for (const { operatorCode, at: t } of changes.suspendOperatorLinking ?? [])
    suspend(t, operatorCode);
  const start = commands.reduce((t, c) => Math.min(t, c.at), Number.POSITIVE_INFINITY);
  for (const bankCode of changes.strongAuth ?? []) {
    const isPolicy = (c: Command): c is SetLinkPolicy =>
      c.type === 'SetLinkPolicy' && c.bankCode === bankCode;
    const was = out.filter(isPolicy);
    out = out.filter((c) => !isPolicy(c));
    out.push({
      type: 'SetLinkPolicy',
      key: `what-if/strong-auth/${bankCode}`,
      at: start,
      bankCode,
      requiredFactors: [...AUTH_POLICIES.strong],
    });
    const before =
      was.length === 0
        ? 'weak: never set'
        : was.map((c) => c.requiredFactors.join('+')).join(', then ');
    described.push(
      `${bankCode} requires an OTP or eKYC besides number, PIN, name and birth date, from the start (instead of ${before})`,
    );
  }
  for (const { bankCode, at: t } of changes.stopCharges ?? []) {
    const was = out
      .filter((c) => c.type === 'StopCharges' && c.bankCode === bankCode)
      .map((c) => c.at);
    out = out.filter((c) => !(c.type === 'StopCharges' && c.bankCode === bankCode));
    out.push({ type: 'StopCharges', key: `what-if/stop-charges/${bankCode}`, at: t, bankCode });
    described.push(`${bankCode} stops charges at ${at(t)} (${instead(was)})`);
  }
  if (changes.lockAfterCharges !== undefined) {
    reactions.push(lockAfter(changes.lockAfterCharges));
    described.push(
      `the operator locks a wallet on its ${ordinal(changes.lockAfterCharges)} executed charge (besides the locks already there)`,
    );
  }
  return { commands: out, reactions, described };
}

/** Locks a wallet the moment its n-th charge is executed. Counts per run: make one per run. */
function lockAfter(n: number): Reaction {
  const charges = new Map<string, number>();
  return (e) => {
    if (e.type !== 'ChargeExecuted') return [];
    const walletId = (e.data as { walletId: string }).walletId;
    const count = (charges.get(walletId) ?? 0) + 1;
    charges.set(walletId, count);
    if (count !== n) return [];
    return [
      {
        type: 'LockWallet',
        key: `what-if/lock-after/${walletId}`,
        at: e.occurredAt,
        walletId,
        reason: `what-if: locked on its ${ordinal(n)} charge`,
      },
    ];
  };
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

export interface DamageRow {
  bankCode: string;
  baselineYen: number;
  counterfactualYen: number;
  avoidedYen: number;
}

export interface OperatorDamageRow {
  operatorCode: string;
  baselineYen: number;
  counterfactualYen: number;
  avoidedYen: number;
}

/**
 * Damage per bank and per operator (charged through it, over every bank) with and without the
 * changes, and the total: banks and operators with damage in either run.
 */
export function damageAvoided(
  baseline: IncidentReport,
  counterfactual: IncidentReport,
): { byBank: DamageRow[]; byOperator: OperatorDamageRow[]; total: DamageRow } {
  const operators = [
    ...new Set(
      [...baseline.byBankOperator, ...counterfactual.byBankOperator].map((r) => r.operatorCode),
    ),
  ].sort();
  const through = (r: IncidentReport, operatorCode: string) =>
    r.byBankOperator
      .filter((b) => b.operatorCode === operatorCode)
      .reduce((n, b) => n + b.damageYen, 0);
  const banks = [
    ...new Set([...baseline.byBank, ...counterfactual.byBank].map((b) => b.bankCode)),
  ].sort();
  const damage = (r: IncidentReport, bankCode: string) =>
    r.byBank.find((b) => b.bankCode === bankCode)?.damageYen ?? 0;
  const row = (bankCode: string, baselineYen: number, counterfactualYen: number) => ({
    bankCode,
    baselineYen,
    counterfactualYen,
    avoidedYen: baselineYen - counterfactualYen,
  });
  return {
    byBank: banks.map((b) => row(b, damage(baseline, b), damage(counterfactual, b))),
    byOperator: operators.map((operatorCode) => {
      const [baselineYen, counterfactualYen] = [
        through(baseline, operatorCode),
        through(counterfactual, operatorCode),
      ];
      return {
        operatorCode,
        baselineYen,
        counterfactualYen,
        avoidedYen: baselineYen - counterfactualYen,
      };
    }),
    total: row('total', baseline.damageYen, counterfactual.damageYen),
  };
}
