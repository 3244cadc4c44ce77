import {
  figureDef,
  operatorRows,
  type IncidentReport,
  type ReconciliationRow,
} from '@incident-ledger/core';
import type { EventStore } from '@incident-ledger/eventstore';
import type { Scenario, ScenarioInfo } from '@incident-ledger/scenario';
import { digestOf, replay, storedEvents, verifyFigures } from '../app';
import type { Progress } from '../progress';
import { isoInstant } from '../output';
import { damageByPeriod } from '../periods';
import { bankNames, reconciliationTable, type BankNames } from '../render';
import { VERSION } from '../version';
import { knownDamage } from './known';
import type { BankDamage, IncidentPage, Provenance, WhatIfPage } from './model';

const iso = (ms: number, zone: string) => isoInstant(ms, zone)!;

const scenarioRef = (s: ScenarioInfo) => ({ id: s.id, title: s.title, timeZone: s.timeZone });

/** Everything the incident report shows, replayed from the store as of `asOf` (recordedAt). */
export async function incidentPage(
  store: EventStore,
  scenario: ScenarioInfo,
  asOf: number,
  progress?: Progress,
): Promise<IncidentPage> {
  const zone = scenario.timeZone;
  const names = bankNames(scenario.banks);
  const operatorNames = bankNames(scenario.operators);
  const events = progress && (await storedEvents(store));
  const { reports } = await replay(
    store,
    zone,
    [asOf],
    progress?.phase('replaying', { events }),
    'off',
  );
  const r = reports.get(asOf)!;
  const { rows } = await verifyFigures(store, zone, progress);
  const known = await knownDamage(store, zone, asOf);
  const provenance: Provenance = {
    scenario: scenarioRef(scenario),
    digests: [{ label: 'store digest', digest: await digestOf(store) }],
    asOf: isoInstant(asOf, zone),
    version: VERSION,
  };
  return {
    kind: 'incident',
    provenance,
    summary: {
      cases: r.cases,
      suspectedCases: r.suspectedCases,
      banksWithDamage: r.banksWithDamage,
      damageYen: r.damageYen,
      compensatedYen: r.compensatedYen,
      casesChargedAfterLinkingSuspended: r.casesChargedAfterLinkingSuspended,
      oldestDamageDate: r.oldestDamageDate ?? null,
      banksStoppedCharges: r.banksStoppedCharges.length,
      walletsLocked: r.walletsLocked,
      inquiries: r.inquiries,
    },
    // The page's bank table: the columns replay --by bank shows, not every field of the row.
    banks: r.byBank.map((b) => ({
      bankCode: b.bankCode,
      bankName: names.get(b.bankCode) ?? null,
      cases: b.cases,
      damageYen: b.damageYen,
      compensatedYen: b.compensatedYen,
      outstandingYen: b.outstandingYen,
    })),
    bankDays: r.byBankDay.map((d) => ({ ...d, bankName: names.get(d.bankCode) ?? null })),
    days: damageByPeriod(r.byDay, 'day', {}).map((p) => ({
      date: p.period,
      damageYen: p.damageYen,
      cumulativeYen: p.cumulativeYen,
    })),
    known: known.points.map((p) => ({ at: iso(p.at, zone), damageYen: p.damageYen })),
    knownBasis: known.basis,
    // Only what had been published by the cutoff: a page as of T shows what was known at T.
    figures: figuresOf(
      rows.filter((x) => x.publishedAt <= asOf),
      zone,
      names,
      operatorNames,
    ),
    controls: r.controls.map((c) => ({
      at: iso(c.at, zone),
      control: c.control,
      subject: c.subject,
      subjectName: names.get(c.subject) ?? null,
    })),
    operators: operatorsOf(r, scenario, names, operatorNames),
  };
}

