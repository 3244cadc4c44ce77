import type { CaseStatus, LedgerEvent, StoredEvent } from '../events/types';
import { DayCalendar } from '../time/calendar';
import type { Projection } from './projection';

/** Statuses under which a case counts toward the operator's figures. */
export const COUNTED_STATUSES: ReadonlySet<CaseStatus> = new Set<CaseStatus>(['suspected', 'confirmed']);

interface CaseEntry {
  caseId: string;
  bankCode: string;
  accountKey: string;
  status: CaseStatus;
  /** When the case was first reported (recordedAt): what "known on 09-08" counts. */
  reportedAt: number;
  compensatedYen: number;
}

/** What has been charged from one bank account, kept whether or not a case covers it yet. */
interface AccountEntry {
  bankCode: string;
  byDay: Map<number, number>;
  firstChargeAt: number;
  lastChargeAt: number;
  /** When a wallet was first linked to this account (occurredAt), if the ledger saw the link. */
  linkedAt: number;
  /** Wallets this account was charged into: where its money went. */
  wallets: Set<string>;
  /** Counted cases naming this account: its charges are damage while this is above 0. */
  countedCases: number;
}

export interface ControlEntry {
  at: number;
  type: string;
  subject: string;
}

export interface IncidentState {
  readonly calendar: DayCalendar;
  cases: Map<string, CaseEntry>;
  accounts: Map<string, AccountEntry>;
  bankCases: Map<string, number>;
  bankDamage: Map<string, number>;
  dayDamage: Map<number, number>;
  bankDayDamage: Map<string, Map<number, number>>;
  countedCases: number;
  suspectedCases: number;
  banksWithDamage: number;
  damageYen: number;
  /** Spending per wallet and merchant category. */
  purchases: Map<string, Map<string, number>>;
  /** When new linking was (last) suspended, if it still is. */
  linkingSuspendedAt: number | undefined;
  /** Banks that have stopped charges, with when they stopped. */
  chargesStopped: Map<string, number>;
  lockedWallets: Set<string>;
  inquiries: number;
  controls: ControlEntry[];
}

const accountKey = (bankCode: string, accountId: string) => `${bankCode}\u0000${accountId}`;

function add<K>(m: Map<K, number>, k: K, v: number): number {
  const n = (m.get(k) ?? 0) + v;
  m.set(k, n);
  return n;
}

/**
 * The incident as its operator counted it: cases, damage per bank, per calendar day (by
 * occurredAt, in the scenario's zone) and per bank and day, the controls and when they took
 * effect, where the money went, compensation and inquiries.
 *
 * A case is one victim's bank account charged without authority: its damage is the sum of the
 * charges from that account, on whichever side of the report they were recorded. Charges are kept
 * per account as they arrive, so a case reported later picks up its past charges and a
 * reclassification takes them back out. Compensation is tracked beside damage, never against it.
 */
export function incidentProjection(zone: string): Projection<IncidentState> {
  return {
    name: 'incident',
    version: 2,
    init: () => ({
      calendar: new DayCalendar(zone),
      cases: new Map(),
      accounts: new Map(),
      bankCases: new Map(),
      bankDamage: new Map(),
      dayDamage: new Map(),
      bankDayDamage: new Map(),
      countedCases: 0,
      suspectedCases: 0,
      banksWithDamage: 0,
      damageYen: 0,
      purchases: new Map(),
      linkingSuspendedAt: undefined,
      chargesStopped: new Map(),
      lockedWallets: new Set(),
      inquiries: 0,
      controls: [],
    }),
    evolve: evolveIncident,
  };
}

