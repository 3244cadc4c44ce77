import type { CaseStatus, EventDataMap, StoredEvent } from '../../events/types';
import { shareOf } from '../../money/yen';
import { applies, scopeOf, scopeSubject, type Scope } from '../../rules/scope';
import { DayCalendar } from '../../time/calendar';
import type { Projection } from '../projection';
import {
  byBankThenStatus,
  byReportTime,
  byText,
  SUBJECT,
  type BankRow,
  type BankStatusRow,
  type CaseRow,
  type ControlEntry,
  type IncidentReport,
} from './types';

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
 * - A bank has **stopped charges** when its latest charge control naming no operator (by
 *   recordedAt, then position) is a stop; a stop through one operator is listed under controls
 *   only. Controls are listed by when they took effect (occurredAt).
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

interface Account {
  charges: { walletId: string; occurredAt: number; yen: number }[];
  /** When a wallet was first linked to it (occurredAt); Infinity if never. */
  linkedAt: number;
}
interface Case {
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
      return control(scopeSubject(d, SUBJECT.allBanks));
    }
    case 'NewLinkingResumed':
      return control(scopeSubject(e.data as Data<'NewLinkingResumed'>, SUBJECT.allBanks));
    case 'BankLinkPolicySet':
      return control(scopeSubject(e.data as Data<'BankLinkPolicySet'>, SUBJECT.allBanks));
    case 'BankChargesStopped':
    case 'BankChargesResumed': {
      const d = e.data as Data<'BankChargesStopped'>;
      const stop = writtenBy(e, e.type === 'BankChargesStopped');
      if (d.operatorCode === undefined && isLater(stop, s.chargesStopped.get(d.bankCode)))
        s.chargesStopped.set(d.bankCode, stop);
      return control(scopeSubject(d, SUBJECT.allBanks));
    }
    case 'EkycRequired':
    case 'CompensationStarted':
      return control(SUBJECT.allWallets);
    default:
      return;
  }
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

/** The report, every figure computed from the facts folded. */
export function referenceReport(s: ReferenceState): IncidentReport {
  const counted = [...s.cases.values()].filter(
    (c) => c.firstReport !== undefined && COUNTED_STATUSES.has(c.status!.value),
  );
  const bankOf = (c: Case) => c.firstReport!.value.bankCode;
  const accountOf = (c: Case) => s.accounts.get(c.firstReport!.value.account);

  // Damage: every charge of every account a counted case names, once per account.
  const damagedAccounts = new Map(counted.map((c) => [c.firstReport!.value.account, c]));
  const byBank = new Map<string, BankRow>();
  const bankRow = (bankCode: string) => {
    let row = byBank.get(bankCode);
    if (row === undefined) {
      row = {
        bankCode,
        cases: 0,
        damageYen: 0,
        compensatedYen: 0,
        outstandingYen: 0,
        compensatedCases: 0,
        partlyCompensatedCases: 0,
        largestCaseYen: 0,
      };
      byBank.set(bankCode, row);
    }
    return row;
  };
  const byDay = new Map<number, number>();
  const byBankDay = new Map<string, Map<number, number>>();
  const damageInWallet = new Map<string, number>();
  let damageYen = 0;
  let oldest = Infinity;
  for (const [key, c] of damagedAccounts) {
    for (const charge of s.accounts.get(key)?.charges ?? []) {
      const day = s.calendar.dayOf(charge.occurredAt);
      damageYen += charge.yen;
      bankRow(bankOf(c)).damageYen += charge.yen;
      addTo(byDay, day, charge.yen);
      addTo(mapIn(byBankDay, bankOf(c)), day, charge.yen);
      addTo(damageInWallet, charge.walletId, charge.yen);
      oldest = Math.min(oldest, charge.occurredAt);
    }
  }
  for (const c of counted) {
    const row = bankRow(bankOf(c));
    const paid = c.compensatedYen;
    const caseYen = (accountOf(c)?.charges ?? []).reduce((n, ch) => n + ch.yen, 0);
    row.cases++;
    row.compensatedYen += paid;
    if (paid > 0 && paid >= caseYen) row.compensatedCases++;
    if (paid > 0 && paid < caseYen) row.partlyCompensatedCases++;
    row.largestCaseYen = Math.max(row.largestCaseYen, caseYen);
  }
  for (const row of byBank.values()) row.outstandingYen = row.damageYen - row.compensatedYen;

  // By bank and status: every reported case, its account's charges once per row.
  const byBankStatus = new Map<string, BankStatusRow & { accounts: Set<string> }>();
  for (const c of s.cases.values()) {
    if (c.firstReport === undefined) continue;
    const { bankCode, account } = c.firstReport.value;
    const status = c.status!.value;
    const key = `${bankCode}\u0000${status}`;
    let row = byBankStatus.get(key);
    if (row === undefined)
      byBankStatus.set(
        key,
        (row = { bankCode, status, cases: 0, damageYen: 0, accounts: new Set() }),
      );
    row.cases++;
    if (row.accounts.has(account)) continue;
    row.accounts.add(account);
    for (const charge of s.accounts.get(account)?.charges ?? []) row.damageYen += charge.yen;
  }

  // The first suspension that applies to a case's link: its bank and operator.
  const suspendedFor = (c: Case) => {
    const { bankCode, operatorCode } = c.firstReport!.value;
    const times = s.suspensions.filter((x) => applies(x, bankCode, operatorCode)).map((x) => x.at);
    return times.length === 0 ? undefined : Math.min(...times);
  };
  const chargedAfter = counted.filter((c) => {
    const charges = accountOf(c)?.charges ?? [];
    const suspended = suspendedFor(c);
    return suspended !== undefined && charges.some((ch) => ch.occurredAt >= suspended);
  });
  const viaEarlierLink = chargedAfter.filter((c) => accountOf(c)!.linkedAt < suspendedFor(c)!);

  const isoDay = (day: number) => DayCalendar.isoDate(day);
  return {
    cases: counted.length,
    suspectedCases: counted.filter((c) => c.status!.value === 'suspected').length,
    banksWithDamage: new Set(counted.map(bankOf)).size,
    damageYen,
    compensatedYen: counted.reduce((n, c) => n + c.compensatedYen, 0),
    casesChargedBeforeLinkingSuspended: counted.length - chargedAfter.length,
    casesChargedAfterLinkingSuspended: chargedAfter.length,
    casesChargedAfterLinkingSuspendedViaEarlierLink: viaEarlierLink.length,
    linkingSuspendedAt: s.linkingSuspendedAt,
    oldestDamageDate: oldest === Infinity ? undefined : isoDay(s.calendar.dayOf(oldest)),
    banksStoppedCharges: [...s.chargesStopped]
      .filter(([, stop]) => stop.value)
      .map(([bankCode]) => bankCode)
      .sort(byText),
    walletsLocked: s.lockedWallets.size,
    inquiries: s.inquiries,
    reports: counted
      .map((c) => ({ bankCode: bankOf(c), reportedAt: c.firstReport!.recordedAt }))
      .sort(byReportTime),
    byBank: [...byBank.values()].sort((x, y) => byText(x.bankCode, y.bankCode)),
    byBankStatus: [...byBankStatus.values()]
      .map(({ bankCode, status, cases, damageYen }) => ({ bankCode, status, cases, damageYen }))
      .sort(byBankThenStatus),
    byDay: [...byDay]
      .filter(([, yen]) => yen !== 0)
      .sort(([x], [y]) => x - y)
      .map(([day, damageYen]) => ({ date: isoDay(day), damageYen })),
    byBankDay: [...byBankDay]
      .sort(([x], [y]) => byText(x, y))
      .flatMap(([bankCode, days]) =>
        [...days]
          .filter(([, yen]) => yen !== 0)
          .sort(([x], [y]) => x - y)
          .map(([day, damageYen]) => ({ bankCode, date: isoDay(day), damageYen })),
      ),
    byMerchant: [...spentByCategory(s, damageInWallet)]
      .sort(([x], [y]) => byText(x, y))
      .map(([merchantCategory, spentYen]) => ({ merchantCategory, spentYen })),
    controls: s.controls
      .map((c) => ({ at: c.at, control: c.type, subject: c.subject }))
      .sort((x, y) => x.at - y.at),
  };
}

