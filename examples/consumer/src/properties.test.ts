/**
 * A property of this project's own, on the ledger's fuzzed attack sequences (testkit): whatever
 * the attackers do, every invariant of the ledger holds, and the damage per bank adds up to the
 * total damage and is never negative. Run with node's test runner: `npm test`.
 */
import { checkHistory, incidentProjection, incidentReport, Fold } from '@incident-ledger/core';
import { attackSequence, memoryStore, runSequence } from '@incident-ledger/testkit';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { test } from 'node:test';

test('damage per bank adds up, and every ledger invariant holds, on fuzzed attacks', async () => {
  await fc.assert(
    fc.asyncProperty(attackSequence({ maxCommands: 30 }), async (seq) => {
      const run = await runSequence(seq, { namespace: 'consumer', stores: [memoryStore] });
      for (const { invariant, violation } of checkHistory(run.history))
        assert.equal(violation, undefined, `invariant ${invariant.name}`);
      const fold = new Fold(incidentProjection(seq.zone));
      fold.apply(run.history.events);
      const report = incidentReport(fold.state);
      const sum = report.byBank.reduce((n, row) => n + row.damageYen, 0);
      assert.equal(sum, report.damageYen);
      for (const row of report.byBank) assert.ok(row.damageYen >= 0, row.bankCode);
    }),
    { numRuns: 100, seed: 20200914 },
  );
});
