import {
  checkIndexes,
  UUID_LIKE,
  type EventStore,
  type IndexSql,
  type StoreAudit,
} from '@incident-ledger/eventstore';
import type Database from 'better-sqlite3';

const HEX = '[0-9a-f]';
/** A lowercase UUID (GLOB is bytewise). */
const UUID_GLOB = [8, 4, 4, 4, 12].map((n) => HEX.repeat(n)).join('-');

/** The SQLite store's index tables, in its SQL dialect. */
export function sqliteIndexSql(db: Database.Database): IndexSql {
  return {
    tables: { events: 'events', streams: 'streams', eventIds: 'event_ids', blocks: 'blocks' },
    // append.ts idKey: a lowercase UUID as its 16 bytes, any other id as its text.
    idMatches: (id, e) =>
      `CASE WHEN typeof(${id}) = 'blob' THEN length(${id}) = 16 AND ${e} LIKE '${UUID_LIKE}' AND replace(${e}, '-', '') = lower(hex(${id}))
            ELSE ${id} = ${e} AND ${e} NOT GLOB '${UUID_GLOB}' END`,
    bytewise: (c) => c,
    param: () => '?',
    first: async (sql, params = []) =>
      db.prepare<unknown[], Record<string, unknown>>(sql).get(...params),
  };
}

/**
 * One read transaction per verification: with WAL, every read in it sees the snapshot taken at its
 * first read. A savepoint, so that it also nests in a transaction the caller already holds (then
 * that one's snapshot is the one read). The store reads through this same connection.
 */
export function sqliteAudit(
  db: Database.Database,
  store: Pick<EventStore, 'heads' | 'readAll' | 'columns' | 'checkpoints'>,
): StoreAudit {
  const indexSql = sqliteIndexSql(db);
  return {
    snapshot: async (fn) => {
      db.exec('SAVEPOINT audit');
      try {
        return await fn({
          heads: () => store.heads(),
          readAll: (options) => store.readAll(options),
          columns: store.columns,
          checkpoints: store.checkpoints,
          indexes: () => checkIndexes(indexSql),
        });
      } finally {
        // Reads only: nothing to keep or undo; releasing the outermost savepoint ends the transaction.
        db.exec('RELEASE audit');
      }
    },
  };
}
