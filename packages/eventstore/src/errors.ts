import type { ExpectedRevision } from './port';

/**
 * The stream was not where the writer expected it: someone else appended first, or it (does not)
 * exist.
 */
export class WrongExpectedVersion extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's last revision; -1 when it has no events. */
    readonly actual: number,
  ) {
    super(
      `stream "${streamId}": expected revision ${String(expected)}, actual ${actual === -1 ? 'no stream' : actual}`,
    );
    this.name = 'WrongExpectedVersion';
  }
}

/** An event id already stored with other content: never overwritten, never duplicated. */
export class EventIdConflict extends Error {
  constructor(
    readonly eventId: string,
    readonly streamId: string,
    readonly storedStreamId: string,
  ) {
    super(
      `event id ${eventId} (stream "${streamId}") is already stored with different content` +
        (storedStreamId !== streamId ? ` in stream "${storedStreamId}"` : ''),
    );
    this.name = 'EventIdConflict';
  }
}

/** The store could not be reached or opened. */
export class StoreUnavailable extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot open store ${url}: ${reason}`);
    this.name = 'StoreUnavailable';
  }
}

/**
 * No store at that address yet: a missing or empty file, a database without the store's tables.
 * Only an opening that may create one (StoreAccess 'create') goes on; the others stop here, so a
 * misspelled path is not taken for an empty store.
 */
export class StoreMissing extends StoreUnavailable {
  constructor(url: string, reason: string) {
    super(url, reason);
    this.name = 'StoreMissing';
  }
}

/**
 * What an opening may do: 'create' the store when there is none (the importing commands), 'write'
 * to one that exists, or only 'read' it (nothing written, not even the journal mode).
 */
export type StoreAccess = 'create' | 'write' | 'read';

/** A stored event that cannot even be decoded: its row was altered outside the store. */
export class UnreadableEvent extends Error {
  constructor(
    readonly streamId: string,
    readonly revision: number,
    readonly globalPosition: number,
    readonly reason: string,
  ) {
    super(
      `event at position ${globalPosition} (stream "${streamId}", revision ${revision}) cannot be read: ${reason}`,
    );
    this.name = 'UnreadableEvent';
  }
}
