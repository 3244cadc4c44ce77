import { StoreUnavailable } from '@incident-ledger/eventstore';
import { createHash } from 'node:crypto';
import { userInfo } from 'node:os';
import { Pool, type PoolClient } from 'pg';
import { ClosingClient } from './closing-client';

/** Runs `work` on a client: one from the pool, or the one a snapshot reads through. */
export type WithClient = <T>(work: (client: PoolClient) => Promise<T>) => Promise<T>;

/** A store's pool of connections to its database, and its schema's write lock. */
export class Connection {
  private readonly pool: Pool;
  readonly connectionString: string;
  /** Key of the schema's write lock: one bigint derived from the schema name. */
  private readonly lockKey: string;

  constructor(
    private readonly url: string,
    schema: string,
    readonly connectTimeoutMs: number,
  ) {
    this.connectionString = withDefaultUser(url);
    this.pool = new Pool({
      connectionString: this.connectionString,
      connectionTimeoutMillis: connectTimeoutMs,
      Client: ClosingClient,
    });
    // An idle client whose server went away emits 'error' on the pool; unhandled, that would crash
    // the process.
    // The pool has already dropped that client, and the next checkout reports the failure.
    this.pool.on('error', () => undefined);
    const digest = createHash('sha256').update(`incident-ledger:${schema}`).digest('hex');
    this.lockKey = BigInt.asIntN(64, BigInt(`0x${digest.slice(0, 16)}`)).toString();
  }

  private async connect(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (e) {
      throw this.unavailable(e);
    }
  }

  readonly withClient: WithClient = async (work) => {
    const client = await this.connect();
    try {
      const result = await work(client);
      client.release();
      return result;
    } catch (e) {
      client.release(e as Error);
      throw e;
    }
  };

  /** A transaction holding the schema's write lock to its end (docs/postgres.md). */
  async locked<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      // One round trip: the key is our own number, not input.
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${this.lockKey})`);
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (e) {
      // A client whose ROLLBACK fails is broken: releasing it with the error makes the pool discard
      // it.
      await client.query('ROLLBACK').then(
        () => client.release(),
        (rollbackError: Error) => client.release(rollbackError),
      );
      throw e;
    }
  }

  unavailable(reason: unknown): StoreUnavailable {
    return new StoreUnavailable(
      redact(this.url),
      reason instanceof Error ? reason.message : String(reason),
    );
  }

  end(): Promise<void> {
    return this.pool.end();
  }

  /** The URL as an error message may show it. */
  get redactedUrl(): string {
    return redact(this.url);
  }
}

/**
 * The URL with the operating-system user name added when it names no user and neither PGUSER nor
 * USER is set:
 * libpq (psql) falls back to that user, pg to nothing, so
 * `postgresql:///db?host=/var/run/postgresql` would fail
 * under cron, systemd or a container without USER.
 */
export function withDefaultUser(url: string): string {
  if (process.env.PGUSER || process.env.USER) return url;
  try {
    const parsed = new URL(url);
    if (parsed.username !== '' || parsed.searchParams.has('user')) return url;
    return `${url}${parsed.search === '' ? '?' : '&'}user=${encodeURIComponent(userInfo().username)}`;
  } catch {
    // Not a URL pg and we can read alike (a bare socket path, say), or no user name for this uid:
    // leave it to pg.
    return url;
  }
}

/** The URL as it may appear in an error message: without its password. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^/@:]*):[^/@]*@/, '$1:***@').replace(/([?&]password=)[^&]*/i, '$1***');
}
