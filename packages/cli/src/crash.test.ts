/**
 * Crash safety of an import. The real CLI imports a large scenario and is killed with SIGKILL at
 * seeded random moments; after every kill the store must open, its hash chains must verify, no
 * event may be torn or stored twice, the import must have landed in whole batches, in append order
 * (SQLite and PostgreSQL import in one transaction, so all or nothing; a store that appends batch
 * by batch would leave whole batches of EVENT_BATCH_SIZE events, which is more than EVENTS), and
 * importing again must reach the digest of an uninterrupted run.
 *
 * SQLite: 100 kills. A store file is reused across kills until an import completes in it, so one
 * file is killed and recovered many times in a row; the re-import runs on a byte copy of the file
 * as the kill left it (the crash image), so the original stays unfinished for the next kill.
 * PostgreSQL: 20 kills (needs INCIDENT_LEDGER_PG_URL; under CI it must be set), a fresh schema
 * each.
 *
 * A set share of the kills lands inside the import transaction by construction, not by timing:
 * the test watches the child until it holds the store's write lock (SQLite) or runs an import
 * statement in an open transaction (PostgreSQL), stops it (SIGSTOP), looks again while it cannot
 * move, and kills it there. A run that ends before it is caught is started again, a bounded number
 * of times in all. The other kills land anywhere from startup to exit. Every kill is preceded by a
 * look at the stopped child, and followed by a count of what was stored: where a kill landed is
 * evidence, never inferred from the clock. The test is bounded by counts (kills, misses); jest's
 * timeout is only an outer limit, generous for a loaded machine.
 */
import { Rng, type LedgerEvent } from '@incident-ledger/core';
import {
  ChainVerifier,
  eventContent,
  MemoryEventStore,
  storeDigest,
  type EventStore,
} from '@incident-ledger/eventstore';
import { PostgresEventStore, withDefaultUser } from '@incident-ledger/eventstore-postgres';
import { SqliteEventStore } from '@incident-ledger/eventstore-sqlite';
import { EVENT_BATCH_SIZE, loadScenario } from '@incident-ledger/scenario';
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as Pg from 'pg';
import { writeLargeScenario } from '../../../scripts/make-large-scenario';
import { importEvents } from './app';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'packages/cli/src/main.ts');
/**
 * Large enough that the import transaction is a real target, small enough that 100 runs fit in CI.
 */
const EVENTS = 4_000;
const SEED = Number(process.env.INCIDENT_LEDGER_CRASH_SEED ?? 20_200_914);
const SQLITE_KILLS = 100;
const PG_KILLS = 20;
/** Share of kills made inside the import transaction; the others land anywhere in the run. */
const IN_IMPORT = 0.4;
/**
 * Runs aimed at the import transaction that may end before a look catches them there, over a whole
 * test: each is started again, so the test is bounded by counts, never by a clock.
 */
const MAX_MISSES = 20;
/** How often the test looks at a running child while waiting for its import transaction. */
const LOOK_EVERY_MS = 1;
/**
 * An outer limit only: the tests are bounded by their counts. Generous, so that a machine loaded by
 * other work never fails them (an idle 2-core machine needs a few minutes).
 */
const CRASH_TEST_TIMEOUT_MS = 45 * 60_000;
/**
 * Two children at a time on two cores halves the wall time; where kills land is measured, not
 * assumed.
 */
const LANES = Math.max(1, Math.min(2, availableParallelism()));
const PG_URL = process.env.INCIDENT_LEDGER_PG_URL;

interface Fixture {
  dir: string;
  total: number;
  events: readonly LedgerEvent[];
  /** What each event must look like wherever it is stored: its stream and canonical content. */
  expected: Map<string, { streamId: string; content: string }>;
}

let tmp: string;
let fx: Fixture;
const children = new Set<ChildProcess>();

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ledger-crash-'));
  const dir = join(tmp, 'scenario');
  writeLargeScenario(dir, { events: EVENTS, seed: SEED });
  const { events } = loadScenario(dir);
  const expected = new Map(
    events.map((e) => [e.eventId, { streamId: e.streamId, content: eventContent(e.streamId, e) }]),
  );
  fx = { dir, total: events.length, events, expected };
}, CRASH_TEST_TIMEOUT_MS);

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Running and killing the CLI

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** performance.now() when the child was gone. */
  at: number;
}

