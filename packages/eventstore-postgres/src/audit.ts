import { UUID_LIKE, type IndexSql } from '@incident-ledger/eventstore';
import type { PoolClient } from 'pg';

const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/** The PostgreSQL store's index tables, in its SQL dialect, read through `client`. */
export function postgresIndexSql(client: PoolClient, tables: IndexSql['tables']): IndexSql {
  return {
    tables,
    // id-keys.ts idKey: a lowercase UUID as its 16 bytes, else UTF-8, a 0 byte added to 16 bytes.
    idMatches: (id, e) =>
      `CASE WHEN octet_length(${id}) = 16 THEN ${e} LIKE '${UUID_LIKE}' AND replace(${e}, '-', '') = encode(${id}, 'hex')
            ELSE ${id} = convert_to(${e}, 'UTF8') || CASE WHEN octet_length(${e}) = 16 THEN '\\x00'::bytea ELSE ''::bytea END
                 AND ${e} !~ '${UUID_PATTERN}' END`,
    // streams.stream_id is COLLATE "C", events.stream_id the database's: equality needs one.
    bytewise: (c) => `${c} COLLATE "C"`,
    param: (n) => `$${n}`,
    first: async (sql, params = []) => (await client.query(sql, [...params])).rows[0],
  };
}

/**
 * Runs `work` on `client` in one REPEATABLE READ, READ ONLY transaction: every statement of it
 * sees the snapshot taken at its first.
 */
export async function inSnapshot<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
  try {
    return await work();
  } finally {
    await client.query('ROLLBACK');
  }
}