/**
 * The case table (`replay --by case`): every reported case, counted or not, by case id, with the
 * bank and status as above; the first and last charge on its account (occurredAt, null without
 * charges); its first report and latest reclassification (recordedAt, null without one, whether
 * recorded before or after the report); its own damage (every charge on its account, as
 * compensated cases are judged), the compensation paid for it, and the difference.
 */
export function referenceCaseRows(s: ReferenceState): CaseRow[] {
  return [...s.cases]
    .filter(([, c]) => c.firstReport !== undefined)
    .sort(([x], [y]) => byText(x, y))
    .map(([caseId, c]) => {
      const charges = s.accounts.get(c.firstReport!.value.account)?.charges ?? [];
      const times = charges.map((ch) => ch.occurredAt);
      const damageYen = charges.reduce((n, ch) => n + ch.yen, 0);
      return {
        caseId,
        bankCode: c.firstReport!.value.bankCode,
        status: c.status!.value,
        firstChargeAt: times.length === 0 ? null : Math.min(...times),
        lastChargeAt: times.length === 0 ? null : Math.max(...times),
        reportedAt: c.firstReport!.recordedAt,
        reclassifiedAt: c.reclassifiedAt ?? null,
        damageYen,
        compensatedYen: c.compensatedYen,
        outstandingYen: damageYen - c.compensatedYen,
      };
    });
}

/** Merchant attribution: each wallet's spending, up to the damage charged into it. */
function spentByCategory(
  s: ReferenceState,
  damageInWallet: ReadonlyMap<string, number>,
): Map<string, number> {
  const spent = new Map<string, number>();
  for (const [walletId, damage] of damageInWallet) {
    const byCategory = s.spending.get(walletId) ?? new Map<string, number>();
    let total = 0;
    for (const yen of byCategory.values()) total += yen;
    for (const [category, yen] of byCategory)
      addTo(spent, category, total <= damage ? yen : shareOf(yen, damage, total));
  }
  return spent;
}

function addTo<K>(m: Map<K, number>, k: K, yen: number): void {
  m.set(k, (m.get(k) ?? 0) + yen);
}

function mapIn<K, K2, V>(m: Map<K, Map<K2, V>>, k: K): Map<K2, V> {
  let inner = m.get(k);
  if (inner === undefined) m.set(k, (inner = new Map()));
  return inner;
}
