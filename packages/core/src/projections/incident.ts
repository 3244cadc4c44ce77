import {
  DOMAIN,
  KEY_DOMAIN_COUNT,
  KeyDictionary,
  allocateColumns,
  encodeRow,
  knownTypeCode,
  typeOfCode,
  type ColumnBatch,
  type MutableColumnBatch,
} from '../events/columns';
import type { CaseStatus, StoredEvent } from '../events/types';
import { DayCalendar } from '../time/calendar';
import type { Projection, StateCodec } from './projection';
import { CHUNK_MASK, Pool, Table } from './table';

/** Statuses under which a case counts toward the operator's figures. */
export const COUNTED_STATUSES: ReadonlySet<CaseStatus> = new Set<CaseStatus>([
  'suspected',
  'confirmed',
]);

/*
 * State is kept in typed columns indexed by dictionary keys (events/columns.ts): a million accounts
 * cost tens of megabytes, not a million objects, and the hot path never hashes a string. Lists that
 * grow with an account or a wallet (its charges per day, its wallets, its spending per category)
 * are
 * linked lists threaded through tables, newest first: charges arrive roughly in time order, so the
 * entry a charge adds to is almost always the first one looked at.
 */
const NONE = -1;
const accountSpec = {
  bank: { kind: 'i32', fill: NONE },
  firstChargeAt: { kind: 'f64', fill: Number.POSITIVE_INFINITY },
  lastChargeAt: { kind: 'f64', fill: Number.NEGATIVE_INFINITY },
  /** When a wallet was first linked to the account (occurredAt), if the ledger saw the link. */
  linkedAt: { kind: 'f64', fill: Number.POSITIVE_INFINITY },
  /** Counted cases naming the account: its charges are damage while this is above 0. */
  countedCases: { kind: 'i32', fill: 0 },
  /**
   * First entry of its charges per day (dayCharges), and of the wallets it was charged into
   * (accountWallets).
   */
  dayHead: { kind: 'i32', fill: NONE },
  walletHead: { kind: 'i32', fill: NONE },
} as const;
/**
 * An entry of a list of yen added up by key: an account's charges per day and per wallet, a
 * wallet's spending per merchant category.
 */
const entrySpec = {
  key: { kind: 'i32', fill: 0 },
  yen: { kind: 'int', fill: 0 },
  next: { kind: 'i32', fill: NONE },
} as const;
const walletSpec = {
  locked: { kind: 'u8', fill: 0 },
  purchaseHead: { kind: 'i32', fill: NONE },
} as const;
const caseSpec = {
  /**
   * Status code (events/columns.ts) of the latest status written by a report or a reclassification,
   * latest by (recordedAt, position); 0 if none. It counts only once the case is reported
   * (statusOf).
   */
  status: { kind: 'u8', fill: 0 },
  statusAt: { kind: 'f64', fill: Number.NEGATIVE_INFINITY },
  statusPosition: { kind: 'f64', fill: 0 },
  /** Of the first report by (recordedAt, position): the case's bank and account. */
  bank: { kind: 'i32', fill: NONE },
  account: { kind: 'i32', fill: NONE },
  /**
   * When the case was first reported (recordedAt): what "known on 09-08" counts. Infinite until
   * reported.
   */
  reportedAt: { kind: 'f64', fill: Number.POSITIVE_INFINITY },
  reportPosition: { kind: 'f64', fill: 0 },
  compensatedYen: { kind: 'f64', fill: 0 },
} as const;
const reportOrderSpec = { case: { kind: 'i32', fill: 0 } } as const;
const bankSpec = {
  cases: { kind: 'i32', fill: 0 },
  /**
   * 1 if the bank's latest charge control (stop or resume, latest by recordedAt and position) is a
   * stop.
   */
  chargesStopped: { kind: 'u8', fill: 0 },
  chargesControlAt: { kind: 'f64', fill: Number.NEGATIVE_INFINITY },
  chargesControlPosition: { kind: 'f64', fill: 0 },
} as const;

