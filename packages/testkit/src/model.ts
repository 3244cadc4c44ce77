import {
  CASE_STATUSES,
  type EventDataMap,
  type IncidentReport,
  type StoredEvent,
} from '@incident-ledger/core';

/**
 * An independent model of the incident's figures: what each one must be, as of any time, from a
 * history alone. Written apart from core's projections (it imports none of their code, nor their
 * reference fold, nor the calendar): where they fold events into state, the model asks each
 * question of the events known at the time directly, as an analyst would of a list of the history.
 * The `figures` property holds the real projection to it (properties.ts).
 */
export class FiguresModel {
  private readonly day: Intl.DateTimeFormat;
  private readonly dates = new Map<number, string>();
  private readonly reports = new Map<number, IncidentReport>();
  /** The history's events by type, in store order. */
  private readonly byType = new Map<string, StoredEvent[]>();

  constructor(private readonly history: { zone: string; events: readonly StoredEvent[] }) {
    for (const e of history.events) {
      const list = this.byType.get(e.type);
      if (list === undefined) this.byType.set(e.type, [e]);
      else list.push(e);
    }
    this.day = dayFormat(history.zone);
  }

  /** The report as of `asOf`, field by field as core's IncidentReport holds it. */
  reportAsOf(asOf: number): IncidentReport {
    let r = this.reports.get(asOf);
    if (r === undefined) this.reports.set(asOf, (r = this.report(asOf)));
    return r;
  }

