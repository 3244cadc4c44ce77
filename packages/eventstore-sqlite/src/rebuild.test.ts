import { Fold, incidentProjection, incidentReport } from '@incident-ledger/core';
import { collect, randomLedgerEvents } from '@incident-ledger/eventstore/contract';
import {
  checkColumns,
  replayFolds,
  storeDigest,
  writesInOrder,
  type EventStore,
} from '@incident-ledger/eventstore';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from './sqlite';

const ZONE = 'Asia/Tokyo';
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ledger-rebuild-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function replay(store: EventStore, notices: string[] = []) {
  const asOfs = [Number.POSITIVE_INFINITY, 1_600_000_000_000];
  const r = await replayFolds(
    store,
    asOfs.map((asOf) => ({ projection: incidentProjection(ZONE), asOf })),
    { checkpointMinEvents: 0, checkpointShare: 0, onNotice: (n) => notices.push(n) },
  );
  return { ...r, reports: r.folds.map((f) => incidentReport(f.state as never)) };
}

/** A store of 3000 events in appends of several sizes, its blocks then tagged with `tag`. */
async function staleStore(file: string, tag: number): Promise<void> {
  const events = randomLedgerEvents(7, 3000);
  const store = SqliteEventStore.open(file);
  for (const part of [events.slice(0, 5), events.slice(5, 1200), events.slice(1200)])
    await store.appendMany(writesInOrder(part));
  await replay(store); // saves checkpoints in the keys' numbering
  await store.close();
  const db = new Database(file);
  const blocks = db.prepare<[], { last_position: number; columns: Buffer }>(
    'SELECT last_position, columns FROM blocks',
  );
  for (const { last_position, columns } of blocks.all()) {
    columns.writeUInt32LE(tag, 28);
    db.prepare('UPDATE blocks SET columns = ? WHERE last_position = ?').run(columns, last_position);
  }
  // Keys of another declaration: numbered otherwise. The rebuild must not keep them.
  db.prepare("UPDATE keys SET text = text || '?'").run();
  db.close();
}

describe('blocks derived under another column declaration', () => {
  it.each([0, 0xdeadbeef])(
    'are rebuilt from the events on replay (tag %i): the same figures, digest and a clean check',
    async (tag) => {
      const file = join(dir, 'stale.sqlite');
      await staleStore(file, tag);
      const store = SqliteEventStore.open(file);
      const digest = storeDigest(await store.heads());
      const notices: string[] = [];
      const rebuilt = await replay(store, notices);
      expect(notices).toEqual([
        expect.stringMatching(/^rebuilding the replay columns of .* \(3000 events\)/),
      ]);
      expect(rebuilt.read).toBe(3000);
      expect(rebuilt.resumed).toBe(0); // the checkpoints in the old numbering are gone
      const events = await collect(store.readAll());
      expect(rebuilt.reports).toEqual(
        [Number.POSITIVE_INFINITY, 1_600_000_000_000].map((asOf) =>
          incidentReport(new Fold(incidentProjection(ZONE), asOf).apply(events).state),
        ),
      );
      expect(storeDigest(await store.heads())).toBe(digest);
      expect(await checkColumns(store)).toEqual({ checked: 3000 });
      const again: string[] = [];
      expect((await replay(store, again)).reports).toEqual(rebuilt.reports);
      expect(again).toEqual([]);
      await store.close();
    },
  );

  it('are refused, naming the fix, by an opening that may not write', async () => {
    const file = join(dir, 'stale.sqlite');
    await staleStore(file, 1);
    const store = SqliteEventStore.open(file, { access: 'read' });
    const read = async () => {
      for await (const batch of store.columns.readColumns()) void batch;
    };
    await expect(read()).rejects.toThrow(
      /derived under another column declaration .* an opening that may write rebuilds it/,
    );
    expect((await checkColumns(store)).firstBreak).toMatchObject({ column: 'block', position: 1 });
    await store.close();
  });
});
