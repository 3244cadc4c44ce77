import { canonicalJson, describe, type EventType, type LedgerEvent } from '@incident-ledger/core';
import { closeSync } from 'node:fs';
import { csvRawEvents } from './csv-events';
import { readLines, readText } from './decode';
import { EventChecker, type RawEvent, type ScenarioDeclarations } from './event-entry';
import { hashOf, KeyHashes } from './event-keys';
import { ScenarioError } from './errors';
import {
  EVENT_BATCH_SIZE,
  MAX_LINE_CHARS,
  maxBytesOf,
  PROGRESS_EVENTS,
  type EventFileFormat,
  type LoadOptions,
} from './limits';
import { mergeByRecordedAt } from './merge';
import { ndjsonRawEvents } from './ndjson-events';
import { FileRefused, openInside, type OpenFile } from './open-file';
import { yamlRawEvents } from './yaml-events';

/** An event file as scenario.yaml lists it. */
export interface EventFileSpec {
  /** As listed: relative to the scenario folder. */
  path: string;
  /** As messages show it: relative to the current directory. */
  shown: string;
  format: EventFileFormat;
  /** The one type of a CSV file's events, when scenario.yaml declares it. */
  type?: EventType;
  /** The error for a problem with the file as listed (its path), at its entry in scenario.yaml. */
  refused(problem: string, hint: string): ScenarioError;
}

/** A validated event and its place: the nth event of the fth file. */
interface Placed {
  event: LedgerEvent;
  place: number;
}
/** The same, with its key and what it was read from (for messages). */
interface Read extends Placed {
  key: string;
  raw: RawEvent;
}

/**
 * The events of a scenario's files, validated, in append order: each YAML file read whole and
 * sorted by recordedAt (stably), each NDJSON and CSV file read as a stream and required to be in
 * recordedAt order already, all merged by recordedAt (mergeByRecordedAt). Memory is bounded by the
 * YAML files and a batch, whatever the size of the NDJSON and CSV files.
 *
 * Every run reads the files again. A run checks that event keys are unique (event-keys.ts) when it
 * ends; the first complete run also learns which events are the same event written twice, and the
 * runs after it skip their second copies (until then both copies come: same id and content, so a
 * store keeps one) and refuse files that changed since.
 */
export class EventFiles {
  private learned?: { skip: Set<number>; identities: string[] };
  private checkedBytes = 0;

  constructor(
    private readonly root: string,
    private readonly specs: readonly EventFileSpec[],
    private readonly scenario: ScenarioDeclarations,
    private readonly options: LoadOptions,
  ) {}

  /** The event files' sizes together, in bytes, as they were when checked: a progress's 100%. */
  get bytes(): number {
    return this.checkedBytes;
  }

  /** Refuses, at its entry in scenario.yaml, a file that cannot be read; adds up their sizes. */
  check(): void {
    this.checkedBytes = 0;
    this.specs.forEach((spec, f) => {
      const file = this.open(spec, f, []);
      closeSync(file.fd);
      this.checkedBytes += file.size;
    });
  }

  /** Whether the first complete run found events written twice (which later runs skip). */
  hasRepeats(): boolean {
    return (this.learned?.skip.size ?? 0) > 0;
  }

  /**
   * Reads every event once, appending nothing: the first ScenarioError (file, line, field) is
   * thrown before a store is touched. Also the first complete run, which learns the repeats.
   */
  async validate(): Promise<void> {
    const batches = this.batches();
    while (!(await batches.next()).done); // each batch dropped once read: memory stays one batch
  }

  /** The events in append order, in batches of at most `size`. */
  async *batches(size = EVENT_BATCH_SIZE): AsyncGenerator<LedgerEvent[]> {
    let batch: LedgerEvent[] = [];
    for (const event of this.events()) {
      batch.push(event);
      if (batch.length === size) {
        yield batch;
        batch = [];
        await new Promise(setImmediate); // timers (a progress line) run between batches
      }
    }
    if (batch.length > 0) yield batch;
  }

  /** The events in append order, one at a time. */
  *events(): Generator<LedgerEvent> {
    const checker = new EventChecker(this.scenario);
    const identities: string[] = [];
    const keys = this.learned ? undefined : new KeyHashes();
    this.options.progress?.pass(this.learned ? 'again' : 'check', this.checkedBytes);
    const sources = this.specs.map((spec, f) => this.sorted(spec, f, checker, identities));
    for (const read of mergeByRecordedAt(sources)) {
      if (this.learned?.skip.has(read.place)) continue;
      keys?.add(read.event.eventId);
      yield read.event;
    }
    if (keys) this.learned = { skip: this.repeatedKeys(keys.repeated()), identities };
  }

