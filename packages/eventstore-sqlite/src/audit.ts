import {
  checkIndexes,
  type AuditView,
  type IndexSql,
  type StoreAudit,
} from '@incident-ledger/eventstore';
import type Database from 'better-sqlite3';

const HEX = '[0-9a-f]';
/** A lowercase UUID, which event_ids keeps as its 16 bytes (sqlite.ts idKey); GLOB is bytewise. */
const UUID_GLOB = [8, 4, 4, 4, 12].map((n) => HEX.repeat(n)).join('-');

/** The SQLite store's index tables, in its SQL dialect. */
export function sqliteIndexSql(db: Database.Database): IndexSql {
  return {
    tables: { events: 'events', streams: 'streams', eventIds: 'event_ids', blocks: 'blocks' },
    idKey: (c) =>
      `CASE WHEN ${c} GLOB '${UUID_GLOB}' THEN unhex(replace(${c}, '-', '')) ELSE ${c} END`,
    bytewise: (c) => c,
    param: () => '?',
    first: async (sql, params = []) =>
      db.prepare<unknown[], Record<string, unknown>>(sql).get(...params),
  };
}

/**
 * One read transaction per verification: with WAL, every read in it sees the snapshot taken at its
 * first read. A savepoint, so that it also nests in a transaction the caller already holds (then
 * that one's snapshot is the one read). `view` reads through this same connection.
 */
export function sqliteAudit(db: Database.Database, view: Omit<AuditView, 'indexes'>): StoreAudit {
  const indexSql = sqliteIndexSql(db);
  return {
    snapshot: async (fn) => {
      db.exec('SAVEPOINT audit');
      try {
        return await fn({ ...view, indexes: () => checkIndexes(indexSql) });
      } finally {
        // Reads only: nothing to keep or undo; releasing the outermost savepoint ends the transaction.
        db.exec('RELEASE audit');
      }
    },
  };
}
