import { describe } from '@incident-ledger/core';
import {
  MemoryEventStore,
  StoreMissing,
  type EventStore,
  type StoreAccess,
} from '@incident-ledger/eventstore';
import { SqliteEventStore } from '@incident-ledger/eventstore-sqlite';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { importEvents, type ImportResult, type ImportSource } from './app';
import { ImportCutShort, UsageError } from './errors';
import type { Progress } from './progress';

export const STORE_URL_HELP = 'memory: | sqlite:<file> | postgres://... | kurrentdb://...';

/** The environment variable naming the store when --store is not given. */
export const STORE_ENV = 'INCIDENT_LEDGER_STORE';
export const STORE_ENV_HELP = `(else $${STORE_ENV}, else the default)`;

/**
 * The store a command uses: --store, else $INCIDENT_LEDGER_STORE (when set and not empty), else
 * the command's default.
 */
export function storeUrl(option: string | undefined, fallback: string): string;
export function storeUrl(option: string | undefined): string | undefined;
export function storeUrl(option: string | undefined, fallback?: string): string | undefined {
  return option ?? (process.env[STORE_ENV] || undefined) ?? fallback;
}

/**
 * Opens a store from a URL: the one place the CLI learns which adapters exist.
 * Server stores fail with StoreUnavailable within 10 seconds when they cannot be reached.
 * Their drivers load only when asked for: the KurrentDB client alone takes ~0.2 s to load.
 * Only the importing commands (replay, simulate) open with `access` 'create': for the others a
 * missing store is a mistake (a misspelled path), refused with how to create it.
 */
export async function openStore(url: string, access: StoreAccess): Promise<EventStore> {
  try {
    return await openAdapter(url, access);
  } catch (e) {
    if (!(e instanceof StoreMissing)) throw e;
    throw new StoreMissing(
      e.url,
      `${e.reason}; create the store with: incident-ledger replay <scenario-dir> --store ${url}`,
    );
  }
}

async function openAdapter(url: string, access: StoreAccess): Promise<EventStore> {
  const scheme = /^([a-z0-9+]+):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'memory':
      if (url !== 'memory:') break;
      return new MemoryEventStore();
    case 'sqlite':
      return SqliteEventStore.open(sqliteFile(url)!, { access });
    case 'postgres':
    case 'postgresql':
      return (await import('@incident-ledger/eventstore-postgres')).PostgresEventStore.open(url, {
        connectTimeoutMs: 8_000,
        access,
      }); // leaves headroom inside the promised 10 s
  }
  // Every scheme the official client accepts, with or without cluster discovery.
  if (scheme && /^(kurrentdb|kurrent|kdb|esdb)(\+discover)?$/.test(scheme))
    return (await import('@incident-ledger/eventstore-kurrentdb')).KurrentDbEventStore.open(url);
  throw new UsageError(`unknown store URL ${describe(url)}; expected ${STORE_URL_HELP}`);
}

/** The file of a `sqlite:` URL, resolved; undefined for other stores. */
function sqliteFile(url: string): string | undefined {
  if (!/^sqlite:/i.test(url)) return undefined;
  const file = url.slice('sqlite:'.length);
  if (file === '')
    throw new UsageError('--store sqlite: needs a file, e.g. --store sqlite:ledger.sqlite');
  return resolve(file);
}

/**
 * Opens the store at `url` (openStore) and imports the scenario's events into it (importEvents).
 * A failed import appends nothing; when this call also made the store (a SQLite file that was not
 * there), the file goes too: a bad event leaves nothing behind, not even an empty store.
 */
export async function openImported(
  url: string,
  access: StoreAccess,
  events: ImportSource,
  progress: Progress,
): Promise<{ store: EventStore; imported: ImportResult }> {
  const file = sqliteFile(url);
  const made = file !== undefined && !existsSync(file) ? file : undefined;
  const store = await openStore(url, access);
  try {
    return { store, imported: await importEvents(store, events, progress) };
  } catch (e) {
    await store.close();
    if (made !== undefined && !(e instanceof ImportCutShort))
      for (const f of [made, `${made}-wal`, `${made}-shm`]) rmSync(f, { force: true });
    throw e;
  }
}
