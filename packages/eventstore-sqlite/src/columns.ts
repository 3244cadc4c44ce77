import {
  sliceBatch,
  DOMAIN,
  isRareCode,
  KEY_DOMAIN_COUNT,
  KEY_DOMAINS,
  KeyDictionary,
  type ColumnBatch,
  type KeyDomain,
  type KeyNames,
} from '@incident-ledger/core';
import {
  BlockWriter,
  BLOCKS_PER_READ,
  decodeBlock,
  extendHistory,
  GENESIS_HASH,
  withKnownKeyCounts,
  type ColumnReader,
  type ReadAllOptions,
} from '@incident-ledger/eventstore';
import type Database from 'better-sqlite3';
import { toEvent, type ReadStatements } from './read';
import { staleBlockRebuilder } from './rebuild';

export const KEY_SPACE = 'sqlite-keys';

/** A stored event as the derived tables need it. */
export interface StoredRow {
  streamId: string;
  eventId: string;
  type: string;
  data: unknown;
  occurredAt: number;
  recordedAt: number;
  hash: string;
}

/** Writes the keys and blocks of newly stored events, in their append's transaction. */
export class ColumnWriter {
  private readonly stmts: ReturnType<typeof writeStatements>;
  /**
   * Every key of the store, loaded at the first append and kept in step with the table (other
   * writers included).
   */
  private dictionary: KeyDictionary | undefined;

  constructor(db: Database.Database) {
    this.stmts = writeStatements(db);
  }

  /**
   * Keys and blocks of newly stored events: rows[i] is at position first + i, after every stored
   * one.
   */
  write(rows: readonly StoredRow[], first: number): void {
    const writer = new BlockWriter(this.keys(), KEY_SPACE, first, rows.length);
    for (const r of rows) writer.add(r);
    const { blocks, keys } = writer.finish();
    let history = this.stmts.lastHistory.get() ?? GENESIS_HASH;
    for (const b of blocks) {
      history = extendHistory(history, rows, b.first - first, b.last - first + 1);
      this.stmts.insertBlock.run(b.last, b.first, b.columns, history);
    }
    for (const { domain, first: id, texts } of keys)
      for (let i = 0; i < texts.length; i++) this.stmts.insertKey.run(domain, id + i, texts[i]!);
  }

  /** Drops the dictionary: the next write loads it again from the table. */
  forget(): void {
    this.dictionary = undefined;
  }

  /**
   * The store's dictionary, brought up to date with keys other writers stored. Inside a
   * transaction.
   */
  private keys(): KeyDictionary {
    const keys = (this.dictionary ??= new KeyDictionary());
    for (let d = 0; d < KEY_DOMAIN_COUNT; d++) {
      for (const { id, text } of this.stmts.keysFrom.iterate(d, keys.size(d)))
        keys.learn(d, id, text);
    }
    return keys;
  }
}

function writeStatements(db: Database.Database) {
  return {
    keysFrom: db.prepare<[number, number], { id: number; text: string }>(
      'SELECT id, text FROM keys WHERE domain = ? AND id >= ? ORDER BY id',
    ),
    insertKey: db.prepare('INSERT INTO keys (domain, id, text) VALUES (?, ?, ?)'),
    lastHistory: db
      .prepare<[], string>('SELECT history FROM blocks ORDER BY last_position DESC LIMIT 1')
      .pluck(),
    insertBlock: db.prepare(
      'INSERT INTO blocks (last_position, first_position, columns, history) VALUES (?, ?, ?, ?)',
    ),
  };
}

/** The store's replay columns; `file` names the store in errors. */
export function sqliteColumns(
  db: Database.Database,
  reads: ReadStatements,
  file: string,
  writer: ColumnWriter | undefined,
): ColumnReader {
  // An opening that may write rebuilds stale blocks; a read-only one meets them as StaleBlock.
  const rebuild = writer && staleBlockRebuilder(db, reads, writer, file);
  const stmts = {
    maxKey: db
      .prepare<[number], number | null>('SELECT max(id) FROM keys WHERE domain = ?')
      .pluck(),
    keyText: db
      .prepare<[number, number], string>('SELECT text FROM keys WHERE domain = ? AND id = ?')
      .pluck(),
    blocksFrom: db.prepare<
      [number, number],
      { first_position: number; last_position: number; columns: Buffer }
    >(
      'SELECT first_position, last_position, columns FROM blocks WHERE last_position >= ? ORDER BY last_position LIMIT ?',
    ),
  };

  /**
   * Blocks from `from` on, one batch each; the rows of rare types are read in full from `events`.
   */
  async function* readColumns(options: ReadAllOptions = {}): AsyncIterable<ColumnBatch> {
    rebuild?.();
    const names = keyNames();
    // Every batch tells the store's key counts at the start of the read: a fold sizes its keyed
    // tables once.
    const known = KEY_DOMAINS.map((_, d) => (stmts.maxKey.get(d) ?? -1) + 1);
    // Paged, not iterated: an open iterator would keep the connection busy, and an append may come
    // between two batches.
    for (let from = options.from ?? 1; ;) {
      const page = stmts.blocksFrom.all(from, BLOCKS_PER_READ);
      if (page.length === 0) return;
      for (const { first_position: first, columns } of page) {
        const block = decodeBlock(columns, first, KEY_SPACE, names);
        const batch = first < from ? sliceBatch(block, from - first) : block;
        const { type, position } = batch;
        for (let i = 0; i < batch.length; i++) {
          if (!isRareCode(type[i]!)) continue;
          const row = reads.byPosition.get(position[i]!);
          if (row !== undefined) batch.rare.push(toEvent(row));
        }
        yield withKnownKeyCounts(batch, known);
      }
      from = page[page.length - 1]!.last_position + 1;
    }
  }

  /** Key names read on demand: a fold asks once per bank and category it meets. */
  function keyNames(): KeyNames {
    const cache = KEY_DOMAINS.map(() => new Map<number, string>());
    return {
      name: (domain: KeyDomain, id: number) => {
        const d = DOMAIN[domain];
        let text = cache[d]!.get(id);
        if (text === undefined) {
          text = stmts.keyText.get(d, id);
          if (text === undefined) throw new Error(`no ${domain} key numbered ${id} in ${file}`);
          cache[d]!.set(id, text);
        }
        return text;
      },
    };
  }

  return {
    keySpace: KEY_SPACE,
    readColumns,
    ...(rebuild && {
      rebuildStale: async (onNotice?: (notice: string) => void) => rebuild(onNotice),
    }),
  };
}
