export * from './events/types';
export * from './events/schema';
export * from './events/charset';
export * from './text/suggest';
export * from './time/instant';
export * from './time/calendar';
export * from './money/yen';
export * from './projections/projection';
export * from './projections/incident';
export * from './projections/figures';
export * from './determinism/canonical';
export * from './determinism/ids';
export * from './determinism/rng';
export * from './projections/wallets';
export * from './rules/commands';
export * from './rules/scope';
export * from './rules/state';
export * from './rules/decide';
export * from './rules/run';
export * from './rules/attempts';
export * from './rules/what-if';
export * from './events/columns';
export {
  Table,
  SAVED_FORMAT,
  type ColumnKind,
  type ColumnSpec,
  type TypedColumns,
  type SavedColumn,
  type ReadColumn,
} from './projections/table';
export { Pool, CHUNK_MASK } from './projections/pool';
export * from './projections/columnar';
export * from './projections/composite';
export * from './projections/lists';
export * from './projections/table-codec';
export * from './projections/publications';
export * from './collections/heap';
export * from './projections/registry';
export { operatorRows } from './projections/operator-tables';
export * from './invariants';
export * from './projections/columnar-part';
