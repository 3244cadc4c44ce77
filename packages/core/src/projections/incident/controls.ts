import { typeOfCode, type ColumnBatch } from '../../events/columns';
import type { ColumnarState } from '../columnar';
import { columnarPart } from '../columnar-part';
import type { Projection } from '../projection';
import { restoredNames, savedNames } from '../table-codec';
import { Table } from '../table';
import { before, FIRST_ROWS } from './cases';
import { TYPE } from './codes';
import { SUBJECT, type ControlEntry } from './types';

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
   * When new linking was first suspended (occurredAt), resumed since or not: the instant "cases
   * before new linking stopped / after" splits at, which a resumption or a second suspension does
   * not move.
   */
  linkingSuspendedAt: number | undefined;
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
  inquiries: 0,
  controls: [],
});

export const CONTROLS_PART = 'incident-controls';

/** The controls part: controls and when they took effect, locked wallets, inquiries. */
export const controlsPart: Projection<ControlsState> = columnarPart({
  name: CONTROLS_PART,
  version: 1,
  reads: ['type', 'occurredAt', 'wallet', 'bank', 'amount'],
  init: initControls,
  keyed: { banks: 'bank', wallets: 'wallet' },
  lists: [],
  document: (s) => ({
    bankNames: savedNames(s.bankNames),
    walletsLocked: s.walletsLocked,
    linkingSuspendedAt: s.linkingSuspendedAt ?? null,
    inquiries: s.inquiries,
    controls: s.controls,
  }),
  restore(s, doc) {
    s.bankNames = restoredNames(doc.bankNames);
    s.walletsLocked = doc.walletsLocked;
    s.linkingSuspendedAt = doc.linkingSuspendedAt ?? undefined;
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
        control(s, b, i, SUBJECT.allBanks);
        break;
      case TYPE.linkingResumed:
        control(s, b, i, SUBJECT.allBanks);
        break;
      case TYPE.linkPolicySet:
        if (b.bank[i]! >= 0) control(s, b, i, bankName(s, b, b.bank[i]!));
        break;
      case TYPE.chargesStopped:
      case TYPE.chargesResumed: {
        const bank = b.bank[i]!;
        if (bank < 0) break;
        chargeControl(s.banks.cols, bank, b, i, type[i] === TYPE.chargesStopped);
        control(s, b, i, bankName(s, b, bank));
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

function control(s: ControlsState, b: ColumnBatch, i: number, subject: string): void {
  s.controls.push({ at: b.occurredAt[i]!, type: typeOfCode(b.type[i]!)!, subject });
}