  private report(asOf: number): IncidentReport {
    // The events known as of `asOf`, of one type.
    const of = <T extends keyof EventDataMap>(type: T) =>
      (this.byType.get(type) ?? []).filter((e) => e.recordedAt <= asOf) as (StoredEvent & {
        data: EventDataMap[T];
      })[];
    const charges = of('ChargeExecuted');
    const accountOf = (d: { bankCode: string; accountId: string }) =>
      `${d.bankCode}\u0000${d.accountId}`;
    const compensated = groupSum(of('CompensationPaid'), (e) => e.data.caseId);

    // A case counts when it has been reported and the status written last (recordedAt, then
    // position) by its reports and reclassifications is suspected or confirmed.
    const reports = of('CaseReported');
    const statusWrites = [...reports, ...of('CaseReclassified')];
    const cases = [...new Set(reports.map((e) => e.data.caseId))].map((caseId) => {
      const first = reports.filter((e) => e.data.caseId === caseId).reduce(earlier);
      const last = statusWrites.filter((e) => e.data.caseId === caseId).reduce(later);
      return {
        bankCode: first.data.bankCode,
        operatorCode: first.data.operatorCode,
        account: accountOf(first.data),
        reportedAt: first.recordedAt,
        status: last.data.status,
        compensatedYen: compensated.find(([id]) => id === caseId)?.[1] ?? 0,
      };
    });
    const counted = cases.filter((c) => c.status === 'suspected' || c.status === 'confirmed');
    const damagedAccounts = new Set(counted.map((c) => c.account));
    const damage = charges.filter((e) => damagedAccounts.has(accountOf(e.data)));
    const banks = [...new Set(counted.map((c) => c.bankCode))].sort(byText);

    const suspensions = of('NewLinkingSuspended');
    const firstOf = (times: number[]) => (times.length > 0 ? Math.min(...times) : undefined);
    const suspendedAt = firstOf(suspensions.map((e) => e.occurredAt));
    // A case splits at the first suspension naming its bank, its operator, both or neither.
    const suspendedFor = (c: { bankCode: string; operatorCode?: string }) =>
      firstOf(
        suspensions
          .filter(
            ({ data: d }) =>
              (d.bankCode === undefined || d.bankCode === c.bankCode) &&
              (d.operatorCode === undefined || d.operatorCode === c.operatorCode),
          )
          .map((e) => e.occurredAt),
      );
    const chargedAfter = counted.filter((c) => {
      const at = suspendedFor(c);
      return (
        at !== undefined &&
        charges.some((e) => accountOf(e.data) === c.account && e.occurredAt >= at)
      );
    });
    const linkedBefore = (c: (typeof counted)[number]) =>
      of('BankAccountLinked').some(
        (e) => accountOf(e.data) === c.account && e.occurredAt < suspendedFor(c)!,
      );

    // A row of cases and their damage; a case's own damage is every charge known on its account.
    const rowOf = (bankCode: string, at: typeof counted, damageYen: number) => {
      const compensatedYen = sum(at.map((c) => c.compensatedYen));
      const own = at.map((c) => ({
        paid: c.compensatedYen,
        charged: sum(charges.filter((e) => accountOf(e.data) === c.account).map(amount)),
      }));
      return {
        bankCode,
        cases: at.length,
        damageYen,
        compensatedYen,
        outstandingYen: damageYen - compensatedYen,
        compensatedCases: own.filter((c) => c.paid > 0 && c.paid >= c.charged).length,
        partlyCompensatedCases: own.filter((c) => c.paid > 0 && c.paid < c.charged).length,
        largestCaseYen: Math.max(0, ...own.map((c) => c.charged)),
      };
    };
    const byDate = (list: StoredEvent[]) => groupSum(list, (e) => this.dateOf(e.occurredAt));
    return {
      cases: counted.length,
      suspectedCases: counted.filter((c) => c.status === 'suspected').length,
      banksWithDamage: banks.length,
      damageYen: sum(damage.map(amount)),
      compensatedYen: sum(counted.map((c) => c.compensatedYen)),
      casesChargedBeforeLinkingSuspended: counted.length - chargedAfter.length,
      casesChargedAfterLinkingSuspended: chargedAfter.length,
      casesChargedAfterLinkingSuspendedViaEarlierLink: chargedAfter.filter(linkedBefore).length,
      linkingSuspendedAt: suspendedAt,
      oldestDamageDate:
        damage.length === 0 ? undefined : this.dateOf(Math.min(...damage.map((e) => e.occurredAt))),
      // A stop through one operator, or of every bank, is not a bank's stop.
      operatorsStoppedLinking: this.operatorsStopped([
        ...of('NewLinkingSuspended'),
        ...of('NewLinkingResumed'),
      ]),
      banksStoppedCharges: this.banksStopped(
        [...of('BankChargesStopped'), ...of('BankChargesResumed')].filter(
          (e) => e.data.bankCode !== undefined && e.data.operatorCode === undefined,
        ),
      ),
      walletsLocked: new Set(of('WalletLocked').map((e) => e.data.walletId)).size,
      inquiries: sum(of('InquiriesReceived').map((e) => e.data.count)),
      reports: counted
        .map((c) => ({ bankCode: c.bankCode, reportedAt: c.reportedAt }))
        .sort((x, y) => x.reportedAt - y.reportedAt || byText(x.bankCode, y.bankCode)),
      byBank: banks.map((bankCode) =>
        rowOf(
          bankCode,
          counted.filter((c) => c.bankCode === bankCode),
          sum(damage.filter((e) => e.data.bankCode === bankCode).map(amount)),
        ),
      ),
      // Per bank and operator: cases by their report's operator, damage by each charge's.
      byBankOperator: banks.flatMap((bankCode) => {
        const named = (op: string | undefined): op is string => op !== undefined;
        const operators = new Set([
          ...counted.filter((c) => c.bankCode === bankCode).map((c) => c.operatorCode),
          ...damage.filter((e) => e.data.bankCode === bankCode).map((e) => e.data.operatorCode),
        ]);
        return [...operators]
          .filter(named)
          .sort(byText)
          .map((operatorCode) => {
            const at = counted.filter(
              (c) => c.bankCode === bankCode && c.operatorCode === operatorCode,
            );
            const through = damage.filter(
              (e) => e.data.bankCode === bankCode && e.data.operatorCode === operatorCode,
            );
            return { operatorCode, ...rowOf(bankCode, at, sum(through.map(amount))) };
          })
          .filter((r) => r.cases > 0 || r.damageYen > 0);
      }),
      // Every reported case by bank and status, counted or not; charges once per account.
      byBankStatus: [...new Set(cases.map((c) => c.bankCode))].sort(byText).flatMap((bankCode) =>
        CASE_STATUSES.flatMap((status) => {
          const at = cases.filter((c) => c.bankCode === bankCode && c.status === status);
          const accounts = new Set(at.map((c) => c.account));
          const charged = charges.filter((e) => accounts.has(accountOf(e.data)));
          return at.length === 0
            ? []
            : [{ bankCode, status, cases: at.length, damageYen: sum(charged.map(amount)) }];
        }),
      ),
      byDay: nonZero(byDate(damage)).map(([date, damageYen]) => ({ date, damageYen })),
      byBankDay: banks.flatMap((bankCode) =>
        nonZero(byDate(damage.filter((e) => e.data.bankCode === bankCode))).map(
          ([date, damageYen]) => ({ bankCode, date, damageYen }),
        ),
      ),
      byMerchant: merchantsOf(damage, of('PurchaseMade')),
      controls: this.history.events
        .filter((e) => e.recordedAt <= asOf && CONTROLS.has(e.type))
        .map((e) => ({ at: e.occurredAt, control: e.type, subject: subjectOf(e) }))
        .sort((x, y) => x.at - y.at),
    };
  }