/** The operator section's rows (the columns of the bank table), when there are two operators. */
function operatorsOf(
  r: IncidentReport,
  scenario: ScenarioInfo,
  names: BankNames,
  operatorNames: BankNames,
): IncidentPage['operators'] {
  const codes = new Set([
    ...scenario.operators.map((o) => o.code),
    ...r.byBankOperator.map((x) => x.operatorCode),
  ]);
  if (codes.size < 2) return null;
  const damage = (x: Omit<BankDamage, 'bankCode' | 'bankName'> & { operatorCode: string }) => ({
    operatorCode: x.operatorCode,
    operatorName: operatorNames.get(x.operatorCode) ?? null,
    cases: x.cases,
    damageYen: x.damageYen,
    compensatedYen: x.compensatedYen,
    outstandingYen: x.outstandingYen,
  });
  return {
    byOperator: operatorRows(r).map(damage),
    byBankOperator: r.byBankOperator.map((x) => ({
      bankCode: x.bankCode,
      bankName: names.get(x.bankCode) ?? null,
      ...damage(x),
    })),
  };
}

/** The reconciliation as verify writes it (the same table), with each figure's label and unit. */
function figuresOf(
  rows: readonly ReconciliationRow[],
  zone: string,
  names: BankNames,
  operators: BankNames,
): IncidentPage['figures'] {
  const t = reconciliationTable(rows, zone, names, operators);
  return t.rows.map((row, i) => ({
    publicationId: String(row.publicationId),
    figure: String(row.figure),
    label: rows[i]!.label,
    unit: figureDef(rows[i]!.figure).unit,
    bankCode: row.bankCode as string | null,
    bankName: row.bankName as string | null,
    operatorCode: row.operatorCode as string | null,
    operatorName: row.operatorName as string | null,
    status: row.status as string | null,
    since: row.since === null ? null : iso(Number(row.since), zone),
    asOf: iso(Number(row.asOf), zone),
    published: Number(row.published),
    replayed: Number(row.replayed),
    statedAs: String(row.statedAs),
    ok: row.ok === true,
  }));
}

export interface WhatIfRuns {
  scenario: Scenario;
  attacks: string;
  changes: string[];
  baseline: { report: IncidentReport; digest: string };
  counterfactual: { report: IncidentReport; digest: string };
  byBank: {
    bankCode: string;
    baselineYen: number;
    counterfactualYen: number;
    avoidedYen: number;
  }[];
  byOperator: {
    operatorCode: string;
    baselineYen: number;
    counterfactualYen: number;
    avoidedYen: number;
  }[];
  total: { baselineYen: number; counterfactualYen: number; avoidedYen: number };
}

/** The what-if comparison as a page: damage avoided per bank, and the two cumulative curves. */
export function whatIfPage(w: WhatIfRuns): WhatIfPage {
  const names = bankNames(w.scenario.banks);
  const operatorNames = bankNames(w.scenario.operators);
  const curve = (run: 'baseline' | 'counterfactual', r: IncidentReport) =>
    damageByPeriod(r.byDay, 'day', {}).map((p) => ({
      run,
      date: p.period,
      cumulativeYen: p.cumulativeYen,
    }));
  return {
    kind: 'what-if',
    provenance: {
      scenario: scenarioRef(w.scenario),
      digests: [
        { label: 'baseline digest', digest: w.baseline.digest },
        { label: 'counterfactual digest', digest: w.counterfactual.digest },
      ],
      asOf: null,
      version: VERSION,
    },
    attacks: w.attacks,
    changes: w.changes,
    banks: w.byBank.map((b) => ({ ...b, bankName: names.get(b.bankCode) ?? null })),
    total: w.total,
    operators:
      w.scenario.operators.length === 0
        ? null
        : w.byOperator.map((o) => ({
            ...o,
            operatorName: operatorNames.get(o.operatorCode) ?? null,
          })),
    curves: [
      ...curve('baseline', w.baseline.report),
      ...curve('counterfactual', w.counterfactual.report),
    ],
  };
}
