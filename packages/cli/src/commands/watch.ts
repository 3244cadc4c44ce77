import {
  Fold,
  incidentProjection,
  incidentReport,
  isValidZone,
  type IncidentState,
  type Projection,
  type StoredEvent,
} from '@incident-ledger/core';
import type { EventStore } from '@incident-ledger/eventstore';
import { resolve } from 'node:path';
import { parse, QUIET_HELP, QUIET_OPTION } from '../args';
import { storedEvents } from '../app';
import { EXIT, UsageError } from '../errors';
import { documentText, documentValue, fact, outputOption, type Document } from '../output';
import { progressOf } from '../progress';
import { reportTables } from '../render';
import { openStore, STORE_ENV, STORE_URL_HELP, storeUrl } from '../stores';
import { loadWatchState, saveWatchState, type WatchState } from '../watch-state';

export const WATCH_HELP = `usage: incident-ledger watch --store <url> [--zone <zone>] [--format text|json] [--state <file>]

Replays the store to now and prints the figures (the summary and damage per bank), then follows
the store's live subscription and prints them again each time events appended by any process
change them. Runs until interrupted (Ctrl-C, SIGTERM), then exits 0.

options:
  --store <url>    ${STORE_URL_HELP}
                   default: $${STORE_ENV}; one of the two is required
                   It must exist (replay creates one); watch only reads it.
  --zone <zone>    IANA time zone of the calendar days (oldest damage date). default: UTC
  --format <f>     text (default): the figures as tables, with the position they are at;
                   json: one line per change, a document of docs/output.md (watch)
  --state <file>   resume from this file and keep it up to date: the position reached, the
                   projection's state and the last figures printed. A restarted watch reads only
                   what was appended since and prints only changes it has not printed; a file that
                   no longer matches the store is rebuilt (with a note on stderr).
${QUIET_HELP}
  -h, --help       show this help

exit codes: 0 stopped by a signal, 2 bad input (options, store), 3 internal error`;

/** A stream of changes has no one table for CSV. */
const WATCH_FORMATS = ['text', 'json'] as const;

export async function watchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('watch', argv, {
    store: { type: 'string' },
    zone: { type: 'string' },
    format: { type: 'string' },
    excel: { type: 'boolean' },
    state: { type: 'string' },
    ...QUIET_OPTION,
  });
  if (values.help) return (console.log(WATCH_HELP), EXIT.ok);
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument "${positionals[0]}"`, 'watch');
  const url = storeUrl(values.store);
  if (url === undefined)
    throw new UsageError(
      `--store is required (or $${STORE_ENV}), e.g. --store sqlite:ledger.sqlite`,
      'watch',
    );
  const zone = values.zone ?? 'UTC';
  if (!isValidZone(zone))
    throw new UsageError(`--zone must be an IANA zone such as Asia/Tokyo, got "${zone}"`, 'watch');
  const json = outputOption(values, WATCH_FORMATS).format === 'json';
  const store = await openStore(url, 'read');
  try {
    await watch(store, {
      zone,
      json,
      url,
      ...(values.state !== undefined && { stateFile: resolve(values.state) }),
      quiet: values.quiet === true,
    });
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

interface WatchOptions {
  zone: string;
  url: string;
  json: boolean;
  stateFile?: string;
  quiet: boolean;
}

type Projected = WatchState<IncidentState>;

/** Until SIGINT or SIGTERM: catch up, print, then fold and print each change as it arrives. */
async function watch(store: EventStore, o: WatchOptions): Promise<void> {
  const projection = incidentProjection(o.zone);
  const w = await catchUp(store, projection, o);
  const fold = new Fold(projection, Number.POSITIVE_INFINITY, w);
  const show = async () => {
    w.position = fold.position;
    w.state = fold.state;
    const { key, text } = figures(w, o);
    if (key !== w.printed) console.log(text);
    w.printed = key;
    if (o.stateFile) await saveWatchState(o.stateFile, store, projection, o.zone, w);
  };
  await show();

  // Events arrive one by one; those delivered together are folded and shown together.
  let pending: StoredEvent[] = [];
  let work = Promise.resolve();
  await new Promise<void>((done, fail) => {
    const flush = () => {
      const batch = pending;
      pending = [];
      fold.apply(batch);
      w.events += batch.length;
      work = work.then(show).catch((e: unknown) => (stop(), fail(e)));
    };
    const subscription = store.subscribe({ from: fold.position + 1 }).subscribe({
      next: (e) => {
        if (pending.push(e) === 1) setImmediate(flush);
      },
      error: (e: unknown) => (stop(), fail(e)),
      complete: () => (stop(), done()),
    });
    const onSignal = () => {
      stop();
      if (pending.length > 0) flush();
      work.then(done, fail);
    };
    function stop() {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      subscription.unsubscribe();
    }
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  });
  await work;
}

/** The projection as of everything stored now: from the state file where it still applies. */
async function catchUp(
  store: EventStore,
  projection: Projection<IncidentState>,
  o: WatchOptions,
): Promise<Projected> {
  const saved = o.stateFile
    ? await loadWatchState(o.stateFile, store, projection, o.zone)
    : undefined;
  if (saved && 'unusable' in saved)
    console.error(
      `incident-ledger watch: not resuming from ${o.stateFile}: ${saved.unusable}; replaying the store`,
    );
  const resumed = saved && !('unusable' in saved) ? saved : undefined;
  const total = (await storedEvents(store)) - (resumed?.events ?? 0);
  const progress = progressOf(o.quiet).phase('replaying', { events: total });
  // Events, not columns, even where the store keeps them: the live events that follow are folded
  // into the same state, whose keys must be numbered one way.
  const fold = new Fold(projection, Number.POSITIVE_INFINITY, resumed);
  let read = 0;
  for await (const batch of store.readAll({ from: fold.position + 1 })) {
    fold.apply(batch);
    read += batch.length;
    progress.tick(batch.length);
  }
  progress.finish();
  return {
    state: fold.state,
    position: fold.position,
    events: (resumed?.events ?? 0) + read,
    printed: resumed?.printed,
  };
}

/**
 * The figures watch prints: `key`, their JSON (what a change is told by), and `text`, what to
 * print, as one JSON line or as tables.
 */
function figures(w: Projected, o: WatchOptions): { key: string; text: string } {
  const tables = reportTables(incidentReport(w.state), o.zone, new Map());
  const doc: Document = {
    command: 'watch',
    zone: o.zone,
    facts: [
      fact('store', o.url),
      fact('position', w.position),
      fact('events', w.events),
      fact('timeZone', o.zone, o.zone, 'zone'),
    ],
    tables: [tables.summary, tables.bank],
  };
  const value = documentValue(doc);
  const key = JSON.stringify([value.summary, value.bank]);
  if (o.json) return { key, text: JSON.stringify(value) };
  return { key, text: `\n${documentText(doc)}` };
}
