import { encodeEvents, KeyDictionary, type ColumnBatch } from '../events/columns';
import type { EventDataMap, EventType, StoredEvent } from '../events/types';
import { Rng } from '../determinism/rng';
import { incidentProjection } from './incident';
import { Fold } from './projection';
import { partsOf } from './registry';

/**
 * The incident's parts save canonically: the same history folded gives the same bytes, however it
 * was cut into batches, however many keys the store knew, and whether the fold resumed from a
 * saved state. That is what lets a stored checkpoint be proved by folding its events again.
 */
function events(seed: number, n: number, from = 0, prefix = ''): StoredEvent[] {
  const rng = new Rng(seed);
  const t0 = Date.parse('2020-08-01T00:00:00+09:00');
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const bankCode = rng.pick(['B1', 'B2', 'B3']);
    const accountId = `${prefix}a${rng.int(0, 6)}`;
    const walletId = `${prefix}w${rng.int(0, 6)}`;
    const caseId = `c${rng.int(0, 4)}`;
    const kinds: [EventType, EventDataMap[EventType]][] = [
      ['ChargeExecuted', { walletId, bankCode, accountId, amountYen: rng.int(1, 60) * 1000 }],
      ['PurchaseMade', { walletId, amountYen: rng.int(1, 60) * 500, merchantCategory: 'x' }],
      ['CaseReported', { caseId, bankCode, accountId, status: 'confirmed' }],
      ['CaseReclassified', { caseId, status: 'excluded-own-use', reason: 'r' }],
      ['BankChargesStopped', { bankCode }],
      ['WalletLocked', { walletId, reason: 'r' }],
      ['NewLinkingSuspended', { reason: 'r' }],
    ];
    const [type, data] = rng.pick(kinds);
    const occurredAt = t0 + rng.int(0, 40) * 86_400_000;
    return {
      eventId: `e${i}`,
      streamId: 's',
      type,
      occurredAt,
      recordedAt: occurredAt + rng.int(0, 3) * 86_400_000,
      data,
      revision: i,
      globalPosition: i + 1,
      hash: '',
    } as StoredEvent;
  });
}

/** Rows [from, to) of a batch, keeping its key counts (what the whole read knew). */
function rows(b: ColumnBatch, from: number, to: number): ColumnBatch {
  const cut = <A extends { subarray(a: number, b: number): A }>(a: A) => a.subarray(from, to);
  return {
    ...b,
    length: to - from,
    position: cut(b.position),
    type: cut(b.type),
    occurredAt: cut(b.occurredAt),
    recordedAt: cut(b.recordedAt),
    wallet: cut(b.wallet),
    bank: cut(b.bank),
    account: cut(b.account),
    case: cut(b.case),
    category: cut(b.category),
    amount: cut(b.amount),
    status: cut(b.status),
    rare: [],
  };
}

describe('saved incident parts', () => {
  const zone = 'Asia/Tokyo';
  const covered = 800;
  // Accounts and wallets first seen after the events folded.
  const history = [...events(3, covered), ...events(4, 400, covered, 'late-')];
  const asOf = history[600]!.recordedAt;
  const keys = new KeyDictionary();
  // Encoded all at once: the batch's key counts cover keys first seen after the events folded.
  const all = encodeEvents(history, keys, 'store');
  const saved = (fold: Fold<unknown>) =>
    partsOf(fold.projection).map((part, k) => {
      const state = Object.values(fold.state as Record<string, unknown>)[k];
      return [...part.codec!.encode(state)].map(([name, bytes]) => [name, Buffer.from(bytes)]);
    });

  const once = new Fold(incidentProjection(zone), asOf).applyColumns(rows(all, 0, covered));

  it('are the same bytes however the events came in batches', () => {
    const cut = new Fold(incidentProjection(zone), asOf);
    for (const [from, to] of [
      [0, 1],
      [1, 333],
      [333, 334],
      [334, covered],
    ] as const)
      cut.applyColumns(rows(all, from, to));
    expect(saved(cut)).toEqual(saved(once));
  });

  it('are the same bytes whatever keys the store knew beyond those folded', () => {
    const own = new KeyDictionary();
    const alone = new Fold(incidentProjection(zone), asOf).applyColumns(
      encodeEvents(history.slice(0, covered), own, 'store'),
    );
    expect(alone.state.spending.accounts.size).toBeLessThan(once.state.spending.accounts.size);
    expect(saved(alone)).toEqual(saved(once));
  });

  it('are the same bytes when the fold resumed from a saved state', () => {
    const projection = incidentProjection(zone);
    const first = new Fold(projection, asOf).applyColumns(rows(all, 0, 400));
    const resumed = new Fold(projection, asOf, {
      state: projection.codec!.decode(projection.codec!.encode(first.state)),
      position: first.position,
    }).applyColumns(rows(all, 400, covered));
    expect(saved(resumed)).toEqual(saved(once));
  });
});
