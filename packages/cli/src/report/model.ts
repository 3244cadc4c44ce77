/**
 * What a report page shows, as the JSON embedded in it: plain data, every amount integer yen,
 * every instant ISO 8601 in the scenario's zone, every day YYYY-MM-DD. The page (page.ts) draws
 * it; nothing in it is computed in the browser but sums for display.
 */

export interface ScenarioRef {
  id: string;
  title: string;
  timeZone: string;
}

/** What the footer says, so that a printed page can be traced to its data. */
export interface Provenance {
  scenario: ScenarioRef;
  /** The store digest, or baseline and counterfactual digests for what-if. */
  digests: { label: string; digest: string }[];
  /** The recordedAt cutoff, or null for everything recorded. */
  asOf: string | null;
  version: string;
}

export interface BankDamage {
  bankCode: string;
  bankName: string | null;
  cases: number;
  damageYen: number;
  compensatedYen: number;
  outstandingYen: number;
}

/** A bank's damage through one operator (payment service): replay --by bank-operator's columns. */
export type BankOperatorDamage = BankDamage & { operatorCode: string; operatorName: string | null };
export type OperatorDamage = Omit<BankOperatorDamage, 'bankCode' | 'bankName'>;

export interface IncidentPage {
  kind: 'incident';
  provenance: Provenance;
  summary: {
    cases: number;
    suspectedCases: number;
    banksWithDamage: number;
    damageYen: number;
    compensatedYen: number;
    casesChargedAfterLinkingSuspended: number;
    oldestDamageDate: string | null;
    banksStoppedCharges: number;
    walletsLocked: number;
    inquiries: number;
  };
  banks: BankDamage[];
  bankDays: { bankCode: string; bankName: string | null; date: string; damageYen: number }[];
  /** Damage by occurred day, with the running total. */
  days: { date: string; damageYen: number; cumulativeYen: number }[];
  /**
   * Damage known at each instant it changed (by recordedAt): replays at every recordedAt of an
   * event that can change damage, or at the last such instant of each recorded day where there
   * are more than MAX_KNOWN_INSTANTS (basis says which).
   */
  known: { at: string; damageYen: number }[];
  knownBasis: 'instant' | 'day';
  figures: {
    publicationId: string;
    figure: string;
    label: string;
    unit: string;
    bankCode: string | null;
    bankName: string | null;
    operatorCode: string | null;
    operatorName: string | null;
    status: string | null;
    since: string | null;
    asOf: string;
    published: number;
    replayed: number;
    statedAs: string;
    ok: boolean;
  }[];
  controls: { at: string; control: string; subject: string; subjectName: string | null }[];
  /**
   * Damage by operator, and by bank and operator; null (no section) unless the scenario declares or
   * its charges name two operators or more.
   */
  operators: { byOperator: OperatorDamage[]; byBankOperator: BankOperatorDamage[] } | null;
}

export interface WhatIfPage {
  kind: 'what-if';
  provenance: Provenance;
  attacks: string;
  changes: string[];
  banks: {
    bankCode: string;
    bankName: string | null;
    baselineYen: number;
    counterfactualYen: number;
    avoidedYen: number;
  }[];
  total: { baselineYen: number; counterfactualYen: number; avoidedYen: number };
  /** Damage avoided per operator; null (no table) when the scenario declares no operator. */
  operators:
    | {
        operatorCode: string;
        operatorName: string | null;
        baselineYen: number;
        counterfactualYen: number;
        avoidedYen: number;
      }[]
    | null;
  /** Cumulative damage by occurred day, in each run. */
  curves: { run: 'baseline' | 'counterfactual'; date: string; cumulativeYen: number }[];
}

export type PageData = IncidentPage | WhatIfPage;
