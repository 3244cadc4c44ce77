/**
 * Replay benchmark (first cut; the national-scale harness is a later issue).
 *
 *   pnpm bench [--events N] [--out FILE]
 *
 * Builds a deterministic workload of N events (default 200,000) in a temporary SQLite store,
 * then measures in one run, on the same rows: the raw limits (reading the rows without decoding;
 * reading and JSON.parse), and the project's full replay into the incident projection. Prints
 * events/s and each figure's ratio to its raw limit, and writes them as JSON.
 */
import { Fold, incidentProjection, nameUuid, Rng, type LedgerEvent } from '@incident-ledger/core';
import { writesInOrder } from '@incident-ledger/eventstore';
import { SqliteEventStore } from '@incident-ledger/eventstore-sqlite';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '200000' }, out: { type: 'string', default: 'bench-results/bench.json' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  console.log('usage: pnpm bench [--events N] [--out FILE]\nMeasures replay from SQLite against raw read limits measured in the same run.');
  process.exit(0);
}
const N = Number(values.events);
if (!Number.isSafeInteger(N) || N < 1000) {
  console.error(`--events must be a whole number of at least 1000, got ${values.events}`);
  process.exit(2);
}

function workload(n: number): LedgerEvent[] {
  const rng = new Rng(42);
  const start = Date.parse('2020-01-01T00:00:00+09:00');
  const events: LedgerEvent[] = [];
  for (let i = 0; events.length < n; i++) {
    const bankCode = `BANK-${(i % 30).toString().padStart(2, '0')}`;
    const accountId = `acc-${i}`;
    const t = start + rng.int(0, 400) * 86_400_000 + rng.int(0, 86_399_999);
    const base = { streamId: `wallet-${i}`, occurredAt: t, recordedAt: t };
    events.push({ ...base, eventId: nameUuid(`bench/${i}/charge`), type: 'ChargeExecuted', data: { walletId: `w${i}`, bankCode, accountId, amountYen: rng.int(1, 300) * 1000 } });
    if (i % 3 === 0) {
      events.push({ ...base, streamId: `case-${i}`, recordedAt: t + 86_400_000, eventId: nameUuid(`bench/${i}/report`), type: 'CaseReported', data: { caseId: `c${i}`, bankCode, accountId, status: 'confirmed' } });
    }
  }
  return events.slice(0, n).sort((a, b) => a.recordedAt - b.recordedAt);
}

function time(label: string, f: () => number): { label: string; eventsPerSecond: number } {
  const t0 = process.hrtime.bigint();
  const n = f();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { label, eventsPerSecond: Math.round(n / s) };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-'));
  try {
    const store = SqliteEventStore.open(join(dir, 'bench.sqlite'));
    const events = workload(N);
    const t0 = process.hrtime.bigint();
    await store.appendMany(writesInOrder(events));
    const appendRate = Math.round(N / (Number(process.hrtime.bigint() - t0) / 1e9));
    const db = store.connection;
    const rawRead = time('raw: SQLite read, no decoding', () => {
      let n = 0;
      for (const _ of db.prepare('SELECT position, stream_id, revision, event_id, type, occurred_at, recorded_at, data, hash FROM events ORDER BY position').raw().iterate()) n++;
      return n;
    });
    const rawParse = time('raw: SQLite read + JSON.parse', () => {
      let n = 0;
      for (const row of db.prepare('SELECT data FROM events ORDER BY position').pluck().iterate()) {
        JSON.parse(row as string);
        n++;
      }
      return n;
    });
    const t1 = process.hrtime.bigint();
    const fold = new Fold(incidentProjection('Asia/Tokyo'));
    let replayed = 0;
    for await (const batch of store.readAll({ batchSize: 5000 })) {
      fold.apply(batch);
      replayed += batch.length;
    }
    const replayRate = Math.round(replayed / (Number(process.hrtime.bigint() - t1) / 1e9));
    await store.close();
    const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
    const rows = [
      rawRead,
      rawParse,
      { label: 'project: full replay into the incident projection', eventsPerSecond: replayRate, ratioTo: rawParse },
      { label: 'project: append into SQLite (one transaction)', eventsPerSecond: appendRate },
    ];
    console.log(`events: ${N}   peak-ish RSS at end: ${rss} MiB`);
    for (const r of rows) {
      const ratio = 'ratioTo' in r && r.ratioTo ? `  ${(r.eventsPerSecond / r.ratioTo.eventsPerSecond).toFixed(2)}x of "${r.ratioTo.label}"` : '';
      console.log(`${r.label.padEnd(52)} ${r.eventsPerSecond.toLocaleString('en-US').padStart(12)} events/s${ratio}`);
    }
    console.log('targets (1M events/s replay, 10M-event workload, PostgreSQL figures) come with the performance issue.');
    mkdirSync(dirname(values.out!), { recursive: true });
    writeFileSync(values.out!, JSON.stringify({ events: N, rssMiB: rss, rows: rows.map(({ label, eventsPerSecond }) => ({ label, eventsPerSecond })) }, null, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
void main();
