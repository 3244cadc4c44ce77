export { incidentProjection } from './projection';
export {
  incidentReport,
  incidentDamage,
  countedCases,
  damageInWallets,
  attributed,
  type IncidentState,
  type IncidentDamage,
} from './report';
export { COUNTED_STATUSES, referenceIncidentProjection, type ReferenceState } from './reference';
export { referenceReport } from './reference-report';
export { casesPart, CASES_PART, type CasesState } from './cases';
export { spendingPart, SPENDING_PART, type SpendingState } from './spending';
export { controlsPart, CONTROLS_PART, type ControlsState } from './controls';
export type {
  BankRow,
  BankOperatorRow,
  DayRow,
  BankDayRow,
  MerchantRow,
  ControlRow,
  IncidentReport,
  ControlEntry,
} from './types';
