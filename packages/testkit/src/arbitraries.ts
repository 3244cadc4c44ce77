import {
  AUTH_FACTORS,
  AUTH_POLICIES,
  CASE_STATUSES,
  type AuthFactor,
  type CommandBody,
} from '@incident-ledger/core';
import fc from 'fast-check';

/**
 * Attack sequences: commands against the ledger, with realistic values (the 2020 pattern: open a
 * wallet, link a victim's account with number, PIN, name and birth date, charge, spend) and
 * hostile ones (unknown wallets and banks, several operators or none, controls of a bank, an
 * operator or the pair, look-alike and non-ASCII ids, zero and enormous
 * amounts, wrong or duplicated factors, controls at any moment, many commands at one instant,
 * zones with odd offsets and daylight saving). Ids come from small pools so commands collide.
 */
export interface AttackSequence {
  zone: string;
  /** Epoch ms of the first step. */
  start: number;
  steps: Step[];
}
export interface Step {
  /** Minutes after the previous step (0: the same instant). */
  afterMinutes: number;
  command: CommandBody;
}

const WALLETS = ['W1', 'W2', 'W3', 'w1', '口座-1', '🦊'] as const;
const BANKS = ['BANK-A', 'BANK-B', 'BANK-S', '十六銀行'] as const;
/** Payment services; 'x' is also a merchant category (the two share a column's dictionary). */
const OPERATORS = ['docomo-koza', 'paypay', 'メルペイ', 'x'] as const;
const ACCOUNTS = ['ACC-1', 'ACC-2', '0001'];
const CASES = ['C1', 'C2', 'C3'];
const MERCHANTS = ['convenience-store:cigarettes', 'mass-retailer:appliances', 'x'];
/** Zones with whole-hour, 30- and 45-minute offsets, and with and without daylight saving. */
const ZONES = [
  'Asia/Tokyo',
  'UTC',
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
] as const;
/**
 * Instants just before daylight-saving changes in those zones, so days of 23 and 25 hours occur.
 */
const NEAR_TRANSITIONS = [
  '2020-03-08T05:00:00Z',
  '2020-10-25T00:00:00Z',
  '2020-04-04T14:00:00Z',
  '2020-09-26T13:00:00Z',
  '2020-11-01T04:30:00Z',
].map(Date.parse);
const MINUTE = 60_000;

const wallet = fc.constantFrom(...WALLETS);
const bank = fc.constantFrom(...BANKS);
const accountId = fc.constantFrom(...ACCOUNTS);
const caseId = fc.constantFrom(...CASES);
const reason = fc.constantFrom('suspected unauthorized use', '');
const operatorCode = fc.constantFrom(...OPERATORS);

/**
 * A record whose `operatorCode` (and, where `optional` says, `bankCode`) is often left out: a
 * sequence mixes one-operator commands, which name none, with commands through several operators.
 */
function scoped<T>(
  fields: { [K in keyof T]: fc.Arbitrary<T[K]> },
  optional: readonly string[] = ['operatorCode'],
): fc.Arbitrary<T> {
  const required = Object.keys(fields).filter((k) => !optional.includes(k)) as (keyof T)[];
  return fc.record(fields, { requiredKeys: required }) as unknown as fc.Arbitrary<T>;
}

/**
 * Yen: mostly whole thousands, half of them under 50,000 (the 2020 charges, on both sides of any
 * threshold a figure might be tempted to apply), half up to 500,000; then small and extreme ones.
 */
const amount = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 49 }).map((k) => k * 1_000) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 500 }).map((k) => k * 1_000) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 999 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 1e12, Number.MAX_SAFE_INTEGER) },
);

const factors: fc.Arbitrary<AuthFactor[]> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<AuthFactor[]>([...AUTH_POLICIES.weak]) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<AuthFactor[]>(
      [...AUTH_POLICIES.weak, 'otp'],
      [...AUTH_POLICIES.weak, 'ekyc'],
    ),
  },
  { weight: 2, arbitrary: fc.subarray([...AUTH_FACTORS]) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...AUTH_FACTORS), { maxLength: 8 }) },
);
const policy: fc.Arbitrary<AuthFactor[]> = fc.oneof(
  fc.constant<AuthFactor[]>([...AUTH_POLICIES.weak]),
  fc.constant<AuthFactor[]>([...AUTH_POLICIES.strong]),
  fc.constantFrom<AuthFactor[]>([...AUTH_POLICIES.weak, 'otp'], []),
);