export interface ControlEntry {
  at: number;
  type: string;
  subject: string;
}

export interface IncidentState {
  readonly calendar: DayCalendar;
  /** Whose key numbers the state holds (ColumnBatch.keySpace); undefined until the first event. */
  keySpace: string | undefined;
  accounts: Table<typeof accountSpec>;
  /** Keyed by calendar day. */
  dayCharges: Pool<typeof entrySpec>;
  /** Keyed by wallet: the yen the account charged into it. */
  accountWallets: Pool<typeof entrySpec>;
  wallets: Table<typeof walletSpec>;
  /** Keyed by merchant category. */
  purchases: Pool<typeof entrySpec>;
  cases: Table<typeof caseSpec>;
  /** Cases in the order their first report was folded: the order reports list them in. */
  reportOrder: Table<typeof reportOrderSpec>;
  banks: Table<typeof bankSpec>;
  /** Names of the banks and merchant categories seen, by key: reports print them. */
  bankNames: string[];
  categoryNames: string[];
  /** Damage per bank key, per day, and per day per bank key. */
  bankDamage: Map<number, number>;
  dayDamage: Map<number, number>;
  bankDayDamage: Map<number, Map<number, number>>;
  countedCases: number;
  suspectedCases: number;
  banksWithDamage: number;
  damageYen: number;
  walletsLocked: number;
  /**
   * When new linking was first suspended (occurredAt), resumed since or not: the instant "cases
   * before
   * new linking stopped / after" splits at, which a resumption or a second suspension does not
   * move.
   */
  linkingSuspendedAt: number | undefined;
  inquiries: number;
  controls: ControlEntry[];
  /**
   * The state's own dictionary and one-row batch, for events folded one by one (Projection.evolve).
   */
  own: { keys: KeyDictionary; row: MutableColumnBatch } | undefined;
}

const OWN_KEY_SPACE = 'fold';
/**
 * Rows a table starts with: few enough that its columns are small arrays, cheap to make (fuzzed
 * sequences and as-of folds start thousands of states of a few keys); a store's key counts size a
 * large replay's tables at once anyway (reserve).
 */
const FIRST_ROWS = 8;

