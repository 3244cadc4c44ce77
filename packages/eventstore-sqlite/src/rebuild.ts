import { KEY_DOMAIN_COUNT, KeyDictionary } from '@incident-ledger/core';
import { BlockWriter, isCurrentBlock, rebuildProgress } from '@incident-ledger/eventstore';
import type Database from 'better-sqlite3';
import { KEY_SPACE, type ColumnWriter } from './columns';
import { toEvent, type ReadStatements } from './read';

/**
 * Brings the blocks up to the current column declaration when they were derived under another one
 * (core's COLUMNS_HASH in each header): the keys and blocks are derived data, so they are derived
 * again from the events, block by block on the same boundaries (each block's `history` stays true),
 * in one transaction. Saved checkpoints go too: their keyed tables follow the old key numbering.
 * Checks the first and last blocks only (a header each, not every block's bytes): every writer
 * derives under its own declaration, so a store is stale at an end; a stale block elsewhere fails
 * to decode (StaleBlock) and names the fix. The function made returns whether it rebuilt.
 */
export function staleBlockRebuilder(
  db: Database.Database,
  reads: ReadStatements,
  writer: ColumnWriter,
  file: string,
): (onNotice?: (notice: string) => void) => boolean {
  const stmts = rebuildStatements(db);
  return (onNotice) => {
    if (stmts.ends.all().every((b) => isCurrentBlock(b))) return false;
    db.transaction(() => {
      const ranges = stmts.ranges.all();
      const events = ranges.reduce((n, r) => n + r.last_position - r.first_position + 1, 0);
      const progress = rebuildProgress(`the replay columns of ${file}`, events, onNotice);
      stmts.dropKeys.run();
      stmts.dropSections.run();
      stmts.dropCheckpoints.run();
      const keys = new KeyDictionary();
      for (const { first_position: first, last_position: last } of ranges) {
        const n = last - first + 1;
        const block = new BlockWriter(keys, KEY_SPACE, first, n);
        for (const row of reads.readAll.all(first, n)) block.add(toEvent(row));
        stmts.setColumns.run(block.finish().blocks[0]!.columns, last);
        progress(n);
      }
      for (let d = 0; d < KEY_DOMAIN_COUNT; d++) {
        const texts = keys.texts(d);
        for (let id = 0; id < texts.length; id++) stmts.insertKey.run(d, id, texts[id]!);
      }
    }).immediate();
    writer.forget();
    return true;
  };
}

function rebuildStatements(db: Database.Database) {
  return {
    ends: db
      .prepare<[], Buffer>(
        'SELECT substr(columns, 1, 32) FROM blocks WHERE last_position IN ((SELECT min(last_position) FROM blocks), (SELECT max(last_position) FROM blocks))',
      )
      .pluck(),
    ranges: db.prepare<[], { first_position: number; last_position: number }>(
      'SELECT first_position, last_position FROM blocks ORDER BY last_position',
    ),
    dropKeys: db.prepare('DELETE FROM keys'),
    dropSections: db.prepare('DELETE FROM checkpoint_sections'),
    dropCheckpoints: db.prepare('DELETE FROM checkpoints'),
    setColumns: db.prepare('UPDATE blocks SET columns = ? WHERE last_position = ?'),
    insertKey: db.prepare('INSERT INTO keys (domain, id, text) VALUES (?, ?, ?)'),
  };
}
