/**
 * Generates the synthetic case-level events of scenarios/docomo-kouza-2020 from a seed.
 *
 * pnpm tsx scripts/generate-docomo.ts [--seed 20200914] [--out scenarios/docomo-kouza-2020/events]
 *
 * Per-case data of the incident is not public. This script invents cases, wallets, charges and
 * purchases, constrained so that replaying them reproduces every figure of the 2020-09-14 briefing
 * at its own as-of time. The figures are the constraints, never the output: they are checked by
 * `incident-ledger verify`, which replays these events. Same seed, same files, byte for byte.
 */
import { Rng } from '@incident-ledger/core';
import { DateTime } from 'luxon';
import { generatedNote, runGenerator, yamlFile, type GeneratedEvent } from './generated-events';

const ZONE = 'Asia/Tokyo';
const at = (iso: string) => DateTime.fromISO(iso, { zone: ZONE });

/** Constraints from the briefing (published) and from this scenario's own choices (synthetic). */
const C = {
  cases: 120, // published
  damagedBanks: [
    'BANK-A',
    'BANK-B',
    'BANK-C',
    'BANK-D',
    'BANK-E',
    'BANK-F',
    'BANK-G',
    'BANK-H',
    'BANK-I',
    'BANK-J',
    'BANK-K',
  ], // 11 published; codes synthetic
  separateMatterBank: 'BANK-L', // the 12th bank of the 09-10 announcement, later a separate matter (published)
  otherStoppedBanks: [
    'BANK-M',
    'BANK-N',
    'BANK-O',
    'BANK-P',
    'BANK-Q',
    'BANK-R',
    'BANK-S',
    'BANK-T',
  ], // synthetic, to make 20 by 09-10
  namedLateStoppers: ['JUROKU', 'IKEDA-SENSHU'], // 十六銀行, 池田泉州銀行: stopped charges after 09-10 (published)
  damageFloor: 25_420_000, // 2,542万円, stated to 10,000 yen (published); truncation assumed
  linkingSuspendedAt: at('2020-09-10T00:00:00'), // date published; time of day synthetic
  announcement0910: at('2020-09-10T18:00:00'), // the 09-10 announcement's as-of (time synthetic)
  knownBy0908: 24, // published: cases known to the operator on 09-08
  bankReports0909: 9, // published: reports from 9 banks on 09-09
  oldestDamage: at('2019-10-01T00:00:00'), // published: October 2019
};

