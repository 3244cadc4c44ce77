import {
  figureTimes,
  incidentProjection,
  incidentReport,
  publicationsProjection,
  Rng,
  type CasesState,
  type ColumnBatch,
  type Projection,
} from '@incident-ledger/core';
import {
  checkColumns,
  checkpointSections,
  replayFolds,
  unsealed,
} from '@incident-ledger/eventstore';
import { SqliteEventStore } from '@incident-ledger/eventstore-sqlite';
import { loadScenario } from '@incident-ledger/scenario';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkIntegrity, importEvents, replay } from './app';
import { editOneByte, withOneByteEdited } from './edits.testing';
import { main } from './main';
import { runCli } from './run-cli.testing';

const DOCOMO = resolve(__dirname, '../../../scenarios/docomo-kouza-2020');
const TEXT_COLUMNS = ['data', 'type', 'stream_id', 'event_id', 'hash'] as const;
const INTEGER_COLUMNS = ['occurred_at', 'recorded_at', 'revision'] as const;

let dir: string;
let store: SqliteEventStore;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-tamper-'));
  store = SqliteEventStore.open(join(dir, 'ledger.sqlite'));
  await importEvents(store, loadScenario(DOCOMO).events);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tamper detection (SQLite, edits by plain SQL)', () => {
  it('starts intact', async () => {
    expect((await checkIntegrity(store)).firstBreak).toBeUndefined();
  });

  it('detects 1,000 random single-byte edits of stored events, naming the edited event', async () => {
    const db = store.connection;
    const rng = new Rng(1000);
    const rows = db.prepare('SELECT position FROM events').all() as { position: number }[];
    let detected = 0;
    let located = 0;
    for (let n = 0; n < 1000;) {
      const position = rng.pick(rows).position;
      const column = rng.pick([...TEXT_COLUMNS, ...INTEGER_COLUMNS]);
      const { value } = db
        .prepare(`SELECT ${column} AS value FROM events WHERE position = ?`)
        .get(position) as { value: string | number };
      const edited = editOneByte(rng, value);
      const edit = { sql: typeof edited === 'number' ? '?' : 'CAST(? AS TEXT)', param: edited };
      db.exec('BEGIN');
      try {
        try {
          db.prepare(`UPDATE events SET ${column} = ${edit.sql} WHERE position = ?`).run(
            edit.param,
            position,
          );
        } catch {
          continue; // the edit broke a UNIQUE constraint, so SQLite refused it: not an edit that happened
        }
        n++;
        const { firstBreak } = await checkIntegrity(store);
        if (firstBreak) detected++;
        else
          throw new Error(
            `undetected: ${column} of the event at position ${position} changed to ${String(edit.param)}`,
          );
        if (
          firstBreak.globalPosition === position ||
          column === 'stream_id' ||
          column === 'revision'
        )
          located++;
      } finally {
        db.exec('ROLLBACK');
      }
    }
    expect(detected).toBe(1000);
    expect(located).toBe(1000);
    expect((await checkIntegrity(store)).firstBreak).toBeUndefined();
  });

  it('detects a deleted event and a truncated stream', async () => {
    const db = store.connection;
    db.exec('BEGIN');
    try {
      const { position, stream_id } = db
        .prepare("SELECT position, stream_id FROM events WHERE type = 'ChargeExecuted' LIMIT 1")
        .get() as {
        position: number;
        stream_id: string;
      };
      db.prepare('DELETE FROM events WHERE position = ?').run(position);
      const { firstBreak } = await checkIntegrity(store);
      expect(firstBreak?.streamId).toBe(stream_id);
    } finally {
      db.exec('ROLLBACK');
    }
  });

  it('verify --integrity names the altered event and exits 1', async () => {
    const file = join(dir, 'altered.sqlite');
    const copy = SqliteEventStore.open(file);
    await importEvents(copy, loadScenario(DOCOMO).events);
    copy.connection
      .prepare(
        'UPDATE events SET data = replace(data, \'"amountYen":\', \'"amountYen":9\') WHERE position = 400',
      )
      .run();
    const { stream_id, revision } = copy.connection
      .prepare('SELECT stream_id, revision FROM events WHERE position = 400')
      .get() as {
      stream_id: string;
      revision: number;
    };
    await copy.close();
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
    const code = await main(['verify', '--integrity', '--store', `sqlite:${file}`]).finally(() =>
      log.mockRestore(),
    );
    expect(code).toBe(1);
    expect(out.join('\n')).toContain(
      `ALTERED   stream "${stream_id}", revision ${revision}, position 400`,
    );
  });
});

