import { canonicalJson, jsonString, type StoredEvent } from '@incident-ledger/core';
import { createHash, hash } from 'node:crypto';
import type { NewEvent, StreamHead } from './port';

/** The hash before a stream's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * What an event's identity and content are, for hashing and for the same-content test on re-append.
 */
export function eventContent(streamId: string, e: NewEvent): string {
  // canonicalJson of { eventId, streamId, type, occurredAt, recordedAt, data }, written out in its
  // key order
  // (it runs twice per event appended); anything unusual in the envelope takes the general path.
  if (
    typeof e.eventId === 'string' &&
    typeof e.type === 'string' &&
    Number.isFinite(e.occurredAt) &&
    Number.isFinite(e.recordedAt) &&
    e.data !== undefined
  ) {
    // Finite numbers print as JSON.stringify prints them.
    return `{"data":${canonicalJson(e.data)},"eventId":${jsonString(e.eventId)},"occurredAt":${e.occurredAt},"recordedAt":${e.recordedAt},"streamId":${jsonString(streamId)},"type":${jsonString(e.type)}}`;
  }
  return canonicalJson({
    eventId: e.eventId,
    streamId,
    type: e.type,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    data: e.data,
  });
}

/**
 * hash = sha256(previous hash in the stream || revision || canonical content): an edit anywhere
 * breaks every later link.
 */
export function chainHash(prevHash: string, revision: number, content: string): string {
  // One-shot: the same bytes as hashing the three parts in turn, at half the cost per event.
  return hash('sha256', `${prevHash}|${revision}|${content}`);
}

/**
 * The store digest: one hash over every stream head, in stream-id order. Equal stores have equal
 * digests.
 */
export function storeDigest(heads: readonly StreamHead[]): string {
  const sorted = [...heads].sort((a, b) =>
    a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0,
  );
  const digest = new HeadsDigest();
  for (const head of sorted) digest.add(head);
  return digest.finish();
}

/**
 * The store digest of heads read in stream-id order, batch by batch (EventStore.readHeads), without
 * holding them all; undefined when they come in another order (a store's collation may put ids
 * outside the Basic Multilingual Plane elsewhere), for the caller to sort them (storeDigest).
 */
export async function storeDigestInOrder(
  batches: AsyncIterable<readonly StreamHead[]>,
): Promise<string | undefined> {
  const digest = new HeadsDigest();
  let last: string | undefined;
  for await (const batch of batches) {
    for (const head of batch) {
      if (last !== undefined && !(last < head.streamId)) return undefined;
      last = head.streamId;
      digest.add(head);
    }
  }
  return digest.finish();
}

/** The hash of the store digest, fed heads in stream-id order. */
class HeadsDigest {
  private readonly h = createHash('sha256');
  // The lines go to the hash in pieces of about 64 KiB, not two updates per stream: the same bytes.
  private text = '';

  add(head: StreamHead): void {
    this.text += `${canonicalJson([head.streamId, head.revision, head.hash])}\n`;
    if (this.text.length >= 65_536) {
      this.h.update(this.text);
      this.text = '';
    }
  }

  finish(): string {
    return this.h.update(this.text).digest('hex');
  }
}

export interface ChainBreak {
  streamId: string;
  revision: number;
  globalPosition: number;
  eventId: string;
  problem: string;
}

/**
 * Recomputes hash chains over events read in global order and reports the first altered event.
 * `heads` (from the store's stream table) are checked too, so a truncated stream is caught.
 */
export class ChainVerifier {
  private readonly last = new Map<string, { revision: number; hash: string }>();
  firstBreak: ChainBreak | undefined;
  checked = 0;

  check(batch: readonly StoredEvent[]): void {
    for (const e of batch) {
      this.checked++;
      if (this.firstBreak) return;
      const prev = this.last.get(e.streamId) ?? { revision: -1, hash: GENESIS_HASH };
      const at = {
        streamId: e.streamId,
        revision: e.revision,
        globalPosition: e.globalPosition,
        eventId: e.eventId,
      };
      if (e.revision !== prev.revision + 1) {
        this.firstBreak = {
          ...at,
          problem: `revision ${e.revision} follows revision ${prev.revision}`,
        };
        return;
      }
      const expected = chainHash(prev.hash, e.revision, eventContent(e.streamId, e));
      if (expected !== e.hash) {
        this.firstBreak = {
          ...at,
          problem: 'content does not match its stored hash (event altered, or its hash)',
        };
        return;
      }
      this.last.set(e.streamId, { revision: e.revision, hash: e.hash });
    }
  }

  finish(heads: readonly StreamHead[]): ChainBreak | undefined {
    if (this.firstBreak) return this.firstBreak;
    for (const head of heads) {
      const last = this.last.get(head.streamId);
      if (!last || last.revision !== head.revision || last.hash !== head.hash) {
        return {
          streamId: head.streamId,
          revision: head.revision,
          globalPosition: 0,
          eventId: '',
          problem: `stream head (revision ${head.revision}) does not match its events (last revision ${last?.revision ?? 'none'})`,
        };
      }
    }
    if (this.last.size !== heads.length) {
      const known = new Set(heads.map((h) => h.streamId));
      const orphan = [...this.last.keys()].find((s) => !known.has(s)) ?? '';
      return {
        streamId: orphan,
        revision: 0,
        globalPosition: 0,
        eventId: '',
        problem: 'stream has events but no head',
      };
    }
    return undefined;
  }
}

/**
 * A store's fingerprint of its history through a run of events (CheckpointStore.historyAt): the
 * fingerprint before them chained with each event's hash, in global order. A store with checkpoints
 * and replay columns (SQLite) extends it once per block, at the block's last position.
 */
export function extendHistory(
  previous: string,
  events: readonly { hash: string }[],
  from = 0,
  to = events.length,
): string {
  const h = createHash('sha256').update(previous);
  for (let i = from; i < to; i++) h.update(events[i]!.hash);
  return h.digest('hex');
}
