import { Client, DatabaseError } from 'pg';
import { copyIn, copyOut, int8At, type CopyWriter } from './copy';
import { withDefaultUser } from './postgres';

// postgres.test.ts fails under CI without a database; here the same absence only skips.
const url = process.env.INCIDENT_LEDGER_PG_URL;
const pg = url ? describe : describe.skip;

/** Rows of about 60 bytes: enough of them fill several 512 KiB chunks. */
const ROWS = 50_000;
/** One row bigger than any chunk the socket hands over: the reader must join its pieces. */
const BIG = Buffer.alloc(3 << 20, 0xa5);
const label = (n: number) => `row ${n} ✓ 払込`;
const payload = (n: number) => (n === 7 ? BIG : n % 5 === 0 ? null : Buffer.from([n & 255, 1, 2]));

function writeRow(out: CopyWriter, n: number, id = n): void {
  out.row(3);
  out.int8(id);
  out.text(label(n));
  const p = payload(n);
  if (p === null) out.null();
  else out.bytes(p);
}

/** Rows 0, 1, ... until `stop(n)`, flushing whenever a chunk is full; counts rows and flushes. */
function producer(stop: (n: number) => boolean, id: (n: number) => number = (n) => n) {
  const made = { rows: 0, flushes: 0 };
  const produce = async (out: CopyWriter, flush: () => Promise<void>) => {
    for (let n = 0; !stop(n); n++, made.rows++) {
      writeRow(out, n, id(n));
      if (out.full) {
        made.flushes++;
        await flush();
      }
    }
  };
  return { made, produce };
}

pg('binary COPY through pg-copy-streams', () => {
  let client: Client;
  beforeAll(async () => {
    client = new Client({ connectionString: withDefaultUser(url!) });
    await client.connect();
    // A temporary table: this session's own, no name to share with other test runs.
    await client.query('CREATE TEMP TABLE t (n bigint PRIMARY KEY, label text, payload bytea)');
  });
  afterAll(() => client.end());
  beforeEach(() => client.query('TRUNCATE t'));
  const count = async () => Number((await client.query('SELECT count(*) AS n FROM t')).rows[0].n);
  const copyInT = (produce: Parameters<typeof copyIn>[2]) =>
    copyIn(client, 'COPY t (n, label, payload) FROM STDIN (FORMAT binary)', produce);

  it('writes rows while producing them and reads them back byte for byte', async () => {
    const { made, produce } = producer((n) => n === ROWS);
    await copyInT(produce);
    expect(made.flushes).toBeGreaterThan(3);
    const read: [number, string, Buffer | null][] = [];
    await copyOut(
      client,
      'COPY (SELECT n, label, payload FROM t ORDER BY n) TO STDOUT (FORMAT binary)',
      ([n, text, bytes]) =>
        read.push([
          int8At(n!),
          text!.toString('utf8'),
          bytes === null ? null : Buffer.from(bytes!),
        ]),
    );
    expect(read.length).toBe(ROWS);
    // Compared by hand: an expect per field of 50,000 rows takes seconds.
    const differ = read.filter(([n, text, bytes], i) => {
      const p = payload(i);
      return n !== i || text !== label(i) || (p === null ? bytes !== null : !p.equals(bytes!));
    });
    expect(differ).toEqual([]);
  });

  it('rejects with the server error of a COPY failing mid-stream, stops producing, rolls back', async () => {
    await client.query('BEGIN');
    // Row 20000 repeats key 0: the unique violation comes after chunks are stored, while more are
    // on their way. Without the error the producer would go on to ten million rows.
    const { made, produce } = producer(
      (n) => n === 10_000_000,
      (n) => (n === 20_000 ? 0 : n),
    );
    const err = await copyInT(produce).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err).toMatchObject({ code: '23505', table: 't' });
    expect(made.rows).toBeGreaterThan(20_000);
    expect(made.rows).toBeLessThan(1_000_000);
    // The transaction is aborted: nothing but ROLLBACK runs, and nothing was stored.
    await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    await client.query('ROLLBACK');
    expect(await count()).toBe(0);
  });

  it("cancels the COPY on a producer's error mid-stream and rejects with that error", async () => {
    await client.query('BEGIN');
    const broken = new Error('encoder broke');
    const { made, produce } = producer((n) => {
      if (n === 30_000) throw broken;
      return false;
    });
    await expect(copyInT(produce)).rejects.toBe(broken);
    expect(made.flushes).toBeGreaterThan(1);
    // The server was told (CopyFail): the transaction is aborted, then rolled back, empty.
    await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    await client.query('ROLLBACK');
    expect(await count()).toBe(0);
    // And the connection takes a COPY again.
    await copyInT(producer((n) => n === 10).produce);
    expect(await count()).toBe(10);
  });

  it("reads past a row callback's error to the end, rejects with it, and keeps the connection", async () => {
    await copyInT(producer((n) => n === ROWS).produce);
    const wrong = new Error('bad row');
    let calls = 0;
    await expect(
      copyOut(client, 'COPY t TO STDOUT (FORMAT binary)', () => {
        if (++calls === 10) throw wrong;
      }),
    ).rejects.toBe(wrong);
    expect(calls).toBe(10);
    expect(await count()).toBe(ROWS);
  });

  it('refuses COPY output that is not binary', async () => {
    await copyInT(producer((n) => n === 3).produce);
    await expect(copyOut(client, 'COPY t TO STDOUT', () => undefined)).rejects.toThrow(
      'COPY output is not in binary format',
    );
    expect(await count()).toBe(3);
  });
});
