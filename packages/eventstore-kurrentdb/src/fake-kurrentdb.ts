import {
  ANY,
  BACKWARDS,
  END,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  UnknownError,
  UnsupportedError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendResult,
  type AppendStreamRequest,
  type AppendStreamState,
  type EventData,
  type Filter,
  type MultiAppendResult,
  type ReadAllOptions,
  type ReadStreamOptions,
  type ResolvedEvent,
  type SubscribeToAllOptions,
} from '@kurrent/kurrentdb-client';
import { Readable } from 'node:stream';
import type { KurrentClient } from './kurrentdb';

/**
 * A stand-in for the official client over an in-memory log, for tests on machines where no
 * KurrentDB server can run. It imitates what the store relies on and what could trip it:
 * positions are byte offsets with gaps between records; a read of $all may start only exactly at
 * a record (anywhere else is an error, as on the server); every append also writes a link record
 * to a $ce- stream, as KurrentDB's category projection does; conflicts, missing streams and a
 * server too old for multi-stream appends raise the client's own error classes; multi-stream
 * metadata must hold only strings; a subscription to $all starts after the record it is given
 * (START: from the first) and then pushes each record as it is written. It does not imitate the
 * network, clusters or the server's idempotent handling of a re-sent append.
 */
interface LogRecord {
  streamId: string;
  id: string;
  type: string;
  revision: bigint;
  isJson: boolean;
  data: string;
  metadata: string;
  position: bigint;
}

export class FakeKurrentDb implements KurrentClient {
  private readonly log: LogRecord[] = [];
  private readonly revisions = new Map<string, bigint>();
  /** Where the next record goes; the bytes before it hold records of the server's own. */
  private end = 4_096n;
  disposed = 0;
  /** False imitates a server older than 25.1. */
  multiStreamAppendSupported = true;
  /** Awaited before every append takes effect: lets a test slip in a competing write. */
  beforeAppend: (() => Promise<void>) | undefined;
  /** Woken after every write: the open subscriptions. */
  private readonly written = new Set<() => void>();
  /** How each open subscription is ended. */
  private readonly open = new Set<(error?: Error) => void>();
  /** Subscriptions made, those ended by unsubscribe, and the records they pushed. */
  subscriptions = 0;
  unsubscribed = 0;
  pushed = 0;

  constructor() {
    this.write('$$$settings', [
      {
        id: '00000000-0000-4000-8000-000000000000',
        type: '$metadata',
        isJson: true,
        data: '{}',
        metadata: '',
      },
    ]);
  }

  dispose = async (): Promise<void> => {
    this.disposed++;
  };

  appendToStream = async (
    streamName: string,
    events: EventData | EventData[],
    options: { streamState?: AppendStreamState } = {},
  ): Promise<AppendResult> => {
    await this.beforeAppend?.();
    const list = Array.isArray(events) ? events : [events];
    this.check(streamName, options.streamState ?? ANY);
    const position = this.append(streamName, list);
    return {
      success: true,
      nextExpectedRevision: this.revisions.get(streamName)!,
      position: { commit: position, prepare: position },
    };
  };

  multiStreamAppend = async (requests: AppendStreamRequest[]): Promise<MultiAppendResult> => {
    if (!this.multiStreamAppendSupported) throw new UnsupportedError('multiStreamAppend', '25.1');
    for (const r of requests) {
      for (const e of r.events) {
        const m = e.metadata;
        if (
          m !== undefined &&
          (typeof m !== 'object' ||
            m instanceof Uint8Array ||
            Array.isArray(m) ||
            Object.values(m).some((v) => typeof v !== 'string'))
        ) {
          throw new Error(
            'multiStreamAppend requires metadata to be a plain object with string keys and string values.',
          );
        }
      }
    }
    await this.beforeAppend?.();
    for (const r of requests) this.check(r.streamName, r.expectedState);
    let position = 0n;
    for (const r of requests) position = this.append(r.streamName, r.events);
    return {
      position,
      responses: requests.map((r) => ({
        streamName: r.streamName,
        revision: this.revisions.get(r.streamName)!,
      })),
    };
  };

  readStream = <E>(
    streamName: string,
    options: ReadStreamOptions = {},
  ): AsyncIterableIterator<ResolvedEvent & E> => {
    const log = this.log;
    return (async function* () {
      let records = log.filter((r) => r.streamId === streamName);
      if (records.length === 0) throw new StreamNotFoundError(undefined, streamName);
      const from = options.fromRevision ?? START;
      if (options.direction === BACKWARDS) {
        if (from !== END) throw new Error('fake: backward stream reads start at END only');
        records.reverse();
      } else if (from === END) {
        records = [];
      } else if (from !== START) {
        records = records.filter((r) => r.revision >= from);
      }
      let left = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      for (const r of records) {
        if (left-- <= 0) return;
        yield resolved(r) as ResolvedEvent & E;
      }
    })();
  };

  readAll = (options: ReadAllOptions = {}): AsyncIterableIterator<AllStreamResolvedEvent> => {
    const log = this.log;
    const end = this.end;
    return (async function* () {
      let records = [...log];
      const from = options.fromPosition ?? START;
      if (options.direction === BACKWARDS) {
        if (from !== END) throw new Error('fake: backward reads of $all start at END only');
        records.reverse();
      } else if (from === END) {
        records = [];
      } else if (from !== START) {
        const at = records.findIndex((r) => r.position === from.commit);
        if (at === -1 && from.commit !== end)
          throw new UnknownError(
            undefined,
            `invalid position ${from.commit}: not the start of a record`,
          );
        records = at === -1 ? [] : records.slice(at);
      }
      const filter = options.filter;
      if (filter) records = records.filter((r) => passes(filter, r));
      let left = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      for (const r of records) {
        if (left-- <= 0) return;
        yield resolved(r) as AllStreamResolvedEvent;
      }
    })();
  };