interface Run {
  child: ChildProcess;
  started: number;
  done: Promise<Exit>;
}

/**
 * Starts `incident-ledger replay <scenario> --store <url>` from source. tsx's own binary runs the
 * program in a second, child process, and a SIGKILL to the binary would leave that one importing;
 * so node runs the CLI with tsx's loader in a single process, which is the process we kill.
 */
function startCli(url: string, env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'replay', fx.dir, '--store', url],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr, at: performance.now() });
    });
  });
  return { child, started: performance.now(), done };
}

const alive = (run: Run) => run.child.exitCode === null && run.child.signalCode === null;

/** Sleeps, waking early if the child exits. */
const sleepWhileAlive = (run: Run, ms: number) => Promise.race([sleep(ms), run.done]);

function digestFromOutput(exit: Exit): string {
  if (exit.code !== 0)
    throw new Error(
      `the CLI failed (exit ${exit.code}, signal ${exit.signal}):\n${exit.stderr}${exit.stdout}`,
    );
  const m = /^digest {4}(sha256:[0-9a-f]{64})$/m.exec(exit.stdout);
  if (!m) throw new Error(`no digest line in the CLI output:\n${exit.stdout}`);
  expect(exit.stdout).toMatch(
    new RegExp(`^import {4}${fx.total} events: ${fx.total} appended, 0 already stored$`, 'm'),
  );
  return m[1]!;
}

/**
 * An uninterrupted run: the reference digest, and how long a run takes (where kills anywhere land).
 * The same events in memory give the same digest: the reference is no artefact of the store.
 */
async function referenceRun(url: string, env: NodeJS.ProcessEnv = {}) {
  const ref = startCli(url, env);
  const exit = await ref.done;
  const digest = digestFromOutput(exit);
  const memory = new MemoryEventStore();
  await importEvents(memory, fx.events);
  expect(`sha256:${storeDigest(await memory.heads())}`).toBe(digest);
  return { digest, runMs: exit.at - ref.started };
}

interface KillPlan {
  /** Kill inside the import transaction (caught there); else anywhere in the run. */
  inImport: boolean;
  /** For a kill anywhere: where in the uninterrupted run's time it lands, in [0, 1). */
  u: number;
}

/** Seeded plans; exactly round(n * IN_IMPORT) of them are made inside the import. */
function killPlans(n: number, seed: number): KillPlan[] {
  const rng = new Rng(seed);
  const inImport = Math.round(n * IN_IMPORT);
  const plans = Array.from({ length: n }, (_, k) => ({ inImport: k < inImport, u: rng.next() }));
  for (let k = n - 1; k > 0; k--) {
    const j = Math.floor(rng.next() * (k + 1));
    [plans[k], plans[j]] = [plans[j]!, plans[k]!];
  }
  return plans;
}

/**
 * Stops the child (SIGSTOP) and returns once the kernel says it is stopped, so that what the test
 * then sees of its store is where it stands. Linux: the state is read from /proc.
 */
async function stop(run: Run): Promise<void> {
  run.child.kill('SIGSTOP');
  const stat = `/proc/${run.child.pid}/stat`;
  for (;;) {
    let state: string | undefined;
    try {
      state = /\) (\S)/.exec(readFileSync(stat, 'utf8'))?.[1];
    } catch {
      return; // gone
    }
    if (state === 'T' || state === 't' || state === 'Z' || state === 'X') return;
    await sleep(0);
  }
}

/**
 * Waits, looking every LOOK_EVERY_MS, until `inImport` holds for the running child; then stops it
 * and asks again while it cannot move. True: the child is stopped inside its import transaction
 * (the caller kills it); false: it ended first.
 */
async function catchInImport(run: Run, inImport: () => boolean | Promise<boolean>) {
  while (alive(run)) {
    if (await inImport()) {
      await stop(run);
      if (!alive(run)) return false;
      if (await inImport()) return true;
      run.child.kill('SIGCONT');
    }
    await sleep(LOOK_EVERY_MS);
  }
  return false;
}

/** Counts the runs aimed at the import transaction that ended before they were caught there. */
class Misses {
  private n = 0;
  add(at: string): void {
    if (++this.n > MAX_MISSES)
      throw new Error(
        `${at}: more than ${MAX_MISSES} runs ended before the test caught them in the import transaction`,
      );
  }
  toString(): string {
    return `${this.n}`;
  }
}

