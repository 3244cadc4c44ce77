import { composite } from '../composite';
import type { Projection } from '../projection';
import { casesPart } from './cases';
import { controlsPart } from './controls';
import type { IncidentState } from './report';
import { spendingPart } from './spending';

/**
 * The incident as its operator counted it (reference.ts says what each figure means), folded from
 * columns in three parts, each with its own version and checkpoint: cases (which count, and their
 * damage per bank and day), spending (where the money went) and controls. incidentReport reads
 * all three.
 */
export function incidentProjection(zone: string): Projection<IncidentState> {
  return composite('incident', {
    cases: casesPart(zone),
    spending: spendingPart,
    controls: controlsPart,
  });
}
