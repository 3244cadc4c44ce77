import {
  COLUMNS,
  DOMAIN,
  encodeEvents,
  KeyDictionary,
  typeOfCode,
  type ColumnBatch,
  type KeyDomain,
  type StoredEvent,
} from '@incident-ledger/core';
import { extendHistory, GENESIS_HASH } from './chain';
import type { EventStore } from './port';

/** Where a store's replay columns first disagree with its events. */
export interface ColumnBreak {
  position: number;
  /** The column (or `keys`, `rare`, `rows`) that disagrees. */
  column: string;
  stored: string;
  expected: string;
}

export interface ColumnCheck {
  /** Rows of replay columns compared with the events they were derived from. */
  checked: number;
  firstBreak?: ColumnBreak;
}

/**
 * Re-derives a store's replay columns (ColumnReader) from its events and compares them row by row:
 * every column, every key's text, the key-count bounds a fold sizes its tables by, the rare events,
 * and the history fingerprint kept at the end of each batch (CheckpointStore.historyAt). The hash
 * chains cover the events only; the columns are what a replay reads, so an edit of
 * the columns alone (a block, a key's text) would change replayed figures without breaking a chain.
 * A store without columns has nothing to check.
 */
export async function checkColumns(
  store: Pick<EventStore, 'readAll' | 'columns' | 'checkpoints'>,
): Promise<ColumnCheck> {
  if (store.columns === undefined) return { checked: 0 };
  // Numbered by first appearance in global order, as the store numbers its own keys.
  const keys = new KeyDictionary();
  const events = store.readAll()[Symbol.asyncIterator]();
  let expected: ColumnBatch | undefined;
  let expectedEvents: readonly StoredEvent[] = [];
  let at = 0;
  /**
   * The next expected row (an index into `expected`), reading more events as needed; undefined when
   * the events have ended.
   */
  const expectedRow = async (): Promise<number | undefined> => {
    while (expected === undefined || at >= expected.length) {
      const next = await events.next();
      if (next.done) return undefined;
      expected = encodeEvents(next.value, keys, 'check');
      expectedEvents = next.value;
      at = 0;
    }
    return at++;
  };
  let checked = 0;
  let history = GENESIS_HASH;
  const batches = store.columns.readColumns()[Symbol.asyncIterator]();
  for (;;) {
    let stored: ColumnBatch;
    try {
      const next = await batches.next();
      if (next.done) break;
      stored = next.value;
    } catch (e) {
      // A block that does not decode (its header edited, its bytes cut) is a break, not a crash.
      const row = await expectedRow();
      const position = row === undefined ? checked + 1 : expected!.position[row]!;
      return {
        checked,
        firstBreak: {
          position,
          column: 'block',
          stored: `unreadable (${(e as Error).message})`,
          expected: 'a readable block',
        },
      };
    }
    let rare = 0;
    const run: StoredEvent[] = [];
    for (let i = 0; i < stored.length; i++) {
      const position = stored.position[i]!;
      const row = await expectedRow();
      if (row === undefined)
        return {
          checked,
          firstBreak: {
            position,
            column: 'rows',
            stored: 'a row of columns',
            expected: 'none: no event at this position',
          },
        };
      const want = expected!;
      const bad = compareRow(stored, i, want, row);
      if (bad !== undefined)
        return {
          checked,
          firstBreak: { position: Math.min(position, want.position[row]!), ...bad },
        };
      // Rare events are few (publications): a scan of the batch's list costs nothing.
      const wantRare = want.rare.find((r) => r.globalPosition === position);
      if (wantRare !== undefined) {
        const got = stored.rare[rare++];
        if (got?.globalPosition !== position || got.eventId !== wantRare.eventId) {
          return {
            checked,
            firstBreak: {
              position,
              column: 'rare',
              stored: describeEvent(got),
              expected: describeEvent(wantRare),
            },
          };
        }
      }
      if (store.checkpoints !== undefined) run.push(expectedEvents[row]!); // for the history fingerprint below
      checked++;
    }
    if (rare !== stored.rare.length) {
      const extra = stored.rare[rare]!;
      return {
        checked,
        firstBreak: {
          position: extra.globalPosition,
          column: 'rare',
          stored: describeEvent(extra),
          expected: 'not a rare event',
        },
      };
    }
    // The fingerprint that decides whether a checkpoint still applies: derived too, so checked too.
    if (stored.length > 0 && store.checkpoints !== undefined) {
      history = extendHistory(history, run);
      const last = stored.position[stored.length - 1]!;
      const kept = await store.checkpoints.historyAt(last);
      if (kept !== undefined && kept !== history)
        return {
          checked,
          firstBreak: { position: last, column: 'history', stored: kept, expected: history },
        };
    }
  }
  const missing = await expectedRow();
  if (missing !== undefined) {
    return {
      checked,
      firstBreak: {
        position: expected!.position[missing]!,
        column: 'rows',
        stored: 'none',
        expected: 'a row of columns for this event',
      },
    };
  }
  return { checked };
}

/**
 * The first column in which stored row i differs from expected row j, keys compared by number and
 * by text.
 */
function compareRow(
  stored: ColumnBatch,
  i: number,
  want: ColumnBatch,
  j: number,
): Omit<ColumnBreak, 'position'> | undefined {
  if (stored.position[i] !== want.position[j])
    return {
      column: 'position',
      stored: String(stored.position[i]),
      expected: String(want.position[j]),
    };
  for (const spec of COLUMNS) {
    const c = spec.name;
    if (!('domain' in spec)) {
      if (!Object.is(stored[c][i], want[c][j])) {
        const show = (v: number) =>
          c === 'type' ? `${v} (${typeOfCode(v) ?? 'none'})` : String(v);
        return { column: c, stored: show(stored[c][i]!), expected: show(want[c][j]!) };
      }
      continue;
    }
    const domain = spec.domain;
    const got = stored[c][i]!;
    const id = want[c][j]!;
    if (got !== id)
      return {
        column: c,
        stored: `key ${got}`,
        expected: `key ${id} (${id < 0 ? 'none' : want.names.name(domain, id)})`,
      };
    if (id < 0) continue;
    if (id >= stored.keyCounts[DOMAIN[domain]]!)
      return {
        column: 'keyCounts',
        stored: `${domain} keys < ${stored.keyCounts[DOMAIN[domain]]}`,
        expected: `more than ${id}`,
      };
    const text = nameOf(stored, domain, id);
    if (text !== want.names.name(domain, id))
      return {
        column: 'keys',
        stored: `${domain} ${id} = ${JSON.stringify(text)}`,
        expected: JSON.stringify(want.names.name(domain, id)),
      };
  }
  return undefined;
}

function nameOf(b: ColumnBatch, domain: KeyDomain, id: number): string {
  try {
    return b.names.name(domain, id);
  } catch (e) {
    return `unreadable (${(e as Error).message})`;
  }
}

const describeEvent = (e: StoredEvent | undefined) =>
  e === undefined ? 'none' : `${e.type} ${e.eventId} at position ${e.globalPosition}`;
