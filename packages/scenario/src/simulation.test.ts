import { AUTH_POLICIES, runCommands, type LedgerEvent } from '@incident-ledger/core';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ScenarioError } from './errors';
import { loadScenario } from './scenario';
import { planAttacks } from './plan-attacks';
import { loadSimulation, type Simulation } from './simulation';

const DOCOMO = resolve(__dirname, '../../../scenarios/docomo-kouza-2020');

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'simulation-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const MAIN = `id: sim-test
title: A simulated incident
timeZone: Asia/Tokyo
banks:
  - { code: WEAK, auth: weak }
  - { code: STRONG, auth: strong }
eventFiles: [events.yaml]
`;
const SIM = `victims: { WEAK: 40, STRONG: 40 }
attack:
  waves: [{ from: "2020-08-01T00:00:00+09:00", to: "2020-09-01T00:00:00+09:00", percent: 100 }]
  linkAttempts: { min: 1, max: 2 }
  minutesBetweenAttempts: { min: 1, max: 30 }
  knowsCredentialsPercent: 95
  hasSecondFactorPercent: 5
  chargesPerAccount: { min: 1, max: 3 }
  chargeYen: { min: 10000, max: 100000, step: 1000 }
  minutesBetweenCharges: { min: 30, max: 600 }
  spendPercent: { min: 80, max: 100 }
  minutesToSpend: { min: 10, max: 120 }
  merchants: [cigarettes]
reportAfterHours: { min: 24, max: 48 }
lockAfterHours: { min: 1, max: 2 }
controls:
  - { at: "2020-08-20T00:00:00+09:00", control: suspend-linking }
