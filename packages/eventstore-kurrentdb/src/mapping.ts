import type { StoredEvent } from '@incident-ledger/core';
import {
  StoreUnavailable,
  WrongExpectedVersion,
  type ExpectedRevision,
  type PlannedRow,
} from '@incident-ledger/eventstore';
import {
  ErrorType,
  jsonEvent,
  NO_STREAM,
  START,
  WrongExpectedVersionError,
  type AppendStreamState,
  type EventData,
  type ReadPosition,
  type RecordedEvent,
} from '@kurrent/kurrentdb-client';

/**
 * How ledger events and KurrentDB records map onto each other. Pure functions: everything here is
 * tested without a server.
 */

/**
 * What KurrentDB keeps beside an event's data. Every value is a string because the multi-stream
 * append accepts nothing else in metadata; `revision` is informational (the stream revision is
 * authoritative on read) and makes a record readable on its own in KurrentDB's UI.
 */
export type LedgerMetadata = {
  occurredAt: string;
  recordedAt: string;
  revision: string;
  hash: string;
};

export function toEventData(row: PlannedRow): EventData {
  const metadata: LedgerMetadata = {
    occurredAt: String(row.occurredAt),
    recordedAt: String(row.recordedAt),
    revision: String(row.revision),
    hash: row.hash,
  };
  return jsonEvent({ id: row.eventId, type: row.type, data: row.data, metadata });
}

/** A record as both read paths deliver it: a stream read or a read of $all. */
export interface ReadRecord {
  event?: RecordedEvent;
  commitPosition?: bigint;
}

/**
 * A KurrentDB record as a ledger event, or undefined for KurrentDB's own records ($-streams hold
 * stream metadata and projection links, $-types are system events). `streamPrefix` is removed from
 * the stream name. A record without ledger metadata is someone else's event: an error, because
 * skipping it silently would change what a digest covers.
 */
export function toStoredEvent(record: ReadRecord, streamPrefix: string): StoredEvent | undefined {
  const e = record.event;
  if (!e || e.streamId.startsWith('$') || e.type.startsWith('$')) return undefined;
  const meta = e.metadata;
  if (!isLedgerMetadata(meta)) {
    throw new Error(
      `event ${e.id} in stream "${e.streamId}" was not written by incident-ledger (no ledger metadata); ` +
        'give the store a streamPrefix of its own',
    );
  }
  const commit = e.position?.commit ?? record.commitPosition;
  if (commit === undefined)
    throw new Error(`event ${e.id} comes without a log position (KurrentDB older than 22.6?)`);
  // JSON stored without the JSON flag (by another client, say) comes back as bytes.
  const data: unknown =
    e.data instanceof Uint8Array ? JSON.parse(Buffer.from(e.data).toString('utf8')) : e.data;
  return {
    eventId: e.id,
    streamId: e.streamId.slice(streamPrefix.length),
    type: e.type,
    occurredAt: integer(meta.occurredAt, 'occurredAt', e.id),
    recordedAt: integer(meta.recordedAt, 'recordedAt', e.id),
    data,
    revision: Number(e.revision),
    globalPosition: toGlobalPosition(commit),
    hash: meta.hash,
  } as StoredEvent;
}

function isLedgerMetadata(m: unknown): m is LedgerMetadata {
  if (m === null || typeof m !== 'object' || m instanceof Uint8Array) return false;
  const r = m as Record<string, unknown>;
  return (
    typeof r.occurredAt === 'string' &&
    typeof r.recordedAt === 'string' &&
    typeof r.hash === 'string' &&
    /^[0-9a-f]{64}$/.test(r.hash)
  );
}

function integer(text: string, field: string, eventId: string): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n))
    throw new Error(`event ${eventId}: metadata ${field} "${text}" is not an integer`);
  return n;
}

/**
 * globalPosition = 2 × (commit position + 1). KurrentDB positions are byte offsets in its log, and
 * a read of $all may only start exactly at a record. Callers resume with `position + 1` (as
 * catchUpThenLive does) as often as with `position`; doubling keeps every event's number even, so
 * an odd number still names the record it follows and both resume forms map to a real record.
 * Exact while the log is under 2^52 bytes (4 PiB).
 */
export function toGlobalPosition(commit: bigint): number {
  const g = (commit + 1n) * 2n;
  if (g > BigInt(Number.MAX_SAFE_INTEGER))
    throw new RangeError(`commit position ${commit} is too large for a global position`);
  return Number(g);
}

/**
 * Where a forward read of $all starts so that it returns every event at or after `from` (such a
 * read includes the record it starts at). The caller still drops events below `from`: for an odd
 * `from` that is the event it follows.
 */
export function readStart(from: number): ReadPosition {
  const commit = Math.floor(from / 2) - 1;
  return commit < 1 ? START : { commit: BigInt(commit), prepare: BigInt(commit) };
}

/** The stream state an append expects: exactly the revision the plan was made against. */
export function streamStateFor(revision: number): AppendStreamState {
  return revision === -1 ? NO_STREAM : BigInt(revision);
}

/** KurrentDB's conflict as the port's: `expected` is what the ledger caller asked for. */
export function toWrongExpectedVersion(
  err: WrongExpectedVersionError,
  streamId: string,
  expected: ExpectedRevision,
): WrongExpectedVersion {
  // A missing stream is reported as 'no_stream', a deleted or tombstoned one as a negative number.
  const actual =
    typeof err.actualState === 'bigint' && err.actualState >= 0n ? Number(err.actualState) : -1;
  return new WrongExpectedVersion(streamId, expected, actual);
}

/** gRPC status codes for a failure before the server answered (raw errors carry only these). */
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/** Whether the server could not be reached or did not answer in time. */
export function isUnreachable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { type, code } = err as { type?: unknown; code?: unknown };
  return (
    type === ErrorType.UNAVAILABLE ||
    type === ErrorType.DEADLINE_EXCEEDED ||
    type === ErrorType.TIMEOUT ||
    code === GRPC_UNAVAILABLE ||
    code === GRPC_DEADLINE_EXCEEDED
  );
}

/** An unreachable server becomes the port's StoreUnavailable; anything else is passed on. */
export function translateError(err: unknown, url: string): unknown {
  return isUnreachable(err)
    ? new StoreUnavailable(url, (err as Error).message || (err as Error).name)
    : err;
}

/** The connection string with its password masked, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}
