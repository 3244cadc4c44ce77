import type { StoredEvent } from '@incident-ledger/core';
import { Observable } from 'rxjs';

/**
 * Catch-up, then live: reads from `from` to the end, then reads again each time `wake` fires
 * (a new append in this process, a NOTIFY, a poll tick). Delivery is in global order, each event
 * once; unsubscribing stops reading and releases the wake-up source.
 */
export function catchUpThenLive(
  readFrom: (from: number) => AsyncIterable<StoredEvent[]>,
  wake: Observable<unknown>,
  from = 1,
): Observable<StoredEvent> {
  return new Observable<StoredEvent>((subscriber) => {
    let next = from;
    let closed = false;
    let running = false;
    let pending = true;
    const pump = async () => {
      if (running) return;
      running = true;
      try {
        while (pending && !closed) {
          pending = false;
          for await (const batch of readFrom(next)) {
            for (const e of batch) {
              if (closed) return;
              subscriber.next(e);
              next = e.globalPosition + 1;
            }
          }
        }
      } catch (err) {
        if (!closed) subscriber.error(err);
      } finally {
        running = false;
      }
    };
    const wakeSub = wake.subscribe(() => {
      pending = true;
      void pump();
    });
    void pump();
    return () => {
      closed = true;
      wakeSub.unsubscribe();
    };
  });
}
