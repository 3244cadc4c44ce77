export * from './errors';
export * from './event-files';
export * from './limits';
export * from './scenario';
export * from './simulation';
export * from './plan-attacks';
export * from './write';
