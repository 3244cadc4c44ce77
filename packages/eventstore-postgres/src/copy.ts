import { once } from 'node:events';
import type { ClientBase } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

/**
 * COPY in PostgreSQL's binary format, both ways, through pg-copy-streams (pg has no COPY API of its
 * own; the streams are Submittables, so they go through the client's queue, errors and
 * ready-for-query like any other statement). In: rows sent while they are still being produced, so
 * that the server stores one chunk while this process encodes the next. Out: rows as bytes.
 */

/**
 * Bytes per chunk handed to the socket: big enough to amortise a message, small enough to overlap
 * the server's work.
 */
const CHUNK_BYTES = 1 << 19;
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;
const TWO_32 = 2 ** 32;

/**
 * A producer writes rows into `out` and awaits `flush()` whenever `out.full`: the copy ends when it
 * resolves.
 * (Checked per row, awaited per chunk: no promise per row.)
 */
type Producer = (out: CopyWriter, flush: () => Promise<void>) => Promise<void>;

/**
 * Runs a binary COPY FROM STDIN whose rows `produce` writes. A producer's own error is the one
 * thrown (the COPY is cancelled first); else the server's, if it rejected the data.
 */
export async function copyIn(client: ClientBase, sql: string, produce: Producer): Promise<void> {
  const stream = client.query(copyFrom(sql));
  // The server's error ends the COPY: nothing more may be written (the stream lets go of the
  // connection).
  let serverError: { error: unknown } | undefined;
  const done = new Promise<void>((resolve, reject) => {
    stream.on('error', (e) => {
      serverError ??= { error: e };
      reject(e);
    });
    // After the server's ready-for-query: the rows are in, the connection free for the next statement.
    stream.on('finish', resolve);
  });
  done.catch(() => undefined);
  const out = new CopyWriter();
  const flush = async () => {
    if (serverError) throw serverError.error;
    if (out.length === 0) return;
    // Wait for the socket to take the chunk (and the server to work) before encoding more: bounded
    // memory, overlapped work. 'drain' rejects on the server's error.
    if (!stream.write(out.take())) await once(stream, 'drain');
  };
  try {
    await produce(out, flush);
    out.end();
    await flush();
  } catch (e) {
    if (serverError) throw serverError.error;
    // CopyFail: the server drops the rows and answers with an error, awaited so that the
    // connection is idle again before the caller rolls back.
    stream.destroy(e instanceof Error ? e : new Error(String(e)));
    await done.catch(() => undefined);
    throw e;
  }
  stream.end();
  await done;
}

/**
 * Runs a `COPY ... TO STDOUT (FORMAT binary)` and hands each row's fields to `row`, as views valid
 * only during the call. Bytes arrive as they are (no hex text, no UTF-8 decoding): how the replay
 * reads its blocks. If `row` throws, the rest of the output is read and dropped (the connection
 * stays usable) and its error is the one thrown.
 */
export function copyOut(
  client: ClientBase,
  sql: string,
  row: (fields: (Buffer | null)[]) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const rows = new CopyRows(row);
    let failure: { error: unknown } | undefined;
    const stream = client.query(copyTo(sql));
    stream.on('data', (chunk: Buffer) => {
      if (failure) return;
      try {
        rows.push(chunk);
      } catch (e) {
        failure = { error: e };
      }
    });
    stream.on('error', reject);
    stream.on('end', () => {
      try {
        if (!failure) rows.end();
      } catch (e) {
        failure = { error: e };
      }
      if (failure) reject(failure.error);
      else resolve();
    });
  });
}

/**
 * Rows of binary COPY output, from chunks that split rows anywhere (pg-copy-streams passes bytes
 * on, not messages). A partial row waits until the bytes it needs have come: joined once, not once
 * per chunk.
 */
class CopyRows {
  private parts: Buffer[] = [];
  private have = 0;
  private need = HEADER_BYTES;
  private header = true;
  private ended = false;

  constructor(private readonly row: (fields: (Buffer | null)[]) => void) {}

  push(chunk: Buffer): void {
    if (this.ended) throw new Error('COPY output goes on after its trailer');
    this.parts.push(chunk);
    this.have += chunk.length;
    if (this.have < this.need) return;
    const data = this.parts.length === 1 ? chunk : Buffer.concat(this.parts, this.have);
    let at = 0;
    let need = 0;
    if (this.header) {
      if (!data.subarray(0, SIGNATURE.length).equals(SIGNATURE))
        throw new Error('COPY output is not in binary format');
      need = HEADER_BYTES + data.readInt32BE(SIGNATURE.length + 4);
      if (data.length >= need) {
        at = need;
        this.header = false;
      }
    }
    while (!this.header && !this.ended) {
      need = at + 2;
      if (data.length < need) break;
      const n = data.readInt16BE(at);
      if (n === -1) {
        at = need;
        this.ended = true;
        break;
      }
      const fields = new Array<Buffer | null>(n);
      let p = need;
      for (let f = 0; f < n; f++) {
        need = p + 4;
        if (data.length < need) break;
        const length = data.readInt32BE(p);
        need += Math.max(length, 0);
        if (data.length < need) break;
        fields[f] = length < 0 ? null : data.subarray(p + 4, need);
        p = need;
      }
      if (p < need) break;
      this.row(fields);
      at = p;
    }
    const rest = data.subarray(at);
    this.parts = rest.length > 0 ? [rest] : [];
    this.have = rest.length;
    this.need = need - at;
  }

  /** The output is over: it must have ended with the trailer. */
  end(): void {
    if (!this.ended || this.have > 0) throw new Error('COPY output ended mid-row');
  }
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
   * The bytes written since the last take, handed over: the socket may still hold them (they are
   * sent without a copy), so the writer goes on in a fresh buffer.
   */
  take(): Buffer {
    const out = this.buf.subarray(0, this.at);
    this.buf = Buffer.allocUnsafe(CHUNK_BYTES * 2);
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
