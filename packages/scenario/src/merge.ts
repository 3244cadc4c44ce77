import type { LedgerEvent } from '@incident-ledger/core';

/**
 * The events of several sources, each already in recordedAt order, merged into one recordedAt
 * order; on a tie the source listed first goes first. With every source sorted stably, this is
 * the order a stable sort of all events by recordedAt gives (files in eventFiles order, then top
 * to bottom): the scenario's append order. A binary heap of the sources' next events.
 */
export function* mergeByRecordedAt<T extends { event: LedgerEvent }>(
  sources: Iterator<T>[],
): Generator<T> {
  const heap: { item: T; source: number }[] = [];
  const before = (a: (typeof heap)[number], b: (typeof heap)[number]) =>
    a.item.event.recordedAt < b.item.event.recordedAt ||
    (a.item.event.recordedAt === b.item.event.recordedAt && a.source < b.source);
  const push = (source: number) => {
    const next = sources[source]!.next();
    if (next.done) return;
    heap.push({ item: next.value, source });
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  try {
    sources.forEach((_, i) => push(i));
    yield* drain();
  } finally {
    for (const s of sources) s.return?.(); // close the files of sources not read to the end
  }

  function* drain(): Generator<T> {
    while (heap.length > 0) {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        for (let i = 0; ;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
          if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m]!, heap[i]!];
          i = m;
        }
      }
      yield top.item;
      push(top.source);
    }
  }
}
