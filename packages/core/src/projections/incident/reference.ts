import type { CaseStatus, EventDataMap, StoredEvent } from '../../events/types';
import { scopeKey, scopeOf, scopeSubject, type Scope } from '../../rules/scope';
import { DayCalendar } from '../../time/calendar';
import type { Projection } from '../projection';
import { SUBJECT, type ControlEntry } from './types';

/**
 * What every figure of the incident means: a fold over plain events, written to be read. The
 * columnar fold (cases.ts, spending.ts, controls.ts, report.ts) computes the same report from typed
 * columns, for speed; reference.test.ts proves the two equal on random histories and on every
 * scenario, so this file is the specification of the figures.
 *
 * - A **case** is one victim's bank account charged without authority. Its bank, account and
 *   report time come from its first report (earliest recordedAt, then store position).
 * - Its **status** is the one written last (latest recordedAt, then store position) by any report
 *   or reclassification of it, whatever order they were stored in; a reclassification recorded
 *   before the case is reported waits for the report.
 * - A case **counts** while it is reported and its status is one of COUNTED_STATUSES.
 * - **By status**: the reported cases of each bank and status, counted or not, with the charges
 *   on their accounts, once per account (an account named by cases of two statuses is in both).
 * - **Damage** is every charge on the account of a counted case, whenever it occurred (an account
 *   named by two counted cases counts its charges once), by the bank of the case and the calendar
 *   day (occurredAt, in the scenario's zone) of the charge.
 * - **Compensation** is tracked beside damage, never against it: the sum paid for counted cases.
 *   A case's own damage is every charge on its account (two cases on one account have the same);
 *   a case is **compensated** when it was paid something and at least its damage, **partly
 *   compensated** when paid something but less.
 * - The **linking split**: a counted case is "after" when its account's last charge occurred at or
 *   after the first suspension of new linking that applies to the case's link (one naming its
 *   bank, its operator, both, or neither), and "via an earlier link" when its account was also
 *   first linked before that suspension. With one suspension of all linking (docomo) that is
 *   simply the suspension. `linkingSuspendedAt` is the first suspension of any scope.
 * - **Merchant attribution** (where the damage went): a wallet's spending is taken to be paid
 *   first from the damage charged into it, and only up to that damage, shared among its merchant
 *   categories in proportion to their spending, rounded down to whole yen.
 * - **By operator**: a counted case is its report's operator's (none named: no operator row);
 *   its compensation and own damage count there as they do for its bank. The damage of a bank and
 *   operator is the charges through that operator (the charge's operatorCode) on the accounts of
 *   counted cases, once per account, so a bank's damage may be charged through several services.
 * - An operator has **stopped linking** while a suspension naming it (alone or with a bank) is the
 *   latest linking control of its scope (by recordedAt, then position).
 * - A bank has **stopped charges** when its latest charge control naming it and no operator (by
 *   recordedAt, then position) is a stop; a stop through one operator, or of every bank, is
 *   listed under controls only. Controls are listed by when they took effect (occurredAt).
 */
export const COUNTED_STATUSES: ReadonlySet<CaseStatus> = new Set<CaseStatus>([
  'suspected',
  'confirmed',
]);

/** A value some events write: the one recorded last wins; store position breaks ties. */
interface Written<T> {
  value: T;
  recordedAt: number;
  position: number;
}
const writtenBy = <T>(e: StoredEvent, value: T): Written<T> => ({
  value,
  recordedAt: e.recordedAt,
  position: e.globalPosition,
});
const isLater = (a: Written<unknown>, b: Written<unknown> | undefined) =>
  b === undefined ||
  a.recordedAt > b.recordedAt ||
  (a.recordedAt === b.recordedAt && a.position > b.position);

export interface Account {
  charges: { walletId: string; occurredAt: number; yen: number; operatorCode?: string }[];
  /** When a wallet was first linked to it (occurredAt); Infinity if never. */
  linkedAt: number;
}
export interface Case {
  firstReport?: Written<{ bankCode: string; account: string; operatorCode?: string }>;
  status?: Written<CaseStatus>;
  /** Its latest reclassification (recordedAt), if any. */
  reclassifiedAt?: number;
  compensatedYen: number;
}

export interface ReferenceState {
  readonly calendar: DayCalendar;
  /** By bank and account number (an account is a bank's account). */
  accounts: Map<string, Account>;
  cases: Map<string, Case>;
  /** Yen spent per wallet, per merchant category. */
  spending: Map<string, Map<string, number>>;
  chargesStopped: Map<string, Written<boolean>>;
  /** The latest linking control (suspended?) of each scope naming an operator, by scopeKey. */
  operatorLinking: Map<string, Written<{ operatorCode: string; suspended: boolean }>>;
  lockedWallets: Set<string>;
  /** When new linking was first suspended (occurredAt); a resumption does not move it. */
  linkingSuspendedAt: number | undefined;
  /** Every suspension of new linking: when (occurredAt), and what it names. */
  suspensions: (Scope & { at: number })[];
  inquiries: number;
  /** In the order folded. */
  controls: ControlEntry[];
}

export function referenceIncidentProjection(zone: string): Projection<ReferenceState> {
  return {
    name: 'incident-reference',
    version: 1,
    parameters: { zone },
    init: () => ({
      calendar: new DayCalendar(zone),
      accounts: new Map(),
      cases: new Map(),
      spending: new Map(),
      chargesStopped: new Map(),
      operatorLinking: new Map(),
      lockedWallets: new Set(),
      linkingSuspendedAt: undefined,
      suspensions: [],
      inquiries: 0,
      controls: [],
    }),
    evolve: evolveReference,
  };
}

