import { MinHeap, type LedgerEvent } from '@incident-ledger/core';

/**
 * The events of several sources, each already in recordedAt order, merged into one recordedAt
 * order; on a tie the source listed first goes first. With every source sorted stably, this is
 * the order a stable sort of all events by recordedAt gives (files in eventFiles order, then top
 * to bottom): the scenario's append order. A heap of the sources' next events.
 */
export function* mergeByRecordedAt<T extends { event: LedgerEvent }>(
  sources: Iterator<T>[],
): Generator<T> {
  const heap = new MinHeap<{ item: T; source: number }>(
    (a, b) =>
      a.item.event.recordedAt < b.item.event.recordedAt ||
      (a.item.event.recordedAt === b.item.event.recordedAt && a.source < b.source),
  );
  const pull = (source: number) => {
    const next = sources[source]!.next();
    if (!next.done) heap.push({ item: next.value, source });
  };
  try {
    sources.forEach((_, i) => pull(i));
    for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
      yield top.item;
      pull(top.source);
    }
  } finally {
    for (const s of sources) s.return?.(); // close the files of sources not read to the end
  }
}
