import { escapeIdentifier } from 'pg';

/** The store's tables, each qualified by its schema. */
export interface Tables {
  events: string;
  streams: string;
  meta: string;
  eventIds: string;
  keys: string;
  blocks: string;
  eventsV1: string;
}

export function tables(schema: string): Tables {
  const s = escapeIdentifier(schema);
  return {
    events: `${s}.events`,
    streams: `${s}.streams`,
    meta: `${s}.meta`,
    eventIds: `${s}.event_ids`,
    keys: `${s}.keys`,
    blocks: `${s}.blocks`,
    eventsV1: `${s}.events_v1`,
  };
}
