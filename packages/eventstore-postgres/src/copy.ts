import { once } from 'node:events';
import pg, { type ClientBase } from 'pg';

/**
 * COPY in PostgreSQL's binary format, both ways. In: rows sent while they are still being produced,
 * so
 * that the server stores one chunk while this process encodes the next. Out: rows as bytes.
 * pg has no COPY API of its own; a Query that handles the copy messages goes through pg's own query
 * machinery (errors, ready-for-query, the client's queue) like any other statement.
 */

/**
 * Bytes per chunk handed to the socket: big enough to amortise a message, small enough to overlap
 * the server's work.
 */
const CHUNK_BYTES = 1 << 19;
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const TWO_32 = 2 ** 32;

/**
 * A producer writes rows into `out` and awaits `flush()` whenever `out.full`: the copy ends when it
 * resolves.
 * (Checked per row, awaited per chunk: no promise per row.)
 */
type Producer = (out: CopyWriter, flush: () => Promise<void>) => Promise<void>;

interface Connection {
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
}
type QueryClass = new (
  text: string,
  values: undefined,
  done: (e: Error | null) => void,
) => {
  handleCopyInResponse(connection: Connection): void;
  handleCopyData(msg: { chunk: Buffer }, connection: Connection): void;
  handleError(e: Error, connection: Connection): void;
};
const Query = (pg as unknown as { Query: QueryClass }).Query;

/**
 * Runs a binary COPY FROM STDIN whose rows `produce` writes. A producer's own error is the one
 * thrown.
 */
export function copyIn(client: ClientBase, sql: string, produce: Producer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failure: { error: unknown } | undefined;
    let serverError = false;
    class CopyIn extends Query {
      override handleCopyInResponse(connection: Connection): void {
        const out = new CopyWriter();
        const flush = async () => {
          // The server gave up (its error ends the query): stop producing, it would drop the data
          // anyway.
          if (serverError) throw new CopyAbandoned();
          if (out.length === 0) return;
          connection.sendCopyFromChunk(out.take());
          // Let the socket drain (and the server work) before encoding more: bounded memory,
          // overlapped work.
          if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain');
          else await new Promise(setImmediate);
        };
        const produced = async () => {
          await produce(out, flush);
          out.end();
          await flush();
        };
        produced().then(
          () => connection.endCopyFrom(),
          (e: unknown) => {
            if (e instanceof CopyAbandoned) return;
            failure = { error: e };
            connection.sendCopyFail(e instanceof Error ? e.message : String(e));
          },
        );
      }
      override handleError(e: Error, connection: Connection): void {
        serverError = true;
        super.handleError(e, connection);
      }
    }
    void client.query(
      new CopyIn(sql, undefined, (e) =>
        failure ? reject(failure.error) : e ? reject(e) : resolve(),
      ) as never,
    );
  });
}

class CopyAbandoned extends Error {}

/**
 * Runs a `COPY ... TO STDOUT (FORMAT binary)` and hands each row's fields to `row`, as views valid
 * only during
 * the call. Bytes arrive as they are (no hex text, no UTF-8 decoding): how the replay reads its
 * blocks.
 */
export function copyOut(
  client: ClientBase,
  sql: string,
  row: (fields: (Buffer | null)[]) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failure: unknown;
    let header = true;
    class CopyOut extends Query {
      override handleCopyData(msg: { chunk: Buffer }): void {
        if (failure !== undefined) return;
        try {
          let at = 0;
          const data = msg.chunk;
          if (header) {
            if (!data.subarray(0, SIGNATURE.length).equals(SIGNATURE))
              throw new Error('COPY output is not in binary format');
            at = SIGNATURE.length + 8 + data.readInt32BE(SIGNATURE.length + 4);
            header = false;
          }
          // The server sends each row in one message.
          while (at < data.length) {
            const n = data.readInt16BE(at);
            at += 2;
            if (n === -1) break;
            const fields = new Array<Buffer | null>(n);
            for (let f = 0; f < n; f++) {
              const length = data.readInt32BE(at);
              at += 4;
              fields[f] = length < 0 ? null : data.subarray(at, (at += length));
            }
            row(fields);
          }
        } catch (e) {
          failure = e;
        }
      }
    }
    void client.query(
      new CopyOut(sql, undefined, (e) =>
        failure !== undefined ? reject(failure) : e ? reject(e) : resolve(),
      ) as never,
    );
  });
}

/** A bigint field of binary COPY output. */
export function int8At(b: Buffer): number {
  return b.readInt32BE(0) * TWO_32 + b.readUInt32BE(4);
}

/** Rows in PostgreSQL's binary copy format, written into one reusable buffer. */
export class CopyWriter {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES * 2);
  private at = 0;

  constructor() {
    this.room(SIGNATURE.length + 8);
    this.at += SIGNATURE.copy(this.buf, this.at);
    this.at = this.buf.writeInt32BE(0, this.at); // flags
    this.at = this.buf.writeInt32BE(0, this.at); // header extension length
  }

  get length(): number {
    return this.at;
  }

  /** Time to flush: a chunk's worth is written. */
  get full(): boolean {
    return this.at >= CHUNK_BYTES;
  }

  /** Starts a row of `fields` fields. */
  row(fields: number): void {
    this.room(2);
    this.at = this.buf.writeInt16BE(fields, this.at);
  }

  int8(v: number): void {
    if (!Number.isSafeInteger(v))
      throw new RangeError(`${v} is not an integer a bigint column can hold exactly`);
    this.room(12);
    this.at = this.buf.writeInt32BE(8, this.at);
    this.at = this.buf.writeInt32BE(Math.floor(v / TWO_32), this.at);
    this.at = this.buf.writeUInt32BE(v >>> 0, this.at);
  }

  null(): void {
    this.room(4);
    this.at = this.buf.writeInt32BE(-1, this.at);
  }

  text(s: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    this.room(4 + s.length * 3);
    const n = this.buf.write(s, this.at + 4);
    this.buf.writeInt32BE(n, this.at);
    this.at += 4 + n;
  }

  /** Bytes start..end of `b`. */
  bytes(b: Buffer, start = 0, end = b.length): void {
    this.room(4 + end - start);
    this.at = this.buf.writeInt32BE(end - start, this.at);
    this.at += b.copy(this.buf, this.at, start, end);
  }

  /** The trailer: no more rows. */
  end(): void {
    this.room(2);
    this.at = this.buf.writeInt16BE(-1, this.at);
  }

  /**
   * The bytes written since the last take; valid until the next write (pg copies them when it
   * sends).
   */
  take(): Buffer {
    const out = this.buf.subarray(0, this.at);
    this.at = 0;
    return out;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }
}