  /**
   * A figure as of `asOf`, by its name in a publication, about one bank or as a change since an
   * earlier time where asked: the model's own reading of each (scenarios/README.md).
   */
  figure(
    name: string,
    q: { bank?: string; operator?: string; since?: number; status?: string },
    asOf: number,
  ): number {
    const value = (t: number): number => {
      const r = this.reportAsOf(t);
      // With bank:, the figures of the bank table read that bank's row (none: 0); with operator:,
      // the bank-operator table's rows of that operator.
      const rows = q.operator === undefined ? r.byBank : r.byBankOperator;
      const banks = rows.filter(
        (b) =>
          (q.bank === undefined || b.bankCode === q.bank) &&
          (q.operator === undefined ||
            (b as { operatorCode?: string }).operatorCode === q.operator),
      );
      if (q.status !== undefined && (name === 'cases' || name === 'damageYen'))
        return sum(
          r.byBankStatus
            .filter((b) => b.status === q.status && (q.bank === undefined || b.bankCode === q.bank))
            .map((b) => b[name]),
        );
      switch (name) {
        case 'cases':
        case 'damageYen':
        case 'compensatedYen':
        case 'outstandingYen':
        case 'compensatedCases':
        case 'partlyCompensatedCases':
          return sum(banks.map((b) => b[name]));
        case 'largestCaseYen':
          return Math.max(0, ...banks.map((b) => b.largestCaseYen));
        case 'banksWithDamage':
        case 'casesChargedBeforeLinkingSuspended':
        case 'casesChargedAfterLinkingSuspended':
        case 'casesChargedAfterLinkingSuspendedViaEarlierLink':
        case 'inquiries':
        case 'walletsLocked':
          return r[name];
        case 'operatorsWithDamage':
          return new Set(
            r.byBankOperator
              .filter((b) => q.bank === undefined || b.bankCode === q.bank)
              .map((b) => b.operatorCode),
          ).size;
        case 'operatorsStoppedLinking':
          return r.operatorsStoppedLinking.length;
        case 'banksStoppedCharges':
          return r.banksStoppedCharges.length;
        case 'bankStoppedCharges':
          return r.banksStoppedCharges.includes(q.bank!) ? 1 : 0;
        case 'oldestDamageMonth':
          return r.oldestDamageDate === undefined
            ? 0
            : Number(r.oldestDamageDate.slice(0, 7).replace('-', ''));
        case 'banksReporting':
          return new Set(r.reports.filter((x) => x.reportedAt > q.since!).map((x) => x.bankCode))
            .size;
        default:
          throw new Error(`the figures model has no definition of figure ${name}`);
      }
    };
    const noChange = ['oldestDamageMonth', 'bankStoppedCharges', 'largestCaseYen'].includes(name);
    if (q.since === undefined || noChange || name === 'banksReporting') return value(asOf);
    return value(asOf) - value(q.since);
  }

  private dateOf(t: number): string {
    let date = this.dates.get(t);
    if (date === undefined) this.dates.set(t, (date = this.day.format(new Date(t))));
    return date;
  }

