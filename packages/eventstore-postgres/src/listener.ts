import type { StoredEvent } from '@incident-ledger/core';
import { catchUpThenLive } from '@incident-ledger/eventstore';
import { Client } from 'pg';
import { Observable, share, Subject } from 'rxjs';
import type { Connection } from './connection';

/**
 * One channel for every store in the database; the payload names the schema that was appended to.
 */
export const CHANNEL = 'incident_ledger_appended';

/** A store's subscriptions: woken by the NOTIFY of each append to its schema. */
export class Listener {
  private readonly closing = new Subject<void>();
  private readonly listenersEnding = new Set<Promise<void>>();

  constructor(
    private readonly db: Connection,
    private readonly schema: string,
  ) {}

  subscribe(
    readAll: (from: number) => AsyncIterable<StoredEvent[]>,
    from: number | undefined,
  ): Observable<StoredEvent> {
    return new Observable<StoredEvent>((subscriber) => {
      const wake = new Subject<void>();
      // catchUpThenLive ignores errors of its wake source; a lost LISTEN connection must reach the
      // subscriber instead.
      const notified = this.notifications.subscribe({
        next: () => wake.next(),
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      const live = catchUpThenLive(readAll, wake, from).subscribe(subscriber);
      return () => {
        live.unsubscribe();
        notified.unsubscribe();
      };
    });
  }

  /** Ends the LISTEN connection, if any, and waits for it to close. */
  async close(): Promise<void> {
    this.closing.complete();
    await Promise.all(this.listenersEnding);
  }

  /**
   * One LISTEN connection per store, shared by its subscriptions and ended with the last of them
   * (or on close).
   * It emits once when LISTEN is active, so a subscriber re-reads anything committed before that,
   * then once per
   * NOTIFY for this schema.
   */
  private readonly notifications: Observable<void> = new Observable<void>((subscriber) => {
    const client = new Client({
      connectionString: this.db.connectionString,
      connectionTimeoutMillis: this.db.connectTimeoutMs,
    });
    client.on('notification', (n) => {
      if (n.payload === this.schema) subscriber.next();
    });
    client.on('error', (e) => subscriber.error(this.db.unavailable(e)));
    const listening = client
      .connect()
      .then(() => client.query(`LISTEN ${CHANNEL}`))
      .then(
        () => subscriber.next(),
        (e: unknown) => subscriber.error(this.db.unavailable(e)),
      );
    const onClose = this.closing.subscribe({ complete: () => subscriber.complete() });
    return () => {
      onClose.unsubscribe();
      // Ending a client that is still connecting would leave its connect pending: end it once that
      // settles.
      const ended = listening.then(() => client.end());
      this.listenersEnding.add(ended);
      void ended.then(() => this.listenersEnding.delete(ended));
    };
  }).pipe(share());
}