export function generate(seed: number): {
  cases: GeneratedEvent[];
  controls: GeneratedEvent[];
  inquiries: GeneratedEvent[];
} {
  const rng = new Rng(seed);
  const n = C.cases;
  // Every damaged bank gets at least one case; the rest fall where the seed says.
  const banks = [
    ...C.damagedBanks,
    ...Array.from({ length: n - C.damagedBanks.length }, () => rng.pick(C.damagedBanks)),
  ];
  rng.shuffle(banks);

  // When each case's charges happened: one in October 2019 (the oldest), a few over the winter
  // and spring, most in the summer of 2020 when the attacks were noticed; one after linking
  // stopped.
  const postStop = n - 1;
  const firstCharge = banks.map((_, i) => {
    if (i === 0) return C.oldestDamage.plus({ days: rng.int(2, 27), minutes: rng.int(0, 1439) });
    if (i === postStop) return C.linkingSuspendedAt.plus({ hours: 9, minutes: rng.int(0, 300) });
    if (i < 8)
      return at('2019-11-01T00:00:00').plus({ days: rng.int(0, 240), minutes: rng.int(0, 1439) });
    return at('2020-07-01T00:00:00').plus({ days: rng.int(0, 65), minutes: rng.int(0, 1439) });
  });

  // Charge amounts in thousands of yen, scaled so the total lands in the published 10,000-yen band.
  const chargeCounts = banks.map((_, i) => (i === postStop ? 1 : rng.int(1, 4)));
  const raw = chargeCounts.map((k) => Array.from({ length: k }, () => rng.int(20, 150)));
  const target = C.damageFloor + rng.int(1, 9) * 1000;
  const rawSum = raw.flat().reduce((a, b) => a + b, 0);
  const amounts = raw.map((cs) =>
    cs.map((r) => Math.max(10, Math.round((r * target) / rawSum / 1000)) * 1000),
  );
  const residual = target - amounts.flat().reduce((a, b) => a + b, 0);
  const largest = amounts.flat().reduce((m, v) => Math.max(m, v), 0);
  const fix = amounts.find((cs) => cs.includes(largest))!;
  fix[fix.indexOf(largest)] = largest + residual;

  // When each case was reported: 24 by the end of 09-08, then 09-09 (from exactly 9 banks),
  // then the rest by 09-10 18:00 or in the days after (the post-stop case among the latter).
  const reportAt: DateTime[] = new Array(n);
  const order = rng.shuffle(banks.map((_, i) => i).filter((i) => i !== postStop && i !== 0));
  const early = order.slice(0, C.knownBy0908 - 1).concat([0]);
  early.forEach(
    (i) =>
      (reportAt[i] = at('2020-09-04T09:00:00').plus({
        days: rng.int(0, 4),
        minutes: rng.int(0, 600),
      })),
  );
  const rest = order.slice(C.knownBy0908 - 1);
  const banks0909 = new Set(rng.shuffle([...C.damagedBanks]).slice(0, C.bankReports0909));
  const on0909 = rest.filter((i) => banks0909.has(banks[i]!));
  // Keep at least one case of every damaged bank for 09-10, so all 11 are known at the
  // announcement.
  const bankSeen = new Set<string>();
  for (const i of on0909) {
    if (rng.next() < 0.7 || !bankSeen.has(banks[i]!)) {
      bankSeen.add(banks[i]!);
      reportAt[i] = at('2020-09-09T09:00:00').plus({ minutes: rng.int(0, 600) });
    }
  }
  for (const bank of C.damagedBanks) {
    if ([...early, ...rest].some((i) => banks[i] === bank && reportAt[i] !== undefined)) continue;
    const i = rest.find((j) => banks[j] === bank)!;
    reportAt[i] = at('2020-09-10T09:00:00').plus({ minutes: rng.int(0, 480) });
  }
  for (const i of rest)
    reportAt[i] ??= at('2020-09-11T09:00:00').plus({
      days: rng.int(0, 2),
      minutes: rng.int(0, 600),
    });
  reportAt[postStop] = at('2020-09-12T10:00:00').plus({ minutes: rng.int(0, 300) });

  const cases: GeneratedEvent[] = [];
  const pad = (i: number) => String(i + 1).padStart(3, '0');
  const addCase = (
    i: number,
    bankCode: string,
    charges: number[],
    start: DateTime,
    reported: DateTime,
  ) => {
    const c = `C${pad(i)}`;
    const walletId = `W${pad(i)}`;
    const accountId = `ACC-${pad(i)}`;
    const stream = `wallet-${walletId}`;
    // Charges end an hour before the report, and (but for the post-stop case) before linking
    // stopped.
    const end = (i === postStop ? reported : DateTime.min(reported, C.linkingSuspendedAt)).minus({
      hours: 1,
    });
    let t = DateTime.min(start, end.minus({ minutes: charges.length * 3000 }));
    // The wallet is opened and linked before its first charge: the ledger's rules refuse a charge
    // from an unlinked account.
    const linkedAt =
      i === postStop
        ? at('2020-09-05T00:00:00').plus({ minutes: rng.int(0, 4000) })
        : t.minus({ minutes: rng.int(5, 2000) });
    cases.push({
      key: `${c}/open`,
      type: 'WalletOpened',
      stream,
      occurredAt: linkedAt.minus({ minutes: rng.int(1, 30) }),
      data: { walletId, openedBy: 'third-party' },
    });
    cases.push({
      key: `${c}/link`,
      type: 'BankAccountLinked',
      stream,
      occurredAt: linkedAt,
      data: {
        walletId,
        bankCode,
        accountId,
        factors: ['account-number', 'pin', 'name', 'birth-date'],
      },
    });
    let charged = 0;
    charges.forEach((amountYen, k) => {
      cases.push({
        key: `${c}/charge-${k + 1}`,
        type: 'ChargeExecuted',
        stream,
        occurredAt: t,
        data: { walletId, bankCode, accountId, amountYen },
      });
      charged += amountYen;
      // Spend most of each charge soon after: cigarettes at convenience stores, appliances at mass
      // retailers.
      const spend = Math.floor((amountYen * rng.int(80, 100)) / 100 / 100) * 100;
      const category =
        rng.next() < 0.5 ? 'convenience-store:cigarettes' : 'mass-retailer:appliances';
      cases.push({
        key: `${c}/purchase-${k + 1}`,
        type: 'PurchaseMade',
        stream,
        occurredAt: t.plus({ minutes: rng.int(10, 240) }),
        data: { walletId, amountYen: spend, merchantCategory: category },
      });
      t = t.plus({ minutes: rng.int(30, 3000) });
    });
    cases.push({
      key: `${c}/report`,
      type: 'CaseReported',
      stream: `case-${c}`,
      occurredAt: reported,
      data: { caseId: c, bankCode, accountId, status: 'confirmed' },
    });
    return { c, charged };
  };
  banks.forEach((bank, i) => addCase(i, bank, amounts[i]!, firstCharge[i]!, reportAt[i]!));

  // The 12th bank's case: reported before the 09-10 announcement, then found to be a separate
  // matter.
  const sep = addCase(
    n,
    C.separateMatterBank,
    [rng.int(30, 90) * 1000],
    at('2020-09-03T12:00:00'),
    at('2020-09-10T11:00:00'),
  );
  cases.push({
    key: `${sep.c}/reclassified`,
    type: 'CaseReclassified',
    stream: `case-${sep.c}`,
    occurredAt: at('2020-09-12T15:00:00'),
    data: {
      caseId: sep.c,
      status: 'excluded-separate-matter',
      reason: 'found to be a separate matter (briefing of 2020-09-14)',
    },
  });

  // Controls: new linking suspended on 09-10; 20 banks stopped charges by the 09-10 announcement
  // (each after its last damaging charge), 十六銀行 and 池田泉州銀行 between then and 09-14 00:00.
  const controls: GeneratedEvent[] = [
    {
      key: 'operator/linking-suspended',
      type: 'NewLinkingSuspended',
      stream: 'operator',
      occurredAt: C.linkingSuspendedAt,
      data: { reason: 'unauthorized linking of bank accounts' },
    },
  ];
  const lastChargeAt = new Map<string, DateTime>();
  cases
    .filter((e) => e.type === 'ChargeExecuted')
    .forEach((e) => {
      const b = e.data.bankCode as string;
      if (!lastChargeAt.has(b) || lastChargeAt.get(b)! < e.occurredAt)
        lastChargeAt.set(b, e.occurredAt);
    });
  const stoppers = [...C.damagedBanks, C.separateMatterBank, ...C.otherStoppedBanks];
  for (const bank of stoppers) {
    const earliest = DateTime.max(
      at('2020-09-08T12:00:00'),
      (lastChargeAt.get(bank) ?? at('2020-09-08T00:00:00')).plus({ minutes: 30 }),
    );
    const latest = C.announcement0910.minus({ minutes: 30 });
    const span = Math.max(0, Math.floor(latest.diff(earliest, 'minutes').minutes));
    controls.push({
      key: `${bank}/charges-stopped`,
      type: 'BankChargesStopped',
      stream: `bank-${bank}`,
      occurredAt: earliest.plus({ minutes: rng.int(0, span) }),
      data: { bankCode: bank },
    });
  }
  for (const bank of C.namedLateStoppers) {
    controls.push({
      key: `${bank}/charges-stopped`,
      type: 'BankChargesStopped',
      stream: `bank-${bank}`,
      occurredAt: at('2020-09-11T09:00:00').plus({ minutes: rng.int(0, 3000) }),
      data: { bankCode: bank },
    });
  }
  // The operator locked wallets suspected of the same fraud: here each fraud wallet, hours after
  // its case was reported (times synthetic; the briefing gives no dates for locks).
  for (const e of cases.filter((x) => x.type === 'CaseReported')) {
    const walletId = `W${(e.data.caseId as string).slice(1)}`;
    controls.push({
      key: `${walletId}/locked`,
      type: 'WalletLocked',
      stream: `wallet-${walletId}`,
      occurredAt: e.occurredAt.plus({ hours: rng.int(1, 12) }),
      data: { walletId, reason: 'suspected unauthorized use' },
    });
  }
  // Announced by 09-14 (times synthetic): full compensation begun with the banks; eKYC before new
  // charges for already-registered users. Compensation paid per case later in September
  // (synthetic).
  controls.push({
    key: 'operator/compensation-started',
    type: 'CompensationStarted',
    stream: 'operator',
    occurredAt: at('2020-09-12T09:00:00'),
    data: { reason: 'full compensation with the banks (briefing of 2020-09-14)' },
  });
  controls.push({
    key: 'operator/ekyc-required',
    type: 'EkycRequired',
    stream: 'operator',
    occurredAt: at('2020-09-14T10:00:00'),
    data: {
      reason:
        'eKYC before new charges for already-registered users, announced 2020-09-14; effective time synthetic',
    },
  });
  const excluded = new Set([sep.c]);
  for (const e of cases.filter(
    (x) => x.type === 'CaseReported' && !excluded.has(x.data.caseId as string),
  )) {
    const caseId = e.data.caseId as string;
    const amountYen = cases
      .filter((x) => x.type === 'ChargeExecuted' && x.data.accountId === e.data.accountId)
      .reduce((n, x) => n + (x.data.amountYen as number), 0);
    controls.push({
      key: `${caseId}/compensated`,
      type: 'CompensationPaid',
      stream: `case-${caseId}`,
      occurredAt: at('2020-09-18T09:00:00').plus({
        days: rng.int(0, 12),
        minutes: rng.int(0, 480),
      }),
      data: { caseId, amountYen, paidBy: 'operator' },
    });
  }
  return { cases, controls, inquiries: inquiries(rng) };
}

