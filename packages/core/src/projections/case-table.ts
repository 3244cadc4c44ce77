import type { ColumnBatch } from '../events/columns';
import { CASE_STATUSES } from '../events/types';
import type { ColumnarState } from './columnar';
import { columnarPart } from './columnar-part';
import { composite } from './composite';
import { casesPart, type CasesState } from './incident';
import { FIRST_ROWS, statusOf } from './incident/cases';
import { TYPE } from './incident/codes';
import { byText, type CaseRow } from './incident/types';
import type { Projection } from './projection';
import type { ProjectionParameters, ViewTable } from './registry';
import { restoredNames, savedNames } from './table-codec';
import { Table } from './table';

/*
 * The case table (`replay --by case`): one row per reported case, its columns as
 * referenceCaseRows (incident/reference-report.ts) defines them. The incident's cases part holds each
 * case's bank, status, report time, account and compensation; a part of its own keeps what only
 * this table needs (the cases' ids and their latest reclassification), so that a replay without
 * the table folds nothing more.
 */
const recordSpec = {
  /** The latest reclassification of the case (recordedAt); -Infinity without one. */
  reclassifiedAt: { kind: 'f64', fill: Number.NEGATIVE_INFINITY },
} as const;

interface CaseRecordsState extends ColumnarState {
  records: Table<typeof recordSpec>;
  /** Case ids by key. */
  caseNames: string[];
}

const PART = 'case-records';

const caseRecordsPart: Projection<CaseRecordsState> = columnarPart({
  name: PART,
  version: 1,
  reads: ['type', 'case'],
  init: () => ({
    keySpace: undefined,
    own: undefined,
    records: new Table(recordSpec, FIRST_ROWS),
    caseNames: [],
  }),
  keyed: { records: 'case' },
  lists: [],
  document: (s) => ({ caseNames: savedNames(s.caseNames) }),
  restore(s, doc) {
    s.caseNames = restoredNames(doc.caseNames);
  },
  fold: foldRecords,
});

function foldRecords(s: CaseRecordsState, b: ColumnBatch, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const c = b.case[i]!;
    if (c < 0 || (b.type[i] !== TYPE.reported && b.type[i] !== TYPE.reclassified)) continue;
    s.caseNames[c] ??= b.names.name('case', c);
    const at = s.records.cols.reclassifiedAt;
    if (b.type[i] === TYPE.reclassified && b.recordedAt[i]! > at[c]!) at[c] = b.recordedAt[i]!;
  }
}

export interface CaseTableState {
  cases: CasesState;
  records: CaseRecordsState;
}

export function caseTableProjection(zone: string): Projection<CaseTableState> {
  return composite('case', { cases: casesPart(zone), records: caseRecordsPart });
}

/** The rows, as referenceCaseRows computes them from plain events. */
export function caseRows(s: CaseTableState): CaseRow[] {
  const cases = s.cases.cases.cols;
  const accounts = s.cases.accounts;
  const order = s.cases.reportOrder;
  const rows: CaseRow[] = [];
  for (let r = 0; r < order.size; r++) {
    const c = order.cols.case[r]!;
    const a = cases.account[c]!;
    const damageYen = accounts.get('chargedYen', a);
    const first = accounts.get('firstChargeAt', a);
    const reclassifiedAt = s.records.records.get('reclassifiedAt', c);
    rows.push({
      caseId: s.records.caseNames[c]!,
      bankCode: s.cases.bankNames[cases.bank[c]!]!,
      status: CASE_STATUSES[statusOf(cases, c) - 1]!,
      firstChargeAt: first === Number.POSITIVE_INFINITY ? null : first,
      lastChargeAt: first === Number.POSITIVE_INFINITY ? null : accounts.get('lastChargeAt', a),
      reportedAt: cases.reportedAt[c]!,
      reclassifiedAt: reclassifiedAt === Number.NEGATIVE_INFINITY ? null : reclassifiedAt,
      damageYen,
      compensatedYen: cases.compensatedYen[c]!,
      outstandingYen: damageYen - cases.compensatedYen[c]!,
    });
  }
  return rows.sort((x, y) => byText(x.caseId, y.caseId));
}

/** The case table; times are instants the output prints in the scenario's zone. */
export function caseTable(s: CaseTableState, { zone }: ProjectionParameters): ViewTable {
  return {
    name: 'case',
    title: `Reported cases, counted or excluded (charges by when they occurred, reports and reclassifications by when they were recorded, ${zone}; damage is every charge on the case's account)`,
    columns: [
      { key: 'caseId', header: 'case', kind: 'text' },
      { key: 'bankCode', header: 'bank', kind: 'text' },
      { key: 'status', header: 'status', kind: 'text' },
      { key: 'firstChargeAt', header: 'first charge', kind: 'instant' },
      { key: 'lastChargeAt', header: 'last charge', kind: 'instant' },
      { key: 'reportedAt', header: 'reported', kind: 'instant' },
      { key: 'reclassifiedAt', header: 'reclassified', kind: 'instant' },
      { key: 'damageYen', header: 'damage (yen)', kind: 'yen' },
      { key: 'compensatedYen', header: 'compensated (yen)', kind: 'yen' },
      { key: 'outstandingYen', header: 'outstanding (yen)', kind: 'yen' },
    ],
    rows: caseRows(s).map((r) => ({ ...r })),
  };
}
