import { CASE_STATUSES } from '../../events/types';
import { shareOf } from '../../money/yen';
import { DayCalendar } from '../../time/calendar';
import { forEachEntry } from '../lists';
import { add, statusOf, type CasesState } from './cases';
import { countsStatus } from './codes';
import type { ControlsState, Suspension } from './controls';
import type { SpendingState } from './spending';
import {
  byBankThenOperator,
  byBankThenStatus,
  byReportTime,
  byText,
  type BankOperatorRow,
  type BankRow,
  type BankStatusRow,
  type IncidentReport,
} from './types';

/** The incident's state: one state per part (projection.ts). */
export interface IncidentState {
  cases: CasesState;
  spending: SpendingState;
  controls: ControlsState;
}

/**
 * Damage as the report lists it, by key, unsorted and unnamed: the total, and the banks with cases
 * or damage, the days and the bank-days with damage. Cheap enough to take after every step of a
 * fold (the invariants sum it at every as-of time); incidentReport names and sorts the same rows.
 */
export interface IncidentDamage {
  damageYen: number;
  byBank: { bank: number; cases: number; damageYen: number }[];
  byDay: { day: number; damageYen: number }[];
  byBankDay: { bank: number; day: number; damageYen: number }[];
  /** Charged through each operator, per bank: at most the bank's damage (charges may name none). */
  byBankOperator: { bank: number; operator: number; damageYen: number }[];
}

export function incidentDamage(s: CasesState): IncidentDamage {
  const cases = s.banks.cols.cases;
  const byBank: IncidentDamage['byBank'] = [];
  for (let bank = 0; bank < s.banks.size; bank++) {
    const damageYen = s.bankDamage.get(bank) ?? 0;
    if (cases[bank]! > 0 || damageYen > 0) byBank.push({ bank, cases: cases[bank]!, damageYen });
  }
  const byDay: IncidentDamage['byDay'] = [];
  for (const [day, damageYen] of s.dayDamage) if (damageYen !== 0) byDay.push({ day, damageYen });
  const byBankDay: IncidentDamage['byBankDay'] = [];
  for (const [bank, days] of s.bankDayDamage)
    for (const [day, damageYen] of days)
      if (damageYen !== 0) byBankDay.push({ bank, day, damageYen });
  const byBankOperator: IncidentDamage['byBankOperator'] = [];
  for (const [bank, operators] of s.bankOperatorDamage)
    for (const [operator, damageYen] of operators)
      if (damageYen !== 0) byBankOperator.push({ bank, operator, damageYen });
  return { damageYen: s.damageYen, byBank, byDay, byBankDay, byBankOperator };
}

/** The counted cases, in the order their first report was folded. */
export function countedCases(s: CasesState): number[] {
  const counted: number[] = [];
  for (let i = 0; i < s.reportOrder.size; i++) {
    const c = s.reportOrder.cols.case[i]!;
    if (countsStatus(statusOf(s.cases.cols, c))) counted.push(c);
  }
  return counted;
}

/**
 * The reported cases per bank and status, counted or not, with their accounts' charges once per
 * row (reference.ts: by status), unsorted.
 */
function byBankStatus(s: CasesState): BankStatusRow[] {
  const cases = s.cases.cols;
  const rows = new Map<number, BankStatusRow & { accounts: Set<number> }>();
  for (let i = 0; i < s.reportOrder.size; i++) {
    const c = s.reportOrder.cols.case[i]!;
    const status = statusOf(cases, c); // reported: never none
    const key = cases.bank[c]! * (CASE_STATUSES.length + 1) + status;
    let row = rows.get(key);
    if (row === undefined) {
      const bankCode = s.bankNames[cases.bank[c]!]!;
      row = {
        bankCode,
        status: CASE_STATUSES[status - 1]!,
        cases: 0,
        damageYen: 0,
        accounts: new Set(),
      };
      rows.set(key, row);
    }
    row.cases++;
    const a = cases.account[c]!;
    if (row.accounts.has(a)) continue;
    row.accounts.add(a);
    row.damageYen += s.accounts.get('chargedYen', a); // a restored table may end before a
  }
  return [...rows.values()].map(({ bankCode, status, cases, damageYen }) => ({
    bankCode,
    status,
    cases,
    damageYen,
  }));
}

/**
 * The damage charged into each wallet, by wallet key: the yen the accounts of counted cases
 * charged into it, once per account.
 */
