import { StoreUnavailable } from '@incident-ledger/eventstore';
import { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { createServer, type Server, type Socket } from 'node:net';
import { FakeKurrentDb } from './fake-kurrentdb';
import { KurrentDbEventStore } from './kurrentdb';

/** Opens, expecting StoreUnavailable; returns it and how long it took. */
async function refused(url: string, options = {}): Promise<{ err: StoreUnavailable; ms: number }> {
  const started = Date.now();
  const err = await KurrentDbEventStore.open(url, options).then(
    () => {
      throw new Error(`open(${url}) succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreUnavailable);
  return { err: err as StoreUnavailable, ms: Date.now() - started };
}

describe('connection strings', () => {
  it.each([
    'http://localhost:2113',
    'kurrentdb://',
    'kurrentdb://localhost:notaport',
    'localhost:2113',
    '',
  ])('refuses %j as an invalid connection string', async (url) => {
    const { err, ms } = await refused(url);
    expect(err.reason).toMatch(/^invalid connection string: /);
    expect(ms).toBeLessThan(1_000);
  });

  it.each([
    'kurrentdb://127.0.0.1:1?tls=false',
    'kdb://127.0.0.1:1?tls=false',
    'kurrent://127.0.0.1:1?tls=false',
  ])(
    'accepts %j and reports the unreachable server within 10 s',
    async (url) => {
      const { err, ms } = await refused(url);
      expect(err.reason).toMatch(/^reading \$all failed: /);
      expect(err.url).toBe(url);
      expect(ms).toBeLessThan(10_000);
    },
    15_000,
  );

  it('never shows the password', async () => {
    const { err } = await refused('kurrentdb://admin:s3cret@127.0.0.1:1?tls=false');
    expect(err.message).toContain('kurrentdb://admin:***@127.0.0.1:1');
    expect(err.message).not.toContain('s3cret');
  }, 15_000);

  it('disposes the client it made when the server cannot be reached', async () => {
    const made: KurrentDBClient[] = [];
    const real = KurrentDBClient.connectionString.bind(KurrentDBClient);
    const spy = jest
      .spyOn(KurrentDBClient, 'connectionString')
      .mockImplementation((url: TemplateStringsArray | string) => {
        const client = real(url);
        jest.spyOn(client, 'dispose');
        made.push(client);
        return client;
      });
    try {
      await refused('kurrentdb://127.0.0.1:1?tls=false');
    } finally {
      spy.mockRestore();
    }
    expect(made).toHaveLength(1);
    expect(made[0]!.dispose).toHaveBeenCalledTimes(1);
  }, 15_000);

  describe('a server that accepts connections and never answers', () => {
    let server: Server;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      server = createServer((s) => {
        sockets.push(s);
        s.on('error', () => undefined);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    });

    it('is given up on at the connect timeout', async () => {
      const { port } = server.address() as { port: number };
      const { err, ms } = await refused(`kurrentdb://127.0.0.1:${port}?tls=false`, {
        connectTimeoutMs: 500,
      });
      expect(err.reason).toBe('no answer within 500 ms');
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(ms).toBeLessThan(2_000);
    });
  });
});

describe('connect and close', () => {
  it('close() disposes the client', async () => {
    const client = new FakeKurrentDb();
    const store = await KurrentDbEventStore.connect(client, 'fake://');
    expect(client.disposed).toBe(0);
    await store.close();
    expect(client.disposed).toBe(1);
  });

  it('gives up on a client that never answers, at the timeout, and disposes it', async () => {
    const client = new FakeKurrentDb();
    client.readAll = () => ({
      next: () => new Promise(() => undefined),
      [Symbol.asyncIterator]() {
        return this;
      },
    });
    const err = await KurrentDbEventStore.connect(client, 'fake://', {
      connectTimeoutMs: 50,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailable);
    expect(err).toMatchObject({ url: 'fake://', reason: 'no answer within 50 ms' });
    expect(client.disposed).toBe(1);
  });

  it('refuses a stream prefix in the namespace KurrentDB reserves', async () => {
    const client = new FakeKurrentDb();
    const err = await KurrentDbEventStore.connect(client, 'fake://', {
      streamPrefix: '$ledger/',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailable);
    expect((err as Error).message).toMatch(/streamPrefix must not start with \$/);
    expect(client.disposed).toBe(1);
  });
});
