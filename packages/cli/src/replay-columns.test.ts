import { figureTimes } from '@incident-ledger/core';
import { MemoryEventStore } from '@incident-ledger/eventstore';
import { SqliteEventStore } from '@incident-ledger/eventstore-sqlite';
import { loadScenario } from '@incident-ledger/scenario';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { digestOf, importEvents, replay, verifyFigures } from './app';

const DOCOMO = resolve(__dirname, '../../../scenarios/docomo-kouza-2020');

describe('the docomo scenario, replayed from SQLite columns and from events', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'ledger-columns-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same reports at every figure time, the same publications and the same digest', async () => {
    const scenario = loadScenario(DOCOMO);
    const sqlite = SqliteEventStore.open(join(dir, 'ledger.sqlite'));
    const memory = new MemoryEventStore(); // no columns: Fold.apply over events
    for (const store of [sqlite, memory]) await importEvents(store, scenario.events);
    const { publications } = await replay(memory, scenario.timeZone, []);
    const times = [Number.POSITIVE_INFINITY, ...figureTimes(publications)];
    const fromColumns = await replay(sqlite, scenario.timeZone, times);
    const fromEvents = await replay(memory, scenario.timeZone, times);
    expect(fromColumns.events).toBe(scenario.events.length);
    expect(fromColumns.publications).toEqual(fromEvents.publications);
    for (const t of times) expect(fromColumns.reports.get(t)).toEqual(fromEvents.reports.get(t));
    expect(await digestOf(sqlite)).toBe(await digestOf(memory));
    const { rows } = await verifyFigures(sqlite, scenario.timeZone);
    expect(rows.filter((r) => r.ok)).toHaveLength(rows.length);
    await sqlite.close();
    await memory.close();
  });
});