const commandBody: fc.Arbitrary<CommandBody> = fc.oneof(
  {
    weight: 16,
    arbitrary: scoped({
      type: fc.constant('Charge' as const),
      walletId: wallet,
      bankCode: bank,
      accountId,
      amountYen: amount,
      operatorCode,
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      type: fc.constant('Purchase' as const),
      walletId: wallet,
      amountYen: amount,
      merchantCategory: fc.constantFrom(...MERCHANTS),
    }),
  },
  {
    weight: 12,
    arbitrary: scoped({
      type: fc.constant('LinkBankAccount' as const),
      walletId: wallet,
      bankCode: bank,
      accountId,
      factors,
      operatorCode,
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      type: fc.constant('OpenWallet' as const),
      walletId: wallet,
      openedBy: fc.constantFrom('holder' as const, 'third-party' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ type: fc.constant('LockWallet' as const), walletId: wallet, reason }),
  },
  {
    weight: 2,
    arbitrary: scoped(
      { type: fc.constant('SuspendLinking' as const), reason, bankCode: bank, operatorCode },
      ['bankCode', 'operatorCode'],
    ),
  },
  {
    weight: 3,
    arbitrary: scoped(
      { type: fc.constant('ResumeLinking' as const), reason, bankCode: bank, operatorCode },
      ['bankCode', 'operatorCode'],
    ),
  },
  {
    weight: 4,
    arbitrary: scoped({
      type: fc.constant('SetLinkPolicy' as const),
      bankCode: bank,
      requiredFactors: policy,
      operatorCode,
    }),
  },
  {
    weight: 5,
    arbitrary: scoped({ type: fc.constant('StopCharges' as const), bankCode: bank, operatorCode }, [
      'bankCode',
      'operatorCode',
    ]),
  },
  // Every charge stopped: scoped() seldom leaves out both keys at once.
  { weight: 1, arbitrary: fc.constant({ type: 'StopCharges' as const }) },
  {
    weight: 2,
    arbitrary: scoped({
      type: fc.constant('ResumeCharges' as const),
      bankCode: bank,
      operatorCode,
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('RequireEkyc' as const), reason }) },
  {
    weight: 3,
    arbitrary: fc.record({ type: fc.constant('CompleteEkyc' as const), walletId: wallet }),
  },
  {
    weight: 4,
    arbitrary: scoped({
      type: fc.constant('ReportCase' as const),
      caseId,
      bankCode: bank,
      accountId,
      status: fc.constantFrom('suspected' as const, 'confirmed' as const),
      operatorCode,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('ReclassifyCase' as const),
      caseId,
      status: fc.constantFrom(...CASE_STATUSES),
      reason,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('Compensate' as const),
      caseId,
      amountYen: amount,
      paidBy: fc.constantFrom('operator' as const, 'bank' as const),
    }),
  },
);

const afterMinutes = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 60 }) },
  { weight: 3, arbitrary: fc.integer({ min: 60, max: 3 * 1_440 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1_440, max: 90 * 1_440 }) },
);

const start = fc.oneof(
  fc
    .integer({
      min: Date.parse('2019-01-01T00:00:00Z') / MINUTE,
      max: Date.parse('2021-12-31T00:00:00Z') / MINUTE,
    })
    .map((m) => m * MINUTE),
  fc.constantFrom(...NEAR_TRANSITIONS),
);

/** A control the operator or a bank may bring in while an attack is under way. */
type Interruption =
  'StopCharges' | 'LockWallet' | 'RequireEkyc' | 'CompleteEkyc' | 'SuspendLinking';
const interruption = fc.option(
  fc.constantFrom<Interruption>(
    'StopCharges',
    'LockWallet',
    'RequireEkyc',
    'CompleteEkyc',
    'SuspendLinking',
  ),
  { freq: 2 },
);

/**
 * The 2020 pattern in one go: open a wallet, link an account, charge it, spend, and the victim
 * reports a case on the account; often with a control arriving between the charges, as the
 * operator and the banks reacted mid-attack. Without the reports the figures would rarely see any
 * damage.
 */
