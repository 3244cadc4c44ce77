import { StoreUnavailable } from '@incident-ledger/eventstore';
import { createServer, type Server, type Socket } from 'node:net';
import { PostgresEventStore, redact } from './postgres';

// No database needed: these run everywhere, CI or not.
describe('PostgresEventStore when the server cannot be reached', () => {
  it('fails with StoreUnavailable when nothing listens on the port', async () => {
    const started = Date.now();
    const err = await PostgresEventStore.open('postgres://127.0.0.1:1/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailable);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  describe('against a server that accepts connections and never answers', () => {
    let server: Server;
    const sockets = new Set<Socket>();
    let port = 0;
    beforeAll(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it('gives up within 10 s by default, without naming the password', async () => {
      const started = Date.now();
      const err = await PostgresEventStore.open(
        `postgres://ledger:s3cret@127.0.0.1:${port}/x`,
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreUnavailable);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect((err as Error).message).not.toContain('s3cret');
    });

    it('honours connectTimeoutMs', async () => {
      const started = Date.now();
      await expect(
        PostgresEventStore.open(`postgres://127.0.0.1:${port}/x`, { connectTimeoutMs: 300 }),
      ).rejects.toBeInstanceOf(StoreUnavailable);
      expect(Date.now() - started).toBeLessThan(3_000);
    });
  });

  describe('against a server that asks for a password the URL does not give', () => {
    // It starts SCRAM-SHA-256 and then waits, as PostgreSQL waits up to its
    // authentication_timeout: pg fails on its side (no password) and must hang up itself.
    const authentication = (code: number, data: string) => {
      const m = Buffer.concat([Buffer.from('R'), Buffer.alloc(8), Buffer.from(data)]);
      m.writeInt32BE(m.length - 1, 1);
      m.writeInt32BE(code, 5);
      return m;
    };
    let server: Server;
    let port = 0;
    let closed: Promise<void>;
    let client: Socket | undefined;
    const saved = process.env.PGPASSWORD;
    beforeEach(async () => {
      delete process.env.PGPASSWORD;
      const replies = [
        authentication(10, 'SCRAM-SHA-256\0\0'), // AuthenticationSASL
        authentication(11, 'r=nonce,s=c2FsdA==,i=4096'), // AuthenticationSASLContinue
      ];
      server = createServer((socket) => {
        client = socket;
        closed = new Promise((resolve) => socket.on('close', resolve));
        socket.on('data', () => socket.write(replies.shift() ?? Buffer.alloc(0)));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterEach(async () => {
      if (saved !== undefined) process.env.PGPASSWORD = saved;
      client?.destroy(); // still open if the test failed
      await new Promise((resolve) => server.close(resolve));
    });

    it('fails naming the missing password, and closes the connection', async () => {
      const err = await PostgresEventStore.open(`postgres://ledger@127.0.0.1:${port}/x`, {
        connectTimeoutMs: 60_000,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreUnavailable);
      expect((err as Error).message).toMatch(/asks for a password and none was given/);
      await closed; // bounded by jest's per-test timeout only
    }, 20_000);
  });

  it('redacts passwords in URLs and query strings', () => {
    expect(redact('postgres://u:p%40ss@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(redact('postgresql:///db?host=/run&password=x&user=u')).toBe(
      'postgresql:///db?host=/run&password=***&user=u',
    );
    expect(redact('postgresql:///incident_ledger_test?host=/var/run/postgresql')).toBe(
      'postgresql:///incident_ledger_test?host=/var/run/postgresql',
    );
  });

  it('refuses a schema name PostgreSQL would truncate', async () => {
    await expect(
      PostgresEventStore.open('postgres://127.0.0.1:1/x', { schema: 'x'.repeat(64) }),
    ).rejects.toThrow(/1 to 63 bytes/);
  });
});