function evolveIncident(s: IncidentState, e: StoredEvent): void {
  switch (e.type) {
    case 'ChargeExecuted': {
      const { bankCode, accountId, amountYen, walletId } = (e as LedgerEvent<'ChargeExecuted'>).data;
      const acc = account(s, accountKey(bankCode, accountId), bankCode);
      const day = s.calendar.dayOf(e.occurredAt);
      add(acc.byDay, day, amountYen);
      if (e.occurredAt < acc.firstChargeAt) acc.firstChargeAt = e.occurredAt;
      if (e.occurredAt > acc.lastChargeAt) acc.lastChargeAt = e.occurredAt;
      acc.wallets.add(walletId);
      if (acc.countedCases > 0) addDamage(s, acc.bankCode, day, amountYen);
      return;
    }
    case 'BankAccountLinked': {
      const { bankCode, accountId } = (e as LedgerEvent<'BankAccountLinked'>).data;
      const acc = account(s, accountKey(bankCode, accountId), bankCode);
      if (e.occurredAt < acc.linkedAt) acc.linkedAt = e.occurredAt;
      return;
    }
    case 'PurchaseMade': {
      const { walletId, amountYen, merchantCategory } = (e as LedgerEvent<'PurchaseMade'>).data;
      let byCategory = s.purchases.get(walletId);
      if (byCategory === undefined) s.purchases.set(walletId, (byCategory = new Map()));
      add(byCategory, merchantCategory, amountYen);
      return;
    }
    case 'CaseReported': {
      const { caseId, bankCode, accountId, status } = (e as LedgerEvent<'CaseReported'>).data;
      const existing = s.cases.get(caseId);
      if (existing !== undefined) return setStatus(s, existing, status); // a repeated report updates, never duplicates
      const entry: CaseEntry = { caseId, bankCode, accountKey: accountKey(bankCode, accountId), status, reportedAt: e.recordedAt, compensatedYen: 0 };
      s.cases.set(caseId, entry);
      if (status === 'suspected') s.suspectedCases++;
      if (COUNTED_STATUSES.has(status)) count(s, entry, 1);
      return;
    }
    case 'CaseReclassified': {
      const { caseId, status } = (e as LedgerEvent<'CaseReclassified'>).data;
      const entry = s.cases.get(caseId);
      if (entry !== undefined) setStatus(s, entry, status);
      return;
    }
    case 'CompensationPaid': {
      const { caseId, amountYen } = (e as LedgerEvent<'CompensationPaid'>).data;
      const entry = s.cases.get(caseId);
      if (entry !== undefined) entry.compensatedYen += amountYen;
      return;
    }
    case 'InquiriesReceived':
      s.inquiries += (e as LedgerEvent<'InquiriesReceived'>).data.count;
      return;
    case 'NewLinkingSuspended':
      s.linkingSuspendedAt = e.occurredAt;
      return control(s, e, 'all banks');
    case 'NewLinkingResumed':
      s.linkingSuspendedAt = undefined;
      return control(s, e, 'all banks');
    case 'BankChargesStopped': {
      const { bankCode } = (e as LedgerEvent<'BankChargesStopped'>).data;
      if (!s.chargesStopped.has(bankCode)) s.chargesStopped.set(bankCode, e.occurredAt);
      return control(s, e, bankCode);
    }
    case 'BankChargesResumed': {
      const { bankCode } = (e as LedgerEvent<'BankChargesResumed'>).data;
      s.chargesStopped.delete(bankCode);
      return control(s, e, bankCode);
    }
    case 'WalletLocked':
      s.lockedWallets.add((e as LedgerEvent<'WalletLocked'>).data.walletId);
      return;
    case 'EkycRequired':
    case 'CompensationStarted':
      return control(s, e, 'all wallets');
    default:
      return;
  }
}

function control(s: IncidentState, e: StoredEvent, subject: string): void {
  s.controls.push({ at: e.occurredAt, type: e.type, subject });
}

function setStatus(s: IncidentState, c: CaseEntry, status: CaseStatus): void {
  const was = COUNTED_STATUSES.has(c.status);
  const now = COUNTED_STATUSES.has(status);
  s.suspectedCases += (status === 'suspected' ? 1 : 0) - (c.status === 'suspected' ? 1 : 0);
  c.status = status;
  if (was !== now) count(s, c, now ? 1 : -1);
}

/** Starts (+1) or stops (-1) counting a case, with its account's charges as damage. */
function count(s: IncidentState, c: CaseEntry, sign: 1 | -1): void {
  s.countedCases += sign;
  const bankCases = add(s.bankCases, c.bankCode, sign);
  if (sign > 0 && bankCases === 1) s.banksWithDamage++;
  if (sign < 0 && bankCases === 0) s.banksWithDamage--;
  const acc = account(s, c.accountKey, c.bankCode);
  acc.countedCases += sign;
  // The account's charges become damage with its first counted case and stop with its last.
  if (acc.countedCases === (sign > 0 ? 1 : 0)) {
    for (const [day, yen] of acc.byDay) addDamage(s, acc.bankCode, day, sign * yen);
  }
}

function account(s: IncidentState, key: string, bankCode: string): AccountEntry {
  let acc = s.accounts.get(key);
  if (acc === undefined) {
    acc = {
      bankCode,
      byDay: new Map(),
      firstChargeAt: Number.POSITIVE_INFINITY,
      lastChargeAt: Number.NEGATIVE_INFINITY,
      linkedAt: Number.POSITIVE_INFINITY,
      wallets: new Set(),
      countedCases: 0,
    };
    s.accounts.set(key, acc);
  }
  return acc;
}

