export * from './kurrentdb';
