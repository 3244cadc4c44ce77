/**
 * The benchmark's national-scale workload: deterministic (seeded), generated day by day so that
 * ten million events never sit in memory at once.
 *
 * For `total` events: about total/10 wallets opened over the first 300 days at 30 banks (each
 * opening is WalletOpened + BankAccountLinked), then charges and purchases every day. 2% of the
 * wallets are opened by third parties and linked to victims' accounts at the 12 weak banks; from
 * day 330 their cases are reported (some suspected, some later reclassified), their wallets
 * locked and compensation paid, the weak banks stop charges one a day (charges from them are then
 * rejected), new linking is suspended, eKYC required, inquiries counted and figures published.
 */
import {
  nameUuid,
  Rng,
  type EventDataMap,
  type EventType,
  type LedgerEvent,
} from '@incident-ledger/core';

const START = Date.parse('2019-08-01T00:00:00+09:00');
const DAY = 86_400_000;
const BANKS = Array.from({ length: 30 }, (_, i) => `BANK-${String(i).padStart(2, '0')}`);
const WEAK_BANKS = BANKS.slice(0, 12);
const CATEGORIES = [
  'convenience-store:cigarettes',
  'mass-retailer:appliances',
  'supermarket',
  'drugstore',
  'restaurant',
  'online',
  'transport',
  'utilities',
];
const WEAK_FACTORS = ['account-number', 'pin', 'name', 'birth-date'] as const;
const OPENING_DAYS = 300;
const INCIDENT_DAY = 330;

