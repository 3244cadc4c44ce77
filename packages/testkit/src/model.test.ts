import type { EventDataMap, EventType, StoredEvent } from '@incident-ledger/core';
import { FiguresModel } from './model';

/**
 * The model's reading of the figures fuzzed histories seldom reach: a case paid exactly its damage,
 * a status stood apart from the counted total, a change that went down. The figures property holds
 * the projection to the model; this holds the model to scenarios/README.md.
 */
let position = 0;
const T0 = Date.UTC(2024, 3, 1);
const day = (n: number) => T0 + n * 86_400_000;
function ev<T extends EventType>(type: T, at: number, data: EventDataMap[T]): StoredEvent {
  position++;
  return {
    eventId: `e-${position}`,
    streamId: 's',
    type,
    occurredAt: at,
    recordedAt: at,
    data,
    revision: position,
    globalPosition: position,
    hash: '',
  } as StoredEvent;
}
const charge = (at: number, bankCode: string, accountId: string, amountYen: number) =>
  ev('ChargeExecuted', at, { walletId: 'w', bankCode, accountId, amountYen });
const report = (
  at: number,
  caseId: string,
  bankCode: string,
  accountId: string,
  status: 'suspected' | 'confirmed',
) => ev('CaseReported', at, { caseId, bankCode, accountId, status });
const paid = (at: number, caseId: string, amountYen: number) =>
  ev('CompensationPaid', at, { caseId, amountYen, paidBy: 'bank' });

const model = new FiguresModel({
  zone: 'Asia/Tokyo',
  events: [
    charge(day(0), 'A', 'a1', 50_000),
    charge(day(0), 'A', 'a2', 40_000),
    charge(day(0), 'B', 'b1', 70_000),
    report(day(1), 'c1', 'A', 'a1', 'suspected'),
    report(day(1), 'c2', 'A', 'a2', 'suspected'),
    report(day(1), 'c3', 'B', 'b1', 'confirmed'),
    report(day(1), 'c4', 'A', 'a1', 'confirmed'), // c1's account again
    paid(day(2), 'c1', 50_000), // exactly its damage: in full
    paid(day(2), 'c2', 39_999), // a yen short: in part
    ev('CaseReclassified', day(3), { caseId: 'c3', status: 'excluded-own-use', reason: 'r' }),
    charge(day(4), 'A', 'a1', 1), // after the payment: c1 (and c4) now in part at most
  ],
});
const at = (n: number) => day(n) + 1;

describe('the figures model', () => {
  it('counts a case paid exactly its damage as compensated in full, a yen short as in part', () => {
    expect(model.figure('compensatedCases', {}, at(2))).toBe(1);
    expect(model.figure('partlyCompensatedCases', {}, at(2))).toBe(1);
    expect(model.figure('compensatedCases', { bank: 'B' }, at(2))).toBe(0);
    expect(model.figure('compensatedYen', { bank: 'A' }, at(2))).toBe(89_999);
    expect(model.figure('outstandingYen', {}, at(2))).toBe(160_000 - 89_999);
    // A later charge on c1's account leaves it paid in part.
    expect(model.figure('compensatedCases', {}, at(4))).toBe(0);
    expect(model.figure('partlyCompensatedCases', {}, at(4))).toBe(2);
  });

  it('counts each status apart, the excluded too, an account once per status', () => {
    expect(model.figure('cases', { status: 'suspected' }, at(3))).toBe(2);
    expect(model.figure('damageYen', { status: 'suspected' }, at(3))).toBe(90_000);
    // c4 shares c1's account: in confirmed too, so the statuses sum past the total.
    expect(model.figure('damageYen', { status: 'confirmed' }, at(3))).toBe(50_000);
    expect(model.figure('cases', { status: 'excluded-own-use', bank: 'B' }, at(3))).toBe(1);
    expect(model.figure('damageYen', { status: 'excluded-own-use' }, at(3))).toBe(70_000);
    expect(model.figure('damageYen', {}, at(3))).toBe(90_000);
  });

  it('reads a change that went down, and the largest case of a bank', () => {
    expect(model.figure('cases', { since: at(2) }, at(3))).toBe(-1);
    expect(model.figure('cases', { status: 'confirmed', since: at(2) }, at(3))).toBe(-1);
    expect(model.figure('largestCaseYen', {}, at(2))).toBe(70_000);
    expect(model.figure('largestCaseYen', {}, at(3))).toBe(50_000);
    expect(model.figure('largestCaseYen', { bank: 'B' }, at(3))).toBe(0);
  });
});
