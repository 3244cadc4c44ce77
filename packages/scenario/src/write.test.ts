import { nameUuid, parseInstant, type LedgerEvent } from '@incident-ledger/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from './scenario';
import { writeScenario } from './write';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'write-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeScenario', () => {
  it('writes a folder that loads back to the same events, ids derived from the keys', () => {
    const t = parseInstant('2020-03-08T01:59:00-05:00');
    const events: { key: string; event: LedgerEvent }[] = [
      {
        key: '1/OpenWallet',
        event: {
          eventId: nameUuid('fuzz-x/1/OpenWallet'),
          streamId: 'wallet-🦊',
          type: 'WalletOpened',
          occurredAt: t,
          recordedAt: t,
          data: { walletId: '🦊', openedBy: 'third-party' },
        },
      },
      {
        key: '2/Charge',
        event: {
          eventId: nameUuid('fuzz-x/2/Charge'),
          streamId: 'wallet-🦊',
          type: 'ChargeRejected',
          occurredAt: t + 60_000,
          recordedAt: t + 61_500,
          data: {
            walletId: '🦊',
            bankCode: '十六銀行',
            accountId: 'ACC: "1", #2',
            amountYen: Number.MAX_SAFE_INTEGER,
            reason: 'account-not-linked',
          },
        },
      },
    ];
    writeScenario(dir, {
      id: 'fuzz-x',
      title: 'A counterexample: "quoted", #hash',
      timeZone: 'America/New_York',
      banks: [{ code: '十六銀行', auth: 'weak' }],
      events,
      header: ['written by a test'],
    });
    const loaded = loadScenario(dir);
    expect(loaded).toMatchObject({
      id: 'fuzz-x',
      title: 'A counterexample: "quoted", #hash',
      timeZone: 'America/New_York',
    });
    expect(loaded.events).toEqual(events.map((e) => e.event));
  });
});
