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
