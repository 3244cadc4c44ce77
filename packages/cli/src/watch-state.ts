import type { Projection } from '@incident-ledger/core';
import type { EventStore } from '@incident-ledger/eventstore';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * Where `watch --state FILE` resumes from: the projection's state after the event at `position`,
 * and the last figures it printed, so that a restarted watch prints only what changed since. The
 * state is a cache of the store: it is used only while the store still holds, at `position`, the
 * event whose chain hash it recorded (the hash covers every earlier event of its stream), and
 * rebuilt from the store otherwise.
 */
export interface WatchState<S> {
  position: number;
  /** Events the state covers. */
  events: number;
  state: S;
  /** The last figures printed (their JSON), undefined before the first. */
  printed: string | undefined;
}

const FORMAT = 'incident-ledger-watch-state/1';

interface StateFile {
  format: string;
  projection: string;
  version: number;
  zone: string;
  position: number;
  events: number;
  /** The chain hash of the event at `position` (empty at position 0). */
  hash: string;
  printed: string | null;
  sections: Record<string, string>;
}

/**
 * The saved state, or why it cannot be used (then the caller rebuilds from the store and says so).
 */
export async function loadWatchState<S>(
  file: string,
  store: EventStore,
  projection: Projection<S>,
  zone: string,
): Promise<WatchState<S> | { unusable: string } | undefined> {
  if (!existsSync(file)) return undefined;
  let saved: StateFile;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as StateFile;
  } catch (e) {
    return { unusable: `it cannot be read (${(e as Error).message})` };
  }
  if (saved.format !== FORMAT) return { unusable: `it is not a ${FORMAT} file` };
  if (saved.projection !== projection.name || saved.version !== projection.version)
    return { unusable: `it holds ${saved.projection} version ${saved.version}` };
  if (saved.zone !== zone) return { unusable: `it counts days in ${saved.zone}, not ${zone}` };
  if ((await hashAt(store, saved.position)) !== saved.hash)
    return {
      unusable: `the store no longer holds the event it ends at (position ${saved.position})`,
    };
  try {
    const sections = new Map(
      Object.entries(saved.sections).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))]),
    );
    return {
      position: saved.position,
      events: saved.events,
      state: projection.codec!.decode(sections),
      printed: saved.printed ?? undefined,
    };
  } catch (e) {
    return { unusable: `its state does not decode (${(e as Error).message})` };
  }
}

/** Writes the state whole or not at all: a new file renamed over the old one. */
export async function saveWatchState<S>(
  file: string,
  store: EventStore,
  projection: Projection<S>,
  zone: string,
  w: WatchState<S>,
): Promise<void> {
  const saved: StateFile = {
    format: FORMAT,
    projection: projection.name,
    version: projection.version,
    zone,
    position: w.position,
    events: w.events,
    hash: await hashAt(store, w.position),
    printed: w.printed ?? null,
    sections: Object.fromEntries(
      [...projection.codec!.encode(w.state)].map(([k, v]) => [
        k,
        Buffer.from(v).toString('base64'),
      ]),
    ),
  };
  writeFileSync(`${file}.tmp`, JSON.stringify(saved));
  renameSync(`${file}.tmp`, file);
}

/** The chain hash of the event at a global position; '' for position 0 or no event there. */
async function hashAt(store: EventStore, position: number): Promise<string> {
  if (position === 0) return '';
  for await (const batch of store.readAll({ from: position, batchSize: 1 }))
    return batch[0]?.globalPosition === position ? batch[0].hash : '';
  return '';
}
