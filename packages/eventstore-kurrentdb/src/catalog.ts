import type { StoredEvent } from '@incident-ledger/core';
import type { StreamState } from '@incident-ledger/eventstore';

/**
 * What appends and heads() need about the whole store: where every event id is, and every
 * stream's head. KurrentDB has no index by event id and no list of stream heads, so the adapter
 * builds both from $all and keeps them in memory, reading only what was appended since its last
 * refresh. Memory grows with the number of events (one entry per event id).
 */
export class Catalog {
  readonly ids = new Map<string, { streamId: string; revision: number }>();
  readonly heads = new Map<string, StreamState>();
  private next = 1;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly readAll: (from: number) => AsyncIterable<StoredEvent[]>) {}

  /**
   * Catches up with every event committed before the call. Calls run one after another, so no
   * event is read twice; a failed refresh keeps what it read and the next one continues from there.
   */
  refresh(): Promise<void> {
    const run = this.queue.then(async () => {
      for await (const batch of this.readAll(this.next)) {
        for (const e of batch) {
          this.ids.set(e.eventId, { streamId: e.streamId, revision: e.revision });
          this.heads.set(e.streamId, { revision: e.revision, hash: e.hash });
          this.next = e.globalPosition + 1;
        }
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