function addDamage(s: IncidentState, bankCode: string, day: number, yen: number): void {
  s.damageYen += yen;
  add(s.bankDamage, bankCode, yen);
  add(s.dayDamage, day, yen);
  let days = s.bankDayDamage.get(bankCode);
  if (days === undefined) s.bankDayDamage.set(bankCode, (days = new Map()));
  add(days, day, yen);
}

export interface BankRow {
  bankCode: string;
  cases: number;
  damageYen: number;
  compensatedYen: number;
  outstandingYen: number;
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
  walletsLocked: number;
  inquiries: number;
  /** When each counted case was first reported (recordedAt), with its bank: for windowed figures. */
  reports: { bankCode: string; reportedAt: number }[];
  byBank: BankRow[];
  byDay: DayRow[];
  byBankDay: BankDayRow[];
  byMerchant: MerchantRow[];
  controls: ControlRow[];
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The report of an incident state: plain data, sorted, ready to print or compare. */
export function incidentReport(s: IncidentState): IncidentReport {
  const counted = [...s.cases.values()].filter((c) => COUNTED_STATUSES.has(c.status));
  const compensatedByBank = new Map<string, number>();
  for (const c of counted) add(compensatedByBank, c.bankCode, c.compensatedYen);
  const compensatedYen = counted.reduce((n, c) => n + c.compensatedYen, 0);

  const suspended = s.linkingSuspendedAt;
  let after = 0;
  let afterViaEarlierLink = 0;
  let oldest = Number.POSITIVE_INFINITY;
  const spent = new Map<string, number>();
  const countedAccounts = new Set<string>();
  for (const c of counted) {
    const acc = s.accounts.get(c.accountKey)!;
    if (suspended !== undefined && acc.lastChargeAt >= suspended) {
      after++;
      if (acc.linkedAt < suspended) afterViaEarlierLink++;
    }
    if (acc.firstChargeAt < oldest) oldest = acc.firstChargeAt;
    if (countedAccounts.has(c.accountKey)) continue;
    countedAccounts.add(c.accountKey);
    for (const w of acc.wallets) for (const [category, yen] of s.purchases.get(w) ?? []) add(spent, category, yen);
  }

  const byBank = [...new Set([...s.bankCases.keys(), ...s.bankDamage.keys()])]
    .map((bankCode) => {
      const damageYen = s.bankDamage.get(bankCode) ?? 0;
      const compensated = compensatedByBank.get(bankCode) ?? 0;
      return { bankCode, cases: s.bankCases.get(bankCode) ?? 0, damageYen, compensatedYen: compensated, outstandingYen: damageYen - compensated };
    })
    .filter((r) => r.cases > 0 || r.damageYen > 0)
    .sort((a, b) => byText(a.bankCode, b.bankCode));
  const byDay = [...s.dayDamage.entries()]
    .filter(([, yen]) => yen !== 0)
    .sort(([a], [b]) => a - b)
    .map(([day, damageYen]) => ({ date: DayCalendar.isoDate(day), damageYen }));
  const byBankDay = [...s.bankDayDamage.entries()]
    .sort(([a], [b]) => byText(a, b))
    .flatMap(([bankCode, days]) =>
      [...days.entries()]
        .filter(([, yen]) => yen !== 0)
        .sort(([a], [b]) => a - b)
        .map(([day, damageYen]) => ({ bankCode, date: DayCalendar.isoDate(day), damageYen })),
    );
  return {
    cases: s.countedCases,
    suspectedCases: s.suspectedCases,
    banksWithDamage: s.banksWithDamage,
    damageYen: s.damageYen,
    compensatedYen,
    casesChargedBeforeLinkingSuspended: s.countedCases - after,
    casesChargedAfterLinkingSuspended: after,
    casesChargedAfterLinkingSuspendedViaEarlierLink: afterViaEarlierLink,
    linkingSuspendedAt: suspended,
    oldestDamageDate: Number.isFinite(oldest) ? DayCalendar.isoDate(s.calendar.dayOf(oldest)) : undefined,
    banksStoppedCharges: [...s.chargesStopped.keys()].sort(byText),
    walletsLocked: s.lockedWallets.size,
    inquiries: s.inquiries,
    reports: counted.map((c) => ({ bankCode: c.bankCode, reportedAt: c.reportedAt })).sort((a, b) => a.reportedAt - b.reportedAt),
    byBank,
    byDay,
    byBankDay,
    byMerchant: [...spent.entries()].sort(([a], [b]) => byText(a, b)).map(([merchantCategory, spentYen]) => ({ merchantCategory, spentYen })),
    controls: s.controls.map((c) => ({ at: c.at, control: c.type, subject: c.subject })).sort((a, b) => a.at - b.at),
  };
}