/** Every stored column batch as plain arrays: what a replay folds. */
async function columnsOf(s: SqliteEventStore): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const b of s.columns.readColumns()) {
    const { names: _names, rare, ...columns } = b as ColumnBatch;
    out.push(
      Object.fromEntries(
        Object.entries(columns).map(([k, v]) => [
          k,
          ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v,
        ]),
      ),
      rare.map((e) => e.eventId),
    );
  }
  return out;
}

/** Runs `edit` inside a transaction that is rolled back after `check`. */
async function withEdit<T>(
  s: SqliteEventStore,
  edit: () => void,
  check: () => Promise<T>,
): Promise<T> {
  s.connection.exec('BEGIN');
  try {
    edit();
    return await check();
  } finally {
    s.connection.exec('ROLLBACK');
  }
}

describe('replay columns are checked against the events they derive from (SQLite)', () => {
  const ZONE = 'Asia/Tokyo';
  const damage = async () =>
    (await replay(store, ZONE, [Number.POSITIVE_INFINITY], undefined, 'off')).reports.get(
      Number.POSITIVE_INFINITY,
    )!.damageYen;
  /** Byte offset of the amount column's row `row` in a block of n events (blocks.ts layout). */
  const amountOffset = (n: number, row: number) => 32 + 2 * n * 8 + row * 8;

  it('starts intact: every row of columns matches its event', async () => {
    const r = await checkColumns(store);
    expect(r.firstBreak).toBeUndefined();
    expect(r.checked).toBe(loadScenario(DOCOMO).events.length);
  });

  it('an edited charge amount in a block changes replayed damage, and verify --integrity names its position', async () => {
    const db = store.connection;
    const { position } = db
      .prepare(
        "SELECT position FROM events WHERE type = 'ChargeExecuted' ORDER BY position LIMIT 1 OFFSET 10",
      )
      .get() as { position: number };
    const block = db
      .prepare(
        'SELECT last_position, first_position, columns FROM blocks WHERE first_position <= ? AND last_position >= ?',
      )
      .get(position, position) as {
      last_position: number;
      first_position: number;
      columns: Buffer;
    };
    const n = block.last_position - block.first_position + 1;
    const edited = Buffer.from(block.columns);
    const at = amountOffset(n, position - block.first_position);
    edited.writeDoubleLE(edited.readDoubleLE(at) + 100_000, at);
    const before = await damage();
    const [after, check] = await withEdit(
      store,
      () =>
        db
          .prepare('UPDATE blocks SET columns = ? WHERE last_position = ?')
          .run(edited, block.last_position),
      async () => [await damage(), await checkIntegrity(store)] as const,
    );
    expect(after).toBe(before + 100_000); // the edit matters to figures ...
    expect(check.firstBreak).toBeUndefined(); // ... the hash chains cannot see it ...
    expect(check.columns?.firstBreak).toMatchObject({ position, column: 'amount' }); // ... the column check does
  });

  it("detects an edited key text (a bank's code) and a deleted block", async () => {
    const db = store.connection;
    const keyEdit = await withEdit(
      store,
      () => db.prepare("UPDATE keys SET text = 'BANK-Z' WHERE domain = 1 AND id = 0").run(),
      () => checkColumns(store),
    );
    expect(keyEdit.firstBreak).toMatchObject({ column: 'keys' });
    const deleted = await withEdit(
      store,
      () =>
        db
          .prepare(
            'DELETE FROM blocks WHERE last_position = (SELECT min(last_position) FROM blocks)',
          )
          .run(),
      () => checkColumns(store),
    );
    expect(deleted.firstBreak).toMatchObject({ position: 1 });
  });

  it('detects an edited history fingerprint (what decides whether a checkpoint still applies)', async () => {
    const db = store.connection;
    const { last_position } = db
      .prepare('SELECT last_position FROM blocks ORDER BY last_position LIMIT 1')
      .get() as { last_position: number };
    const r = await withEdit(
      store,
      () =>
        db
          .prepare('UPDATE blocks SET history = ? WHERE last_position = ?')
          .run('f'.repeat(64), last_position),
      () => checkColumns(store),
    );
    expect(r.firstBreak).toMatchObject({
      position: last_position,
      column: 'history',
      stored: 'f'.repeat(64),
    });
  });

  it('every single-byte edit of a block is either detected or changes nothing a replay reads', async () => {
    const db = store.connection;
    const baseline = await columnsOf(store);
    const blocks = db.prepare('SELECT last_position, columns FROM blocks').all() as {
      last_position: number;
      columns: Buffer;
    }[];
    const rng = new Rng(77);
    let detected = 0;
    for (let n = 0; n < 200; n++) {
      const b = rng.pick(blocks);
      const edited = withOneByteEdited(rng, b.columns);
      const i = edited.findIndex((x, k) => x !== b.columns[k]);
      const [r, columns] = await withEdit(
        store,
        () =>
          db
            .prepare('UPDATE blocks SET columns = ? WHERE last_position = ?')
            .run(edited, b.last_position),
        async () =>
          [await checkColumns(store), await columnsOf(store).catch(() => 'unreadable')] as const,
      );
      if (r.firstBreak) detected++;
      else expect({ byte: i, columns }).toEqual({ byte: i, columns: baseline }); // only alignment padding goes unseen
    }
    expect(detected).toBeGreaterThan(150);
  });

  it('verify --integrity exits 1 on an edited block and 0 on an intact store', async () => {
    const file = join(dir, 'blocks.sqlite');
    const copy = SqliteEventStore.open(file);
    await importEvents(copy, loadScenario(DOCOMO).events);
    await copy.close();
    const run = async () => {
      const out: string[] = [];
      const log = jest
        .spyOn(console, 'log')
        .mockImplementation((...a) => void out.push(a.join(' ')));
      const code = await main(['verify', '--integrity', '--store', `sqlite:${file}`]).finally(() =>
        log.mockRestore(),
      );
      return { code, out: out.join('\n') };
    };
    const intact = await run();
    expect(intact.code).toBe(0);
    expect(intact.out).toMatch(/columns {3}\d+ rows of replay columns match/);
    const edit = SqliteEventStore.open(file);
    edit.connection.prepare("UPDATE keys SET text = 'BANK-Z' WHERE domain = 1 AND id = 0").run();
    await edit.close();
    const altered = await run();
    expect(altered.code).toBe(1);
    expect(altered.out).toMatch(
      /ALTERED {3}replay columns at position \d+: keys is bank 0 = "BANK-Z"/,
    );
  });

  it('an edited checkpoint is rebuilt, never resumed from', async () => {
    const file = join(dir, 'checkpoint.sqlite');
    const s = SqliteEventStore.open(file);
    await importEvents(s, loadScenario(DOCOMO).events);
    const fold = async () => {
      const { folds, resumed, saved } = await replayFolds(
        s,
        [{ projection: incidentProjection(ZONE) }] as const,
        { checkpointMinEvents: 1, checkpointShare: 0 },
      );
      return { report: incidentReport(folds[0].state), resumed, saved };
    };
    const first = await fold();
    expect(first.saved).toBe(3); // the incident's three parts
    expect((await fold()).resumed).toBe(3); // intact: resumed
    const section = s.connection
      .prepare(
        "SELECT key, name, bytes FROM checkpoint_sections WHERE name LIKE 'accounts.%' AND length(bytes) > 0 LIMIT 1",
      )
      .get() as {
      key: string;
      name: string;
      bytes: Buffer;
    };
    section.bytes[0] = (section.bytes[0]! + 1) % 256;
    s.connection
      .prepare('UPDATE checkpoint_sections SET bytes = ? WHERE key = ? AND name = ?')
      .run(section.bytes, section.key, section.name);
    const again = await fold();
    expect(again.resumed).toBe(2); // the edited part is rebuilt, the others resume
    expect(again.report).toEqual(first.report);
    await s.close();
  });
});