export function* workload(total: number, seed = 42): Generator<LedgerEvent[]> {
  const rng = new Rng(seed);
  const wallets = Math.max(100, Math.round(total / 10));
  // What is left after openings goes to charges and purchases, spread over 400 days.
  const perDay = Math.max(1, Math.round(((total - 2 * wallets) * 0.49) / 400));
  const bankOf = new Uint8Array(wallets);
  const fraud = new Uint8Array(wallets);
  const locked = new Uint8Array(wallets);
  const reported = new Uint8Array(wallets);
  const stopped = new Set<string>();
  const frauds: number[] = [];
  const cases: number[] = [];
  let opened = 0;
  let emitted = 0;
  let seq = 0;

  for (let day = 0; emitted < total; day++) {
    const out: LedgerEvent[] = [];
    const dayStart = START + day * DAY;
    const at = () => dayStart + rng.int(0, DAY - 1);
    const ev = <T extends EventType>(
      streamId: string,
      type: T,
      occurredAt: number,
      data: EventDataMap[T],
      recordedAt = occurredAt,
    ) => {
      out.push({
        eventId: nameUuid(`bench/${seed}/${seq++}`),
        streamId,
        type,
        occurredAt,
        recordedAt,
        data,
      } as LedgerEvent);
    };
    const account = (w: number) => (fraud[w] ? `victim-${w}` : `acc-${w}`);

    if (day === 0)
      for (const bankCode of BANKS)
        ev(`bank-${bankCode}`, 'BankLinkPolicySet', dayStart, {
          bankCode,
          requiredFactors: [...WEAK_FACTORS],
        });
    const toOpen =
      day < OPENING_DAYS ? Math.round(((day + 1) * wallets) / OPENING_DAYS) - opened : 0;
    for (let k = 0; k < toOpen; k++, opened++) {
      const w = opened;
      const isFraud = rng.next() < 0.02;
      fraud[w] = isFraud ? 1 : 0;
      bankOf[w] = isFraud ? rng.int(0, WEAK_BANKS.length - 1) : rng.int(0, BANKS.length - 1);
      if (isFraud) frauds.push(w);
      const t = at();
      ev(`wallet-${w}`, 'WalletOpened', t, {
        walletId: `w-${w}`,
        openedBy: isFraud ? 'third-party' : 'holder',
      });
      ev(`wallet-${w}`, 'BankAccountLinked', t + 60_000, {
        walletId: `w-${w}`,
        bankCode: BANKS[bankOf[w]!]!,
        accountId: account(w),
        factors: [...WEAK_FACTORS],
      });
    }
    if (opened > 0) {
      for (let k = 0; k < perDay; k++) {
        const w = rng.int(0, opened - 1);
        const bankCode = BANKS[bankOf[w]!]!;
        const amountYen = rng.int(1, 50) * 1_000;
        const data = { walletId: `w-${w}`, bankCode, accountId: account(w), amountYen };
        if (locked[w])
          ev(`wallet-${w}`, 'ChargeRejected', at(), { ...data, reason: 'wallet-locked' });
        else if (stopped.has(bankCode))
          ev(`wallet-${w}`, 'ChargeRejected', at(), { ...data, reason: 'bank-charges-stopped' });
        else ev(`wallet-${w}`, 'ChargeExecuted', at(), data);
      }
      for (let k = 0; k < perDay; k++) {
        const w = rng.int(0, opened - 1);
        const data = {
          walletId: `w-${w}`,
          amountYen: rng.int(1, 200) * 100,
          merchantCategory: rng.pick(CATEGORIES),
        };
        if (locked[w])
          ev(`wallet-${w}`, 'PurchaseRejected', at(), { ...data, reason: 'wallet-locked' });
        else ev(`wallet-${w}`, 'PurchaseMade', at(), data);
      }
    }
    function incidentDay(d: number): void {
      // A thirtieth of the fraud reported each day, each case recorded a day after it occurred.
      const due = Math.min(frauds.length, Math.ceil(((d + 1) * frauds.length) / 30));
      for (let i = cases.length; i < due; i++) {
        const w = frauds[i]!;
        cases.push(w);
        reported[w] = 1;
        const t = at();
        ev(
          `case-${w}`,
          'CaseReported',
          t,
          {
            caseId: `case-${w}`,
            bankCode: BANKS[bankOf[w]!]!,
            accountId: account(w),
            status: rng.next() < 0.1 ? 'suspected' : 'confirmed',
          },
          t + DAY,
        );
        if (!locked[w]) {
          locked[w] = 1;
          ev(`wallet-${w}`, 'WalletLocked', t + 3_600_000, {
            walletId: `w-${w}`,
            reason: 'reported',
          });
        }
      }
      if (d >= 5 && d - 5 < WEAK_BANKS.length) {
        const bankCode = WEAK_BANKS[d - 5]!;
        stopped.add(bankCode);
        ev(`bank-${bankCode}`, 'BankChargesStopped', at(), { bankCode });
      }
      if (d === 15)
        ev('operator', 'NewLinkingSuspended', dayStart + 9 * 3_600_000, {
          reason: 'unauthorized linking',
        });
      if (d === 20)
        ev('operator', 'EkycRequired', dayStart + 9 * 3_600_000, { reason: 'identity checks' });
      if (d === 22)
        ev('operator', 'CompensationStarted', dayStart + 9 * 3_600_000, {
          reason: 'victims repaid',
        });
      if (d >= 22) {
        // Compensation for a twentieth of the cases a day, and a few cases found to be the holder's
        // own use.
        for (let i = 0; i < Math.ceil(cases.length / 20); i++) {
          const w = rng.pick(cases);
          ev(`case-${w}`, 'CompensationPaid', at(), {
            caseId: `case-${w}`,
            amountYen: rng.int(1, 50) * 1_000,
            paidBy: 'operator',
          });
        }
        for (let i = 0; i < Math.ceil(cases.length / 300); i++) {
          const w = rng.pick(cases);
          ev(`case-${w}`, 'CaseReclassified', at(), {
            caseId: `case-${w}`,
            status: 'excluded-own-use',
            reason: 'holder charged it',
          });
        }
      }
      if (d >= 10) {
        const t = dayStart + 17 * 3_600_000;
        ev('operator', 'InquiriesReceived', t, {
          channel: 'call-centre',
          count: rng.int(100, 2_000),
          periodStart: t - DAY,
          periodEnd: t,
        });
      }
      if (d === 15 || d === 30 || d === 50) {
        const asOf = dayStart;
        ev('operator', 'FiguresPublished', asOf + 10 * 3_600_000, {
          publicationId: `bench-${d}`,
          source: 'benchmark',
          asOf,
          figures: [{ name: 'cases', value: cases.length, precision: 1, rounding: 'exact' }],
        });
      }
    }
    if (day >= INCIDENT_DAY) incidentDay(day - INCIDENT_DAY);
    emitted += out.length;
    yield emitted > total ? out.slice(0, out.length - (emitted - total)) : out;
  }
}
