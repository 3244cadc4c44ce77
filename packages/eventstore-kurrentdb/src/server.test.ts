import { describeEventStoreContract } from '@incident-ledger/eventstore/contract';
import { randomUUID } from 'node:crypto';
import { KurrentDbEventStore } from './kurrentdb';
import { redactUrl } from './mapping';

/*
 * The contract suite against a real KurrentDB node or cluster, when KURRENTDB_URL names one
 * (docs/kurrentdb.md says how to start one). Every test gets a prefix of its own, so the suite's
 * "read everything" checks see only that test's streams, on a server shared with anything else.
 */
const url = process.env.KURRENTDB_URL;

if (url) {
  const runId = randomUUID().slice(0, 8);
  let test = 0;
  describeEventStoreContract(`kurrentdb server ${redactUrl(url)}`, async () => ({
    store: await KurrentDbEventStore.open(url, {
      streamPrefix: `ledger-contract-${runId}-${++test}/`,
    }),
  }));
} else {
  describe('EventStore contract: kurrentdb server', () => {
    it.skip('needs KURRENTDB_URL (no KurrentDB server can run on this machine; see docs/kurrentdb.md to run it against one)', () =>
      undefined);
  });
}
