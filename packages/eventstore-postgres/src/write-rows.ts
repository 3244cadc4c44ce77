import type { KeyDictionary } from '@incident-ledger/core';
import { BlockWriter, type StreamState } from '@incident-ledger/eventstore';
import type { PoolClient } from 'pg';
import { copyIn } from './copy';
import { COLUMNS, type Row } from './event-row';
import { IdKeys } from './id-keys';
import { KEY_SPACE } from './keys';
import { CHANNEL } from './listener';
import type { Tables } from './tables';

/**
 * Stores the rows of `slices` at positions first, first + 1, ... (at most `bound` of them): the
 * events with their stream links (`links`: the last position of each stream, kept up to date), their
 * ids, their blocks and new keys, the heads, and the wake-up naming `schema`. The events go out as
 * the slices come: the server stores one while the next is planned and encoded. Returns how many
 * rows it stored.
 */
export async function writeRows(
  client: PoolClient,
  t: Tables,
  schema: string,
  first: number,
  links: Map<string, number>,
  keys: KeyDictionary,
  bound: number,
  slices: Iterable<readonly Row[]>,
  heads: ReadonlyMap<string, StreamState>,
): Promise<number> {
  const ids = new IdKeys(bound);
  const writer = new BlockWriter(keys, KEY_SPACE, first, bound);
  let position = first;
  await copyIn(
    client,
    `COPY ${t.events} (${COLUMNS}, previous) FROM STDIN (FORMAT binary)`,
    async (out, flush) => {
      for (const rows of slices) {
        for (let i = 0; i < rows.length; i++, position++) {
          const r = rows[i]!;
          out.row(10);
          out.int8(position);
          out.text(r.streamId);
          out.int8(r.revision);
          out.text(r.eventId);
          out.text(r.type);
          out.int8(r.occurredAt);
          out.int8(r.recordedAt);
          out.text(r.json ?? JSON.stringify(r.data));
          out.text(r.hash);
          const previous = links.get(r.streamId);
          if (previous === undefined) out.null();
          else out.int8(previous);
          links.set(r.streamId, position);
          ids.add(r.eventId, position);
          writer.add(r);
          if (out.full) await flush();
        }
      }
    },
  );
  await copyIn(
    client,
    `COPY ${t.eventIds} (id, position) FROM STDIN (FORMAT binary)`,
    (out, flush) => ids.write(out, flush),
  );
  const { blocks, keys: newKeys } = writer.finish();
  const values: unknown[] = [];
  const $ = (v: unknown) => `$${values.push(v)}`;
  const blockValues = blocks.map(
    (b) => `(${$(b.last)}::bigint, ${$(b.first)}::bigint, ${$(b.columns)}::bytea)`,
  );
  const newHeads = [...heads];
  // One statement for the derived rows, the heads and the wake-up; the NOTIFY is delivered only
  // if the transaction commits.
  await client.query(
    `WITH b AS (
       INSERT INTO ${t.blocks} (last_position, first_position, columns) VALUES ${blockValues.join(', ')}
     ), k AS (
       INSERT INTO ${t.keys} (domain, first_id, count, texts)
       SELECT * FROM unnest(${$(newKeys.map((k) => k.domain))}::smallint[], ${$(newKeys.map((k) => k.first))}::int[],
                            ${$(newKeys.map((k) => k.texts.length))}::int[], ${$(newKeys.map((k) => JSON.stringify(k.texts)))}::text[])
     ), st AS (
       INSERT INTO ${t.streams} (stream_id, revision, hash, last_position)
       SELECT * FROM unnest(${$(newHeads.map(([id]) => id))}::text[], ${$(newHeads.map(([, h]) => h.revision))}::bigint[],
                            ${$(newHeads.map(([, h]) => h.hash))}::text[], ${$(newHeads.map(([id]) => links.get(id)))}::bigint[])
       ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, hash = excluded.hash, last_position = excluded.last_position
     )
     SELECT pg_notify(${$(CHANNEL)}, ${$(schema)})`,
    values,
  );
  return position - first;
}