function initIncident(zone: string): IncidentState {
  return {
    calendar: new DayCalendar(zone),
    keySpace: undefined,
    accounts: new Table(accountSpec, FIRST_ROWS),
    dayCharges: new Pool(entrySpec),
    accountWallets: new Pool(entrySpec),
    wallets: new Table(walletSpec, FIRST_ROWS),
    purchases: new Pool(entrySpec),
    cases: new Table(caseSpec, FIRST_ROWS),
    reportOrder: new Table(reportOrderSpec, FIRST_ROWS),
    banks: new Table(bankSpec, FIRST_ROWS),
    bankNames: [],
    categoryNames: [],
    bankDamage: new Map(),
    dayDamage: new Map(),
    bankDayDamage: new Map(),
    countedCases: 0,
    suspectedCases: 0,
    banksWithDamage: 0,
    damageYen: 0,
    walletsLocked: 0,
    linkingSuspendedAt: undefined,
    inquiries: 0,
    controls: [],
    own: undefined,
  };
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
 *
 * One fold, two ways in: evolveColumns folds rows of a columnar batch (the replay hot path), and
 * evolve encodes one event into a row with the state's own dictionary and folds that.
 */
export function incidentProjection(zone: string): Projection<IncidentState> {
  return {
    name: 'incident',
    version: 12,
    init: () => initIncident(zone),
    evolve: evolveEvent,
    evolveColumns,
    codec: incidentCodec(zone),
    parameters: { zone },
  };
}

function evolveEvent(s: IncidentState, e: StoredEvent): void {
  let own = s.own;
  if (own === undefined) {
    const keys = new KeyDictionary();
    own = s.own = { keys, row: allocateColumns(1, OWN_KEY_SPACE, keys) };
  }
  own.row.position[0] = e.globalPosition;
  encodeRow(own.row, 0, e, own.keys); // rare events carry nothing the incident reads
  own.row.length = 1;
  for (let d = 0; d < own.row.keyCounts.length; d++) own.row.keyCounts[d] = own.keys.size(d);
  evolveColumns(s, own.row, 0, 1);
}

const T = {
  charge: knownTypeCode('ChargeExecuted'),
  linked: knownTypeCode('BankAccountLinked'),
  purchase: knownTypeCode('PurchaseMade'),
  reported: knownTypeCode('CaseReported'),
  reclassified: knownTypeCode('CaseReclassified'),
  compensation: knownTypeCode('CompensationPaid'),
  inquiries: knownTypeCode('InquiriesReceived'),
  linkingSuspended: knownTypeCode('NewLinkingSuspended'),
  linkingResumed: knownTypeCode('NewLinkingResumed'),
  linkPolicySet: knownTypeCode('BankLinkPolicySet'),
  chargesStopped: knownTypeCode('BankChargesStopped'),
  chargesResumed: knownTypeCode('BankChargesResumed'),
  locked: knownTypeCode('WalletLocked'),
  ekycRequired: knownTypeCode('EkycRequired'),
  compensationStarted: knownTypeCode('CompensationStarted'),
};
const SUSPECTED = 1;
const counts = (status: number) => status === 1 || status === 2; // suspected, confirmed: COUNTED_STATUSES

function evolveColumns(s: IncidentState, b: ColumnBatch, from: number, to: number): void {
  if (s.keySpace !== b.keySpace) {
    if (s.keySpace !== undefined)
      throw new Error(
        `incident state holds keys of "${s.keySpace}", cannot fold a batch keyed by "${b.keySpace}"`,
      );
    s.keySpace = b.keySpace;
  }
  // A batch's key counts bound its keys; a store's bound the whole read
  // (ColumnBatch.keyCountsFinal).
  const k = b.keyCounts;
  const final = b.keyCountsFinal === true;
  s.wallets.reserve(k[DOMAIN.wallet]!, final);
  s.banks.reserve(k[DOMAIN.bank]!, final);
  s.accounts.reserve(k[DOMAIN.account]!, final);
  s.cases.reserve(k[DOMAIN.case]!, final);
  const { type, occurredAt } = b;
  // Rows missing a key their type carries are passed over: validation never lets such events in.
  for (let i = from; i < to; i++) {
    switch (type[i]) {
      case T.charge:
        if (b.account[i]! < 0 || b.wallet[i]! < 0) break;
        charge(s, b.account[i]!, b.bank[i]!, b.wallet[i]!, occurredAt[i]!, b.amount[i]!);
        break;
      case T.purchase:
        if (b.wallet[i]! < 0 || b.category[i]! < 0) break;
        purchase(s, b, b.wallet[i]!, b.category[i]!, b.amount[i]!);
        break;
      case T.linked: {
        const a = b.account[i]!;
        if (a < 0) break;
        const accounts = s.accounts.cols;
        accounts.bank[a] = b.bank[i]!;
        if (occurredAt[i]! < accounts.linkedAt[a]!) accounts.linkedAt[a] = occurredAt[i]!;
        break;
      }
      case T.reported:
        if (b.case[i]! < 0 || b.account[i]! < 0 || b.status[i]! === 0) break;
        writeStatus(s, b, i, b.account[i]!);
        break;
      case T.reclassified:
        if (b.case[i]! < 0 || b.status[i]! === 0) break;
        writeStatus(s, b, i, NONE);
        break;
      case T.compensation: {
        // Kept whenever it arrives: it shows once its case counts (incidentReport).
        const c = b.case[i]!;
        if (c >= 0) s.cases.cols.compensatedYen[c]! += b.amount[i]!;
        break;
      }
      case T.inquiries:
        s.inquiries += b.amount[i]!;
        break;
      case T.linkingSuspended:
        if (s.linkingSuspendedAt === undefined || occurredAt[i]! < s.linkingSuspendedAt)
          s.linkingSuspendedAt = occurredAt[i]!;
        control(s, b, i, 'all banks');
        break;
      case T.linkingResumed:
        control(s, b, i, 'all banks');
        break;
      case T.linkPolicySet:
        if (b.bank[i]! >= 0) control(s, b, i, bankName(s, b, b.bank[i]!));
        break;
      case T.chargesStopped:
      case T.chargesResumed: {
        const bank = b.bank[i]!;
        if (bank < 0) break;
        chargeControl(s.banks.cols, bank, b, i, type[i] === T.chargesStopped);
        control(s, b, i, bankName(s, b, bank));
        break;
      }
      case T.locked: {
        const w = b.wallet[i]!;
        if (w >= 0 && s.wallets.cols.locked[w] === 0) {
          s.wallets.cols.locked[w] = 1;
          s.walletsLocked++;
        }
        break;
      }
      case T.ekycRequired:
      case T.compensationStarted:
        control(s, b, i, 'all wallets');
        break;
      default:
        break;
    }
  }
}

function charge(
  s: IncidentState,
  a: number,
  bank: number,
  wallet: number,
  at: number,
  yen: number,
): void {
  const accounts = s.accounts.cols;
  accounts.bank[a] = bank;
  const day = s.calendar.dayOf(at);
  accounts.dayHead[a] = accumulate(s.dayCharges, accounts.dayHead[a]!, day, yen);
  if (at < accounts.firstChargeAt[a]!) accounts.firstChargeAt[a] = at;
  if (at > accounts.lastChargeAt[a]!) accounts.lastChargeAt[a] = at;
  accounts.walletHead[a] = accumulate(s.accountWallets, accounts.walletHead[a]!, wallet, yen);
  if (accounts.countedCases[a]! > 0) addDamage(s, bank, day, yen);
}

/**
 * Adds yen to the entry for `key` in the list starting at `head`, or puts a new entry first;
 * returns the list's head.
 */
function accumulate(pool: Pool<typeof entrySpec>, head: number, key: number, yen: number): number {
  for (let e = head; e !== NONE;) {
    const c = pool.at(e);
    const i = e & CHUNK_MASK;
    if (c.key[i] === key) {
      pool.add(e, 'yen', yen);
      return head;
    }
    e = c.next[i]!;
  }
  const e = pool.push();
  const c = pool.at(e);
  const i = e & CHUNK_MASK;
  c.key[i] = key;
  pool.set(e, 'yen', yen);
  c.next[i] = head;
  return e;
}

function purchase(
  s: IncidentState,
  b: ColumnBatch,
  wallet: number,
  category: number,
  yen: number,
): void {
  if (s.categoryNames[category] === undefined)
    s.categoryNames[category] = b.names.name('category', category);
  const wallets = s.wallets.cols;
  wallets.purchaseHead[wallet] = accumulate(
    s.purchases,
    wallets.purchaseHead[wallet]!,
    category,
    yen,
  );
}

/** The status a case counts by: the latest written, once the case is reported; 0 before. */
function statusOf(cases: IncidentState['cases']['cols'], c: number): number {
  return cases.reportedAt[c]! === Number.POSITIVE_INFINITY ? 0 : cases.status[c]!;
}

/**
 * Whether (at, position) comes before (thanAt, thanPosition): store positions break ties in
 * recordedAt.
 */
const before = (at: number, position: number, thanAt: number, thanPosition: number) =>
  at < thanAt || (at === thanAt && position < thanPosition);

/**
 * Row i stops or resumes charges at a bank. The latest by (recordedAt, position) decides, whatever
 * order they are folded in, as for a case's status.
 */
function chargeControl(
  banks: IncidentState['banks']['cols'],
  bank: number,
  b: ColumnBatch,
  i: number,
  stop: boolean,
): void {
  const at = b.recordedAt[i]!;
  const position = b.position[i]!;
  if (!before(banks.chargesControlAt[bank]!, banks.chargesControlPosition[bank]!, at, position))
    return;
  banks.chargesControlAt[bank] = at;
  banks.chargesControlPosition[bank] = position;
  banks.chargesStopped[bank] = stop ? 1 : 0;
}

/**
 * Row i writes its case's status: a report (with the account it names) or a reclassification
 * (account NONE). The latest write by (recordedAt, position) decides the status and the first
 * report
 * the bank, account and report time, whatever order they are folded in: a store built in steps,
 * whose
 * later appends may carry earlier recordedAt, counts as a fresh replay does. A reclassification of
 * a
 * case not yet reported waits in the status column until the report arrives.
 */
function writeStatus(s: IncidentState, b: ColumnBatch, i: number, account: number): void {
  const cases = s.cases.cols;
  const c = b.case[i]!;
  const at = b.recordedAt[i]!;
  const position = b.position[i]!;
  const old = statusOf(cases, c);
  let counted = counts(old);
  if (account !== NONE && before(at, position, cases.reportedAt[c]!, cases.reportPosition[c]!)) {
    if (counted) count(s, c, -1); // its damage follows its account
    counted = false;
    if (cases.reportedAt[c] === Number.POSITIVE_INFINITY) {
      const row = s.reportOrder.push(); // may reallocate reportOrder's columns: read them after
      s.reportOrder.cols.case[row] = c;
    }
    cases.bank[c] = b.bank[i]!;
    cases.account[c] = account;
    cases.reportedAt[c] = at;
    cases.reportPosition[c] = position;
    bankName(s, b, b.bank[i]!);
  }
  if (before(cases.statusAt[c]!, cases.statusPosition[c]!, at, position)) {
    cases.status[c] = b.status[i]!;
    cases.statusAt[c] = at;
    cases.statusPosition[c] = position;
  }
  const status = statusOf(cases, c);
  s.suspectedCases += (status === SUSPECTED ? 1 : 0) - (old === SUSPECTED ? 1 : 0);
  if (counts(status) !== counted) count(s, c, counts(status) ? 1 : -1);
}

/** Starts (+1) or stops (-1) counting a case, with its account's charges as damage. */
function count(s: IncidentState, c: number, sign: 1 | -1): void {
  const bank = s.cases.cols.bank[c]!;
  const a = s.cases.cols.account[c]!;
  s.countedCases += sign;
  const bankCases = (s.banks.cols.cases[bank]! += sign);
  if (sign > 0 && bankCases === 1) s.banksWithDamage++;
  if (sign < 0 && bankCases === 0) s.banksWithDamage--;
  const accounts = s.accounts.cols;
  accounts.bank[a] = bank;
  const counted = (accounts.countedCases[a]! += sign);
  // The account's charges become damage with its first counted case and stop with its last.
  if (counted === (sign > 0 ? 1 : 0)) {
    for (let e = accounts.dayHead[a]!; e !== NONE;) {
      const c = s.dayCharges.at(e);
      const i = e & CHUNK_MASK;
      addDamage(s, bank, c.key[i]!, sign * c.yen[i]!);
      e = c.next[i]!;
    }
  }
}

function addDamage(s: IncidentState, bank: number, day: number, yen: number): void {
  s.damageYen += yen;
  add(s.bankDamage, bank, yen);
  add(s.dayDamage, day, yen);
  let days = s.bankDayDamage.get(bank);
  if (days === undefined) s.bankDayDamage.set(bank, (days = new Map()));
  add(days, day, yen);
}

function add<K>(m: Map<K, number>, k: K, v: number): number {
  const n = (m.get(k) ?? 0) + v;
  m.set(k, n);
  return n;
}

function bankName(s: IncidentState, b: ColumnBatch, bank: number): string {
  return (s.bankNames[bank] ??= b.names.name('bank', bank));
}

function control(s: IncidentState, b: ColumnBatch, i: number, subject: string): void {
  s.controls.push({ at: b.occurredAt[i]!, type: typeOfCode(b.type[i]!)!, subject });
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
  /**
   * When each counted case was first reported (recordedAt), with its bank: for windowed figures.
   */
  reports: { bankCode: string; reportedAt: number }[];
  byBank: BankRow[];
  byDay: DayRow[];
  byBankDay: BankDayRow[];
  byMerchant: MerchantRow[];
  controls: ControlRow[];
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Where the damage went, by merchant category. A wallet's spending is taken to be paid first from
 * the damage charged into it (the yen its counted accounts charged into it), and only up to that
 * damage: money of its own (from accounts with no counted case) is spent after. What is attributed
 * is shared among the wallet's categories in proportion to their spending, rounded down to whole
 * yen. So a wallet counts once however many counted accounts charged it, and the total by merchant
 * never exceeds the damage spent, nor the damage.
 */
function spentByCategory(
  s: IncidentState,
  countedAccounts: ReadonlySet<number>,
): Map<number, number> {
  const damageIn = new Map<number, number>();
  for (const a of countedAccounts) {
    for (let e = s.accounts.cols.walletHead[a]!; e !== NONE;) {
      const c = s.accountWallets.at(e);
      add(damageIn, c.key[e & CHUNK_MASK]!, c.yen[e & CHUNK_MASK]!);
      e = c.next[e & CHUNK_MASK]!;
    }
  }
  const spent = new Map<number, number>();
  for (const [wallet, damage] of damageIn) {
    const head = s.wallets.cols.purchaseHead[wallet]!;
    let total = 0;
    for (let e = head; e !== NONE;) {
      const p = s.purchases.at(e);
      total += p.yen[e & CHUNK_MASK]!;
      e = p.next[e & CHUNK_MASK]!;
    }
    for (let e = head; e !== NONE;) {
      const p = s.purchases.at(e);
      const yen = p.yen[e & CHUNK_MASK]!;
      add(spent, p.key[e & CHUNK_MASK]!, total <= damage ? yen : share(yen, damage, total));
      e = p.next[e & CHUNK_MASK]!;
    }
  }
  return spent;
}

/** floor(yen * part / whole) in whole yen, exact however large the product. */
function share(yen: number, part: number, whole: number): number {
  const product = yen * part;
  return product <= Number.MAX_SAFE_INTEGER
    ? Math.floor(product / whole)
    : Number((BigInt(yen) * BigInt(part)) / BigInt(whole));
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
}

export function incidentDamage(s: IncidentState): IncidentDamage {
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
  return { damageYen: s.damageYen, byBank, byDay, byBankDay };
}

/** The report of an incident state: plain data, sorted, ready to print or compare. */
export function incidentReport(s: IncidentState): IncidentReport {
  const cases = s.cases.cols;
  const accounts = s.accounts.cols;
  const counted: number[] = [];
  for (let i = 0; i < s.reportOrder.size; i++) {
    const c = s.reportOrder.cols.case[i]!;
    if (counts(statusOf(cases, c))) counted.push(c);
  }
  const compensatedByBank = new Map<number, number>();
  let compensatedYen = 0;
  for (const c of counted) {
    add(compensatedByBank, cases.bank[c]!, cases.compensatedYen[c]!);
    compensatedYen += cases.compensatedYen[c]!;
  }

  const suspended = s.linkingSuspendedAt;
  let after = 0;
  let afterViaEarlierLink = 0;
  let oldest = Number.POSITIVE_INFINITY;
  const countedAccounts = new Set<number>();
  for (const c of counted) {
    const a = cases.account[c]!;
    if (suspended !== undefined && accounts.lastChargeAt[a]! >= suspended) {
      after++;
      if (accounts.linkedAt[a]! < suspended) afterViaEarlierLink++;
    }
    if (accounts.firstChargeAt[a]! < oldest) oldest = accounts.firstChargeAt[a]!;
    countedAccounts.add(a);
  }
  const spent = spentByCategory(s, countedAccounts);

  const damage = incidentDamage(s);
  const byBank: BankRow[] = damage.byBank
    .map(({ bank, cases, damageYen }) => {
      const compensated = compensatedByBank.get(bank) ?? 0;
      return {
        bankCode: s.bankNames[bank]!,
        cases,
        damageYen,
        compensatedYen: compensated,
        outstandingYen: damageYen - compensated,
      };
    })
    .sort((x, y) => byText(x.bankCode, y.bankCode));
  const byDay = damage.byDay
    .sort((x, y) => x.day - y.day)
    .map(({ day, damageYen }) => ({ date: DayCalendar.isoDate(day), damageYen }));
  const byBankDay = damage.byBankDay
    .map(({ bank, day, damageYen }) => ({ bankCode: s.bankNames[bank]!, day, damageYen }))
    .sort((x, y) => byText(x.bankCode, y.bankCode) || x.day - y.day)
    .map(({ bankCode, day, damageYen }) => ({
      bankCode,
      date: DayCalendar.isoDate(day),
      damageYen,
    }));
  const banks = s.banks.cols;
  const stopped: string[] = [];
  for (let b = 0; b < s.banks.size; b++)
    if (banks.chargesStopped[b] === 1) stopped.push(s.bankNames[b]!);
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
    oldestDamageDate: Number.isFinite(oldest)
      ? DayCalendar.isoDate(s.calendar.dayOf(oldest))
      : undefined,
    banksStoppedCharges: stopped.sort(byText),
    walletsLocked: s.walletsLocked,
    inquiries: s.inquiries,
    reports: counted
      .map((c) => ({ bankCode: s.bankNames[cases.bank[c]!]!, reportedAt: cases.reportedAt[c]! }))
      .sort((x, y) => x.reportedAt - y.reportedAt),
    byBank,
    byDay,
    byBankDay,
    byMerchant: [...spent.entries()]
      .map(([category, spentYen]) => ({ merchantCategory: s.categoryNames[category]!, spentYen }))
      .sort((x, y) => byText(x.merchantCategory, y.merchantCategory)),
    controls: s.controls
      .map((c) => ({ at: c.at, control: c.type, subject: c.subject }))
      .sort((x, y) => x.at - y.at),
  };
}

/** What the typed tables cannot hold, as JSON. */
interface IncidentDocument {
  keySpace: string | undefined;
  bankNames: (string | null)[];
  categoryNames: (string | null)[];
  bankDamage: [number, number][];
  dayDamage: [number, number][];
  bankDayDamage: [number, [number, number][]][];
  countedCases: number;
  suspectedCases: number;
  banksWithDamage: number;
  damageYen: number;
  walletsLocked: number;
  linkingSuspendedAt: number | null;
  inquiries: number;
  controls: ControlEntry[];
  tableSizes: Record<string, number>;
  /** The state's own dictionary (events folded one by one), key texts per domain. */
  ownKeys: (readonly string[])[] | null;
}

const TABLES = [
  'accounts',
  'dayCharges',
  'accountWallets',
  'wallets',
  'purchases',
  'cases',
  'reportOrder',
  'banks',
] as const;

/**
 * Saves the state as one JSON section and one section per column of each table in use, and reads it
 * back.
 */
function incidentCodec(zone: string): StateCodec<IncidentState> {
  return {
    encode(s) {
      const doc: IncidentDocument = {
        keySpace: s.keySpace,
        bankNames: Array.from(s.bankNames, (n) => n ?? null),
        categoryNames: Array.from(s.categoryNames, (n) => n ?? null),
        bankDamage: [...s.bankDamage],
        dayDamage: [...s.dayDamage],
        bankDayDamage: [...s.bankDayDamage].map(([bank, days]) => [bank, [...days]]),
        countedCases: s.countedCases,
        suspectedCases: s.suspectedCases,
        banksWithDamage: s.banksWithDamage,
        damageYen: s.damageYen,
        walletsLocked: s.walletsLocked,
        linkingSuspendedAt: s.linkingSuspendedAt ?? null,
        inquiries: s.inquiries,
        controls: s.controls,
        tableSizes: Object.fromEntries(TABLES.map((t) => [t, s[t].size])),
        ownKeys:
          s.own === undefined
            ? null
            : Array.from({ length: KEY_DOMAIN_COUNT }, (_, d) => s.own!.keys.texts(d)),
      };
      const sections = new Map<string, Uint8Array>([['state', Buffer.from(JSON.stringify(doc))]]);
      for (const t of TABLES) {
        if (s[t].size === 0) continue; // saved by its size alone: a fresh table is one
        for (const [column, values] of s[t].columns()) {
          // Bytes as they are; other widths viewed as bytes.
          sections.set(
            sectionName(t, column),
            values instanceof Uint8Array
              ? values
              : new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
          );
        }
      }
      return sections;
    },
    decode(sections) {
      const json = sections.get('state');
      if (json === undefined) throw new Error('saved incident state has no state section');
      const doc = JSON.parse(Buffer.from(json).toString()) as IncidentDocument;
      const s = initIncident(zone);
      s.keySpace = doc.keySpace;
      doc.bankNames.forEach((n, i) => n !== null && (s.bankNames[i] = n));
      doc.categoryNames.forEach((n, i) => n !== null && (s.categoryNames[i] = n));
      s.bankDamage = new Map(doc.bankDamage);
      s.dayDamage = new Map(doc.dayDamage);
      s.bankDayDamage = new Map(doc.bankDayDamage.map(([bank, days]) => [bank, new Map(days)]));
      s.countedCases = doc.countedCases;
      s.suspectedCases = doc.suspectedCases;
      s.banksWithDamage = doc.banksWithDamage;
      s.damageYen = doc.damageYen;
      s.walletsLocked = doc.walletsLocked;
      s.linkingSuspendedAt = doc.linkingSuspendedAt ?? undefined;
      s.inquiries = doc.inquiries;
      s.controls = doc.controls;
      for (const t of TABLES) {
        const size = doc.tableSizes[t] ?? 0;
        if (size > 0) s[t].restore(size, (column) => section(sections, sectionName(t, column)));
      }
      if (doc.ownKeys !== null) {
        const keys = new KeyDictionary();
        doc.ownKeys.forEach((texts, d) => texts.forEach((text, id) => keys.learn(d, id, text)));
        s.own = { keys, row: allocateColumns(1, OWN_KEY_SPACE, keys) };
      }
      return s;
    },
  };
}

/**
 * Section names (table.column) by table and column, made once: a fresh name per save and restore
 * costs a string hash at each lookup.
 */
const SECTION_NAMES = new Map<string, Map<string, string>>();
function sectionName(table: string, column: string): string {
  let names = SECTION_NAMES.get(table);
  if (names === undefined) SECTION_NAMES.set(table, (names = new Map()));
  let name = names.get(column);
  if (name === undefined) names.set(column, (name = `${table}.${column}`));
  return name;
}

/**
 * A saved column's bytes, as they were saved: tables read them at the width saved beside them
 * (table.ts).
 */
function section(sections: ReadonlyMap<string, Uint8Array>, name: string): Uint8Array {
  const bytes = sections.get(name);
  if (bytes === undefined) throw new Error(`saved incident state has no ${name} section`);
  return bytes;
}
