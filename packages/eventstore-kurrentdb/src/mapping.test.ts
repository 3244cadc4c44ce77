import {
  StoreUnavailable,
  WrongExpectedVersion,
  type PlannedRow,
} from '@incident-ledger/eventstore';
import {
  DeadlineExceededError,
  NO_STREAM,
  START,
  UnavailableError,
  WrongExpectedVersionError,
  type JSONEventData,
} from '@kurrent/kurrentdb-client';
import {
  isUnreachable,
  readStart,
  redactUrl,
  streamStateFor,
  toEventData,
  toGlobalPosition,
  toStoredEvent,
  toWrongExpectedVersion,
  translateError,
  type ReadRecord,
} from './mapping';

const HASH = 'ab'.repeat(32);
const row: PlannedRow = {
  eventId: '6f1c3c1e-9b5a-4d0e-8a61-f2d4b7e9c305',
  streamId: 'wallet-1',
  type: 'ChargeExecuted',
  occurredAt: 1_570_000_000_123,
  recordedAt: 1_599_700_000_456,
  data: { walletId: 'w-1', bankCode: '0153', accountId: 'acc-1', amountYen: 30_000 },
  revision: 3,
  hash: HASH,
};

/** A record shaped as the client delivers it (see RecordedEvent in the client's types). */
function record(overrides: Record<string, unknown> = {}, commitPosition?: bigint): ReadRecord {
  return {
    event: {
      streamId: 'ledger-a/wallet-1',
      id: row.eventId,
      revision: 3n,
      type: 'ChargeExecuted',
      isJson: true,
      created: new Date(0),
      data: row.data,
      metadata: {
        occurredAt: '1570000000123',
        recordedAt: '1599700000456',
        revision: '3',
        hash: HASH,
      },
      position: { commit: 1000n, prepare: 1000n },
      ...overrides,
    },
    commitPosition,
  } as ReadRecord;
}

describe('ledger event -> KurrentDB event', () => {
  it('passes id, type and data through and carries times, revision and hash as string metadata', () => {
    const e = toEventData(row) as JSONEventData;
    expect(e).toMatchObject({
      id: row.eventId,
      type: 'ChargeExecuted',
      contentType: 'application/json',
      data: row.data,
    });
    expect(e.metadata).toEqual({
      occurredAt: '1570000000123',
      recordedAt: '1599700000456',
      revision: '3',
      hash: HASH,
    });
  });
});

describe('KurrentDB record -> ledger event', () => {
  it('takes the revision from the stream, the position from the log, the rest from data and metadata', () => {
    expect(toStoredEvent(record(), 'ledger-a/')).toEqual({
      eventId: row.eventId,
      streamId: 'wallet-1',
      type: 'ChargeExecuted',
      occurredAt: row.occurredAt,
      recordedAt: row.recordedAt,
      data: row.data,
      revision: 3,
      globalPosition: 2002,
      hash: HASH,
    });
  });

  it('round-trips what toEventData writes', () => {
    const written = toEventData(row) as JSONEventData;
    const back = toStoredEvent(
      record({ data: written.data, metadata: written.metadata }),
      'ledger-a/',
    );
    expect(back).toMatchObject({
      occurredAt: row.occurredAt,
      recordedAt: row.recordedAt,
      hash: row.hash,
      data: row.data,
    });
  });

  it('leaves out KurrentDB records: $-streams, $-types, unresolved links', () => {
    expect(toStoredEvent(record({ streamId: '$ce-ledger' }), '')).toBeUndefined();
    expect(toStoredEvent(record({ type: '$>' }), '')).toBeUndefined();
    expect(toStoredEvent({ commitPosition: 5n }, '')).toBeUndefined();
  });

  it('refuses an event it did not write, naming it', () => {
    expect(() => toStoredEvent(record({ metadata: undefined }), '')).toThrow(
      /6f1c3c1e.*not written by incident-ledger/,
    );
    expect(() =>
      toStoredEvent(record({ metadata: { occurredAt: '1', recordedAt: '2', hash: 'short' } }), ''),
    ).toThrow(/not written/);
  });

  it('refuses metadata times that are not integers', () => {
    const metadata = { occurredAt: '1.5e3', recordedAt: '1', revision: '0', hash: HASH };
    expect(() => toStoredEvent(record({ metadata }), '')).toThrow(
      /occurredAt "1.5e3" is not an integer/,
    );
  });

  it('reads JSON data that came back as bytes', () => {
    const data = new Uint8Array(Buffer.from(JSON.stringify(row.data)));
    expect(toStoredEvent(record({ data, isJson: false }), '')?.data).toEqual(row.data);
  });

  it('falls back to the record commit position, and refuses a record with none', () => {
    expect(toStoredEvent(record({ position: undefined }, 40n), '')?.globalPosition).toBe(82);
    expect(() => toStoredEvent(record({ position: undefined }), '')).toThrow(
      /without a log position/,
    );
  });
});

