import { KEY_DOMAIN_COUNT, KeyDictionary } from '@incident-ledger/core';
import { BlockWriter, isCurrentBlock, rebuildProgress } from '@incident-ledger/eventstore';
import type { PoolClient } from 'pg';
import type { Connection } from './connection';
import { KEY_SPACE } from './keys';
import { readAll, type ReadFrom } from './read';
import type { Tables } from './tables';

/**
 * Brings the blocks up to the current column declaration when they were derived under another one
 * (core's COLUMNS_HASH in each header), as the SQLite store does (its rebuild.ts says why this way):
 * keys and blocks derived again from the events, on the same block boundaries, under the schema's
 * write lock, in one transaction. `forget` drops the appender's cached dictionary. Returns whether
 * it rebuilt.
 */
export async function rebuildStaleBlocks(
  db: Connection,
  t: Tables,
  forget: () => void,
  onNotice: ((notice: string) => void) | undefined,
): Promise<boolean> {
  if (!(await db.withClient((c) => isStale(c, t)))) return false;
  const rebuilt = await db.locked(async (client) => {
    if (!(await isStale(client, t))) return false; // another opening rebuilt it meanwhile
    const { rows: ranges } = await client.query<{ first: string; last: string }>(
      `SELECT first_position AS first, last_position AS last FROM ${t.blocks} ORDER BY last_position`,
    );
    const events = ranges.reduce((n, r) => n + Number(r.last) - Number(r.first) + 1, 0);
    const progress = rebuildProgress('the replay columns', events, onNotice);
    await client.query(`DELETE FROM ${t.keys}`);
    const keys = new KeyDictionary();
    const pinned: ReadFrom = { t, withClient: (work) => work(client) };
    for (const range of ranges) {
      const [first, last] = [Number(range.first), Number(range.last)];
      const n = last - first + 1;
      const block = new BlockWriter(keys, KEY_SPACE, first, n);
      const read = await readAll(pinned, { from: first, batchSize: n })
        [Symbol.asyncIterator]()
        .next();
      for (const e of read.done ? [] : read.value) block.add(e);
      await client.query(`UPDATE ${t.blocks} SET columns = $1 WHERE last_position = $2`, [
        block.finish().blocks[0]!.columns,
        last,
      ]);
      progress(n);
    }
    const domains = Array.from({ length: KEY_DOMAIN_COUNT }, (_, d) => d).filter(
      (d) => keys.size(d) > 0,
    );
    await client.query(
      `INSERT INTO ${t.keys} (domain, first_id, count, texts)
       SELECT d, 0, n, texts FROM unnest($1::smallint[], $2::int[], $3::text[]) AS k(d, n, texts)`,
      [
        domains,
        domains.map((d) => keys.size(d)),
        domains.map((d) => JSON.stringify(keys.texts(d))),
      ],
    );
    return true;
  });
  forget();
  return rebuilt;
}

/** Whether the first or last block was derived under another declaration. */
async function isStale(client: PoolClient, t: Tables): Promise<boolean> {
  const { rows } = await client.query<{ head: Buffer }>(
    `SELECT substring(columns from 1 for 32) AS head FROM ${t.blocks}
     WHERE last_position IN ((SELECT min(last_position) FROM ${t.blocks}), (SELECT max(last_position) FROM ${t.blocks}))`,
  );
  return !rows.every((r) => isCurrentBlock(r.head));
}