  subscribeToAll = (
    options: SubscribeToAllOptions = {},
  ): ReturnType<KurrentClient['subscribeToAll']> => {
    const from = options.fromPosition ?? START;
    if (from === END) throw new Error('fake: subscriptions from END are not imitated');
    let next = 0;
    if (from !== START) {
      const at = this.log.findIndex((r) => r.position === from.commit);
      if (at === -1)
        throw new UnknownError(
          undefined,
          `invalid position ${from.commit}: not the start of a record`,
        );
      next = at + 1;
    }
    const filter = options.filter;
    const log = this.log;
    let wake: (() => void) | undefined;
    let ended = false;
    const fake = this;
    const records = async function* () {
      while (!ended) {
        while (next < log.length && !ended) {
          const r = log[next++]!;
          if (filter && !passes(filter, r)) continue;
          fake.pushed++;
          yield resolved(r);
        }
        if (!ended) await new Promise<void>((w) => (wake = w));
      }
    };
    const stream = Readable.from(records(), { objectMode: true });
    const onWrite = () => wake?.();
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      this.written.delete(onWrite);
      this.open.delete(end);
      wake?.();
      stream.destroy(error);
    };
    this.written.add(onWrite);
    this.open.add(end);
    this.subscriptions++;
    const unsubscribe = async () => {
      if (!ended) this.unsubscribed++;
      end();
    };
    return Object.assign(stream, { unsubscribe }) as unknown as ReturnType<
      KurrentClient['subscribeToAll']
    >;
  };

  /** Ends every open subscription with `error`, as a lost connection does. */
  breakSubscriptions(error: Error): void {
    for (const end of [...this.open]) end(error);
  }

  /** Number of records in the log, KurrentDB's own included. */
  get size(): number {
    return this.log.length;
  }

  private check(streamName: string, expected: AppendStreamState): void {
    const current = this.revisions.get(streamName);
    const ok =
      expected === ANY ||
      (expected === NO_STREAM && current === undefined) ||
      (expected === STREAM_EXISTS && current !== undefined) ||
      (typeof expected === 'bigint' && expected === current);
    if (!ok)
      throw new WrongExpectedVersionError(undefined, {
        streamName,
        expected,
        current: current ?? NO_STREAM,
      });
  }

  private append(streamName: string, events: readonly EventData[]): bigint {
    let last = 0n;
    for (const e of events) {
      if (!/^[0-9a-f-]{36}$/i.test(e.id)) throw new Error(`fake: event id ${e.id} is not a UUID`);
      const isJson = e.contentType === 'application/json';
      const data = isJson
        ? JSON.stringify(e.data)
        : Buffer.from(e.data as Uint8Array).toString('utf8');
      last = this.write(streamName, [
        {
          id: e.id.toLowerCase(),
          type: e.type,
          isJson,
          data,
          metadata: e.metadata === undefined ? '' : JSON.stringify(e.metadata),
        },
      ]);
      const revision = this.revisions.get(streamName)!;
      this.write(`$ce-${streamName.split('-')[0]}`, [
        {
          id: '00000000-0000-4000-8000-00000000ffff',
          type: '$>',
          isJson: false,
          data: `${revision}@${streamName}`,
          metadata: '',
        },
      ]);
    }
    return last;
  }

  private write(
    streamId: string,
    records: readonly Omit<LogRecord, 'streamId' | 'revision' | 'position'>[],
  ): bigint {
    let position = this.end;
    for (const r of records) {
      const revision = (this.revisions.get(streamId) ?? -1n) + 1n;
      this.revisions.set(streamId, revision);
      position = this.end;
      this.log.push({ ...r, streamId, revision, position });
      for (const wake of this.written) wake();
      // A record's size: a header plus its strings, as in the real log, so positions have gaps.
      this.end += BigInt(
        80 +
          Buffer.byteLength(streamId) +
          Buffer.byteLength(r.type) +
          Buffer.byteLength(r.data) +
          Buffer.byteLength(r.metadata),
      );
    }
    return position;
  }
}

/** Whether a record passes a server-side filter of $all. */
function passes(filter: Filter, r: LogRecord): boolean {
  const subject = filter.filterOn === 'streamName' ? r.streamId : r.type;
  return 'prefixes' in filter
    ? filter.prefixes.some((p) => subject.startsWith(p))
    : new RegExp(filter.regex).test(subject);
}

function resolved(r: LogRecord): AllStreamResolvedEvent {
  const bytes = Buffer.from(r.data, 'utf8');
  return {
    event: {
      streamId: r.streamId,
      id: r.id,
      revision: r.revision,
      type: r.type,
      isJson: r.isJson,
      created: new Date(0),
      data: r.isJson ? JSON.parse(r.data) : new Uint8Array(bytes),
      metadata: r.metadata === '' ? undefined : JSON.parse(r.metadata),
      position: { commit: r.position, prepare: r.position },
    },
    commitPosition: r.position,
  } as AllStreamResolvedEvent;
}
