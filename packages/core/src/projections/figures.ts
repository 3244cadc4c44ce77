import type { CaseStatus, LedgerEvent, PublishedFigure } from '../events/types';
import { formatYen, roundTo } from '../money/yen';
import type { BankRow, IncidentReport } from './incident';

/** What a figure may be asked about beyond its as-of time. */
export interface FigureQuery {
  bank?: string;
  operator?: string;
  since?: number;
  status?: CaseStatus;
}

interface FigureDef {
  label: string;
  unit: 'cases' | 'banks' | 'operators' | 'yen' | 'month' | 'inquiries' | 'wallets' | 'flag';
  of: (r: IncidentReport, q: FigureQuery) => number;
  /** Qualifiers the figure cannot do without. */
  requires?: readonly ('bank' | 'since')[];
  /**
   * Qualifiers the figure may be given: `bank` narrows it to the cases of one bank, `operator` to
   * the cases reported through one operator and the charges through it (the bank-operator table),
   * `status` to the reported cases with one status (counted or not).
   */
  takes?: readonly ('bank' | 'operator' | 'status')[];
  /**
   * How `since` is read: 'difference' (default) is the change between the report at `since` and
   * the one at as-of ("749 more"); 'window' means the figure itself looks at (since, as-of];
   * 'none' means a change makes no sense for it (a month, a yes/no).
   */
  since?: 'difference' | 'window' | 'none';
}

/**
 * The rows a figure is about: the bank table's, one bank's (none if it has no case) or all; with
 * `operator:`, the bank-operator table's rows of that operator.
 */
const rowsOf = (r: IncidentReport, q: FigureQuery): readonly BankRow[] =>
  (q.operator === undefined
    ? r.byBank
    : r.byBankOperator.filter((b) => b.operatorCode === q.operator)
  ).filter((b) => q.bank === undefined || b.bankCode === q.bank);

type BankCount = {
  [K in keyof BankRow]: BankRow[K] extends number ? K : never;
}[keyof BankRow];

/** A figure summed over the bank table: the whole incident, or one bank with `bank:`. */
function sumOf(key: BankCount): FigureDef['of'] {
  return (r, q) => rowsOf(r, q).reduce((n, b) => n + b[key], 0);
}

/**
 * Cases or damage summed over the bank table, or with `status:` over the bank-status table (the
 * reported cases with that status, counted or not); of one bank with `bank:`.
 */
function byStatusOr(key: 'cases' | 'damageYen'): FigureDef['of'] {
  const counted = sumOf(key);
  return (r, q) =>
    q.status === undefined
      ? counted(r, q)
      : r.byBankStatus
          .filter((b) => b.status === q.status && (q.bank === undefined || b.bankCode === q.bank))
          .reduce((n, b) => n + b[key], 0);
}

/**
 * The figures a publisher may state, each computed from a replayed report.
 * A published figure is never an input to these: it is only the expectation they are checked
 * against.
 */
export const FIGURES = {
  cases: {
    label: 'unauthorized-use cases',
    unit: 'cases',
    of: byStatusOr('cases'),
    takes: ['bank', 'operator', 'status'],
  },
  banksWithDamage: { label: 'banks with damage', unit: 'banks', of: (r) => r.banksWithDamage },
  operatorsWithDamage: {
    label: 'operators (payment services) with counted cases or damage',
    unit: 'operators',
    of: (r, q) =>
      new Set(
        r.byBankOperator
          .filter((b) => q.bank === undefined || b.bankCode === q.bank)
          .map((b) => b.operatorCode),
      ).size,
    takes: ['bank'],
  },
  damageYen: {
    label: 'total damage',
    unit: 'yen',
    of: byStatusOr('damageYen'),
    takes: ['bank', 'operator', 'status'],
  },
  compensatedYen: {
    label: 'compensation paid for counted cases',
    unit: 'yen',
    of: sumOf('compensatedYen'),
    takes: ['bank', 'operator'],
  },
  outstandingYen: {
    label: 'damage less compensation',
    unit: 'yen',
    of: sumOf('outstandingYen'),
    takes: ['bank', 'operator'],
  },
  compensatedCases: {
    label: 'cases compensated in full',
    unit: 'cases',
    of: sumOf('compensatedCases'),
    takes: ['bank', 'operator'],
  },
  partlyCompensatedCases: {
    label: 'cases compensated in part',
    unit: 'cases',
    of: sumOf('partlyCompensatedCases'),
    takes: ['bank', 'operator'],
  },
  largestCaseYen: {
    label: 'largest damage of one case',
    unit: 'yen',
    of: (r, q) => rowsOf(r, q).reduce((n, b) => Math.max(n, b.largestCaseYen), 0),
    takes: ['bank', 'operator'],
    since: 'none',
  },
  casesChargedBeforeLinkingSuspended: {
    label: 'cases charged only before new linking was suspended',
    unit: 'cases',
    of: (r) => r.casesChargedBeforeLinkingSuspended,
  },
  casesChargedAfterLinkingSuspended: {
    label: 'cases charged after new linking was suspended',
    unit: 'cases',
    of: (r) => r.casesChargedAfterLinkingSuspended,
  },
  casesChargedAfterLinkingSuspendedViaEarlierLink: {
    label: 'of those, through an account linked before the suspension',
    unit: 'cases',
    of: (r) => r.casesChargedAfterLinkingSuspendedViaEarlierLink,
  },
  operatorsStoppedLinking: {
    label: 'operators that had stopped new linking',
    unit: 'operators',
    of: (r) => r.operatorsStoppedLinking.length,
  },
  banksStoppedCharges: {
    label: 'banks that stopped charges',
    unit: 'banks',
    of: (r) => r.banksStoppedCharges.length,
  },
  bankStoppedCharges: {
    label: 'bank had stopped charges (1 yes, 0 no)',
    unit: 'flag',
    of: (r, q) => (r.banksStoppedCharges.includes(q.bank!) ? 1 : 0),
    requires: ['bank'],
    since: 'none',
  },
  oldestDamageMonth: {
    label: 'month of the oldest damage',
    unit: 'month',
    of: (r) =>
      r.oldestDamageDate
        ? Number(r.oldestDamageDate.slice(0, 4)) * 100 + Number(r.oldestDamageDate.slice(5, 7))
        : 0,
    since: 'none',
  },
  banksReporting: {
    label: 'banks reporting cases in the window',
    unit: 'banks',
    of: (r, q) =>
      new Set(r.reports.filter((x) => x.reportedAt > q.since!).map((x) => x.bankCode)).size,
    requires: ['since'],
    since: 'window',
  },
  inquiries: { label: 'call-centre inquiries', unit: 'inquiries', of: (r) => r.inquiries },
  walletsLocked: {
    label: 'wallets locked as suspicious',
    unit: 'wallets',
    of: (r) => r.walletsLocked,
  },
} as const satisfies Record<string, FigureDef>;

