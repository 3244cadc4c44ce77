export * from './arbitraries';
export * from './commands-of';
export * from './model';
export * from './figures';
export * from './run';
export * from './properties';
export * from './specs';
export * from './mutants';