`;

function scenarioWith(sim: string, main = MAIN) {
  writeFileSync(join(dir, 'scenario.yaml'), main);
  writeFileSync(join(dir, 'events.yaml'), 'events: []\n');
  writeFileSync(join(dir, 'simulation.yaml'), sim);
  const scenario = loadScenario(dir);
  return { scenario, simulation: loadSimulation(scenario)! };
}

function problem(sim: string): ScenarioError {
  try {
    scenarioWith(sim);
  } catch (e) {
    if (e instanceof ScenarioError) return e;
    throw e;
  }
  throw new Error('the simulation was accepted');
}

const run = (s: ReturnType<typeof scenarioWith>, seed: number) => {
  const plan = planAttacks(s.scenario, s.simulation, seed);
  return runCommands(plan.commands, { namespace: plan.namespace, reactions: plan.reactions() });
};

describe('loadSimulation', () => {
  it("reads the docomo scenario's simulation.yaml: eleven banks, about 120 victims, the controls timeline", () => {
    const sim = loadSimulation(loadScenario(DOCOMO)) as Simulation;
    expect(sim.victims.map((v) => v.bankCode)).toEqual([
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
    ]);
    expect(sim.victims.reduce((n, v) => n + v.count, 0)).toBe(124);
    expect(sim.controls.filter((c) => c.control === 'suspend-linking').map((c) => c.at)).toEqual([
      Date.parse('2020-09-10T00:00:00+09:00'),
    ]);
  });

  it('is optional: a scenario without simulation.yaml has none', () => {
    const copy = join(dir, 'docomo');
    cpSync(DOCOMO, copy, {
      recursive: true,
      filter: (src) => !/simulation\.yaml|ledger\.sqlite/.test(src),
    });
    expect(loadSimulation(loadScenario(copy))).toBeUndefined();
  });

  it.each([
    [
      'an unknown key, with its line',
      SIM.replace('lockAfterHours:', 'lockAfterHour:'),
      /simulation\.yaml:15:\d+: lockAfterHour: unknown key/,
    ],
    [
      'a bank the scenario does not declare',
      SIM.replace('STRONG: 40', 'OTHER: 40'),
      /victims\.OTHER: unknown bank code "OTHER"\n {2}fix: declare it under banks in scenario\.yaml/,
    ],
    [
      'waves that do not add up to 100 percent',
      SIM.replace('percent: 100', 'percent: 90'),
      /attack\.waves: percents add up to 90, not 100/,
    ],
    [
      'a range upside down',
      SIM.replace('{ min: 1, max: 3 }', '{ min: 3, max: 1 }'),
      /attack\.chargesPerAccount\.max: must be a whole number from 3 up, got 1/,
    ],
    [
      'charges that could add up to more than 2^53 - 1 yen',
      SIM.replace('max: 100000, step', 'max: 100000000000000, step'),
      /attack\.chargeYen\.max: lets 80 victims be charged up to 3 times, more than 9,007,199,254,740,991 yen in all/,
    ],
    [
      'a bank stop without its bank',
      SIM.replace('control: suspend-linking', 'control: stop-charges'),
      /controls\[0\]\.control: stop-charges needs bank:/,
    ],
    [
      'a time without a zone',
      SIM.replace('"2020-08-20T00:00:00+09:00"', '"2020-08-20T00:00:00"'),
      /controls\[0\]\.at: must be an ISO 8601 time with a zone offset/,
    ],
  ])('refuses %s', (_, sim, message) => {
    expect(problem(sim).message).toMatch(message);
  });
});

describe('planAttacks', () => {
  it('the same seed gives the same events and ids; another seed, others', () => {
    const s = scenarioWith(SIM);
    expect(run(s, 7).events).toEqual(run(s, 7).events);
    expect(run(s, 8).events).not.toEqual(run(s, 7).events);
  });

  it('targeted: a link or two per victim; weak banks almost always give way, strong banks almost never', () => {
    const ledger = run(scenarioWith(SIM), 1);
    const at = (bank: string, type: string, reason?: string) =>
      ledger.events.filter(
        (e) =>
          e.type === type &&
          (e.data as { bankCode: string }).bankCode === bank &&
          (reason === undefined || (e.data as { reason: string }).reason === reason),
      ).length;
    const attempts = ledger.events.filter(
      (e) => e.type === 'BankAccountLinked' || e.type === 'BankLinkRejected',
    );
    expect(attempts.length).toBeLessThanOrEqual(2 * 80);
    // 40 victims a bank; a third arrive after linking is suspended (08-20 of a wave ending 09-01).
    expect(at('WEAK', 'BankAccountLinked')).toBeGreaterThanOrEqual(20);
    expect(at('WEAK', 'BankLinkRejected', 'missing-factors')).toBeLessThanOrEqual(6);
    expect(at('STRONG', 'BankAccountLinked')).toBeLessThanOrEqual(6);
    expect(at('STRONG', 'BankLinkRejected', 'missing-factors')).toBeGreaterThanOrEqual(30);
    const policies = ledger.events.filter((e) => e.type === 'BankLinkPolicySet').map((e) => e.data);
    expect(policies).toEqual([
      { bankCode: 'WEAK', requiredFactors: [...AUTH_POLICIES.weak] },
      { bankCode: 'STRONG', requiredFactors: [...AUTH_POLICIES.strong] },
    ]);
  });

  it('each victim: charges only once linked, spends after each charge, reports after the first, and is locked after the report', () => {
    const ledger = run(scenarioWith(SIM), 2);
    const byVictim = new Map<string, LedgerEvent[]>();
    ledger.events.forEach((e, i) => {
      const victim = ledger.keys[i]!.split('/')[0]!;
      if (victim.startsWith('V')) byVictim.set(victim, [...(byVictim.get(victim) ?? []), e]);
    });
    let charged = 0;
    for (const events of byVictim.values()) {
      const types = events.map((e) => e.type);
      const first = (t: string) => types.indexOf(t as LedgerEvent['type']);
      if (first('ChargeExecuted') < 0) continue;
      charged++;
      expect(first('BankAccountLinked')).toBeLessThan(first('ChargeExecuted'));
      expect(first('ChargeExecuted')).toBeLessThan(first('PurchaseMade'));
      expect(first('ChargeExecuted')).toBeLessThan(first('CaseReported'));
      expect(first('CaseReported')).toBeLessThan(first('WalletLocked'));
    }
    expect(charged).toBeGreaterThan(20);
  });

  it('links refused once new linking is suspended are attempts, counted by rule', () => {
    const ledger = run(scenarioWith(SIM), 3);
    const suspended = Date.parse('2020-08-20T00:00:00+09:00');
    expect(
      ledger.events.some((e) => e.type === 'BankAccountLinked' && e.occurredAt >= suspended),
    ).toBe(false);
    expect(ledger.rejections.get('linking-suspended')).toBeGreaterThan(0);
  });
});