describe('positions', () => {
  it('gives every event an even global position that grows with its commit position', () => {
    expect([0n, 1n, 1000n, 123_456_789n].map(toGlobalPosition)).toEqual([2, 4, 2002, 246_913_580]);
  });

  it('starts a read at the record a position names, whether it is the position or the one after it', () => {
    for (const commit of [1n, 77n, 1000n, 2n ** 40n]) {
      const g = toGlobalPosition(commit);
      expect(readStart(g)).toEqual({ commit, prepare: commit });
      expect(readStart(g + 1)).toEqual({ commit, prepare: commit });
    }
  });

  it('reads from the start for positions before the first record', () => {
    for (const from of [-5, 0, 1, 2, 3]) expect(readStart(from)).toBe(START);
  });

  it('refuses commit positions beyond what a number holds exactly', () => {
    expect(toGlobalPosition(2n ** 52n - 2n)).toBe(2 ** 53 - 2);
    expect(() => toGlobalPosition(2n ** 52n)).toThrow(RangeError);
  });

  it('appends expecting exactly the revision planned against', () => {
    expect(streamStateFor(-1)).toBe(NO_STREAM);
    expect(streamStateFor(0)).toBe(0n);
    expect(streamStateFor(41)).toBe(41n);
  });
});

describe('errors', () => {
  it("maps KurrentDB's wrong expected version to the port's, keeping what the caller expected", () => {
    const err = new WrongExpectedVersionError(undefined, {
      streamName: 'p/s-1',
      expected: 4n,
      current: 7n,
    });
    const mapped = toWrongExpectedVersion(err, 's-1', 'exists');
    expect(mapped).toBeInstanceOf(WrongExpectedVersion);
    expect(mapped).toMatchObject({ streamId: 's-1', expected: 'exists', actual: 7 });
  });

  it('reports a missing, deleted or tombstoned stream as actual -1', () => {
    for (const current of [NO_STREAM, -5n, -6n] as const) {
      const err = new WrongExpectedVersionError(undefined, {
        streamName: 's',
        expected: 0n,
        current,
      });
      expect(toWrongExpectedVersion(err, 's', 0).actual).toBe(-1);
    }
  });

  it('recognises an unreachable server in command errors and in raw gRPC errors', () => {
    const raw = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
    expect([new UnavailableError(), new DeadlineExceededError(), raw].map(isUnreachable)).toEqual([
      true,
      true,
      true,
    ]);
    const other = [
      new WrongExpectedVersionError(undefined, { streamName: 's', expected: 0n, current: 1n }),
      new Error('x'),
      'text',
    ];
    expect(other.map(isUnreachable)).toEqual([false, false, false]);
  });

  it('turns an unreachable server into StoreUnavailable and passes anything else on unchanged', () => {
    const raw = Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: 14 });
    const mapped = translateError(raw, 'kurrentdb://h:1');
    expect(mapped).toBeInstanceOf(StoreUnavailable);
    expect((mapped as Error).message).toMatch(/kurrentdb:\/\/h:1: 14 UNAVAILABLE/);
    const other = new Error('bug');
    expect(translateError(other, 'u')).toBe(other);
  });

  it('masks the password of a connection string, and only that', () => {
    expect(redactUrl('kurrentdb://admin:changeit@db-1:2113,db-2:2113?tls=true')).toBe(
      'kurrentdb://admin:***@db-1:2113,db-2:2113?tls=true',
    );
    expect(redactUrl('kurrentdb://db-1:2113?tls=false')).toBe('kurrentdb://db-1:2113?tls=false');
  });
});
