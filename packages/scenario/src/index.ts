export * from './errors';
export * from './scenario';
export * from './simulation';
export * from './write';