  /** Operators named by a linking control that is the last written of its scope and suspends. */
  private operatorsStopped(controls: readonly StoredEvent[]): string[] {
    const scope = (e: StoredEvent) => {
      const d = e.data as { bankCode?: string; operatorCode?: string };
      return `${d.bankCode ?? ''}/${d.operatorCode}`;
    };
    const named = controls.filter((e) => (e.data as { operatorCode?: string }).operatorCode);
    const stopped = [...new Set(named.map(scope))]
      .map((k) => named.filter((e) => scope(e) === k).reduce(later))
      .filter((e) => e.type === 'NewLinkingSuspended')
      .map((e) => (e.data as { operatorCode: string }).operatorCode);
    return [...new Set(stopped)].sort(byText);
  }

  /** Banks whose charge control written last (recordedAt, then position) is a stop. */
  private banksStopped(controls: readonly StoredEvent[]): string[] {
    const banks = [...new Set(controls.map((e) => (e.data as { bankCode: string }).bankCode))];
    return banks
      .filter(
        (bank) =>
          controls.filter((e) => (e.data as { bankCode: string }).bankCode === bank).reduce(later)
            .type === 'BankChargesStopped',
      )
      .sort(byText);
  }
}

/**
 * Where the damage went: per wallet charged from a damaged account, its spending per category,
 * all of it while the wallet spent no more than the damage charged into it, else each category's
 * share of that damage, rounded down.
 */
function merchantsOf(
  damage: (StoredEvent & { data: EventDataMap['ChargeExecuted'] })[],
  purchases: (StoredEvent & { data: EventDataMap['PurchaseMade'] })[],
): { merchantCategory: string; spentYen: number }[] {
  const spent = new Map<string, bigint>();
  for (const wallet of new Set(damage.map((e) => e.data.walletId))) {
    const into = BigInt(sum(damage.filter((e) => e.data.walletId === wallet).map(amount)));
    const own = purchases.filter((e) => e.data.walletId === wallet);
    const byCategory = groupSum(own, (e) => e.data.merchantCategory);
    const total = BigInt(sum(own.map(amount)));
    for (const [category, yen] of byCategory) {
      const share = total <= into ? BigInt(yen) : (BigInt(yen) * into) / total;
      spent.set(category, (spent.get(category) ?? 0n) + share);
    }
  }
  return [...spent]
    .sort(([x], [y]) => byText(x, y))
    .map(([merchantCategory, yen]) => ({ merchantCategory, spentYen: Number(yen) }));
}

/** A formatter of dates in a zone, made once per zone (making one costs more than a model). */
const DAY_FORMATS = new Map<string, Intl.DateTimeFormat>();
function dayFormat(zone: string): Intl.DateTimeFormat {
  let format = DAY_FORMATS.get(zone);
  if (format === undefined) {
    // en-CA writes dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    DAY_FORMATS.set(zone, format);
  }
  return format;
}

const CONTROLS = new Set<string>([
  'NewLinkingSuspended',
  'NewLinkingResumed',
  'BankLinkPolicySet',
  'BankChargesStopped',
  'BankChargesResumed',
  'EkycRequired',
  'CompensationStarted',
]);

function subjectOf(e: StoredEvent): string {
  if (e.type === 'EkycRequired' || e.type === 'CompensationStarted') return 'all wallets';
  const { bankCode, operatorCode } = e.data as { bankCode?: string; operatorCode?: string };
  if (bankCode !== undefined && operatorCode !== undefined)
    return `${bankCode} via ${operatorCode}`;
  return bankCode ?? operatorCode ?? 'all banks';
}

const amount = (e: StoredEvent) => (e.data as { amountYen: number }).amountYen;
const sum = (xs: readonly number[]) => xs.reduce((n, x) => n + x, 0);
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const earlier = <E extends StoredEvent>(a: E, b: E) => (rank(b, a) < 0 ? b : a);
const later = <E extends StoredEvent>(a: E, b: E) => (rank(b, a) > 0 ? b : a);
const rank = (a: StoredEvent, b: StoredEvent) =>
  a.recordedAt - b.recordedAt || a.globalPosition - b.globalPosition;

/** Sums per group, sorted by group. */
function groupSum<E extends StoredEvent>(list: readonly E[], group: (e: E) => string) {
  const sums = new Map<string, number>();
  for (const e of list) sums.set(group(e), (sums.get(group(e)) ?? 0) + amount(e));
  return [...sums].sort(([x], [y]) => byText(x, y));
}

const nonZero = (rows: [string, number][]) => rows.filter(([, yen]) => yen !== 0);
