import { canonicalJson } from '../determinism/canonical';
import { caseTable, caseTableProjection } from './case-table';
import { incidentProjection } from './incident';
import { merchantDayProjection, merchantDayTable } from './merchant-day';
import { bankOperatorTable, operatorTable } from './operator-tables';
import type { Projection } from './projection';
import { publicationsProjection } from './publications';

/** What a scenario gives the projections that depend on it. */
export interface ProjectionParameters {
  /** The scenario's time zone: calendar days are days there. */
  readonly zone: string;
}

/**
 * A table a projection shows (`replay --by <name>`): plain rows, each column with the kind of
 * value it holds, so that text, CSV and JSON all come from it (an instant is epoch ms: the output
 * prints it in the scenario's zone, as every table does).
 */
export interface ViewTable {
  name: string;
  title: string;
  columns: { key: string; header: string; kind: 'text' | 'count' | 'yen' | 'instant' }[];
  rows: Record<string, string | number | null>[];
}

/**
 * A projection as the registry knows it. Its fold (made for a scenario's parameters) carries the
 * rest: name, version, codec, the columns it reads, and for a composite the same for each part
 * (composite.ts).
 */
export interface RegisteredProjection<S = any> {
  readonly name: string;
  readonly summary: string;
  /** The parameters its fold depends on: its checkpoint keys hold their values. */
  readonly parameters: readonly (keyof ProjectionParameters)[];
  make(parameters: ProjectionParameters): Projection<S>;
  /** The tables it shows, by the name `replay --by` takes. */
  readonly tables?: Readonly<
    Record<string, (state: S, parameters: ProjectionParameters) => ViewTable>
  >;
  /** Per table, the yen column `replay --top N` ranks its rows by; a table not here is not ranked. */
  readonly rankedBy?: Readonly<Record<string, string>>;
}

/** Parameters that make a part which depends on none of them. */
const ANY_PARAMETERS: ProjectionParameters = { zone: 'UTC' };

/** A projection's parts, each a fold saved on its own; a plain projection is its own one part. */
export function partsOf(p: Projection<unknown>): Projection<unknown>[] {
  return p.parts === undefined ? [p] : Object.values(p.parts).flatMap(partsOf);
}

/** The projections the ledger replays, by name: what the CLI asks for, and what made a checkpoint. */
export class ProjectionRegistry {
  private readonly byName = new Map<string, RegisteredProjection>();
  private readonly byTable = new Map<string, RegisteredProjection>();

  constructor(entries: readonly RegisteredProjection[]) {
    for (const entry of entries) {
      if (this.byName.has(entry.name))
        throw new Error(`two projections are registered as ${entry.name}`);
      for (const part of partsOf(entry.make(ANY_PARAMETERS)))
        for (const p of Object.keys(part.parameters ?? {}))
          if (!(entry.parameters as readonly string[]).includes(p))
            throw new Error(`${entry.name}: its part ${part.name} depends on ${p}, not declared`);
      for (const table of Object.keys(entry.rankedBy ?? {}))
        if (entry.tables?.[table] === undefined)
          throw new Error(`${entry.name}: ranks a table ${table} it does not show`);
      this.byName.set(entry.name, entry);
      for (const table of Object.keys(entry.tables ?? {})) {
        const other = this.byTable.get(table);
        if (other !== undefined)
          throw new Error(`projections ${other.name} and ${entry.name} both show a table ${table}`);
        this.byTable.set(table, entry);
      }
    }
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  get(name: string): RegisteredProjection {
    const entry = this.byName.get(name);
    if (entry === undefined)
      throw new Error(
        `no projection is registered as ${name}; registered: ${this.names.join(', ')}`,
      );
    return entry;
  }

  /** The names of the tables the projections show, in registration order. */
  get tables(): string[] {
    return [...this.byTable.keys()];
  }

  /** The tables whose rows `--top N` ranks, in registration order. */
  get rankedTables(): string[] {
    return this.tables.filter((t) => this.byTable.get(t)!.rankedBy?.[t] !== undefined);
  }

  /** The projection that shows a table, how it shows it from its state, and what ranks its rows. */
  table(name: string): {
    entry: RegisteredProjection;
    show: (state: unknown, parameters: ProjectionParameters) => ViewTable;
    rankedBy: string | undefined;
  } {
    const entry = this.byTable.get(name);
    if (entry === undefined)
      throw new Error(`no projection shows a table ${name}; tables: ${this.tables.join(', ')}`);
    return { entry, show: entry.tables![name]!, rankedBy: entry.rankedBy?.[name] };
  }

  /**
   * The part (a fold saved on its own) with this name, version and parameters, as the registered
   * projections make it now; undefined when none does (a checkpoint of an older version, or of a
   * projection no longer registered). Resolves a saved checkpoint's key to the fold that can prove
   * it (eventstore's resolveCheckpoint).
   */
  part(
    name: string,
    version: number,
    parameters: Readonly<Record<string, string>>,
  ): Projection<unknown> | undefined {
    const wanted = canonicalJson(parameters);
    // A part names every parameter it depends on, so one that names none (the spending part of the
    // incident) is the same whatever the others are: any value makes it.
    const made = { ...ANY_PARAMETERS, ...parameters } as ProjectionParameters;
    for (const entry of this.byName.values()) {
      for (const part of partsOf(entry.make(made)))
        if (
          part.name === name &&
          part.version === version &&
          canonicalJson(part.parameters ?? {}) === wanted
        )
          return part;
    }
    return undefined;
  }
}

/** Every projection of the ledger. A new one is added here (docs/replay.md). */
export const PROJECTIONS = new ProjectionRegistry([
  {
    name: 'incident',
    summary: 'cases, damage per bank and day, controls, where the money went',
    parameters: ['zone'],
    make: ({ zone }) => incidentProjection(zone),
    tables: { operator: operatorTable, 'bank-operator': bankOperatorTable },
    rankedBy: { operator: 'damageYen', 'bank-operator': 'damageYen' },
  },
  {
    name: 'publications',
    summary: 'the published figures (FiguresPublished), in global order',
    parameters: [],
    make: () => publicationsProjection,
  },
  {
    name: 'merchant-day',
    summary: 'damage per merchant category per calendar day',
    parameters: ['zone'],
    make: ({ zone }) => merchantDayProjection(zone),
    tables: { 'merchant-day': merchantDayTable },
  },
  {
    name: 'case',
    summary: 'each reported case: bank, status, charges, reports, damage and compensation',
    parameters: ['zone'],
    make: ({ zone }) => caseTableProjection(zone),
    tables: { case: caseTable },
    rankedBy: { case: 'damageYen' },
  },
]);