  /** Events of one file in recordedAt order (see the class). */
  private sorted(
    spec: EventFileSpec,
    f: number,
    checker: EventChecker,
    identities: string[],
  ): Iterator<Placed> {
    const reads = this.fileEvents(spec, f, checker, identities);
    if (spec.format === 'yaml') {
      const all: Placed[] = [];
      for (const { event, place } of reads) all.push({ event, place }); // not what it was read from
      all.sort((a, b) => a.event.recordedAt - b.event.recordedAt || a.place - b.place);
      return all[Symbol.iterator]();
    }
    return inRecordedOrder(reads);
  }

  /** Events of one file in file order, validated. */
  private *fileEvents(
    spec: EventFileSpec,
    f: number,
    checker: EventChecker,
    identities: string[],
  ): Generator<Read> {
    const file = this.open(spec, f, identities);
    const raws =
      spec.format === 'yaml'
        ? yamlRawEvents(readText(file, spec.shown), spec.shown)
        : spec.format === 'ndjson'
          ? ndjsonRawEvents(readLines(file, spec.shown, MAX_LINE_CHARS), spec.shown)
          : csvRawEvents(readLines(file, spec.shown, MAX_LINE_CHARS), spec.shown, spec.type);
    // Events without a key (YAML only) get `<file>/<stream>#<n>`: their place in their stream.
    const ordinals = new Map<string, number>();
    const autoKey =
      spec.format === 'yaml'
        ? (stream: string) => {
            const n = ordinals.get(stream) ?? 0;
            ordinals.set(stream, n + 1);
            return `${spec.path}/${stream}#${n}`;
          }
        : undefined;
    const progress = this.options.progress;
    let n = 0;
    for (const raw of raws) {
      const { event, key } = checker.check(raw, autoKey);
      if (++n % PROGRESS_EVENTS === 0) progress?.events(PROGRESS_EVENTS);
      yield { event, key, raw, place: f * 2 ** 32 + n - 1 };
    }
    progress?.events(n % PROGRESS_EVENTS);
  }

  private open(spec: EventFileSpec, f: number, identities: string[]): OpenFile {
    let file: OpenFile;
    try {
      file = openInside(
        this.root,
        spec.path,
        maxBytesOf(spec.format, this.options),
        'an event file',
      );
    } catch (e) {
      if (!(e instanceof FileRefused)) throw e;
      throw e.atFile
        ? new ScenarioError(spec.shown, undefined, undefined, [], e.problem, e.hint)
        : spec.refused(e.problem, e.hint);
    }
    const progress = this.options.progress;
    if (progress) file.onRead = (bytes) => progress.read(bytes, spec.shown);
    const before = this.learned?.identities[f];
    if (before !== undefined && before !== file.identity) {
      closeSync(file.fd);
      throw new ScenarioError(
        spec.shown,
        undefined,
        undefined,
        [],
        'changed while the scenario was being read',
        'read the scenario again once nothing writes to its files',
      );
    }
    identities[f] = file.identity;
    return file;
  }

  /**
   * The places of the second copies of events written twice with the same content; an error for
   * a key used again with different content, at the second use, naming the first. Reads the files
   * again, in file order, for the keys whose hashes repeat: none in most scenarios.
   */
  private repeatedKeys(hashes: Set<number>): Set<number> {
    const skip = new Set<number>();
    if (hashes.size === 0) return skip;
    this.options.progress?.pass('repeats', this.checkedBytes);
    const first = new Map<string, { content: string; where: string }>();
    const checker = new EventChecker(this.scenario);
    this.specs.forEach((spec, f) => {
      for (const { event, key, raw, place } of this.fileEvents(spec, f, checker, [])) {
        if (!hashes.has(hashOf(event.eventId))) continue;
        const content = canonicalJson(event);
        const seen = first.get(key);
        if (seen === undefined) first.set(key, { content, where: `${spec.shown}:${raw.line}` });
        else if (seen.content === content) skip.add(place);
        else
          throw raw.error(
            ['key'],
            `event key ${describe(key)} is used again with different content (first at ${seen.where})`,
            'give each event its own key',
          );
      }
    });
    return skip;
  }
}

/** The reads of an NDJSON or CSV file, refused at the first one recorded before the one above. */
function* inRecordedOrder(reads: Iterable<Read>): Generator<Read> {
  let last: Read | undefined;
  for (const read of reads) {
    if (last !== undefined && read.event.recordedAt < last.event.recordedAt) {
      const fields = read.raw.fields as { recordedAt?: unknown };
      throw read.raw.error(
        [fields.recordedAt === undefined ? 'occurredAt' : 'recordedAt'],
        `is before the recordedAt of the event on line ${last.raw.line}: an NDJSON or CSV file must be in recordedAt order`,
        'sort the file by recordedAt (occurredAt where recordedAt is not given), or write it as YAML, which is sorted as it is read',
      );
    }
    last = read;
    yield read;
  }
}
