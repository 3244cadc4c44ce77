import { shareOf } from '../../money/yen';
import { applies, scopeKey } from '../../rules/scope';
import { DayCalendar } from '../../time/calendar';
import { addTo, COUNTED_STATUSES, mapIn, type Case, type ReferenceState } from './reference';
import {
  byBankThenOperator,
  byBankThenStatus,
  byReportTime,
  byText,
  type BankOperatorRow,
  type BankRow,
  type BankStatusRow,
  type CaseRow,
  type IncidentReport,
} from './types';

/*
 * The report of the reference fold (reference.ts, the specification of every figure): each figure
 * computed from the facts folded, as reference.ts words it.
 */

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
    if (row === undefined) byBank.set(bankCode, (row = emptyRow(bankCode)));
    return row;
  };
  const byBankOperator = new Map<string, BankOperatorRow>();
  const pairRow = (bankCode: string, operatorCode: string) => {
    const key = scopeKey(bankCode, operatorCode);
    let row = byBankOperator.get(key);
    if (row === undefined) byBankOperator.set(key, (row = { ...emptyRow(bankCode), operatorCode }));
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
      if (charge.operatorCode !== undefined)
        pairRow(bankOf(c), charge.operatorCode).damageYen += charge.yen;
      oldest = Math.min(oldest, charge.occurredAt);
    }
  }
  for (const c of counted) {
    const paid = c.compensatedYen;
    const caseYen = (accountOf(c)?.charges ?? []).reduce((n, ch) => n + ch.yen, 0);
    const { operatorCode } = c.firstReport!.value;
    const rows = [bankRow(bankOf(c))];
    if (operatorCode !== undefined) rows.push(pairRow(bankOf(c), operatorCode));
    for (const row of rows) {
      row.cases++;
      row.compensatedYen += paid;
      if (paid > 0 && paid >= caseYen) row.compensatedCases++;
      if (paid > 0 && paid < caseYen) row.partlyCompensatedCases++;
      row.largestCaseYen = Math.max(row.largestCaseYen, caseYen);
    }
  }
  for (const row of [...byBank.values(), ...byBankOperator.values()])
    row.outstandingYen = row.damageYen - row.compensatedYen;

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
    operatorsStoppedLinking: [
      ...new Set(
        [...s.operatorLinking.values()]
          .filter((w) => w.value.suspended)
          .map((w) => w.value.operatorCode),
      ),
    ].sort(byText),
    walletsLocked: s.lockedWallets.size,
    inquiries: s.inquiries,
    reports: counted
      .map((c) => ({ bankCode: bankOf(c), reportedAt: c.firstReport!.recordedAt }))
      .sort(byReportTime),
    byBank: [...byBank.values()].sort((x, y) => byText(x.bankCode, y.bankCode)),
    byBankStatus: [...byBankStatus.values()]
      .map(({ bankCode, status, cases, damageYen }) => ({ bankCode, status, cases, damageYen }))
      .sort(byBankThenStatus),
    byBankOperator: [...byBankOperator.values()]
      .filter((r) => r.cases > 0 || r.damageYen > 0)
      .sort(byBankThenOperator),
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

function emptyRow(bankCode: string): BankRow {
  return {
    bankCode,
    cases: 0,
    damageYen: 0,
    compensatedYen: 0,
    outstandingYen: 0,
    compensatedCases: 0,
    partlyCompensatedCases: 0,
    largestCaseYen: 0,
  };
}
