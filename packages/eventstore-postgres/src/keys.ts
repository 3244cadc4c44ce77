import {
  DOMAIN,
  KEY_DOMAIN_COUNT,
  KEY_DOMAINS,
  type KeyDomain,
  type KeyNames,
} from '@incident-ledger/core';
import type { PoolClient } from 'pg';
import type { Tables } from './tables';

export const KEY_SPACE = 'postgres-keys';

/**
 * A row of the keys table: the texts of keys first_id, first_id + 1, ... of a domain, as one JSON
 * array.
 */
export interface KeyRow {
  domain: number;
  first_id: number;
  count: number;
  texts: string;
}

/** Keys rows after the first `sizes.size(d)` keys of each domain, in order. */
export async function keyRows(
  client: PoolClient,
  t: Tables,
  sizes: { size(domain: number): number },
): Promise<KeyRow[]> {
  const { rows } = await client.query<KeyRow>(
    `SELECT domain, first_id, count, texts FROM ${t.keys} WHERE first_id >= ($1::int[])[domain + 1] ORDER BY domain, first_id`,
    [KEY_DOMAINS.map((_, d) => sizes.size(d))],
  );
  return rows;
}

/**
 * Key names for a read, from the keys table: rows of JSON arrays, parsed per domain on first use,
 * so a
 * replay that names only banks and categories never parses the wallets' and accounts' texts.
 */
export class StoredKeyNames implements KeyNames {
  private readonly texts: string[][] = KEY_DOMAINS.map(() => []);
  private readonly pending: KeyRow[][] = KEY_DOMAINS.map(() => []);
  private readonly sizes = new Array<number>(KEY_DOMAIN_COUNT).fill(0);

  add(row: KeyRow): void {
    if (row.first_id !== this.sizes[row.domain])
      throw new Error(
        `keys of ${KEY_DOMAINS[row.domain]} from ${row.first_id} arrive out of order (expected ${this.sizes[row.domain]})`,
      );
    this.pending[row.domain]!.push(row);
    this.sizes[row.domain] = this.sizes[row.domain]! + row.count;
  }

  size(domain: number): number {
    return this.sizes[domain]!;
  }

  name(domain: KeyDomain, id: number): string {
    const d = DOMAIN[domain];
    const texts = this.texts[d]!;
    if (id >= texts.length) {
      for (const row of this.pending[d]!) {
        const parsed = JSON.parse(row.texts) as string[];
        // Readers number keys by count, writers by texts: a row where they differ was edited.
        if (parsed.length !== row.count)
          throw new Error(
            `keys of ${domain} from ${row.first_id} hold ${parsed.length} texts, not the ${row.count} the row counts`,
          );
        for (const text of parsed) texts.push(text);
      }
      this.pending[d] = [];
    }
    const text = texts[id];
    if (text === undefined) throw new Error(`no ${domain} key numbered ${id}`);
    return text;
  }
}
