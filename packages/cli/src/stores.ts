import { MemoryEventStore, type EventStore } from '@incident-ledger/eventstore';
import { SqliteEventStore } from '@incident-ledger/eventstore-sqlite';
import { resolve } from 'node:path';
import { UsageError } from './errors';

export const STORE_URL_HELP = 'memory: | sqlite:<file> | postgres://... | kurrentdb://...';

/** Opens a store from a URL: the one place the CLI learns which adapters exist. */
export async function openStore(url: string): Promise<EventStore> {
  if (url === 'memory:') return new MemoryEventStore();
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file === '') throw new UsageError('--store sqlite: needs a file, e.g. --store sqlite:ledger.sqlite');
    return SqliteEventStore.open(resolve(file));
  }
  throw new UsageError(`unknown store URL "${url}"; expected ${STORE_URL_HELP}`);
}
