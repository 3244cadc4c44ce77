/**
 * Generates the synthetic case-level events of scenarios/yucho-2020 from a seed.
 *
 * pnpm tsx scripts/generate-yucho.ts [--seed 20200924] [--out scenarios/yucho-2020/events]
 *
 * Per-case data of the incident is not public. This script invents claims, wallets, links,
 * charges, reclassifications and compensation, constrained so that replaying them reproduces every
 * published figure at its own as-of time (events/publications.yaml). The figures are the
 * constraints, never the output: `incident-ledger verify` checks them by replaying these events.
 * Same seed, same files, byte for byte.
 */
import { Rng } from '@incident-ledger/core';
import { DateTime } from 'luxon';
import { generatedNote, runGenerator, yamlFile, type GeneratedEvent } from './generated-events';

const ZONE = 'Asia/Tokyo';
const at = (iso: string) => DateTime.fromISO(iso, { zone: ZONE });
const BANK = 'YUCHO';

/** Windows of report time, each ending at a published as-of time, with what was published. */
const WINDOWS = [
  {
    // Nikkei xTECH 2020-09-16: per service, cases and 万円 (published); the as-of time of day is
    // synthetic.
    from: at('2020-09-09T09:00:00'),
    to: at('2020-09-16T12:00:00'),
    byService: {
      'docomo-koza': { cases: 82, yen: 15_460_000 },
      paypay: { cases: 17, yen: 1_415_000 },
      merpay: { cases: 3, yen: 498_000 },
      'line-pay': { cases: 2, yen: 498_000 },
      kyash: { cases: 3, yen: 230_000 },
      paypal: { cases: 2, yen: 10_000 },
    } as Record<string, { cases: number; yen: number }>,
  },
  {
    // Yomiuri / newsdigest: 137 cases, 2,205万2千円 as of 09-18 (published); split synthetic.
    from: at('2020-09-16T12:00:01'),
    to: at('2020-09-18T17:00:00'),
    cases: 137 - 109,
    yen: 22_052_000 - 18_111_000,
    services: ['docomo-koza', 'paypay', 'merpay', 'line-pay', 'kyash', 'paypal'],
  },
  {
    // Kyodo: 383 claims as of 09-22; 約6,000万円 (Yomiuri, Nikkei), through 7 services.
    from: at('2020-09-18T17:00:01'),
    to: at('2020-09-22T17:00:00'),
    cases: 383 - 137,
    services: ['docomo-koza', 'paypay', 'merpay', 'line-pay', 'kyash', 'paypal', 'SERVICE-G'],
  },
] as const;

/** Constraints: published, or this scenario's choices (synthetic), as marked. */
const C = {
  ownUse: 173, // Kyodo 2020-10-05: of the 383 claims, judged the customer's own use (published)
  compensatedYen: 49_400_000, // Kyodo: 210 cases, 4,940万円 compensated (published)
  about6000man: 60_000_000, // 約6,000万円 as of 09-22 (published, rounded); exact total synthetic
  /** Each service's new linking with the bank stopped (dates synthetic; 10 of 12 by 09-16). */
  linkingStopped: {
    'docomo-koza': at('2020-09-10T00:00:00'),
    kyash: at('2020-09-11T00:00:00'),
    paypay: at('2020-09-11T00:00:00'),
    'line-pay': at('2020-09-12T00:00:00'),
    merpay: at('2020-09-12T00:00:00'),
    paypal: at('2020-09-13T00:00:00'),
    'SERVICE-H': at('2020-09-14T00:00:00'),
    'SERVICE-I': at('2020-09-14T00:00:00'),
    'SERVICE-J': at('2020-09-15T00:00:00'),
    'SERVICE-K': at('2020-09-15T00:00:00'),
    'SERVICE-G': at('2020-09-20T00:00:00'),
  } as Record<string, DateTime>,
};

interface Claim {
  id: string;
  service: string;
  window: number;
  reportedAt: DateTime;
  /** Charge amounts in yen, whole thousands. */
  charges: number[];
  ownUse: boolean;
}

