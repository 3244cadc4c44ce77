import type { LedgerEvent, PublishedFigure } from '../events/types';
import { roundTo } from '../money/yen';
import type { IncidentReport } from './incident';

/**
 * The figures a publisher may state, each computed from a replayed report.
 * A published figure is never an input to these: it is only the expectation they are checked against.
 */
export const FIGURES = {
  cases: { label: 'unauthorized-use cases', unit: 'cases', of: (r: IncidentReport) => r.cases },
  banksWithDamage: { label: 'banks with damage', unit: 'banks', of: (r: IncidentReport) => r.banksWithDamage },
  damageYen: { label: 'total damage', unit: 'yen', of: (r: IncidentReport) => r.damageYen },
} as const satisfies Record<string, { label: string; unit: string; of: (r: IncidentReport) => number }>;

export type FigureName = keyof typeof FIGURES;
export const FIGURE_NAMES = Object.keys(FIGURES) as FigureName[];

export interface ReconciliationRow {
  publicationId: string;
  source: string;
  figure: FigureName;
  label: string;
  asOf: number;
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
      const replayed = FIGURES[figure].of(reportAt(asOf));
      const replayedStated = roundTo(replayed, f.precision, f.rounding);
      rows.push({
        publicationId: p.data.publicationId,
        source: p.data.source,
        figure,
        label: FIGURES[figure].label,
        asOf,
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
