import type { CaseStatus, LedgerEvent, StoredEvent } from '../events/types';
import { DayCalendar } from '../time/calendar';
import type { Projection } from './projection';

/** Statuses under which a case counts toward the operator's figures. */
export const COUNTED_STATUSES: ReadonlySet<CaseStatus> = new Set<CaseStatus>(['suspected', 'confirmed']);

interface CaseEntry {
  bankCode: string;
  accountKey: string;
  status: CaseStatus;
}

/** What has been charged from one bank account, kept whether or not a case covers it yet. */
interface AccountEntry {
  bankCode: string;
  chargedYen: number;
  byDay: Map<number, number>;
  /** Counted cases naming this account: its charges are damage while this is above 0. */
  countedCases: number;
}

export interface IncidentState {
  readonly calendar: DayCalendar;
  cases: Map<string, CaseEntry>;
  accounts: Map<string, AccountEntry>;
  bankCases: Map<string, number>;
  bankDamage: Map<string, number>;
  dayDamage: Map<number, number>;
  countedCases: number;
  suspectedCases: number;
  banksWithDamage: number;
  damageYen: number;
}

const accountKey = (bankCode: string, accountId: string) => `${bankCode}\u0000${accountId}`;

function add<K>(m: Map<K, number>, k: K, v: number): number {
  const n = (m.get(k) ?? 0) + v;
  m.set(k, n);
  return n;
}

/**
 * Damage per bank, per calendar day (by occurredAt, in the scenario's zone) and in total, with
 * case counts. A case is one victim's bank account charged without authority: its damage is the
 * sum of the charges from that account, on whichever side of the report they were recorded.
 * Charges are kept per account as they arrive, so a case reported later picks up its past charges
 * and a reclassification takes them back out.
 */
export function incidentProjection(zone: string): Projection<IncidentState> {
  return {
    name: 'incident',
    version: 1,
    init: () => ({
      calendar: new DayCalendar(zone),
      cases: new Map(),
      accounts: new Map(),
      bankCases: new Map(),
      bankDamage: new Map(),
      dayDamage: new Map(),
      countedCases: 0,
      suspectedCases: 0,
      banksWithDamage: 0,
      damageYen: 0,
    }),
    evolve: evolveIncident,
  };
}

function evolveIncident(s: IncidentState, e: StoredEvent): void {
  switch (e.type) {
    case 'ChargeExecuted': {
      const { bankCode, accountId, amountYen } = (e as LedgerEvent<'ChargeExecuted'>).data;
      const key = accountKey(bankCode, accountId);
      const acc = account(s, key, bankCode);
      const day = s.calendar.dayOf(e.occurredAt);
      acc.chargedYen += amountYen;
      add(acc.byDay, day, amountYen);
      if (acc.countedCases > 0) addDamage(s, acc.bankCode, day, amountYen);
      return;
    }
    case 'CaseReported': {
      const { caseId, bankCode, accountId, status } = (e as LedgerEvent<'CaseReported'>).data;
      const existing = s.cases.get(caseId);
      if (existing !== undefined) return setStatus(s, existing, status); // a repeated report updates, never duplicates
      const entry: CaseEntry = { bankCode, accountKey: accountKey(bankCode, accountId), status };
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
    default:
      return;
  }
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
    acc = { bankCode, chargedYen: 0, byDay: new Map(), countedCases: 0 };
    s.accounts.set(key, acc);
  }
  return acc;
}

function addDamage(s: IncidentState, bankCode: string, day: number, yen: number): void {
  s.damageYen += yen;
  add(s.bankDamage, bankCode, yen);
  add(s.dayDamage, day, yen);
}

export interface BankRow {
  bankCode: string;
  cases: number;
  damageYen: number;
}
export interface DayRow {
  date: string;
  damageYen: number;
}
export interface IncidentReport {
  cases: number;
  suspectedCases: number;
  banksWithDamage: number;
  damageYen: number;
  byBank: BankRow[];
  byDay: DayRow[];
}

/** The report of an incident state: plain data, sorted, ready to print or compare. */
export function incidentReport(s: IncidentState): IncidentReport {
  const banks = new Set([...s.bankCases.keys(), ...s.bankDamage.keys()]);
  const byBank = [...banks]
    .map((bankCode) => ({ bankCode, cases: s.bankCases.get(bankCode) ?? 0, damageYen: s.bankDamage.get(bankCode) ?? 0 }))
    .filter((r) => r.cases > 0 || r.damageYen > 0)
    .sort((a, b) => (a.bankCode < b.bankCode ? -1 : a.bankCode > b.bankCode ? 1 : 0));
  const byDay = [...s.dayDamage.entries()]
    .filter(([, yen]) => yen !== 0)
    .sort(([a], [b]) => a - b)
    .map(([day, damageYen]) => ({ date: DayCalendar.isoDate(day), damageYen }));
  return {
    cases: s.countedCases,
    suspectedCases: s.suspectedCases,
    banksWithDamage: s.banksWithDamage,
    damageYen: s.damageYen,
    byBank,
    byDay,
  };
}
