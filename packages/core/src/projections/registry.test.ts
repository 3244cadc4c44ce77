import { incidentProjection } from './incident';
import type { Projection } from './projection';
import { partsOf, PROJECTIONS, ProjectionRegistry } from './registry';

describe('the projection registry', () => {
  it('makes each registered projection for a scenario, and names what it does not know', () => {
    expect(PROJECTIONS.names).toEqual(expect.arrayContaining(['incident', 'publications']));
    const incident = PROJECTIONS.get('incident').make({ zone: 'Asia/Tokyo' });
    expect(partsOf(incident).map((p) => [p.name, p.parameters ?? {}])).toEqual([
      ['incident-cases', { zone: 'Asia/Tokyo' }],
      ['incident-spending', {}],
      ['incident-controls', {}],
    ]);
    expect(() => PROJECTIONS.get('incidnet')).toThrow(
      /no projection is registered as incidnet; registered: incident, publications/,
    );
  });

  it('resolves a part by name, version and parameters, as the registered projections make it now', () => {
    const cases = PROJECTIONS.part('incident-cases', 4, { zone: 'Europe/London' });
    expect(cases?.parameters).toEqual({ zone: 'Europe/London' });
    expect(PROJECTIONS.part('incident-spending', 1, {})?.name).toBe('incident-spending');
    expect(PROJECTIONS.part('publications', 1, {})?.name).toBe('publications');
    expect(PROJECTIONS.part('incident-cases', 99, { zone: 'Asia/Tokyo' })).toBeUndefined();
    expect(PROJECTIONS.part('incident-cases', 4, {})).toBeUndefined(); // its zone is part of it
    // Version 1 kept no charged yen per account: its checkpoints are stale.
    expect(PROJECTIONS.part('incident-cases', 1, { zone: 'Asia/Tokyo' })).toBeUndefined();
    expect(PROJECTIONS.part('incident-spending', 1, { zone: 'Asia/Tokyo' })).toBeUndefined();
  });

  it('refuses two projections of one name or one table, and a part depending on an undeclared parameter', () => {
    const table = () => ({ name: 't', title: 't', columns: [], rows: [] });
    const entry = (name: string, tables = {}) => ({
      name,
      summary: '',
      parameters: ['zone'] as const,
      make: ({ zone }: { zone: string }) => incidentProjection(zone) as Projection<unknown>,
      tables,
    });
    expect(() => new ProjectionRegistry([entry('a'), entry('a')])).toThrow(/two projections/);
    expect(
      () => new ProjectionRegistry([entry('a', { t: table }), entry('b', { t: table })]),
    ).toThrow(/projections a and b both show a table t/);
    expect(() => new ProjectionRegistry([{ ...entry('a'), parameters: [] }])).toThrow(
      /a: its part incident-cases depends on zone, not declared/,
    );
    expect(
      () => new ProjectionRegistry([{ ...entry('a', { t: table }), rankedBy: { u: 'yen' } }]),
    ).toThrow(/a: ranks a table u it does not show/);
  });

  it('knows which tables --top ranks, and by which column', () => {
    expect(PROJECTIONS.rankedTables).toEqual(['operator', 'bank-operator', 'case']);
    expect(PROJECTIONS.table('case').rankedBy).toBe('damageYen');
    expect(PROJECTIONS.table('merchant-day').rankedBy).toBeUndefined();
  });
});
