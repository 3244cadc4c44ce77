export * from './errors';
export * from './event-files';
export * from './limits';
export * from './scenario';
export * from './simulation';
export * from './write';
