export * from './sqlite';
/**
 * The driver itself, for maintenance scripts that read a store's file directly (the benchmark's raw
 * limits).
 */
export { default as Database } from 'better-sqlite3';