export function damageInWallets(
  s: Pick<IncidentState, 'cases' | 'spending'>,
  counted: readonly number[],
): Map<number, number> {
  const accounts = new Set(counted.map((c) => s.cases.cases.cols.account[c]!));
  const damageIn = new Map<number, number>();
  const { accountWallets } = s.spending;
  for (const a of accounts)
    forEachEntry(accountWallets, s.spending.accounts.get('walletHead', a), (wallet, yen) =>
      add(damageIn, wallet, yen),
    );
  return damageIn;
}

/**
 * The part of `yen` of a wallet's spending attributed to damage: all of it while the wallet spent
 * no more than the damage charged into it, else its share of that damage, rounded down.
 */
export const attributed = (yen: number, damage: number, spent: number): number =>
  spent <= damage ? yen : shareOf(yen, damage, spent);

/** Where the damage went, by merchant category key (reference.ts: merchant attribution). */
function spentByCategory(s: IncidentState, counted: readonly number[]): Map<number, number> {
  const spent = new Map<number, number>();
  const { purchases, wallets } = s.spending;
  for (const [wallet, damage] of damageInWallets(s, counted)) {
    const head = wallets.get('purchaseHead', wallet);
    let total = 0;
    forEachEntry(purchases, head, (_, yen) => (total += yen));
    forEachEntry(purchases, head, (category, yen) =>
      add(spent, category, attributed(yen, damage, total)),
    );
  }
  return spent;
}

type Compensation = Pick<
  BankRow,
  'compensatedYen' | 'compensatedCases' | 'partlyCompensatedCases' | 'largestCaseYen'
>;
const NO_COMPENSATION: Readonly<Compensation> = {
  compensatedYen: 0,
  compensatedCases: 0,
  partlyCompensatedCases: 0,
  largestCaseYen: 0,
};

/**
 * The counted cases per bank and operator (their report's), with compensation and their own
 * damage, and the damage charged through each operator (reference.ts: by operator), sorted.
 */
function bankOperatorRows(part: CasesState, counted: readonly number[]): BankOperatorRow[] {
  const cases = part.cases.cols;
  const rows = new Map<string, BankOperatorRow>();
  const row = (bank: number, operator: number) => {
    const key = `${bank}:${operator}`;
    let r = rows.get(key);
    if (r === undefined) {
      const names = {
        bankCode: part.bankNames[bank]!,
        operatorCode: part.operatorNames[operator]!,
      };
      rows.set(
        key,
        (r = { ...names, cases: 0, damageYen: 0, outstandingYen: 0, ...NO_COMPENSATION }),
      );
    }
    return r;
  };
  for (const c of counted) {
    if (cases.operator[c]! < 0) continue;
    const r = row(cases.bank[c]!, cases.operator[c]!);
    const paid = cases.compensatedYen[c]!;
    const caseYen = part.accounts.get('chargedYen', cases.account[c]!);
    r.cases++;
    r.compensatedYen += paid;
    if (paid > 0 && paid >= caseYen) r.compensatedCases++;
    if (paid > 0 && paid < caseYen) r.partlyCompensatedCases++;
    if (caseYen > r.largestCaseYen) r.largestCaseYen = caseYen;
  }
  for (const [bank, operators] of part.bankOperatorDamage)
    for (const [operator, yen] of operators) if (yen !== 0) row(bank, operator).damageYen += yen;
  for (const r of rows.values()) r.outstandingYen = r.damageYen - r.compensatedYen;
  return [...rows.values()].sort(byBankThenOperator);
}

/**
 * When new linking was first suspended for a link at bank key `bank` through operator key
 * `operator` (reference.ts: the linking split); Infinity if never.
 */
function suspendedFor(suspensions: readonly Suspension[], bank: number, operator: number): number {
  let at = Number.POSITIVE_INFINITY;
  for (const x of suspensions)
    if ((x.bank < 0 || x.bank === bank) && (x.operator < 0 || x.operator === operator) && x.at < at)
      at = x.at;
  return at;
}

