import { CASE_STATUSES, type CaseStatus } from '../../events/types';

/** The incident report: plain data, sorted, ready to print or compare (reference.ts defines it). */
export interface BankRow {
  bankCode: string;
  cases: number;
  damageYen: number;
  compensatedYen: number;
  outstandingYen: number;
  /** Counted cases paid at least their damage (and something), and those paid less but not 0. */
  compensatedCases: number;
  partlyCompensatedCases: number;
  /** The largest damage of one counted case: every charge on its account. */
  largestCaseYen: number;
}
/**
 * The counted cases of one bank through one operator (a case's operator: the one its report names)
 * and their damage: the charges through that operator on their accounts. Only cases and charges
 * naming an operator have a row.
 */
export type BankOperatorRow = { operatorCode: string } & BankRow;
/**
 * The reported cases of one bank with one status, counted or not, and their damage: every charge
 * on their accounts, once per account.
 */
export interface BankStatusRow {
  bankCode: string;
  status: CaseStatus;
  cases: number;
  damageYen: number;
}
export interface DayRow {
  date: string;
  damageYen: number;
}
export interface BankDayRow {
  bankCode: string;
  date: string;
  damageYen: number;
}
/** One reported case, counted or not (reference.ts, referenceCaseRows, says what each means). */
export interface CaseRow {
  caseId: string;
  bankCode: string;
  status: CaseStatus;
  /** The first and last charge on its account (occurredAt); null when it has none. */
  firstChargeAt: number | null;
  lastChargeAt: number | null;
  /** Its first report, and its latest reclassification if any (recordedAt). */
  reportedAt: number;
  reclassifiedAt: number | null;
  damageYen: number;
  compensatedYen: number;
  outstandingYen: number;
}
export interface MerchantRow {
  merchantCategory: string;
  spentYen: number;
}
export interface ControlRow {
  at: number;
  control: string;
  subject: string;
}
export interface IncidentReport {
  cases: number;
  suspectedCases: number;
  banksWithDamage: number;
  damageYen: number;
  compensatedYen: number;
  /** Counted cases whose charges all occurred before new linking was suspended, and the others. */
  casesChargedBeforeLinkingSuspended: number;
  casesChargedAfterLinkingSuspended: number;
  /** Of the latter, those whose account had been linked before the suspension. */
  casesChargedAfterLinkingSuspendedViaEarlierLink: number;
  linkingSuspendedAt: number | undefined;
  /** Earliest charge among counted cases (occurredAt), as YYYY-MM-DD in the scenario's zone. */
  oldestDamageDate: string | undefined;
  banksStoppedCharges: string[];
  /** Operators with a suspension of new linking in force naming them (alone or with a bank). */
  operatorsStoppedLinking: string[];
  walletsLocked: number;
  inquiries: number;
  /**
   * When each counted case was first reported (recordedAt), with its bank: for windowed figures.
   */
  reports: { bankCode: string; reportedAt: number }[];
  byBank: BankRow[];
  /** By bank, then status in the order of CASE_STATUSES; only pairs with a case. */
  byBankStatus: BankStatusRow[];
  /** By bank, then operator. */
  byBankOperator: BankOperatorRow[];
  byDay: DayRow[];
  byBankDay: BankDayRow[];
  byMerchant: MerchantRow[];
  controls: ControlRow[];
}

/** A control as folded: when it took effect (occurredAt), its event type and what it applies to. */
export interface ControlEntry {
  at: number;
  type: string;
  subject: string;
}

/** What a control applies to, when it is not one bank. */
export const SUBJECT = { allBanks: 'all banks', allWallets: 'all wallets' } as const;

export const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The report's order of the bank-operator table: by bank, then operator. */
export const byBankThenOperator = (
  x: { bankCode: string; operatorCode: string },
  y: { bankCode: string; operatorCode: string },
) => byText(x.bankCode, y.bankCode) || byText(x.operatorCode, y.operatorCode);

/** The report's order of the bank-status table: by bank, then status as CASE_STATUSES lists. */
export const byBankThenStatus = (
  x: { bankCode: string; status: CaseStatus },
  y: { bankCode: string; status: CaseStatus },
) =>
  byText(x.bankCode, y.bankCode) ||
  CASE_STATUSES.indexOf(x.status) - CASE_STATUSES.indexOf(y.status);

/** The report's order of the cases' report times: by time, then bank (a canonical order). */
export const byReportTime = (
  x: { bankCode: string; reportedAt: number },
  y: { bankCode: string; reportedAt: number },
) => x.reportedAt - y.reportedAt || byText(x.bankCode, y.bankCode);