/** `total` yen (whole thousands) split into `n` positive parts of whole thousands. */
function split(rng: Rng, total: number, n: number): number[] {
  const units = total / 1000;
  if (!Number.isInteger(units) || units < n) throw new Error(`cannot split ${total} into ${n}`);
  const weights = Array.from({ length: n }, () => rng.int(1, 20));
  const sum = weights.reduce((a, b) => a + b, 0);
  const parts = weights.map((w) => Math.max(1, Math.floor((w * units) / sum)));
  let rest = units - parts.reduce((a, b) => a + b, 0);
  for (let i = 0; rest !== 0; i = (i + 1) % n) {
    const step = rest > 0 ? 1 : parts[i]! > 1 ? -1 : 0;
    parts[i]! += step;
    rest -= step;
  }
  return parts.map((u) => u * 1000);
}

/** Cases per service of a window, each service at least one. */
function casesPerService(rng: Rng, services: readonly string[], n: number): string[] {
  const out = [...services];
  while (out.length < n) out.push(rng.int(0, 2) === 0 ? rng.pick(services) : 'docomo-koza');
  return rng.shuffle(out);
}

export function generate(seed: number): { cases: GeneratedEvent[]; controls: GeneratedEvent[] } {
  const rng = new Rng(seed);
  const claims: Claim[] = [];
  const claim = (service: string, window: number, yen: number) => {
    const w = WINDOWS[window]!;
    const span = w.to.diff(w.from, 'minutes').minutes;
    claims.push({
      id: `Y${String(claims.length + 1).padStart(3, '0')}`,
      service,
      window,
      reportedAt: w.from.plus({ minutes: rng.int(0, span) }),
      charges: split(rng, yen, Math.min(yen / 1000, rng.int(1, 3))),
      ownUse: false,
    });
  };
  // Window 1: each service's published cases and yen.
  for (const [service, { cases, yen }] of Object.entries(WINDOWS[0].byService))
    split(rng, yen, cases).forEach((y) => claim(service, 0, y));
  // Windows 2 and 3: the published totals, split among services and cases at random.
  const total0922 = C.about6000man + rng.int(-400, 400) * 1000;
  const w2 = WINDOWS[1];
  const w3 = WINDOWS[2];
  const yenByWindow = [w2.yen, total0922 - 22_052_000];
  [w2, w3].forEach((w, k) => {
    const services = casesPerService(rng, w.services, w.cases);
    split(rng, yenByWindow[k]!, w.cases).forEach((y, i) => claim(services[i]!, k + 1, y));
  });

  // 173 claims judged the customer's own use; the other 210 confirmed and compensated in full, so
  // their damage must be the published 4,940万円. Yen moves between a confirmed and an own-use
  // claim of the same window and service, which keeps every published sum.
  for (const c of rng.shuffle([...claims]).slice(0, C.ownUse)) c.ownUse = true;
  const sum = (cs: Claim[]) => cs.flatMap((c) => c.charges).reduce((a, b) => a + b, 0);
  let gap = C.compensatedYen - sum(claims.filter((c) => !c.ownUse));
  // In steps of at most 100,000 yen per confirmed claim and pass, from the own-use claim of its
  // group with the largest charge (or to one), so that no one claim takes it all.
  const top = (c: Claim) => Math.max(...c.charges);
  for (let pass = 0; pass < 500 && gap !== 0; pass++)
    for (const a of claims.filter((c) => !c.ownUse)) {
      const group = claims.filter(
        (c) => c.ownUse && c.window === a.window && c.service === a.service,
      );
      if (gap === 0 || group.length === 0) continue;
      const b = group.reduce((x, y) => (top(y) > top(x) ? y : x));
      // Move from b to a (gap > 0) or from a to b (gap < 0), leaving every charge 1,000 yen or more.
      const [from, to] = gap > 0 ? [b, a] : [a, b];
      const i = from.charges.indexOf(top(from));
      const t = Math.min(Math.abs(gap), from.charges[i]! - 1000, 100_000);
      from.charges[i]! -= t;
      to.charges[0]! += t;
      gap -= Math.sign(gap) * t;
    }
  if (gap !== 0) throw new Error(`seed ${seed}: cannot reach the compensated total (${gap} left)`);

  const cases: GeneratedEvent[] = [];
  for (const c of claims) {
    const walletId = `yw-${c.id}`;
    const accountId = `ya-${c.id}`;
    const operatorCode = c.service;
    // Linked before the service's linking stopped; charged after the link, before the report.
    const stop = C.linkingStopped[c.service]!;
    const latest = DateTime.min(stop, c.reportedAt).minus({ days: 1 });
    const linkedAt = latest.minus({ days: rng.int(5, 60), minutes: rng.int(0, 1439) });
    const wallet = `wallet-${walletId}`;
    cases.push({
      key: `${c.id}/open`,
      type: 'WalletOpened',
      stream: wallet,
      occurredAt: linkedAt.minus({ minutes: rng.int(5, 120) }),
      data: { walletId, openedBy: 'third-party' },
    });
    cases.push({
      key: `${c.id}/link`,
      type: 'BankAccountLinked',
      stream: wallet,
      occurredAt: linkedAt,
      data: {
        walletId,
        bankCode: BANK,
        accountId,
        factors: ['account-number', 'pin', 'name', 'birth-date'],
        operatorCode,
      },
    });
    const span = Math.max(1, Math.floor(c.reportedAt.diff(linkedAt, 'minutes').minutes) - 60);
    const times = c.charges.map(() => rng.int(1, span)).sort((x, y) => x - y);
    c.charges.forEach((amountYen, i) =>
      cases.push({
        key: `${c.id}/charge-${i + 1}`,
        type: 'ChargeExecuted',
        stream: wallet,
        occurredAt: linkedAt.plus({ minutes: times[i]! }),
        data: { walletId, bankCode: BANK, accountId, amountYen, operatorCode },
      }),
    );
    const caseStream = `case-${c.id}`;
    cases.push({
      key: `${c.id}/report`,
      type: 'CaseReported',
      stream: caseStream,
      occurredAt: c.reportedAt,
      data: { caseId: c.id, bankCode: BANK, accountId, status: 'suspected', operatorCode },
    });
    // Judged between 09-25 and 10-04; the confirmed paid in full by 10-05 09:00.
    const judged = at('2020-09-25T09:00:00').plus({
      days: rng.int(0, 8),
      minutes: rng.int(0, 600),
    });
    cases.push({
      key: `${c.id}/judged`,
      type: 'CaseReclassified',
      stream: caseStream,
      occurredAt: judged,
      data: {
        caseId: c.id,
        status: c.ownUse ? 'excluded-own-use' : 'confirmed',
        reason: c.ownUse ? "judged the customer's own use" : 'confirmed unauthorized',
      },
    });
    if (!c.ownUse)
      cases.push({
        key: `${c.id}/compensated`,
        type: 'CompensationPaid',
        stream: caseStream,
        occurredAt: judged.plus({ hours: rng.int(1, 20) }),
        data: { caseId: c.id, amountYen: sum([c]), paidBy: 'bank' },
      });
  }

  const controls: GeneratedEvent[] = Object.entries(C.linkingStopped).map(
    ([operatorCode, when]) => ({
      key: `linking-stopped/${operatorCode}`,
      type: 'NewLinkingSuspended',
      stream: `bank-${BANK}`,
      occurredAt: when,
      data: {
        reason: 'new linking of Japan Post Bank accounts stopped (date synthetic)',
        bankCode: BANK,
        operatorCode,
      },
    }),
  );
  return { cases, controls };
}

/** The event files a seed makes, by file name, as written. */
export function eventFiles(seed: number): Record<string, string> {
  const { cases, controls } = generate(seed);
  const note = generatedNote('generate-yucho.ts', seed);
  return { 'cases.yaml': yamlFile(note, cases), 'controls.yaml': yamlFile(note, controls) };
}

if (require.main === module)
  runGenerator({
    script: 'generate-yucho.ts',
    seed: '20200924',
    out: 'scenarios/yucho-2020/events',
    files: eventFiles,
  });
