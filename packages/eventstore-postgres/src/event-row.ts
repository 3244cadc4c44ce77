import type { StoredEvent } from '@incident-ledger/core';
import { UnreadableEvent, type PlannedRow } from '@incident-ledger/eventstore';

export interface EventRow {
  position: string;
  stream_id: string;
  revision: string;
  event_id: string;
  type: string;
  occurred_at: string;
  recorded_at: string;
  data: string;
  hash: string;
}

/**
 * An event to store at a position: planned by planWrites, or read from a schema-1 table (with its
 * stored JSON).
 */
export type Row = PlannedRow & { json?: string };

export const COLUMNS =
  'position, stream_id, revision, event_id, type, occurred_at, recorded_at, data, hash';
export const COLUMNS_OF_E = COLUMNS.split(', ')
  .map((c) => `e.${c}`)
  .join(', ');

/** A schema-1 row as it is stored again, its JSON kept as it is. */
export function storedRow(r: EventRow): Row {
  return { ...toEvent(r), json: r.data };
}

/** Data that is not JSON was edited outside the store: verify --integrity names the event. */
function parsed(r: EventRow): unknown {
  try {
    return JSON.parse(r.data);
  } catch (e) {
    throw new UnreadableEvent(
      r.stream_id,
      Number(r.revision),
      Number(r.position),
      `data is not JSON (${(e as Error).message})`,
    );
  }
}

export function toEvent(r: EventRow): StoredEvent {
  return {
    eventId: r.event_id,
    streamId: r.stream_id,
    type: r.type,
    occurredAt: Number(r.occurred_at),
    recordedAt: Number(r.recorded_at),
    data: parsed(r),
    revision: Number(r.revision),
    globalPosition: Number(r.position),
    hash: r.hash,
  } as StoredEvent;
}
