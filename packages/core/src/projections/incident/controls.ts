import { typeOfCode, type ColumnBatch } from '../../events/columns';
import type { ColumnarState } from '../columnar';
import { columnarPart } from '../columnar-part';
import type { Projection } from '../projection';
import { restoredNames, savedNames } from '../table-codec';
import { Table } from '../table';
import { before, FIRST_ROWS } from './cases';
import { TYPE } from './codes';
import { scopeSubject } from '../../rules/scope';
import { SUBJECT, type ControlEntry } from './types';

/** The latest linking control of a scope naming an operator. */
interface OperatorLinking {
  at: number;
  position: number;
  operatorCode: string;
  suspended: boolean;
}

/** A suspension of new linking, its bank and operator as keys (NONE: any). */
export interface Suspension {
  at: number;
  bank: number;
  operator: number;
}

/*
 * The controls part of the incident: what the operator and the banks did (linking suspended,
 * charges stopped, wallets locked, policies, eKYC, compensation started) and the inquiries counted.
 */
const bankSpec = {
  /**
   * 1 if the bank's latest charge control (stop or resume, latest by recordedAt and position) is a
   * stop.
   */
  chargesStopped: { kind: 'u8', fill: 0 },
  chargesControlAt: { kind: 'f64', fill: Number.NEGATIVE_INFINITY },
  chargesControlPosition: { kind: 'f64', fill: 0 },
} as const;
const walletSpec = { locked: { kind: 'u8', fill: 0 } } as const;

export interface ControlsState extends ColumnarState {
  banks: Table<typeof bankSpec>;
  wallets: Table<typeof walletSpec>;
  /** Names of the banks controls named, by key. */
  bankNames: string[];
  walletsLocked: number;
  /**
   * When new linking was first suspended (occurredAt), whatever it named, resumed since or not: a
   * resumption or a second suspension does not move it.
   */
  linkingSuspendedAt: number | undefined;
  /**
   * Every suspension of new linking: when (occurredAt), and the bank and operator keys it names
   * (NONE: any). A case splits at the first that applies to its link (report.ts).
   */
  suspensions: Suspension[];
  /**
   * The latest linking control of each scope naming an operator (by recordedAt, position), by
   * `bank key:operator key`: whether its operator has stopped linking there.
   */
  operatorLinking: Map<string, OperatorLinking>;
  inquiries: number;
  /** In the order folded. */
  controls: ControlEntry[];
}

const initControls = (): ControlsState => ({
  keySpace: undefined,
  own: undefined,
  banks: new Table(bankSpec, FIRST_ROWS),
  wallets: new Table(walletSpec, FIRST_ROWS),
  bankNames: [],
  walletsLocked: 0,
  linkingSuspendedAt: undefined,
  suspensions: [],
  operatorLinking: new Map(),
  inquiries: 0,
  controls: [],
});

export const CONTROLS_PART = 'incident-controls';

/** The controls part: controls and when they took effect, locked wallets, inquiries. */
export const controlsPart: Projection<ControlsState> = columnarPart({
  name: CONTROLS_PART,
  version: 4,
  reads: ['type', 'occurredAt', 'wallet', 'bank', 'category', 'amount'],
  init: initControls,
  keyed: { banks: 'bank', wallets: 'wallet' },
  lists: [],
  document: (s) => ({
    bankNames: savedNames(s.bankNames),
    walletsLocked: s.walletsLocked,
    linkingSuspendedAt: s.linkingSuspendedAt ?? null,
    suspensions: s.suspensions,
    // Sorted by key: the same bytes whatever order the controls were folded in.
    operatorLinking: [...s.operatorLinking].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
    inquiries: s.inquiries,
    controls: s.controls,
  }),
  restore(s, doc) {
    s.bankNames = restoredNames(doc.bankNames);
    s.walletsLocked = doc.walletsLocked;
    s.linkingSuspendedAt = doc.linkingSuspendedAt ?? undefined;
    s.suspensions = doc.suspensions;
    s.operatorLinking = new Map(doc.operatorLinking);
    s.inquiries = doc.inquiries;
    s.controls = doc.controls;
  },
  fold: foldControls,
});

function foldControls(s: ControlsState, b: ColumnBatch, from: number, to: number): void {
  const { type, occurredAt } = b;
  for (let i = from; i < to; i++) {
    switch (type[i]) {
      case TYPE.inquiries:
        s.inquiries += b.amount[i]!;
        break;
      case TYPE.linkingSuspended:
        if (s.linkingSuspendedAt === undefined || occurredAt[i]! < s.linkingSuspendedAt)
          s.linkingSuspendedAt = occurredAt[i]!;
        s.suspensions.push({ at: occurredAt[i]!, bank: b.bank[i]!, operator: b.category[i]! });
        operatorLinking(s, b, i, true);
        control(s, b, i, subject(s, b, i));
        break;
      case TYPE.linkingResumed:
        operatorLinking(s, b, i, false);
        control(s, b, i, subject(s, b, i));
        break;
      case TYPE.linkPolicySet:
        if (b.bank[i]! >= 0) control(s, b, i, subject(s, b, i));
        break;
      case TYPE.chargesStopped:
      case TYPE.chargesResumed: {
        const bank = b.bank[i]!;
        // A stop through one operator, or of every bank, is a control, not a bank's stop
        // (reference.ts).
        if (bank >= 0 && b.category[i]! < 0)
          chargeControl(s.banks.cols, bank, b, i, type[i] === TYPE.chargesStopped);
        control(s, b, i, subject(s, b, i));
        break;
      }
      case TYPE.locked: {
        const w = b.wallet[i]!;
        if (w >= 0 && s.wallets.cols.locked[w] === 0) {
          s.wallets.cols.locked[w] = 1;
          s.walletsLocked++;
        }
        break;
      }
      case TYPE.ekycRequired:
      case TYPE.compensationStarted:
        control(s, b, i, SUBJECT.allWallets);
        break;
      default:
        break;
    }
  }
}

/**
 * Row i stops or resumes charges at a bank. The latest by (recordedAt, position) decides, whatever
 * order they are folded in, as for a case's status.
 */
function chargeControl(
  banks: ControlsState['banks']['cols'],
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

function bankName(s: ControlsState, b: ColumnBatch, bank: number): string {
  return (s.bankNames[bank] ??= b.names.name('bank', bank));
}

/** Row i suspends or resumes linking: when it names an operator, the latest of its scope decides. */
function operatorLinking(s: ControlsState, b: ColumnBatch, i: number, suspended: boolean): void {
  const operator = b.category[i]!;
  if (operator < 0) return;
  const key = `${b.bank[i]!}:${operator}`;
  const last = s.operatorLinking.get(key);
  const at = b.recordedAt[i]!;
  const position = b.position[i]!;
  if (last !== undefined && !before(last.at, last.position, at, position)) return;
  s.operatorLinking.set(key, {
    at,
    position,
    operatorCode: b.names.name('category', operator),
    suspended,
  });
}

/** What row i's control names, as reference.ts words it (scopeSubject). */
function subject(s: ControlsState, b: ColumnBatch, i: number): string {
  const bank = b.bank[i]!;
  const operator = b.category[i]!;
  return scopeSubject(
    {
      ...(bank >= 0 && { bankCode: bankName(s, b, bank) }),
      ...(operator >= 0 && { operatorCode: b.names.name('category', operator) }),
    },
    SUBJECT.allBanks,
  );
}

function control(s: ControlsState, b: ColumnBatch, i: number, subject: string): void {
  s.controls.push({ at: b.occurredAt[i]!, type: typeOfCode(b.type[i]!)!, subject });
}