const attackBurst: fc.Arbitrary<Step[]> = fc
  .record({
    walletId: wallet,
    bankCode: bank,
    accountId,
    factors,
    /** The service the whole attack goes through; none half the time (one operator). */
    operator: fc.option(operatorCode, { freq: 2 }),
    charges: fc.array(amount, { minLength: 1, maxLength: 4 }),
    interruption,
    spendYen: amount,
    merchantCategory: fc.constantFrom(...MERCHANTS),
    report: fc.option(
      fc.record({
        caseId,
        status: fc.constantFrom('suspected' as const, 'confirmed' as const),
      }),
      { freq: 3 },
    ),
    gaps: fc.array(afterMinutes, { minLength: 9, maxLength: 9 }),
  })
  .map(
    ({
      walletId,
      bankCode,
      accountId,
      factors,
      operator,
      charges,
      interruption,
      spendYen,
      merchantCategory,
      report,
      gaps,
    }) => {
      // Through the attack's operator, when it has one: its commands name it, and so do the
      // controls brought in against it (a stop of the pair, a suspension of the operator).
      const through = operator === null ? {} : { operatorCode: operator };
      const control = ((): CommandBody[] => {
        switch (interruption) {
          case 'StopCharges':
            return [{ type: 'StopCharges', bankCode, ...through }];
          case 'LockWallet':
            return [{ type: 'LockWallet', walletId, reason: 'suspected unauthorized use' }];
          case 'RequireEkyc':
            return [{ type: 'RequireEkyc', reason: 'eKYC before new charges' }];
          case 'CompleteEkyc':
            return [{ type: 'CompleteEkyc', walletId }];
          case 'SuspendLinking':
            return [{ type: 'SuspendLinking', reason: 'unauthorized linking', ...through }];
          case null:
            return [];
        }
      })();
      const charge = (amountYen: number): CommandBody => ({
        type: 'Charge',
        walletId,
        bankCode,
        accountId,
        amountYen,
        ...through,
      });
      const commands: CommandBody[] = [
        { type: 'OpenWallet', walletId, openedBy: 'third-party' },
        { type: 'LinkBankAccount', walletId, bankCode, accountId, factors, ...through },
        charge(charges[0]!),
        ...control,
        ...charges.slice(1).map(charge),
        { type: 'Purchase', walletId, amountYen: spendYen, merchantCategory },
        ...(report === null
          ? []
          : [{ type: 'ReportCase' as const, bankCode, accountId, ...report, ...through }]),
      ];
      return commands.map((command, i) => ({ afterMinutes: gaps[i] ?? 0, command }));
    },
  );

const chunk: fc.Arbitrary<Step[]> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ afterMinutes, command: commandBody }).map((s) => [s]) },
  { weight: 1, arbitrary: attackBurst },
);

/**
 * Chunks drawn until they hold at least `n` commands: ceil(n / 3) at a time (a chunk holds about
 * three on average, at least one), then more for what is still short. The chunks are the same
 * independent draws as any others, so a sequence cut from them is one cut from an endless run of
 * chunks; only few are drawn past the cut.
 */
function chunksHolding(n: number): fc.Arbitrary<Step[][]> {
  const k = Math.ceil(n / 3);
  return fc.array(chunk, { minLength: k, maxLength: k }).chain((chunks) => {
    let short = n;
    for (const c of chunks) short -= c.length;
    return short <= 0
      ? fc.constant(chunks)
      : chunksHolding(short).map((more) => chunks.concat(more));
  });
}

/**
 * Sequences of single commands and attack bursts, cut to `maxCommands`. With `minCommands` above 0,
 * chunks are drawn until a length between the two is reached (with both equal, every sequence has
 * exactly that many commands: the benchmark's 50), not a whole array of `minCommands` chunks of
 * which most would be cut.
 */
export function attackSequence(
  options: { minCommands?: number; maxCommands?: number } = {},
): fc.Arbitrary<AttackSequence> {
  const { minCommands = 0, maxCommands = 50 } = options;
  const chunks =
    minCommands > 0
      ? fc.integer({ min: minCommands, max: maxCommands }).chain(chunksHolding)
      : fc.array(chunk, { maxLength: maxCommands });
  return fc.record({
    zone: fc.constantFrom(...ZONES),
    start,
    steps: chunks.map((c) => c.flat().slice(0, maxCommands)),
  });
}

/** `count` sequences from `seed`, outside a property run (benchmarks). */
export function sampleSequences(
  count: number,
  seed: number,
  options?: Parameters<typeof attackSequence>[0],
): AttackSequence[] {
  return fc.sample(attackSequence(options), { numRuns: count, seed });
}