/** The report of an incident state: plain data, sorted, ready to print or compare. */
export function incidentReport(s: IncidentState): IncidentReport {
  const { cases: part, controls } = s;
  const cases = part.cases.cols;
  const accounts = part.accounts.cols;
  const counted = countedCases(part);
  // Compensation and each case's own damage, per bank key (reference.ts: compensation).
  const paidByBank = new Map<number, Compensation>();
  let compensatedYen = 0;
  for (const c of counted) {
    const paid = cases.compensatedYen[c]!;
    const caseYen = part.accounts.get('chargedYen', cases.account[c]!);
    let bank = paidByBank.get(cases.bank[c]!);
    if (bank === undefined) paidByBank.set(cases.bank[c]!, (bank = { ...NO_COMPENSATION }));
    bank.compensatedYen += paid;
    if (paid > 0 && paid >= caseYen) bank.compensatedCases++;
    if (paid > 0 && paid < caseYen) bank.partlyCompensatedCases++;
    if (caseYen > bank.largestCaseYen) bank.largestCaseYen = caseYen;
    compensatedYen += paid;
  }

  let after = 0;
  let afterViaEarlierLink = 0;
  let oldest = Number.POSITIVE_INFINITY;
  for (const c of counted) {
    const a = cases.account[c]!;
    const suspended = suspendedFor(controls.suspensions, cases.bank[c]!, cases.operator[c]!);
    if (accounts.lastChargeAt[a]! >= suspended) {
      after++;
      if (accounts.linkedAt[a]! < suspended) afterViaEarlierLink++;
    }
    if (accounts.firstChargeAt[a]! < oldest) oldest = accounts.firstChargeAt[a]!;
  }

  const bankName = (bank: number) => part.bankNames[bank]!;
  const damage = incidentDamage(part);
  const byBank: BankRow[] = damage.byBank
    .map(({ bank, cases, damageYen }) => {
      const paid = paidByBank.get(bank) ?? NO_COMPENSATION;
      return {
        bankCode: bankName(bank),
        cases,
        damageYen,
        compensatedYen: paid.compensatedYen,
        outstandingYen: damageYen - paid.compensatedYen,
        compensatedCases: paid.compensatedCases,
        partlyCompensatedCases: paid.partlyCompensatedCases,
        largestCaseYen: paid.largestCaseYen,
      };
    })
    .sort((x, y) => byText(x.bankCode, y.bankCode));
  const byDay = damage.byDay
    .sort((x, y) => x.day - y.day)
    .map(({ day, damageYen }) => ({ date: DayCalendar.isoDate(day), damageYen }));
  const byBankDay = damage.byBankDay
    .map(({ bank, day, damageYen }) => ({ bankCode: bankName(bank), day, damageYen }))
    .sort((x, y) => byText(x.bankCode, y.bankCode) || x.day - y.day)
    .map(({ bankCode, day, damageYen }) => ({
      bankCode,
      date: DayCalendar.isoDate(day),
      damageYen,
    }));
  const byBankOperator = bankOperatorRows(part, counted);
  const stopped: string[] = [];
  for (let b = 0; b < controls.banks.size; b++)
    if (controls.banks.cols.chargesStopped[b] === 1) stopped.push(controls.bankNames[b]!);
  return {
    cases: part.countedCases,
    suspectedCases: part.suspectedCases,
    banksWithDamage: part.banksWithDamage,
    damageYen: part.damageYen,
    compensatedYen,
    casesChargedBeforeLinkingSuspended: part.countedCases - after,
    casesChargedAfterLinkingSuspended: after,
    casesChargedAfterLinkingSuspendedViaEarlierLink: afterViaEarlierLink,
    linkingSuspendedAt: controls.linkingSuspendedAt,
    oldestDamageDate: Number.isFinite(oldest)
      ? DayCalendar.isoDate(part.calendar.dayOf(oldest))
      : undefined,
    banksStoppedCharges: stopped.sort(byText),
    operatorsStoppedLinking: [
      ...new Set(
        [...controls.operatorLinking.values()]
          .filter((x) => x.suspended)
          .map((x) => x.operatorCode),
      ),
    ].sort(byText),
    walletsLocked: controls.walletsLocked,
    inquiries: controls.inquiries,
    reports: counted
      .map((c) => ({ bankCode: bankName(cases.bank[c]!), reportedAt: cases.reportedAt[c]! }))
      .sort(byReportTime),
    byBank,
    byBankStatus: byBankStatus(part).sort(byBankThenStatus),
    byBankOperator,
    byDay,
    byBankDay,
    byMerchant: [...spentByCategory(s, counted).entries()]
      .map(([category, spentYen]) => ({
        merchantCategory: s.spending.categoryNames[category]!,
        spentYen,
      }))
      .sort((x, y) => byText(x.merchantCategory, y.merchantCategory)),
    controls: controls.controls
      .map((c) => ({ at: c.at, control: c.type, subject: c.subject }))
      .sort((x, y) => x.at - y.at),
  };
}