export type FigureName = keyof typeof FIGURES;
export const FIGURE_NAMES = Object.keys(FIGURES) as FigureName[];

export function figureDef(name: FigureName): FigureDef {
  return FIGURES[name];
}

/** Whether a figure may be about one bank (it takes `bank:`, or cannot do without it). */
export function takesBank(name: FigureName): boolean {
  const def = figureDef(name);
  return (def.requires?.includes('bank') ?? false) || (def.takes?.includes('bank') ?? false);
}

/** Whether a figure may be about one operator (`operator:`). */
export const takesOperator = (name: FigureName): boolean =>
  figureDef(name).takes?.includes('operator') ?? false;

/** Whether a figure may be about the cases of one status (`status:`). */
export const takesStatus = (name: FigureName): boolean =>
  figureDef(name).takes?.includes('status') ?? false;

/** A figure's value as people write it: yen with separators, months as YYYY-MM. */
export function formatFigure(name: FigureName, value: number): string {
  if (figureDef(name).unit === 'month')
    return value === 0
      ? 'none'
      : `${Math.floor(value / 100)}-${String(value % 100).padStart(2, '0')}`;
  return formatYen(value);
}

/** Evaluates a figure as of `asOf`, with its qualifiers. */
export function evaluateFigure(
  name: FigureName,
  q: FigureQuery,
  reportAt: (asOf: number) => IncidentReport,
  asOf: number,
): number {
  const def = figureDef(name);
  const value = def.of(reportAt(asOf), q);
  if (q.since === undefined || def.since === 'window') return value;
  return value - def.of(reportAt(q.since), q);
}

/**
 * Every time a publication's figures must be evaluated at: their as-of times and the starts of
 * their windows.
 */
export function figureTimes(publications: readonly LedgerEvent<'FiguresPublished'>[]): number[] {
  const times = new Set<number>();
  for (const p of publications) {
    times.add(p.data.asOf);
    for (const f of p.data.figures) {
      times.add(f.asOf ?? p.data.asOf);
      if (f.since !== undefined) times.add(f.since);
    }
  }
  return [...times];
}

export interface ReconciliationRow {
  publicationId: string;
  source: string;
  /** When the ledger learned of the publication. */
  publishedAt: number;
  /** The publication's own as-of time (a figure may state another). */
  publicationAsOf: number;
  figure: FigureName;
  label: string;
  asOf: number;
  since?: number;
  bank?: string;
  operator?: string;
  status?: CaseStatus;
  published: number;
  precision: number;
  rounding: PublishedFigure['rounding'];
  replayed: number;
  /** The replayed value rounded as the publisher rounded. */
  replayedStated: number;
  ok: boolean;
}

/**
 * Checks every published figure against the replay at that figure's as-of time.
 * `reportAt` gives the report of what the ledger knew at a recordedAt cutoff.
 */
export function reconcile(
  publications: readonly LedgerEvent<'FiguresPublished'>[],
  reportAt: (asOf: number) => IncidentReport,
): ReconciliationRow[] {
  const rows: ReconciliationRow[] = [];
  for (const p of publications) {
    for (const f of p.data.figures) {
      const figure = f.name as FigureName;
      const asOf = f.asOf ?? p.data.asOf;
      const q: FigureQuery = {
        ...(f.bank !== undefined && { bank: f.bank }),
        ...(f.operator !== undefined && { operator: f.operator }),
        ...(f.since !== undefined && { since: f.since }),
        ...(f.status !== undefined && { status: f.status }),
      };
      const replayed = evaluateFigure(figure, q, reportAt, asOf);
      const replayedStated = roundTo(replayed, f.precision, f.rounding);
      rows.push({
        publicationId: p.data.publicationId,
        source: p.data.source,
        publishedAt: p.recordedAt,
        publicationAsOf: p.data.asOf,
        figure,
        label: FIGURES[figure].label,
        asOf,
        ...q,
        published: f.value,
        precision: f.precision,
        rounding: f.rounding,
        replayed,
        replayedStated,
        ok: replayedStated === f.value,
      });
    }
  }
  return rows;
}
