import type { ColumnBatch } from '../../events/columns';
import { DayCalendar } from '../../time/calendar';
import type { ColumnarState } from '../columnar';
import { columnarPart } from '../columnar-part';
import { accumulate, forEachEntry, NONE, newEntries, type Entries } from '../lists';
import type { Projection } from '../projection';
import { restoredNames, savedNames, sortedEntries } from '../table-codec';
import { Table } from '../table';
import { countsStatus, STATUS, TYPE } from './codes';

/*
 * The cases part of the incident, in typed columns indexed by dictionary keys (events/columns.ts):
 * which cases count, and their accounts' charges as damage per bank and per day (reference.ts
 * says what each figure means). A million accounts cost tens of megabytes, not a million objects,
 * and the hot path never hashes a string.
 */
const accountSpec = {
  /** Every charge on the account: the damage of each case naming it. */
  chargedYen: { kind: 'f64', fill: 0 },
  firstChargeAt: { kind: 'f64', fill: Number.POSITIVE_INFINITY },
  lastChargeAt: { kind: 'f64', fill: Number.NEGATIVE_INFINITY },
  /** When a wallet was first linked to the account (occurredAt), if the ledger saw the link. */
  linkedAt: { kind: 'f64', fill: Number.POSITIVE_INFINITY },
  /** Counted cases naming the account: its charges are damage while this is above 0. */
  countedCases: { kind: 'i32', fill: 0 },
  /** First entry of its charges per day (dayCharges). */
  dayHead: { kind: 'i32', fill: NONE },
  /** First entry of its charges per operator key (operatorCharges); charges naming none: none. */
  operatorHead: { kind: 'i32', fill: NONE },
} as const;
const caseSpec = {
  /**
   * Status code (codes.ts) of the latest status written by a report or a reclassification,
   * latest by (recordedAt, position); none if none. It counts only once the case is reported
   * (statusOf).
   */
  status: { kind: 'u8', fill: STATUS.none },
  statusAt: { kind: 'f64', fill: Number.NEGATIVE_INFINITY },
  statusPosition: { kind: 'f64', fill: 0 },
  /** Of the first report by (recordedAt, position): the case's bank, operator and account. */
  bank: { kind: 'i32', fill: NONE },
  /** Key of the operator its report names (the category column: events/columns.ts); NONE: none. */
  operator: { kind: 'i32', fill: NONE },
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
const bankSpec = { cases: { kind: 'i32', fill: 0 } } as const;

export interface CasesState extends ColumnarState {
  readonly calendar: DayCalendar;
  accounts: Table<typeof accountSpec>;
  /** Keyed by calendar day. */
  dayCharges: Entries;
  /** Keyed by operator key. */
  operatorCharges: Entries;
  cases: Table<typeof caseSpec>;
  /** Cases in the order their first report was folded. */
  reportOrder: Table<typeof reportOrderSpec>;
  banks: Table<typeof bankSpec>;
  /** Names of the banks of cases, by key: reports print them. */
  bankNames: string[];
  /** Names of the operators of cases and charges, by (category) key. */
  operatorNames: string[];
  /** Damage per bank key, per operator key: charges through the operator. */
  bankOperatorDamage: Map<number, Map<number, number>>;
  /** Damage per bank key, per day, and per day per bank key. */
  bankDamage: Map<number, number>;
  dayDamage: Map<number, number>;
  bankDayDamage: Map<number, Map<number, number>>;
  countedCases: number;
  suspectedCases: number;
  banksWithDamage: number;
  damageYen: number;
}

/**
 * Rows a table starts with: few enough that its columns are small arrays, cheap to make (fuzzed
 * sequences and as-of folds start thousands of states of a few keys); a store's key counts size a
 * large replay's tables at once anyway (reserve).
 */
export const FIRST_ROWS = 8;

const initCases = (zone: string): CasesState => ({
  keySpace: undefined,
  own: undefined,
  calendar: new DayCalendar(zone),
  accounts: new Table(accountSpec, FIRST_ROWS),
  dayCharges: newEntries(),
  operatorCharges: newEntries(),
  cases: new Table(caseSpec, FIRST_ROWS),
  reportOrder: new Table(reportOrderSpec, FIRST_ROWS),
  banks: new Table(bankSpec, FIRST_ROWS),
  bankNames: [],
  operatorNames: [],
  bankOperatorDamage: new Map(),
  bankDamage: new Map(),
  dayDamage: new Map(),
  bankDayDamage: new Map(),
  countedCases: 0,
  suspectedCases: 0,
  banksWithDamage: 0,
  damageYen: 0,
});

export const CASES_PART = 'incident-cases';

/** The cases part: cases, damage per bank, per day and per bank and day. */
export function casesPart(zone: string): Projection<CasesState> {
  return columnarPart({
    name: CASES_PART,
    version: 4,
    parameters: { zone },
    reads: ['type', 'occurredAt', 'bank', 'category', 'account', 'case', 'amount', 'status'],
    init: () => initCases(zone),
    keyed: { accounts: 'account', cases: 'case', banks: 'bank' },
    lists: ['dayCharges', 'operatorCharges', 'reportOrder'],
    document: (s) => ({
      bankNames: savedNames(s.bankNames),
      operatorNames: savedNames(s.operatorNames),
      bankOperatorDamage: sortedEntries(s.bankOperatorDamage).map(([bank, operators]) => [
        bank,
        sortedEntries(operators),
      ]),
      bankDamage: sortedEntries(s.bankDamage),
      dayDamage: sortedEntries(s.dayDamage),
      bankDayDamage: sortedEntries(s.bankDayDamage).map(([bank, days]) => [
        bank,
        sortedEntries(days),
      ]),
      countedCases: s.countedCases,
      suspectedCases: s.suspectedCases,
      banksWithDamage: s.banksWithDamage,
      damageYen: s.damageYen,
    }),
    restore(s, doc) {
      s.bankNames = restoredNames(doc.bankNames);
      s.operatorNames = restoredNames(doc.operatorNames);
      s.bankOperatorDamage = nestedMap(doc.bankOperatorDamage);
      s.bankDamage = new Map(doc.bankDamage);
      s.dayDamage = new Map(doc.dayDamage);
      s.bankDayDamage = nestedMap(doc.bankDayDamage);
      s.countedCases = doc.countedCases;
      s.suspectedCases = doc.suspectedCases;
      s.banksWithDamage = doc.banksWithDamage;
      s.damageYen = doc.damageYen;
    },
    fold: foldCases,
  });
}

function foldCases(s: CasesState, b: ColumnBatch, from: number, to: number): void {
  const { type, occurredAt } = b;
  // Rows missing a key their type carries are passed over: validation never lets such events in.
  for (let i = from; i < to; i++) {
    switch (type[i]) {
      case TYPE.charge:
        if (b.account[i]! >= 0) charge(s, b, i);
        break;
      case TYPE.linked: {
        const a = b.account[i]!;
        const linkedAt = s.accounts.cols.linkedAt;
        if (a >= 0 && occurredAt[i]! < linkedAt[a]!) linkedAt[a] = occurredAt[i]!;
        break;
      }
      case TYPE.reported:
        if (b.case[i]! < 0 || b.account[i]! < 0 || b.status[i]! === STATUS.none) break;
        writeStatus(s, b, i, b.account[i]!);
        break;
      case TYPE.reclassified:
        if (b.case[i]! < 0 || b.status[i]! === STATUS.none) break;
        writeStatus(s, b, i, NONE);
        break;
      case TYPE.compensation: {
        // Kept whenever it arrives: it shows once its case counts (incidentReport).
        const c = b.case[i]!;
        if (c >= 0) s.cases.cols.compensatedYen[c]! += b.amount[i]!;
        break;
      }
      default:
        break;
    }
  }
}

function charge(s: CasesState, b: ColumnBatch, i: number): void {
  const accounts = s.accounts.cols;
  const a = b.account[i]!;
  const at = b.occurredAt[i]!;
  const yen = b.amount[i]!;
  const operator = b.category[i]!; // the charge's operator (events/columns.ts), NONE if none
  const day = s.calendar.dayOf(at);
  accounts.dayHead[a] = accumulate(s.dayCharges, accounts.dayHead[a]!, day, yen);
  accounts.chargedYen[a]! += yen;
  if (at < accounts.firstChargeAt[a]!) accounts.firstChargeAt[a] = at;
  if (at > accounts.lastChargeAt[a]!) accounts.lastChargeAt[a] = at;
  const counted = accounts.countedCases[a]! > 0;
  if (counted) addDamage(s, b.bank[i]!, day, yen);
  if (operator !== NONE) {
    s.operatorNames[operator] ??= b.names.name('category', operator);
    accounts.operatorHead[a] = accumulate(
      s.operatorCharges,
      accounts.operatorHead[a]!,
      operator,
      yen,
    );
    if (counted) addIn(s.bankOperatorDamage, b.bank[i]!, operator, yen);
  }
}

/** The status a case counts by: the latest written, once the case is reported; none before. */
export function statusOf(cases: CasesState['cases']['cols'], c: number): number {
  return cases.reportedAt[c]! === Number.POSITIVE_INFINITY ? STATUS.none : cases.status[c]!;
}

/**
 * Whether (at, position) comes before (thanAt, thanPosition): store positions break ties in
 * recordedAt.
 */
export const before = (at: number, position: number, thanAt: number, thanPosition: number) =>
  at < thanAt || (at === thanAt && position < thanPosition);

/**
 * Row i writes its case's status: a report (with the account it names) or a reclassification
 * (account NONE). The latest write by (recordedAt, position) decides the status and the first
 * report the bank, account and report time, whatever order they are folded in: a store built in
 * steps, whose later appends may carry earlier recordedAt, counts as a fresh replay does. A
 * reclassification of a case not yet reported waits in the status column until the report
 * arrives.
 */
function writeStatus(s: CasesState, b: ColumnBatch, i: number, account: number): void {
  const cases = s.cases.cols;
  const c = b.case[i]!;
  const at = b.recordedAt[i]!;
  const position = b.position[i]!;
  const old = statusOf(cases, c);
  let counted = countsStatus(old);
  if (account !== NONE && before(at, position, cases.reportedAt[c]!, cases.reportPosition[c]!)) {
    if (counted) count(s, c, -1); // its damage follows its account
    counted = false;
    if (cases.reportedAt[c] === Number.POSITIVE_INFINITY) {
      const row = s.reportOrder.push(); // may reallocate reportOrder's columns: read them after
      s.reportOrder.cols.case[row] = c;
    }
    cases.bank[c] = b.bank[i]!;
    cases.operator[c] = b.category[i]!;
    if (b.category[i]! !== NONE)
      s.operatorNames[b.category[i]!] ??= b.names.name('category', b.category[i]!);
    cases.account[c] = account;
    cases.reportedAt[c] = at;
    cases.reportPosition[c] = position;
    s.bankNames[b.bank[i]!] ??= b.names.name('bank', b.bank[i]!);
  }
  if (before(cases.statusAt[c]!, cases.statusPosition[c]!, at, position)) {
    cases.status[c] = b.status[i]!;
    cases.statusAt[c] = at;
    cases.statusPosition[c] = position;
  }
  const status = statusOf(cases, c);
  s.suspectedCases += (status === STATUS.suspected ? 1 : 0) - (old === STATUS.suspected ? 1 : 0);
  if (countsStatus(status) !== counted) count(s, c, countsStatus(status) ? 1 : -1);
}

/** Starts (+1) or stops (-1) counting a case, with its account's charges as damage. */
function count(s: CasesState, c: number, sign: 1 | -1): void {
  const bank = s.cases.cols.bank[c]!;
  const a = s.cases.cols.account[c]!;
  s.countedCases += sign;
  const bankCases = (s.banks.cols.cases[bank]! += sign);
  if (sign > 0 && bankCases === 1) s.banksWithDamage++;
  if (sign < 0 && bankCases === 0) s.banksWithDamage--;
  const accounts = s.accounts.cols;
  const counted = (accounts.countedCases[a]! += sign);
  // The account's charges become damage with its first counted case and stop with its last.
  if (counted === (sign > 0 ? 1 : 0)) {
    forEachEntry(s.dayCharges, accounts.dayHead[a]!, (day, yen) =>
      addDamage(s, bank, day, sign * yen),
    );
    forEachEntry(s.operatorCharges, accounts.operatorHead[a]!, (operator, yen) =>
      addIn(s.bankOperatorDamage, bank, operator, sign * yen),
    );
  }
}

function addDamage(s: CasesState, bank: number, day: number, yen: number): void {
  s.damageYen += yen;
  add(s.bankDamage, bank, yen);
  add(s.dayDamage, day, yen);
  addIn(s.bankDayDamage, bank, day, yen);
}

/** Adds v to m's entry for k2 in k1. */
function addIn(m: Map<number, Map<number, number>>, k1: number, k2: number, v: number): void {
  let inner = m.get(k1);
  if (inner === undefined) m.set(k1, (inner = new Map()));
  add(inner, k2, v);
}

/** A Map of Maps as a document saves it (sortedEntries of sortedEntries). */
function nestedMap(doc: readonly (readonly unknown[])[]): Map<number, Map<number, number>> {
  return new Map(doc.map(([k, entries]) => [k as number, new Map(entries as [number, number][])]));
}

export function add<K>(m: Map<K, number>, k: K, v: number): number {
  const n = (m.get(k) ?? 0) + v;
  m.set(k, n);
  return n;
}