type Data<T extends keyof EventDataMap> = EventDataMap[T];

function evolveReference(s: ReferenceState, e: StoredEvent): void {
  const control = (subject: string) => {
    s.controls.push({ at: e.occurredAt, type: e.type, subject });
  };
  switch (e.type) {
    case 'ChargeExecuted': {
      const d = e.data as Data<'ChargeExecuted'>;
      account(s, d.bankCode, d.accountId).charges.push({
        walletId: d.walletId,
        occurredAt: e.occurredAt,
        yen: d.amountYen,
        operatorCode: d.operatorCode,
      });
      return;
    }
    case 'BankAccountLinked': {
      const d = e.data as Data<'BankAccountLinked'>;
      const a = account(s, d.bankCode, d.accountId);
      a.linkedAt = Math.min(a.linkedAt, e.occurredAt);
      return;
    }
    case 'PurchaseMade': {
      const d = e.data as Data<'PurchaseMade'>;
      addTo(mapIn(s.spending, d.walletId), d.merchantCategory, d.amountYen);
      return;
    }
    case 'CaseReported': {
      const d = e.data as Data<'CaseReported'>;
      const c = caseOf(s, d.caseId);
      const report = writtenBy(e, {
        bankCode: d.bankCode,
        account: accountKey(d),
        operatorCode: d.operatorCode,
      });
      if (c.firstReport === undefined || isLater(c.firstReport, report)) c.firstReport = report;
      writeStatus(c, writtenBy(e, d.status));
      return;
    }
    case 'CaseReclassified': {
      const d = e.data as Data<'CaseReclassified'>;
      const c = caseOf(s, d.caseId);
      writeStatus(c, writtenBy(e, d.status));
      c.reclassifiedAt = Math.max(c.reclassifiedAt ?? -Infinity, e.recordedAt);
      return;
    }
    case 'CompensationPaid': {
      const d = e.data as Data<'CompensationPaid'>;
      caseOf(s, d.caseId).compensatedYen += d.amountYen;
      return;
    }
    case 'InquiriesReceived':
      s.inquiries += (e.data as Data<'InquiriesReceived'>).count;
      return;
    case 'WalletLocked':
      s.lockedWallets.add((e.data as Data<'WalletLocked'>).walletId);
      return;
    case 'NewLinkingSuspended': {
      const d = e.data as Data<'NewLinkingSuspended'>;
      s.linkingSuspendedAt = Math.min(s.linkingSuspendedAt ?? Infinity, e.occurredAt);
      s.suspensions.push({ at: e.occurredAt, ...scopeOf(d) });
      operatorLinking(s, e, d, true);
      return control(scopeSubject(d, SUBJECT.allBanks));
    }
    case 'NewLinkingResumed': {
      const d = e.data as Data<'NewLinkingResumed'>;
      operatorLinking(s, e, d, false);
      return control(scopeSubject(d, SUBJECT.allBanks));
    }
    case 'BankLinkPolicySet':
      return control(scopeSubject(e.data as Data<'BankLinkPolicySet'>, SUBJECT.allBanks));
    case 'BankChargesStopped':
    case 'BankChargesResumed': {
      const d = e.data as Data<'BankChargesStopped'>;
      const stop = writtenBy(e, e.type === 'BankChargesStopped');
      // A bank's stop names the bank alone: one through an operator, or of every bank, is listed
      // under controls only.
      const bank = d.operatorCode === undefined ? d.bankCode : undefined;
      if (bank !== undefined && isLater(stop, s.chargesStopped.get(bank)))
        s.chargesStopped.set(bank, stop);
      return control(scopeSubject(d, SUBJECT.allBanks));
    }
    case 'EkycRequired':
    case 'CompensationStarted':
      return control(SUBJECT.allWallets);
    default:
      return;
  }
}

/** A linking control naming an operator: the latest of its scope (recordedAt, position) decides. */
function operatorLinking(s: ReferenceState, e: StoredEvent, d: Scope, suspended: boolean): void {
  if (d.operatorCode === undefined) return;
  const key = scopeKey(d.bankCode, d.operatorCode);
  const written = writtenBy(e, { operatorCode: d.operatorCode, suspended });
  if (isLater(written, s.operatorLinking.get(key))) s.operatorLinking.set(key, written);
}

const accountKey = (d: { bankCode: string; accountId: string }) =>
  `${d.bankCode}\u0000${d.accountId}`;

function account(s: ReferenceState, bankCode: string, accountId: string): Account {
  const key = accountKey({ bankCode, accountId });
  let a = s.accounts.get(key);
  if (a === undefined) s.accounts.set(key, (a = { charges: [], linkedAt: Infinity }));
  return a;
}

function caseOf(s: ReferenceState, caseId: string): Case {
  let c = s.cases.get(caseId);
  if (c === undefined) s.cases.set(caseId, (c = { compensatedYen: 0 }));
  return c;
}

function writeStatus(c: Case, status: Written<CaseStatus>): void {
  if (isLater(status, c.status)) c.status = status;
}

export function addTo<K>(m: Map<K, number>, k: K, yen: number): void {
  m.set(k, (m.get(k) ?? 0) + yen);
}

export function mapIn<K, K2, V>(m: Map<K, Map<K2, V>>, k: K): Map<K2, V> {
  let inner = m.get(k);
  if (inner === undefined) m.set(k, (inner = new Map()));
  return inner;
}