/**
 * Call-centre inquiries, in hourly counts (synthetic) whose totals are the published ones:
 * 1,496 from the opening on 09-12 to 09-12 17:00, then 749 more by 09-13 17:00.
 */
function inquiries(rng: Rng): GeneratedEvent[] {
  const periods = [
    { from: at('2020-09-12T09:00:00'), to: at('2020-09-12T17:00:00'), total: 1496 },
    { from: at('2020-09-12T17:00:00'), to: at('2020-09-13T17:00:00'), total: 749 },
  ];
  const out: GeneratedEvent[] = [];
  for (const p of periods) {
    const hours = Math.round(p.to.diff(p.from, 'hours').hours);
    const weights = Array.from({ length: hours }, () => rng.int(1, 10));
    const sum = weights.reduce((a, b) => a + b, 0);
    const counts = weights.map((w) => Math.floor((w * p.total) / sum));
    counts[counts.length - 1]! += p.total - counts.reduce((a, b) => a + b, 0);
    counts.forEach((count, h) => {
      const start = p.from.plus({ hours: h });
      out.push({
        key: `inquiries/${start.toISO()}`,
        type: 'InquiriesReceived',
        stream: 'call-centre',
        occurredAt: start.plus({ hours: 1 }),
        data: {
          channel: 'call-centre',
          count,
          periodStart: start.toISO({ suppressMilliseconds: true }),
          periodEnd: start.plus({ hours: 1 }).toISO({ suppressMilliseconds: true }),
        },
      });
    });
  }
  return out;
}

/** The event files a seed makes, by file name, as written. */
export function eventFiles(seed: number): Record<string, string> {
  const { cases, controls, inquiries } = generate(seed);
  const note = generatedNote('generate-docomo.ts', seed);
  return {
    'cases.yaml': yamlFile(note, cases),
    'controls.yaml': yamlFile(note, controls),
    'inquiries.yaml': yamlFile(note, inquiries),
  };
}

if (require.main === module)
  runGenerator({
    script: 'generate-docomo.ts',
    seed: '20200914',
    out: 'scenarios/docomo-kouza-2020/events',
    files: eventFiles,
  });
