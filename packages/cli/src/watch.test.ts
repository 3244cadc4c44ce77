/**
 * `incident-ledger watch` as users run it: a separate process following a store while this one
 * appends to it, stopped and started again with its --state file. Every change of the figures must
 * be printed once, in order, across the restart. Bounded by counts (changes, lines): the test
 * waits for the watcher's output lines, and jest's timeout is the only outer limit.
 */
import {
  Fold,
  incidentProjection,
  incidentReport,
  type IncidentState,
  type LedgerEvent,
  type StoredEvent,
} from '@incident-ledger/core';
import { MemoryEventStore, type EventStore } from '@incident-ledger/eventstore';
import { withDefaultUser } from '@incident-ledger/eventstore-postgres';
import { loadScenario } from '@incident-ledger/scenario';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import * as Pg from 'pg';
import { importEvents } from './app';
import { documentValue } from './output';
import { reportTables } from './render';
import { openStore } from './stores';

const ROOT = resolve(__dirname, '../../..');
const CLI = join(ROOT, 'packages/cli/src/main.ts');
const ZONE = 'Asia/Tokyo';
/** Events stored before the watcher starts; changes appended while it runs, and while it is down. */
const BEFORE = 600;
const CHANGES_LIVE = 5;
const WATCH_TEST_TIMEOUT_MS = 15 * 60_000;
const PG_URL = process.env.INCIDENT_LEDGER_PG_URL;

let tmp: string;
let events: LedgerEvent[];
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ledger-watch-'));
  events = loadScenario(join(ROOT, 'scenarios/docomo-kouza-2020')).events;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A watcher process and its output, line by line. */
class Watcher {
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private waiting: (() => void) | undefined;
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(url: string, state: string) {
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'watch', '--store', url, '--zone', ZONE, '--format', 'json'].concat([
        '--state',
        state,
        '--quiet',
      ]),
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.waiting?.();
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((done) =>
      this.child.on('close', (code) => {
        this.waiting?.();
        done(code);
      }),
    );
  }

  /** The next line printed; fails if the watcher exits first. */
  async next(): Promise<Line> {
    while (this.lines.length === 0) {
      if (this.child.exitCode !== null)
        throw new Error(`watch exited (${this.child.exitCode}):\n${this.stderr}`);
      await new Promise<void>((wake) => (this.waiting = wake));
    }
    return JSON.parse(this.lines.shift()!) as Line;
  }

  async stop(): Promise<{ code: number | null; unread: string[] }> {
    this.child.kill('SIGTERM');
    const code = await this.exited;
    return { code, unread: this.lines };
  }
}

interface Line {
  position: number;
  events: number;
  summary: Record<string, unknown>;
  bank: unknown[];
}

/** The figures as watch prints them, computed here, in process. */
function figuresOf(fold: Fold<IncidentState>) {
  const tables = reportTables(incidentReport(fold.state), ZONE, new Map());
  const doc = { command: 'watch', zone: ZONE, facts: [], tables: [tables.summary, tables.bank] };
  const { summary, bank } = documentValue(doc);
  return { summary, bank };
}

/**
 * The events as a store numbers them, the figures after each count of them, and where the figures
 * change after the first BEFORE: each change is one append, and one line to wait for.
 */
async function expectations() {
  const memory = new MemoryEventStore();
  await importEvents(memory, events);
  const stored: StoredEvent[] = [];
  for await (const batch of memory.readAll()) stored.push(...batch);
  const fold = new Fold(incidentProjection(ZONE));
  const after = [figuresOf(fold)];
  const points: number[] = [];
  for (let i = 0; i < stored.length; i++) {
    after.push(figuresOf(fold.apply([stored[i]!])));
    if (i + 1 > BEFORE && JSON.stringify(after[i + 1]) !== JSON.stringify(after[i]))
      points.push(i + 1);
  }
  return { after, points };
}