describe('checkpoints are proved by folding the events they cover (SQLite)', () => {
  const ZONE = 'Asia/Tokyo';
  const EVERYTHING = Number.POSITIVE_INFINITY;
  const byBank = async (s: SqliteEventStore, checkpoints: 'read' | 'off') =>
    (await replay(s, ZONE, [EVERYTHING], undefined, checkpoints)).reports.get(EVERYTHING)!.byBank;

  it('a forged checkpoint sealed again changes a replay, and verify --integrity names it and exits 1', async () => {
    const file = join(dir, 'forged.sqlite');
    const url = `sqlite:${file}`;
    const s = SqliteEventStore.open(file);
    const events = loadScenario(DOCOMO).events;
    const cut = events.length - 100; // after the cases are reported: damage to forge
    await importEvents(s, events.slice(0, cut));
    const folds = [
      { projection: publicationsProjection },
      { projection: incidentProjection(ZONE) },
    ] as const;
    const save = { checkpointMinEvents: 1, checkpointShare: 0 };
    expect((await replayFolds(s, folds, save)).saved).toBe(4);
    await importEvents(s, events.slice(cut));
    // Another as-of time: four more checkpoints, at the end; the first four stay at position cut.
    const asOf = events[events.length - 1]!.recordedAt;
    const later = folds.map((f) => ({ ...f, asOf }));
    expect((await replayFolds(s, later, save)).saved).toBe(4);

    // And one left by an older version of a part: stale, never resumed from.
    s.connection.exec(
      `INSERT INTO checkpoints SELECT replace(key, '"version":', '"version":9'), projection, version + 9, position, events, history FROM checkpoints WHERE projection = 'incident-controls' LIMIT 1`,
    );
    const intact = await runCli('verify', '--integrity', '--store', url);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain(
      'proven    8 checkpoints: folding the events each covers gives its bytes again\n' +
        'stale     1 checkpoint under keys no current part makes: never resumed from, not proven',
    );

    // The forger: a bank's damage up 1,000,000 yen in the cases part, sealed as a save seals it.
    const header = (await s.checkpoints.listCheckpoints()).find(
      (h) => h.projection === 'incident-cases' && h.position === cut,
    )!;
    const cases = incidentProjection(ZONE).parts!.cases! as Projection<CasesState>;
    const state = unsealed(cases, (await s.checkpoints.loadCheckpoint(header.key))!)!.value;
    const [bank, yen] = [...state.bankDamage][0]!;
    state.bankDamage.set(bank, yen + 1_000_000);
    const sections = checkpointSections(cases, state, header);
    await s.checkpoints.saveCheckpoint({ ...header, sections });
    const honest = await byBank(s, 'off');
    const resumed = await byBank(s, 'read');
    const delta = resumed.map((row, i) => row.damageYen - honest[i]!.damageYen);
    expect(delta.filter((d) => d !== 0)).toEqual([1_000_000]); // the seal holds; a replay trusts it
    await s.close();

    const forged = await runCli('verify', '--integrity', '--store', url);
    expect(forged.code).toBe(1);
    expect(forged.stdout).toContain(
      `ALTERED   checkpoint of incident-cases at position ${cut}, state: its `,
    );
    expect(forged.stdout).toContain(`key ${header.key}`);
    const json = await runCli('verify', '--integrity', '--store', url, '--format', 'json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      firstBreak: null,
      columns: { checked: events.length },
      checkpoints: {
        checked: 8,
        stale: 1,
        firstBreak: {
          key: header.key,
          projection: 'incident-cases',
          position: cut,
          section: 'state',
        },
      },
    });
    const csv = await runCli('verify', '--integrity', '--store', url, '--format', 'csv');
    expect(csv.code).toBe(1);
    expect(csv.stdout).toContain('checkpoints.firstBreak.section,state');
  });

  it('verify (figures) never reads checkpoints: forged ones at its as-of times change nothing', async () => {
    const file = join(dir, 'figures.sqlite');
    const s = SqliteEventStore.open(file);
    await importEvents(s, loadScenario(DOCOMO).events);
    // Checkpoints of the incident at every as-of time verify replays, the damage forged.
    const { publications } = await replay(s, ZONE, [], undefined, 'off');
    const folds = figureTimes(publications).map((asOf) => ({
      projection: incidentProjection(ZONE),
      asOf,
    }));
    await replayFolds(s, folds, { checkpointMinEvents: 1, checkpointShare: 0 });
    const cases = incidentProjection(ZONE).parts!.cases! as Projection<CasesState>;
    let forged = 0;
    for (const header of await s.checkpoints.listCheckpoints()) {
      if (header.projection !== cases.name) continue;
      const state = unsealed(cases, (await s.checkpoints.loadCheckpoint(header.key))!)!.value;
      state.damageYen += 1_000_000;
      const sections = checkpointSections(cases, state, header);
      await s.checkpoints.saveCheckpoint({ ...header, sections });
      forged++;
    }
    expect(forged).toBe(folds.length);
    await s.close();
    const url = `sqlite:${file}`;
    expect((await runCli('verify', DOCOMO, '--store', url, '--skip-invariants')).code).toBe(0);
    expect((await runCli('verify', '--integrity', '--store', url)).code).toBe(1);
  });
});
