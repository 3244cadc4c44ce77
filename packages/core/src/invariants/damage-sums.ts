import { encodeEvents, KeyDictionary } from '../events/columns';
import type { IncidentDamage } from '../projections/incident';
import { Fold } from '../projections/projection';
import { formatInstant } from '../time/instant';
import { recordedInOrder, type Invariant } from './history';
import { KEY_SPACE } from './replays';

export const damageSums: Invariant = {
  name: 'damage-sums',
  statement:
    'damage per bank summed = total = damage per day summed (and per bank and day), and no bank has more charged through its operators than its damage, at every as-of time',
  check(r) {
    const { zone, events } = r.history;
    const incident = r.compared.findIndex((c) => c.atEachAsOf !== undefined);
    if (incident < 0) return undefined;
    if (recordedInOrder(events)) return r.incremental(incident).asOfProblem;
    for (const asOf of [...new Set(events.map((e) => e.recordedAt))].sort((a, b) => a - b)) {
      const { projection, atEachAsOf } = r.compared[incident]!;
      const fold = new Fold(projection, asOf).applyColumns(
        encodeEvents(events, new KeyDictionary(), KEY_SPACE),
      );
      const problem = atEachAsOf!(fold.state);
      if (problem !== undefined) return `as of ${formatInstant(asOf, zone)}: ${problem}`;
    }
    return undefined;
  },
};

// Checked after every step of a history: a plain loop, not a closure made per call.
function sum(rows: readonly { damageYen: number }[]): number {
  let n = 0;
  for (const row of rows) n += row.damageYen;
  return n;
}

export function sumsDisagree(r: IncidentDamage): string | undefined {
  const byBank = sum(r.byBank);
  const byDay = sum(r.byDay);
  const byBankDay = sum(r.byBankDay);
  if (byBank !== r.damageYen || byDay !== r.damageYen || byBankDay !== r.damageYen)
    return `total damage ${r.damageYen} yen, but per bank it sums to ${byBank}, per day to ${byDay}, per bank and day to ${byBankDay}`;
  return r.byBankOperator.length === 0 ? undefined : operatorsExceed(r);
}

/** A bank whose damage through its operators, summed, is more than its damage. */
function operatorsExceed(r: IncidentDamage): string | undefined {
  const through = new Map<number, number>();
  for (const row of r.byBankOperator)
    through.set(row.bank, (through.get(row.bank) ?? 0) + row.damageYen);
  for (const { bank, damageYen } of r.byBank) {
    const yen = through.get(bank) ?? 0;
    through.delete(bank);
    if (yen > damageYen)
      return `bank key ${bank} has ${damageYen} yen of damage, but ${yen} yen charged through its operators`;
  }
  for (const [bank, yen] of through)
    return `bank key ${bank} has no damage, but ${yen} yen charged through its operators`;
  return undefined;
}