async function scenarioOfChanges(url: string) {
  const { after, points } = await expectations();
  expect(points.length).toBeGreaterThan(2 * CHANGES_LIVE + 1);
  const state = join(tmp, `watch-${randomBytes(4).toString('hex')}.json`);
  const writer: EventStore = await openStore(url, 'create');
  const seen: Line[] = [];
  let appended = 0;
  const appendUpTo = async (n: number) => {
    await importEvents(writer, events.slice(appended, n));
    appended = n;
  };
  const expectLine = (line: Line, n: number) => {
    expect(line.events).toBe(n);
    expect({ summary: line.summary, bank: line.bank }).toEqual(after[n]);
    seen.push(line);
  };
  try {
    await appendUpTo(BEFORE);
    const first = new Watcher(url, state);
    expectLine(await first.next(), BEFORE);
    for (const n of points.slice(0, CHANGES_LIVE)) {
      await appendUpTo(n);
      expectLine(await first.next(), n);
    }
    const stopped = await first.stop();
    expect(stopped).toEqual({ code: 0, unread: [] });

    // One change while nobody watches: the restarted watcher prints it, and only it.
    await appendUpTo(points[CHANGES_LIVE]!);
    const second = new Watcher(url, state);
    expectLine(await second.next(), points[CHANGES_LIVE]!);
    for (const n of points.slice(CHANGES_LIVE + 1, 2 * CHANGES_LIVE + 1)) {
      await appendUpTo(n);
      expectLine(await second.next(), n);
    }
    expect(await second.stop()).toEqual({ code: 0, unread: [] });
    expect(second.stderr).toBe('');
  } finally {
    await writer.close();
  }
  // Each change once, in order.
  const positions = seen.map((l) => l.position);
  expect(positions).toEqual([...positions].sort((a, b) => a - b));
  expect(new Set(positions).size).toBe(positions.length);
  expect(seen).toHaveLength(2 * CHANGES_LIVE + 2);
}

describe('incident-ledger watch', () => {
  it(
    'follows a SQLite store appended to by another process, each change once, across a restart',
    () => scenarioOfChanges(`sqlite:${join(tmp, 'watched.sqlite')}`),
    WATCH_TEST_TIMEOUT_MS,
  );

  if (PG_URL) {
    const admin = new Pg.Pool({ connectionString: withDefaultUser(PG_URL), max: 1 });
    const name = `watch_${process.pid}_${randomBytes(3).toString('hex')}`;
    afterAll(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${Pg.escapeIdentifier(name)} WITH (FORCE)`);
      await admin.end();
    });
    it(
      'follows a PostgreSQL store appended to by another process, each change once, across a restart',
      async () => {
        // The CLI uses the store's default schema: a database of its own keeps the test apart.
        await admin.query(`CREATE DATABASE ${Pg.escapeIdentifier(name)}`);
        const u = new URL(PG_URL);
        u.pathname = `/${name}`;
        await scenarioOfChanges(u.toString());
      },
      WATCH_TEST_TIMEOUT_MS,
    );
  } else if (process.env.CI === 'true') {
    it('has a PostgreSQL database for the watch test', () => {
      throw new Error('INCIDENT_LEDGER_PG_URL is not set: under CI this test may not be skipped');
    });
  } else {
    it.skip('follows a PostgreSQL store (needs INCIDENT_LEDGER_PG_URL)', () => undefined);
  }

  it('refuses bad options with exit 2 and a pointer to --help', async () => {
    const { runCli } = await import('./run-cli.testing');
    const none = await runCli('watch');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--store is required[\s\S]*watch --help/);
    const zone = await runCli('watch', '--store', 'memory:', '--zone', 'JST');
    expect(zone.code).toBe(2);
    expect(zone.stderr).toMatch(/--zone must be an IANA zone/);
    const help = await runCli('watch', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: incident-ledger watch --store <url>/);
  });
});
