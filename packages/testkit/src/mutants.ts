import {
  casesPart,
  composite,
  controlsPart,
  evolveByRow,
  knownTypeCode,
  spendingPart,
  type CasesState,
  type ColumnBatch,
  type IncidentState,
  type Projection,
} from '@incident-ledger/core';

const CHARGE = knownTypeCode('ChargeExecuted');

/**
 * The incident projection with one deliberate mistake, to prove that the checks bite
 * (bites.test.ts): its cases part takes every charge under `yen` as 0 yen, so such charges
 * silently drop out of damage while everything else stays as it was.
 */
export function incidentDroppingChargesUnder(yen: number) {
  return (zone: string): Projection<IncidentState> => {
    const real = casesPart(zone);
    const evolveColumns = (s: CasesState, b: ColumnBatch, from: number, to: number) => {
      const amount = Float64Array.from(b.amount);
      for (let i = from; i < to; i++) if (b.type[i] === CHARGE && amount[i]! < yen) amount[i] = 0;
      real.evolveColumns!(s, { ...b, amount }, from, to);
    };
    const cases: Projection<CasesState> = {
      ...real,
      evolve: evolveByRow(evolveColumns),
      evolveColumns,
    };
    return composite('incident', { cases, spending: spendingPart, controls: controlsPart });
  };
}