/**
 * Lets every lane take its share of the kills (k, k + lanes, ...); the first failure stops them
 * all.
 */
async function inLanes(
  kills: number,
  lanes: number,
  lane: (lane: number, kills: number[], stopped: () => boolean) => Promise<void>,
): Promise<void> {
  let failed = false;
  const results = await Promise.allSettled(
    Array.from({ length: lanes }, (_, l) =>
      lane(
        l,
        Array.from({ length: kills }, (_, k) => k).filter((k) => k % lanes === l),
        () => failed,
      ).catch((e: unknown) => {
        failed = true;
        for (const c of children) c.kill('SIGKILL');
        throw e;
      }),
    ),
  );
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

// ---------------------------------------------------------------------------------------------
// What a store must look like after any kill

interface Inspection {
  count: number;
  digest: string;
}

/**
 * Reads every event and checks: hash chains and stream heads, no event id / stream revision /
 * position twice, every event exactly as the scenario wrote it (not torn), whole batches stored.
 */
async function inspect(store: EventStore, referenceDigest: string): Promise<Inspection> {
  const verifier = new ChainVerifier();
  const ids = new Set<string>();
  const revisions = new Set<string>();
  let lastPosition = 0;
  let count = 0;
  for await (const batch of store.readAll()) {
    verifier.check(batch);
    for (const e of batch) {
      count++;
      if (ids.has(e.eventId)) throw new Error(`event ${e.eventId} is stored twice`);
      ids.add(e.eventId);
      const revision = `${e.streamId}#${e.revision}`;
      if (revisions.has(revision)) throw new Error(`stream revision ${revision} is stored twice`);
      revisions.add(revision);
      if (e.globalPosition <= lastPosition)
        throw new Error(`position ${e.globalPosition} follows position ${lastPosition}`);
      lastPosition = e.globalPosition;
      const want = fx.expected.get(e.eventId);
      if (!want) throw new Error(`event ${e.eventId} at ${revision} is not one of the scenario's`);
      if (e.streamId !== want.streamId || eventContent(e.streamId, e) !== want.content) {
        throw new Error(
          `event ${e.eventId} at ${revision} is torn: it differs from the scenario's event`,
        );
      }
      if (e.eventId !== fx.events[count - 1]!.eventId)
        throw new Error(`event ${e.eventId} at ${revision} is out of the scenario's append order`);
    }
  }
  const heads = await store.heads();
  const broken = verifier.finish(heads);
  if (broken)
    throw new Error(
      `hash chain broken in stream "${broken.streamId}" at revision ${broken.revision}: ${broken.problem}`,
    );
  if (count !== fx.total && count % EVENT_BATCH_SIZE !== 0)
    throw new Error(`${count} of ${fx.total} events stored: not whole batches of the import`);
  const digest = `sha256:${storeDigest(heads)}`;
  if (count === fx.total && digest !== referenceDigest)
    throw new Error(`complete store has digest ${digest}, expected ${referenceDigest}`);
  return { count, digest };
}

/** Imports the scenario again, in-process, and checks it completes to the reference digest. */
async function reimport(
  store: EventStore,
  storedBefore: number,
  referenceDigest: string,
): Promise<void> {
  const r = await importEvents(store, fx.events);
  if (r.appended !== fx.total - storedBefore || r.skipped !== storedBefore) {
    throw new Error(
      `re-import appended ${r.appended} and skipped ${r.skipped}, with ${storedBefore} of ${fx.total} stored before`,
    );
  }
  const digest = `sha256:${storeDigest(await store.heads())}`;
  if (digest !== referenceDigest)
    throw new Error(`re-import ended at digest ${digest}, expected ${referenceDigest}`);
}

async function withStore<S extends EventStore, T>(
  store: S,
  f: (store: S) => Promise<T>,
): Promise<T> {
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

/** Counts kills by where they landed, with the delays, for the log. */
class Tally {
  readonly counts = new Map<string, number>();
  add(where: string): void {
    this.counts.set(where, (this.counts.get(where) ?? 0) + 1);
  }
  get(where: string): number {
    return this.counts.get(where) ?? 0;
  }
  toString(): string {
    return [...this.counts].map(([k, n]) => `  ${String(n).padStart(4)}  ${k}`).join('\n');
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

// ---------------------------------------------------------------------------------------------

describe('the inspection after a kill', () => {
  // The crash tests pass only if these checks can fail: show each one failing on a damaged store.
  it('catches a torn event, a partial import and a duplicate', async () => {
    const file = join(tmp, 'damaged.sqlite');
    const digest = await withStore(SqliteEventStore.open(file), async (store) => {
      await importEvents(store, fx.events);
      return `sha256:${storeDigest(await store.heads())}`;
    });
    const damage = async (sql: string, problem: RegExp) => {
      copyFileSync(file, `${file}.copy`);
      await withStore(SqliteEventStore.open(`${file}.copy`), async (store) => {
        store.connection.exec(sql);
        await expect(inspect(store, digest)).rejects.toThrow(problem);
      });
      rmSync(`${file}.copy`);
    };
    await withStore(SqliteEventStore.open(file), async (store) =>
      expect(await inspect(store, digest)).toEqual({ count: fx.total, digest }),
    );
    await damage(
      `UPDATE events SET data = replace(data, '"amountYen":', '"amountYen":1') WHERE position = (SELECT min(position) FROM events WHERE type = 'ChargeExecuted')`,
      /torn/,
    );
    await damage(
      `DELETE FROM events WHERE position > 100; UPDATE streams SET revision = -1`,
      /hash chain broken in stream .* stream head/,
    );
    await damage(
      `DELETE FROM events WHERE position > 100; DELETE FROM streams WHERE stream_id NOT IN (SELECT stream_id FROM events);
      UPDATE streams SET (revision, hash) = (SELECT revision, hash FROM events e WHERE e.stream_id = streams.stream_id ORDER BY revision DESC LIMIT 1)`,
      /100 of \d+ events stored/,
    );
    // The store's unique keys refuse a duplicate row, so present one through a reader that repeats
    // an event.
    await withStore(SqliteEventStore.open(file), async (store) => {
      const repeating: EventStore = Object.assign(Object.create(store) as EventStore, {
        async *readAll() {
          for await (const batch of store.readAll()) yield [...batch, batch[0]!];
        },
      });
      await expect(inspect(repeating, digest)).rejects.toThrow(/stored twice/);
      // A store missing an event of an earlier batch is not whole batches of the import.
      const gapped: EventStore = Object.assign(Object.create(store) as EventStore, {
        async *readAll() {
          for await (const batch of store.readAll())
            yield batch.filter((e) => e.globalPosition !== 1);
        },
      });
      await expect(inspect(gapped, digest)).rejects.toThrow(/out of the scenario's append order/);
    });
  }, 60_000);
});

describe('SQLite: SIGKILL during an import', () => {
  const MID_IMPORT = 'MID-IMPORT: stopped inside the import transaction, nothing stored';
  it(
    `${SQLITE_KILLS} kills: every time the store opens, chains verify, nothing is torn or doubled, and a re-import reaches the same digest`,
    async () => {
      const began = performance.now();
      const { digest, runMs } = await referenceRun(`sqlite:${join(tmp, 'reference.sqlite')}`);

      const plans = killPlans(SQLITE_KILLS, SEED);
      const tally = new Tally();
      const misses = new Misses();
      let caughtInImport = 0;
      let chains = 0;
      let longestChain = 0;
      await inLanes(SQLITE_KILLS, LANES, async (lane, kills, stopped) => {
        let file = '';
        let killsOnFile = 0;
        const freshFile = () => {
          file = join(tmp, `lane${lane}-chain${++chains}.sqlite`);
          killsOnFile = 0;
        };
        freshFile();
        for (const k of kills) {
          const plan = plans[k]!;
          let caught = false;
          let run: Run;
          for (;;) {
            if (stopped()) return;
            run = startCli(`sqlite:${file}`);
            if (!plan.inImport) break;
            caught = await catchInImport(run, () => sqliteWhere(file) === 'importing');
            if (caught) break;
            const exit = await run.done;
            if (exit.code !== 0)
              throw new Error(`kill ${k + 1}: the CLI failed (exit ${exit.code}):\n${exit.stderr}`);
            misses.add(`kill ${k + 1}`);
            // The import completed in this file: nothing left to interrupt.
            longestChain = Math.max(longestChain, killsOnFile);
            freshFile();
          }
          if (!caught) {
            await sleepWhileAlive(run, plan.u * runMs);
            if (alive(run)) await stop(run);
          }
          // Evidence of where the kill lands, looked at while the child cannot move.
          const where = alive(run) ? sqliteWhere(file) : 'exited';
          run.child.kill('SIGKILL');
          const exit = await run.done;
          const at = `kill ${k + 1} (lane ${lane}, ${plan.inImport ? 'in the import' : 'anywhere'}, ${Math.round(exit.at - run.started)} ms after spawn, file killed ${killsOnFile} times before)`;
          if (exit.signal !== 'SIGKILL') {
            // Too late: the run finished. It must have finished well.
            if (exit.code !== 0)
              throw new Error(`${at}: the CLI failed (exit ${exit.code}):\n${exit.stderr}`);
          }
          try {
            // The crash image, before anything opens (and so recovers) the store.
            const copy = join(tmp, `lane${lane}-copy.sqlite`);
            for (const suffix of ['', '-wal', '-shm']) {
              rmSync(copy + suffix, { force: true });
              if (existsSync(file + suffix)) copyFileSync(file + suffix, copy + suffix);
            }
            const state = existsSync(file)
              ? await withStore(SqliteEventStore.open(file), async (store) => {
                  const integrity = store.connection.pragma('integrity_check', { simple: true });
                  if (integrity !== 'ok') throw new Error(`integrity_check: ${String(integrity)}`);
                  return inspect(store, digest);
                })
              : { count: 0 };
            await withStore(SqliteEventStore.open(copy), (store) =>
              reimport(store, state.count, digest),
            );
            for (const suffix of ['', '-wal', '-shm']) rmSync(copy + suffix, { force: true });

            killsOnFile++;
            if (exit.signal !== 'SIGKILL') tally.add('finished before the kill');
            else if (state.count === fx.total) tally.add('after the commit (all events stored)');
            else tally.add(SQLITE_LANDED[where]);
            if (caught && state.count === 0) caughtInImport++;
            if (state.count === fx.total) {
              // Nothing left to interrupt in this file: the next kill gets a new one.
              longestChain = Math.max(longestChain, killsOnFile);
              freshFile();
            }
          } catch (e) {
            throw new Error(`${at}: ${(e as Error).message}`);
          }
        }
        longestChain = Math.max(longestChain, killsOnFile);
      });

      const inImport = plans.filter((p) => p.inImport).length;
      console.log(
        `SQLite: ${SQLITE_KILLS} SIGKILLs of \`incident-ledger replay\` (${fx.total} events, seed ${SEED}, ${LANES} at a time) in ${seconds(performance.now() - began)}\n` +
          `uninterrupted run: ${Math.round(runMs)} ms; ${digest}\n` +
          `${inImport} kills made inside the import transaction (${caughtInImport} landed there; ${misses} runs ended before they were caught and were started again)\n` +
          `where the kills landed:\n${tally}\n` +
          `store files: ${chains}, the longest killed ${longestChain} times before an import completed in it`,
      );
      expect([...tally.counts.values()].reduce((a, b) => a + b, 0)).toBe(SQLITE_KILLS);
      // The point of the test: every kill made inside the import transaction landed there.
      expect(caughtInImport).toBe(inImport);
      expect(tally.get(MID_IMPORT)).toBeGreaterThanOrEqual(inImport);
    },
    CRASH_TEST_TIMEOUT_MS,
  );

  /** How a kill is tallied when the store holds nothing afterwards, by where the child stood. */
  const SQLITE_LANDED: Record<SqliteWhere | 'exited', string> = {
    'not opened': 'before the store was opened',
    opening: 'store opening (no schema committed yet, or setting it up), nothing stored',
    open: 'store open, outside a write transaction, nothing stored',
    importing: MID_IMPORT,
    exited: 'finished before the kill',
  };
});

type SqliteWhere = 'not opened' | 'opening' | 'open' | 'importing';

/**
 * Where a child stands in its store, seen from another connection without waiting: the store not
 * opened yet (no WAL), opening (the schema not committed, or the file busy being set up), open
 * (nobody holds the write lock), or importing (the write lock held on a committed schema with no
 * event committed yet: the CLI writes nothing else to a store of this size, so that is its import
 * transaction). Briefly takes the write lock itself when it is free; a writer waits that out.
 */
function sqliteWhere(file: string): SqliteWhere {
  if (!existsSync(`${file}-wal`)) return 'not opened';
  const db = new Database(file, { fileMustExist: true, timeout: 0 });
  try {
    try {
      db.exec('BEGIN IMMEDIATE');
      db.exec('ROLLBACK');
      return 'open';
    } catch (e) {
      if (!isBusy(e)) throw e;
    }
    const schema = db.pragma('user_version', { simple: true }) !== 0;
    if (!schema) return 'opening';
    const stored = db.prepare('SELECT EXISTS (SELECT 1 FROM events) AS any').get() as {
      any: number;
    };
    return stored.any === 0 ? 'importing' : 'open';
  } catch (e) {
    if (isBusy(e)) return 'opening';
    throw e;
  } finally {
    db.close();
  }
}

/** SQLITE_BUSY or one of its extended codes (SQLITE_BUSY_RECOVERY while a child replays the WAL). */
function isBusy(e: unknown): boolean {
  return String((e as { code?: unknown }).code ?? '').startsWith('SQLITE_BUSY');
}

// ---------------------------------------------------------------------------------------------

if (!PG_URL) {
  if (process.env.CI === 'true') {
    it('has a PostgreSQL database for the crash test', () => {
      throw new Error(
        'INCIDENT_LEDGER_PG_URL is not set: under CI the PostgreSQL crash test may not be skipped',
      );
    });
  } else {
    console.log(
      'Skipping the PostgreSQL crash test: INCIDENT_LEDGER_PG_URL is not set (locally: eval "$(bash scripts/start-postgres.sh)")',
    );
    describe.skip('PostgreSQL: SIGKILL during an import (needs INCIDENT_LEDGER_PG_URL)', () => {
      it('runs against a real PostgreSQL', () => undefined);
    });
  }
} else {
  describePostgres(PG_URL);
}

function describePostgres(baseUrl: string): void {
  /** The CLI always uses the store's default schema, so each lane gets a database of its own. */
  const SCHEMA = 'incident_ledger';
  const { Pool, escapeIdentifier } = Pg;
  const admin = new Pool({ connectionString: withDefaultUser(baseUrl), max: 2 });
  const databases: string[] = [];
  afterAll(async () => {
    for (const db of databases)
      await admin.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(db)} WITH (FORCE)`);
    await admin.end();
  });

  async function laneDatabase(): Promise<{ url: string; pool: Pg.Pool }> {
    const name = `crash_${process.pid}_${databases.length}_${randomBytes(3).toString('hex')}`;
    try {
      await admin.query(`CREATE DATABASE ${escapeIdentifier(name)}`);
    } catch (e) {
      throw new Error(
        `cannot create a database for the crash test (the role needs CREATEDB): ${(e as Error).message}`,
      );
    }
    databases.push(name);
    const u = new URL(baseUrl);
    u.pathname = `/${name}`;
    const url = u.toString();
    return { url, pool: new Pool({ connectionString: withDefaultUser(url), max: 1 }) };
  }

  /** The child's backends, found by the application name it was started with. */
  async function backends(app: string): Promise<{ inTransaction: boolean; query: string }[]> {
    const { rows } = await admin.query<{ in_tx: boolean; query: string }>(
      'SELECT xact_start IS NOT NULL AS in_tx, left(query, 200) AS query FROM pg_stat_activity WHERE application_name = $1',
      [app],
    );
    return rows.map((r) => ({ inTransaction: r.in_tx, query: r.query }));
  }

  /**
   * The statements of the PostgreSQL store's append (a batch's savepoint, heads, stored ids, keys,
   * the COPYs, the derived rows and heads).
   */
  const importStatement =
    /^SAVEPOINT |^RELEASE SAVEPOINT |^ROLLBACK TO SAVEPOINT |^WITH top AS|i\.id = ANY|first_id >=|^COPY |^WITH b AS/;
  const importing = (seen: { inTransaction: boolean; query: string }[]) =>
    seen.some((b) => b.inTransaction && importStatement.test(b.query));
  const PG_MID_IMPORT = 'MID-IMPORT: inside the import transaction, nothing stored';

  describe('PostgreSQL: SIGKILL during an import', () => {
    it(
      `${PG_KILLS} kills: every time the store opens, chains verify, nothing is torn or doubled, and a re-import reaches the same digest`,
      async () => {
        const began = performance.now();
        const lanes = await Promise.all(Array.from({ length: LANES }, () => laneDatabase()));
        const first = lanes[0]!;
        const { digest, runMs } = await referenceRun(first.url, {
          PGAPPNAME: `ledger-crash-${process.pid}-ref`,
        });

        const plans = killPlans(PG_KILLS, SEED + 1);
        const tally = new Tally();
        const misses = new Misses();
        let caughtInImport = 0;
        let attempts = 0;
        try {
          await inLanes(PG_KILLS, LANES, async (lane, kills, stopped) => {
            const { url, pool } = lanes[lane]!;
            for (const k of kills) {
              const plan = plans[k]!;
              let caught = false;
              let app: string;
              let run: Run;
              for (;;) {
                if (stopped()) return;
                await pool.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(SCHEMA)} CASCADE`);
                app = `ledger-crash-${process.pid}-${++attempts}`;
                run = startCli(url, { PGAPPNAME: app });
                if (!plan.inImport) break;
                const a = app;
                caught = await catchInImport(run, async () => importing(await backends(a)));
                if (caught) break;
                const exit = await run.done;
                if (exit.code !== 0)
                  throw new Error(
                    `kill ${k + 1}: the CLI failed (exit ${exit.code}):\n${exit.stderr}`,
                  );
                misses.add(`kill ${k + 1}`);
              }
              if (!caught) {
                await sleepWhileAlive(run, plan.u * runMs);
                if (alive(run)) await stop(run);
              }
              // Evidence of where the kill lands: what the stopped child's backend is doing.
              const seen = alive(run) ? await backends(app) : [];
              run.child.kill('SIGKILL');
              const exit = await run.done;
              const at = `kill ${k + 1} (lane ${lane}, ${plan.inImport ? 'in the import' : 'anywhere'}, ${Math.round(exit.at - run.started)} ms after spawn)`;
              if (exit.signal !== 'SIGKILL' && exit.code !== 0)
                throw new Error(`${at}: the CLI failed (exit ${exit.code}):\n${exit.stderr}`);
              try {
                // The server ends the dead client's session (rolling back what it had not committed)
                // on its own time.
                while ((await backends(app)).length > 0) await sleep(5);
                const state = await withStore(
                  await PostgresEventStore.open(url, { schema: SCHEMA }),
                  async (store) => {
                    const s = await inspect(store, digest);
                    await reimport(store, s.count, digest);
                    return s;
                  },
                );
                const tx = seen.find((b) => b.inTransaction);
                if (exit.signal !== 'SIGKILL') tally.add('finished before the kill');
                else if (state.count === fx.total)
                  tally.add('after the commit (all events stored)');
                else if (importing(seen)) tally.add(PG_MID_IMPORT);
                else if (tx)
                  tally.add(
                    `inside another transaction (${tx.query.trim().split(/\s+/).slice(0, 3).join(' ')}...), nothing stored`,
                  );
                else if (seen.length > 0)
                  tally.add('connected, outside a transaction, nothing stored');
                else tally.add('before connecting');
                if (caught && state.count === 0) caughtInImport++;
              } catch (e) {
                throw new Error(`${at}: ${(e as Error).message}`);
              }
            }
          });
        } finally {
          await Promise.all(lanes.map((l) => l.pool.end()));
        }

        const inImport = plans.filter((p) => p.inImport).length;
        console.log(
          `PostgreSQL: ${PG_KILLS} SIGKILLs of \`incident-ledger replay\` (${fx.total} events, seed ${SEED + 1}, ${LANES} at a time) in ${seconds(performance.now() - began)}\n` +
            `uninterrupted run: ${Math.round(runMs)} ms; ${digest}\n` +
            `${inImport} kills made inside the import transaction (${caughtInImport} landed there; ${misses} runs ended before they were caught and were started again)\n` +
            `where the kills landed:\n${tally}`,
        );
        expect([...tally.counts.values()].reduce((a, b) => a + b, 0)).toBe(PG_KILLS);
        expect(caughtInImport).toBe(inImport);
        expect(tally.get(PG_MID_IMPORT)).toBeGreaterThanOrEqual(inImport);
      },
      CRASH_TEST_TIMEOUT_MS,
    );
  });
}
