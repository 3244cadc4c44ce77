export * from './arbitraries';
export * from './model';
export * from './invariants';
export * from './run';
export * from './properties';
