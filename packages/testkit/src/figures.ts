import {
  type CaseStatus,
  CASE_STATUSES,
  encodeEvents,
  evaluateFigure,
  figureDef,
  FIGURE_NAMES,
  Fold,
  formatInstant,
  incidentReport,
  KeyDictionary,
  sameData,
  takesBank,
  takesOperator,
  takesStatus,
  type ColumnBatch,
  type FigureQuery,
  type IncidentReport,
  type StoredEvent,
  sliceBatch,
} from '@incident-ledger/core';
import { FiguresModel } from './model';
import type { SequenceRun } from './run';

/**
 * The as-of times a sequence's figures are compared at: a third and two thirds of the way through
 * its recordedAt times, and everything (a few per sequence, from the history alone, so that a
 * rerun compares the same ones; more cost fuzz throughput without finding more).
 */
export function comparedTimes(events: readonly StoredEvent[]): number[] {
  const times = [...new Set(events.map((e) => e.recordedAt))].sort((a, b) => a - b);
  const picked = [1, 2].map((k) => times[Math.ceil((k * times.length) / 3) - 1]);
  return [...new Set([...picked.filter((t) => t !== undefined), Number.POSITIVE_INFINITY])];
}

/**
 * Where the replayed report and the model's differ, as the first differing field, or undefined:
 * every figure of the real projection (the columnar hot path, as a store with columns feeds it)
 * against the independent model (model.ts), at each compared time, and each published figure
 * (figures.ts, with every qualifier it can take) against the model's own reading of it.
 */
export function figuresDisagree(run: SequenceRun): string | undefined {
  const { zone, events } = run.history;
  const model = new FiguresModel(run.history);
  const times = comparedTimes(events);
  const reports = replayedReports(run, times);
  const reportAt = (asOf: number) => reports.get(asOf)!;
  const when = (t: number) => (Number.isFinite(t) ? formatInstant(t, zone) : 'everything');
  for (const asOf of times) {
    const [replayed, expected] = [reportAt(asOf), model.reportAsOf(asOf)];
    if (sameData(replayed, expected)) continue;
    return `as of ${when(asOf)}: ${firstDifference(replayed, expected, 'report')}`;
  }
  const banks = [
    ...new Set(events.flatMap((e) => (e.data as { bankCode?: string }).bankCode ?? [])),
    'NO-SUCH-BANK',
  ];
  const operators = [
    ...new Set(events.flatMap((e) => (e.data as { operatorCode?: string }).operatorCode ?? [])),
    'NO-SUCH-OPERATOR',
  ];
  for (const name of FIGURE_NAMES) {
    const def = figureDef(name);
    for (const [k, asOf] of times.entries()) {
      // As a figure of its own, and as a change since the first time compared.
      const sinces = def.since === 'none' || k === 0 ? [undefined] : [undefined, times[0]];
      for (const since of sinces) {
        if (def.requires?.includes('since') && since === undefined) continue;
        const required = def.requires?.includes('bank') ?? false;
        // Each status, or each operator (a figure is not about both).
        const narrowed: { status?: CaseStatus; operator?: string }[] = [
          {},
          ...(takesStatus(name) ? CASE_STATUSES.map((status) => ({ status })) : []),
          ...(takesOperator(name) ? operators.map((operator) => ({ operator })) : []),
        ];
        for (const bank of [...(required ? [] : [undefined]), ...(takesBank(name) ? banks : [])])
          for (const { status, operator } of narrowed) {
            const q: FigureQuery = {
              ...(bank !== undefined && { bank }),
              ...(operator !== undefined && { operator }),
              ...(since !== undefined && { since }),
              ...(status !== undefined && { status }),
            };
            const replayed = evaluateFigure(name, q, reportAt, asOf);
            const expected = model.figure(name, q, asOf);
            if (replayed !== expected)
              return `figure ${name}${bank ? ` of ${bank}` : ''}${operator ? ` through ${operator}` : ''}${status ? ` ${status}` : ''}${since !== undefined ? ` since ${when(since)}` : ''} as of ${when(asOf)}: replayed ${replayed}, the model gives ${expected}`;
          }
      }
    }
  }
  return undefined;
}

/**
 * The replayed report as of each time, through the columnar fold as a store feeds it: in one fold
 * cut into batches at those times where the history was recorded in store order (as a fuzzed one
 * is), else one fold per time, each passing over what was recorded after it.
 */
function replayedReports(run: SequenceRun, times: readonly number[]): Map<number, IncidentReport> {
  const { events } = run.history;
  const batch = encodeEvents(events, new KeyDictionary(), 'figures');
  const reports = new Map<number, IncidentReport>();
  const inOrder = events.every((e, i) => i === 0 || events[i - 1]!.recordedAt <= e.recordedAt);
  if (!inOrder) {
    for (const t of times)
      reports.set(t, incidentReport(new Fold(run.incident, t).applyColumns(batch).state));
    return reports;
  }
  const fold = new Fold(run.incident);
  let end = 0;
  for (const t of times) {
    while (end < events.length && events[end]!.recordedAt <= t) end++;
    fold.applyColumns(rows(batch, end)); // the rows folded before are passed over by position
    reports.set(t, incidentReport(fold.state));
  }
  return reports;
}

/** The first `n` rows of a batch (its key counts kept: what the whole read knew). */
function rows(b: ColumnBatch, n: number): ColumnBatch {
  return { ...b, ...sliceBatch(b, 0, n), rare: [] };
}

/** The path to the first place two plain values differ, with both values, or undefined. */
function firstDifference(actual: unknown, expected: unknown, path: string): string | undefined {
  if (Object.is(actual, expected)) return undefined;
  const bothObjects =
    typeof actual === 'object' &&
    actual !== null &&
    typeof expected === 'object' &&
    expected !== null;
  if (!bothObjects)
    return `${path}: replayed ${JSON.stringify(actual)}, the model gives ${JSON.stringify(expected)}`;
  if (Array.isArray(actual) && Array.isArray(expected) && actual.length !== expected.length)
    return `${path}: replayed ${actual.length} rows ${JSON.stringify(actual)}, the model gives ${expected.length} ${JSON.stringify(expected)}`;
  const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  for (const k of keys) {
    const d = firstDifference(
      (actual as Record<string, unknown>)[k],
      (expected as Record<string, unknown>)[k],
      `${path}.${k}`,
    );
    if (d !== undefined) return d;
  }
  return undefined;
}
